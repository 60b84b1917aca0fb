//! The debrief in the app: the instructor's view (`offramp instruct`) with a trainee's case
//! over the truth, the self-paced results screen's debrief, and none from a class pack.

use bevy::prelude::*;
use offramp::app::Screen;
use offramp::app::casefile::CaseFile;
use offramp::app::findings::Submit;
use offramp::app::investigation::debrief::{Debriefing, Instructing, OpenDebrief};
use offramp::app::loading::Request;
use offramp_core::answer::Given;
use offramp_core::debrief::Mark;
use offramp_core::sim::{self, Options};

use super::common::*;

#[test]
fn the_instructors_view_lays_a_case_over_the_truth_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let sc = shipped("beginner-careless-vendor.ron");
    let world = sim::generate(&sc, &Options::default(), &mut |_, _, _| {}).unwrap();
    // Sam's case: the path but one hop, and one address that is not a deposit.
    let mut case = offramp_core::case::Case {
        scenario: sc.meta.id.clone(),
        trainee: "Sam".into(),
        submitted: true,
        ..Default::default()
    };
    for (o, t) in sc.objectives.iter().zip(&world.truth.answers) {
        case.answers.insert(o.id.clone(), t.as_given());
    }
    let Some(Given::Hops(hops)) = case.answers.get_mut("path") else { panic!() };
    let dropped = hops.pop().unwrap();
    let Some(Given::Addresses(deposits)) = case.answers.get_mut("deposits") else { panic!() };
    let stranger = world.chain.address_string(world.chain.addresses.ids().nth(3).unwrap());
    deposits.push(stranger.clone());

    let mut app = clocked(Some(dir.path()));
    let mut request = Request::scenario(sc.clone(), None, "Sam");
    request.instructor = Some(Instructing { case: Some(case) });
    app.insert_resource(request);
    app.world_mut().resource_mut::<NextState<Screen>>().set(Screen::Loading);
    app.update();
    until(&mut app, Screen::Investigation);
    for _ in 0..5 {
        app.update();
    }
    assert_eq!(screen(&app), Screen::Investigation, "a submitted case opens on the board, not its results");
    let d = app.world().resource::<Debriefing>();
    assert!(d.of_case);
    assert_eq!(d.debrief.count(Mark::Missed), 1);
    assert_eq!(d.debrief.count(Mark::Wrong), 0);
    let missed = d.debrief.hops.iter().find(|h| h.mark == Mark::Missed).unwrap();
    assert_eq!((missed.from.clone(), missed.to.clone()), dropped);
    assert!(d.debrief.items.iter().any(|i| i.address == stranger && i.mark == Mark::Wrong));
    assert_eq!(d.key.len(), sc.objectives.len(), "the answer key has every objective");
    // Every hop of the true path is on the board, the missed one too.
    let on_board = |a: &str| board(&app).save().nodes.iter().any(|n| n.id == a);
    assert!(on_board(&dropped.0) && on_board(&dropped.1));
    // Nothing was written: the instructor's view is not a trainee's case.
    assert!(app.world().resource::<CaseFile>().path.is_none());
    app.world_mut().resource_mut::<NextState<Screen>>().set(Screen::Library);
    app.update();
    app.update();
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "no case file in the cases folder");
    assert!(app.world().get_resource::<Debriefing>().is_none(), "the debrief ends with the investigation");
}

#[test]
fn a_self_paced_trainee_gets_the_debrief_after_submission_and_a_pack_gives_none() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = open(clocked(Some(dir.path())), "beginner-careless-vendor.ron", "Dee");
    to_investigation(&mut app);
    app.world_mut().write_message(OpenDebrief);
    app.update();
    app.update();
    assert!(
        app.world().get_resource::<Debriefing>().is_none_or(|d| !d.of_case),
        "no debrief of a case before it is submitted"
    );
    app.world_mut().write_message(Submit);
    app.update();
    app.update();
    assert_eq!(screen(&app), Screen::Results);
    app.world_mut().write_message(OpenDebrief);
    app.world_mut().resource_mut::<NextState<Screen>>().set(Screen::Investigation);
    app.update();
    app.update();
    let d = app.world().resource::<Debriefing>();
    assert!(d.of_case);
    assert!(d.debrief.count(Mark::Missed) > 0 && d.debrief.count(Mark::Found) == 0, "an empty case missed every hop");

    // A class pack holds no truth: nothing to debrief in the trainee's app.
    let pdir = tempfile::tempdir().unwrap();
    let sc = shipped("beginner-careless-vendor.ron");
    let w = sim::generate(&sc, &Options { seed: Some(5), signed: false }, &mut |_, _, _| {}).unwrap();
    let path = pdir.path().join("p.offramp-pack");
    offramp_core::pack::write(&w, "Eve", None, &path).unwrap();
    let mut app = clocked(None);
    app.insert_resource(Request::pack(offramp_core::pack::Pack::open(&path).unwrap()));
    app.world_mut().resource_mut::<NextState<Screen>>().set(Screen::Loading);
    app.update();
    until(&mut app, Screen::Briefing);
    app.update();
    to_investigation(&mut app);
    app.world_mut().write_message(Submit);
    app.update();
    app.world_mut().write_message(OpenDebrief);
    app.update();
    app.update();
    assert!(app.world().get_resource::<Debriefing>().is_none());
}
