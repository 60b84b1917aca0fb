//! The app without a window: its logic plugins under MinimalPlugins, driven frame by frame.

use std::time::{Duration, Instant};

use bevy::prelude::*;
use bevy::state::app::StatesPlugin;
use offramp::app::library::Library;
use offramp::app::loading::{Case, Request};
use offramp::app::{Screen, investigation, logic_plugin};
use offramp_core::scenario::Scenario;

fn app() -> App {
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, StatesPlugin)).add_plugins(logic_plugin);
    app
}

fn shipped(name: &str) -> Scenario {
    let (n, text) = offramp::library::SHIPPED.iter().find(|(n, _)| *n == name).expect("shipped");
    Scenario::parse(text, n).unwrap()
}

/// Runs frames until the screen is `want` (or fails after a minute).
fn until(app: &mut App, want: Screen) {
    let t = Instant::now();
    while *app.world().resource::<State<Screen>>().get() != want {
        assert!(t.elapsed() < Duration::from_secs(120), "never reached {want:?}");
        app.update();
        std::thread::sleep(Duration::from_millis(5));
    }
}

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
    app.insert_resource(Request {
        scenario: shipped("beginner-careless-vendor.ron"),
        seed: None,
        trainee: "Sam".into(),
    });
    app.world_mut().resource_mut::<NextState<Screen>>().set(Screen::Loading);
    // The frames keep coming while the world is generated.
    app.update();
    app.update();
    until(&mut app, Screen::Briefing);
    let case = app.world().resource::<Case>().clone();
    assert!(case.world.chain.txs.len() > 1000);
    assert_eq!(case.trainee, "Sam");
    // The search finds the intel's address and says what it is.
    let addr = &case.world.intel.items[1].addresses[0];
    let shown = investigation::look_up(&case, addr).unwrap();
    assert!(shown.contains(addr) && shown.contains("balance"));
    assert!(investigation::look_up(&case, "nonsense").unwrap_err().contains("not a Bitcoin address"));
}

#[test]
fn a_scenario_that_cannot_be_generated_returns_to_the_library_with_the_reason() {
    let text = offramp::library::SHIPPED.iter().find(|(n, _)| n.starts_with("beginner")).unwrap().1;
    let broken = Scenario::parse(&text.replace("reserve_btc: 250.0", "reserve_btc: 90000.0"), "broken.ron").unwrap();
    let mut app = app();
    app.insert_resource(Request { scenario: broken, seed: None, trainee: String::new() });
    app.world_mut().resource_mut::<NextState<Screen>>().set(Screen::Loading);
    app.update();
    until(&mut app, Screen::Library);
    let notice = app.world().resource::<Library>().notice.clone().unwrap();
    assert!(notice.contains("broken.ron:") && notice.contains("block subsidy"), "{notice}");
}

fn briefed() -> App {
    let mut app = app();
    app.insert_resource(Request {
        scenario: shipped("beginner-careless-vendor.ron"),
        seed: None,
        trainee: String::new(),
    });
    app.world_mut().resource_mut::<NextState<Screen>>().set(Screen::Loading);
    app.update();
    until(&mut app, Screen::Briefing);
    app
}

#[test]
fn a_legal_request_is_answered_after_a_delay_within_the_budget() {
    use offramp::app::legal::{AnswerDelay, FileRequest, Requests};
    use offramp_core::legal::Reply;
    let mut app = briefed();
    app.insert_resource(AnswerDelay(Duration::from_millis(200)));
    let case = app.world().resource::<Case>().clone();
    let i = case.world.scenario.objectives.iter().position(|o| o.id == "deposits").unwrap();
    let offramp_core::answer::Resolved::Addresses(deposits) = &case.world.truth.answers[i] else { panic!() };
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
