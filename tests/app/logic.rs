//! The app's logic under MinimalPlugins, driven frame by frame: loading, the board's
//! actions, legal requests, the case file, submission.

use std::time::{Duration, Instant};

use bevy::prelude::*;
use offramp::app::graph::{Graph, GraphAction};
use offramp::app::investigation::Evidence;
use offramp::app::library::Library;
use offramp::app::loading::Request;
use offramp::app::{Screen, investigation};
use offramp_core::board::{Side, Tag};
use offramp_core::scenario::Category;

use super::common::*;

#[test]
fn the_library_lists_every_shipped_scenario() {
    let mut app = app();
    app.update();
    let lib = app.world().resource::<Library>();
    assert!(lib.entries.len() >= 3);
    assert!(
        lib.entries
            .iter()
            .filter(|e| e.name.ends_with(".ron"))
            .all(|e| e.parsed.is_ok() || !e.name.starts_with("beginner"))
    );
    assert_eq!(*app.world().resource::<State<Screen>>().get(), Screen::Library);
}

#[test]
fn opening_a_scenario_generates_it_off_the_main_thread_then_briefs() {
    let mut app = app();
    app.insert_resource(Request::scenario(shipped("beginner-careless-vendor.ron"), None, "Sam"));
    app.world_mut().resource_mut::<NextState<Screen>>().set(Screen::Loading);
    // The frames keep coming while the world is generated.
    app.update();
    app.update();
    until(&mut app, Screen::Briefing);
    let case = app.world().resource::<Evidence>().clone();
    assert!(case.explorer.chain.txs.len() > 1000);
    assert_eq!(case.trainee, "Sam");
    // The search finds the intel's address, labels by name, and says why nonsense is nothing.
    let addr = &case.intel.items[1].addresses[0];
    assert_eq!(investigation::panels::search(&case, addr).unwrap(), vec![(addr.clone(), addr.clone())]);
    let tag = &case.intel.tags[0];
    let found = investigation::panels::search(&case, &tag.label.to_lowercase()).unwrap();
    assert!(found.iter().any(|(a, l)| a == &tag.address && l == &tag.label), "{found:?}");
    assert!(investigation::panels::search(&case, "nonsense").unwrap_err().contains("not a Bitcoin address"));
}

#[test]
fn a_scenario_that_cannot_be_generated_returns_to_the_library_with_the_reason() {
    // The intermediate scenario's peel chain picks an exchange per peel by chance; with seed
    // 188 every peel goes to the one exchange and an objective about the other cannot resolve
    // (found by scanning seeds; validate cannot see chance).
    let mut app = app();
    app.insert_resource(Request::scenario(shipped("intermediate-two-exchanges.ron"), Some(188), ""));
    app.world_mut().resource_mut::<NextState<Screen>>().set(Screen::Loading);
    app.update();
    until(&mut app, Screen::Library);
    let notice = app.world().resource::<Library>().notice.clone().unwrap();
    assert!(notice.contains("intermediate-two-exchanges.ron:") && notice.contains("never happened"), "{notice}");
    assert!(app.world().get_resource::<Evidence>().is_none(), "no investigation opened");
}

fn briefed() -> App {
    open(app(), "beginner-careless-vendor.ron", "")
}

#[test]
fn a_legal_request_is_answered_after_a_delay_within_the_budget() {
    use offramp::app::legal::{AnswerDelay, FileRequest, Requests};
    use offramp_core::legal::Reply;
    let mut app = briefed();
    app.insert_resource(AnswerDelay(Duration::from_millis(200)));
    let world = world_of(&app);
    let i = world.scenario.objectives.iter().position(|o| o.id == "deposits").unwrap();
    let offramp_core::answer::Resolved::Addresses(deposits) = &world.truth.answers[i] else { panic!() };
    app.world_mut().write_message(FileRequest { exchange: "coinbay".into(), address: deposits[0].clone() });
    app.update();
    {
        let r = app.world().resource::<Requests>();
        assert_eq!(r.filed.len(), 1);
        assert!(r.filed[0].answer.is_none(), "the answer is not immediate");
    }
    let t = Instant::now();
    while app.world().resource::<Requests>().filed[0].answer.is_none() {
        assert!(t.elapsed() < Duration::from_secs(10));
        std::thread::sleep(Duration::from_millis(20));
        app.update();
    }
    let r = app.world().resource::<Requests>();
    let Some(Ok(Reply::Records(rec))) = &r.filed[0].answer else { panic!("{:?}", r.filed[0].answer) };
    assert_eq!(rec.name.as_deref(), Some("Marek Novák"));
    // The budget (3) holds: the fourth request is not filed.
    for _ in 0..3 {
        app.world_mut().write_message(FileRequest { exchange: "coinbay".into(), address: deposits[0].clone() });
    }
    app.update();
    let r = app.world().resource::<Requests>();
    assert_eq!(r.filed.len(), 3);
    assert!(r.refused.as_deref().unwrap_or_default().contains("budget of 3"), "{:?}", r.refused);
}

#[test]
fn selecting_expanding_and_box_selecting_on_the_canvas() {
    let mut app = open(clocked(None), "beginner-careless-vendor.ron", "");
    to_investigation(&mut app);
    let addr = intel_address(&app);
    act(&mut app, GraphAction::Add(addr.clone()));
    let start = *board(&app).selected.iter().next().expect("what is added is selected");
    assert_eq!(board(&app).name(start), addr);
    act(&mut app, GraphAction::Expand(Side::Outputs));
    let n = board(&app).cached_view().nodes.len();
    assert!(
        n > 1,
        "expanding added the transactions the address spent in: {:?}",
        app.world().resource::<Graph>().notice
    );
    assert!(app.world().resource::<Graph>().notice.as_deref().unwrap_or("").contains("added"));
    // Expand those transactions too, by selecting them all.
    act(&mut app, GraphAction::SelectAll);
    assert_eq!(board(&app).selected.len(), n);
    act(&mut app, GraphAction::Expand(Side::Outputs));
    let grown = board(&app).cached_view().nodes.len();
    assert!(grown > n);
    // A box around the start node alone selects it alone.
    let p = board(&app).position(start).unwrap();
    let keys =
        app.world_mut().resource_mut::<Graph>().board.in_rect([p[0] - 1.0, p[1] - 1.0], [p[0] + 1.0, p[1] + 1.0]);
    act(&mut app, GraphAction::Select { keys, add: false });
    assert_eq!(board(&app).selected.iter().copied().collect::<Vec<_>>(), vec![start]);
    // Removing it, then undoing, brings it back; redo takes it away again.
    act(&mut app, GraphAction::Remove);
    assert!(!board(&app).holds(start));
    act(&mut app, GraphAction::Undo);
    assert!(board(&app).holds(start));
    act(&mut app, GraphAction::Redo);
    assert!(!board(&app).holds(start));
    // Nonsense is refused with the reason, and nothing is added.
    act(&mut app, GraphAction::Add("not-an-address".into()));
    assert!(app.world().resource::<Graph>().notice.as_deref().unwrap().contains("not a Bitcoin address"));
}

#[test]
fn the_force_layout_steps_frame_by_frame_until_it_settles() {
    let mut app = open(clocked(None), "beginner-careless-vendor.ron", "");
    to_investigation(&mut app);
    let addr = intel_address(&app);
    act(&mut app, GraphAction::Add(addr));
    act(&mut app, GraphAction::Expand(Side::Inputs));
    act(&mut app, GraphAction::Expand(Side::Outputs));
    act(&mut app, GraphAction::SelectAll);
    act(&mut app, GraphAction::Expand(Side::Inputs));
    let before = board(&app).save();
    act(&mut app, GraphAction::ForceLayout);
    let mut frames = 0;
    while board(&app).settling() {
        app.update();
        frames += 1;
        assert!(frames < 2_000, "the layout never settled");
    }
    let after = board(&app).save();
    assert_ne!(before.nodes, after.nodes, "nodes moved");
    // One undo puts every node back where it was before the layout.
    act(&mut app, GraphAction::Undo);
    assert_eq!(board(&app).save().nodes, before.nodes);
    // The time layout puts later transactions further right.
    act(&mut app, GraphAction::TimeLayout);
    let view = board(&app).cached_view();
    let mut txs: Vec<(u32, f32)> = view.nodes.iter().filter_map(|n| n.time.map(|t| (t, n.pos[0]))).collect();
    txs.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
    assert!(txs.windows(2).all(|w| w[0].1 <= w[1].1));
}

#[test]
fn the_case_autosaves_and_reopening_the_scenario_resumes_it() {
    use offramp::app::casefile::{AUTOSAVE_SECS, CaseFile};
    use offramp::app::legal::{FileRequest, Requests};
    let dir = tempfile::tempdir().unwrap();
    let mut app = open(clocked(Some(dir.path())), "beginner-careless-vendor.ron", "Ana Lima");
    to_investigation(&mut app);
    let addr = intel_address(&app);
    act(&mut app, GraphAction::Add(addr.clone()));
    act(&mut app, GraphAction::Expand(Side::Outputs));
    let k = *board(&app).selected.iter().next().unwrap();
    act(
        &mut app,
        GraphAction::SetTag(
            k,
            Tag { label: "Ghost payout".into(), category: Some(Category::Vendor), ..Tag::default() },
        ),
    );
    app.world_mut().resource_mut::<CaseFile>().case.notes = "ask Coinbay first".into();
    app.world_mut().write_message(FileRequest { exchange: "coinbay".into(), address: addr.clone() });
    for _ in 0..(AUTOSAVE_SECS as usize + 6) {
        app.update();
    }
    let path = app.world().resource::<CaseFile>().path.clone().unwrap();
    assert!(path.starts_with(dir.path()) && path.to_string_lossy().contains("ana-lima"), "{}", path.display());
    let text = std::fs::read_to_string(&path).expect("the case was saved without being asked");
    assert!(text.contains("Ghost payout") && text.contains("ask Coinbay first") && text.contains("coinbay"), "{text}");
    // Closing the app saves what the last autosave missed.
    act(&mut app, GraphAction::Expand(Side::Inputs));
    app.world_mut().write_message(AppExit::Success);
    app.update();
    let saved_board = board(&app).save();
    let spent = app.world().resource::<CaseFile>().seconds();
    assert!(app.world().resource::<CaseFile>().is_saved());
    assert!(spent >= 5, "time spent is counted ({spent} s)");
    // Nothing half-written lies beside it.
    let names: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(names.len(), 1, "{names:?}");
    drop(app);

    // The same trainee opens the same scenario: everything is back.
    let again = open(clocked(Some(dir.path())), "beginner-careless-vendor.ron", "Ana Lima");
    let file = again.world().resource::<CaseFile>();
    assert!(file.notice.as_deref().unwrap().contains("Resumed"), "{:?}", file.notice);
    assert_eq!(file.case.notes, "ask Coinbay first");
    assert!(file.seconds() >= spent);
    assert_eq!(board(&again).save(), saved_board);
    assert_eq!(board(&again).tag(k).unwrap().label, "Ghost payout");
    let requests = again.world().resource::<Requests>();
    assert_eq!(requests.filed.len(), 1);
    assert!(requests.filed[0].answer.is_some(), "an answered request keeps its answer");
    // Another trainee starts a case of their own.
    drop(again);
    let other = open(clocked(Some(dir.path())), "beginner-careless-vendor.ron", "Bo");
    assert!(board(&other).is_empty());
}

#[test]
fn a_corrupt_or_foreign_case_file_is_set_aside_with_a_message() {
    use offramp::app::casefile::{CaseFile, case_path};
    let dir = tempfile::tempdir().unwrap();
    let sc = shipped("beginner-careless-vendor.ron");
    let path = case_path(dir.path(), &sc.meta.id, sc.meta.seed, "Cy");
    for (bad, why) in [
        ("Case(scenario: \"beginner-careless-vendor\", answers: {\"deposits\": Addresses([\"x\"]),", ".case.ron:1:"),
        ("Case(scenario: \"some-other-scenario\")", "some-other-scenario"),
    ] {
        std::fs::write(&path, bad).unwrap();
        let app = open(clocked(Some(dir.path())), "beginner-careless-vendor.ron", "Cy");
        let file = app.world().resource::<CaseFile>();
        let notice = file.notice.clone().unwrap();
        assert!(notice.contains("set aside") && notice.contains(why), "{notice}");
        // The old file is kept, word for word, under the name the message gives.
        let aside: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.to_string_lossy().contains(".unreadable-") && std::fs::read_to_string(p).unwrap() == bad)
            .collect();
        assert_eq!(aside.len(), 1, "{notice}");
        assert!(notice.contains(&aside[0].display().to_string()));
        std::fs::remove_file(&aside[0]).unwrap();
        assert!(board(&app).is_empty(), "a new case begins");
    }
}

#[test]
fn submitting_scores_the_case_and_shows_the_results() {
    use offramp::app::casefile::CaseFile;
    use offramp::app::findings::{Results, Submit, UnlockHint};
    let dir = tempfile::tempdir().unwrap();
    let mut app = open(clocked(Some(dir.path())), "intermediate-two-exchanges.ron", "Dee");
    to_investigation(&mut app);
    let world = world_of(&app);
    // The right answer to every objective, and one hint unlocked.
    {
        let mut file = app.world_mut().resource_mut::<CaseFile>();
        for (o, truth) in world.scenario.objectives.iter().zip(&world.truth.answers) {
            file.case.answers.insert(o.id.clone(), truth.as_given());
        }
    }
    let hinted = world.scenario.objectives.iter().find(|o| !o.hints.is_empty()).expect("an objective with a hint");
    app.world_mut().write_message(UnlockHint { objective: hinted.id.clone(), hint: 0 });
    app.update();
    assert_eq!(app.world().resource::<CaseFile>().case.hints.len(), 1);
    app.world_mut().write_message(Submit);
    app.update();
    app.update();
    assert_eq!(*app.world().resource::<State<Screen>>().get(), Screen::Results);
    let report = app.world().resource::<Results>().0.as_ref().expect("practice is scored in the app");
    let cost = hinted.hints[0].cost;
    assert!((report.earned - (report.possible - cost)).abs() < 1e-6, "{} of {}", report.earned, report.possible);
    for o in &report.objectives {
        let expected = if o.id == hinted.id { o.possible - cost } else { o.possible };
        assert!((o.earned - expected).abs() < 1e-6, "{}: {} {:?}", o.id, o.earned, o.deductions);
    }
    // The submitted case is on disk, marked as such, and reopens on its results.
    let path = app.world().resource::<CaseFile>().path.clone().unwrap();
    assert!(std::fs::read_to_string(&path).unwrap().contains("submitted: true"));
    drop(app);
    let mut again = open(clocked(Some(dir.path())), "intermediate-two-exchanges.ron", "Dee");
    again.update();
    assert_eq!(*again.world().resource::<State<Screen>>().get(), Screen::Results);
    assert!(again.world().get_resource::<Results>().is_some());
    assert!(again.world().resource::<CaseFile>().case.submitted);
}

#[test]
fn every_path_answer_including_branches_can_be_built_from_the_canvas_selection() {
    use offramp::app::findings::hops_between;
    use offramp_core::answer::{Given, Resolved};
    let mut paths = 0;
    for (name, _) in offramp::library::SHIPPED {
        let app = open(app(), name, "");
        let world = world_of(&app);
        let ev = app.world().resource::<Evidence>().clone();
        for (o, truth) in world.scenario.objectives.iter().zip(&world.truth.answers) {
            let Resolved::Path(hops) = truth else { continue };
            paths += 1;
            // The trainee selects every address of the path on the canvas and adds its hops.
            let mut addrs: Vec<offramp_core::ledger::AddrIdx> =
                hops.iter().flat_map(|(a, b)| [a, b]).map(|a| ev.explorer.address(a).unwrap()).collect();
            addrs.sort();
            addrs.dedup();
            let built = hops_between(&ev.explorer, &addrs);
            let mut case = offramp_core::case::Case { scenario: world.scenario.meta.id.clone(), ..Default::default() };
            case.answers.insert(o.id.clone(), Given::Hops(built.clone()));
            let report = offramp_core::score::score(&world, &case);
            let got = report.objectives.iter().find(|r| r.id == o.id).unwrap();
            assert!(
                (got.earned - got.possible).abs() < 1e-9,
                "{name} {}: {} of {} from the selected addresses: {:?}",
                o.id,
                got.earned,
                got.possible,
                got.deductions
            );
        }
    }
    assert!(paths >= 2, "the shipped scenarios ask for paths");
}

#[test]
fn a_price_lookup_answers_for_any_date_of_the_case_and_explains_the_rest() {
    use offramp::app::tools::price_lookup;
    let app = briefed();
    let ev = app.world().resource::<Evidence>().clone();
    let day = &ev.intel.prices[ev.intel.prices.len() / 2].date[..10];
    let got = price_lookup(&ev, day).unwrap();
    assert!(got.starts_with("1 BTC = $") && got.contains(day), "{got}");
    let at_hour = price_lookup(&ev, &format!("{day} 14:00")).unwrap();
    assert!(at_hour.contains("14:00"), "{at_hour}");
    assert!(price_lookup(&ev, "next tuesday").unwrap_err().contains("2025-03-05"));
    assert!(price_lookup(&ev, "1999-01-01").unwrap_err().contains("market data"));
}

#[test]
fn following_the_change_from_a_payout_is_one_action_that_ends_at_the_exchange_and_draws_the_chain() {
    use offramp::app::tools::{ToolResults, ToolRun, follow_hops};
    use offramp_core::forensics::follow::{FollowOptions, Start, Stop};
    let mut app = open(clocked(None), "beginner-careless-vendor.ron", "");
    to_investigation(&mut app);
    let payout = intel_address(&app);
    let a = app.world().resource::<Evidence>().explorer.address(&payout).unwrap();
    app.world_mut().write_message(ToolRun::Follow { start: Start::Address(a), opts: FollowOptions::default() });
    app.update();
    let follow = app.world().resource::<ToolResults>().follow.clone().expect("the follow ran").unwrap();
    assert!(!follow.hops.is_empty(), "the chain has hops");
    assert!(matches!(follow.stop, Stop::Labelled { .. }), "it stops at a labelled service: {}", follow.stop.describe());
    assert!(follow.stop.describe().contains("CoinBay"), "{}", follow.stop.describe());
    for h in &follow.hops {
        assert!(h.confidence >= 0.5, "each hop is at least as sure as asked: {}", h.confidence);
    }
    // Drawn on the canvas: every change address of the chain is on the board, highlighted.
    act(&mut app, GraphAction::ShowHops(follow_hops(&follow)));
    let lit = board(&app).highlighted().len();
    assert!(lit > follow.hops.len(), "{lit} nodes lit for {} hops", follow.hops.len());
    // A follow from nothing that can be followed says why instead.
    app.world_mut().write_message(ToolRun::Follow {
        start: Start::Address(a),
        opts: FollowOptions { min_confidence: 2.0, ..FollowOptions::default() },
    });
    app.update();
    let err = app.world().resource::<ToolResults>().follow.clone().unwrap().unwrap_err();
    assert!(err.contains("between 0 and 1"), "{err}");
}

#[test]
fn a_deposit_address_says_which_exchange_wallet_swept_it() {
    use offramp::app::inspector::sweep_summary;
    use offramp_core::answer::Resolved;
    let app = briefed();
    let world = world_of(&app);
    let ev = app.world().resource::<Evidence>().clone();
    let graph = app.world().resource::<Graph>();
    let i = world.scenario.objectives.iter().position(|o| o.id == "deposits").unwrap();
    let Resolved::Addresses(deposits) = &world.truth.answers[i] else { panic!() };
    let mut swept = 0;
    for d in deposits {
        let a = ev.explorer.address(d).unwrap();
        for sw in ev.explorer.swept_to(a) {
            let said = sweep_summary(&ev, graph, d, &sw);
            assert!(said.starts_with("swept into ") && said.contains("CoinBay"), "{d}: {said}");
            swept += 1;
        }
    }
    assert!(swept > 0, "the exchange swept the deposits");
}
