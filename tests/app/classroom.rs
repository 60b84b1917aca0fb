//! The app in a class, against a real `offramp serve` on a loopback port: joining from the
//! library, the pack from the server, legal requests answered by the server, the case synced,
//! the server going away mid-case (the app works on, says so in the top bar, keeps what
//! waits) and coming back (each thing sent once), the submission scored by the server, and
//! the debrief once the instructor releases it.

use std::path::Path;
use std::time::{Duration, Instant};

use bevy::prelude::*;
use offramp::app::Screen;
use offramp::app::casefile::CaseFile;
use offramp::app::findings::{Results, Submit};
use offramp::app::investigation::class::{ClassLink, ClassNews, link_text};
use offramp::app::investigation::debrief::Debriefing;
use offramp::app::legal::{FileRequest, Requests};
use offramp::app::loading::Request;
use offramp::app::screens::join::{Classes, JoinClass};
use offramp_core::class::{ClassKey, trainee_seed};
use offramp_core::legal::Reply;
use offramp_core::sim::{self, Options, World};
use offramp_server::client::{Client, Membership};

use super::common::*;

const KEY: &str = "offramp-class-key-0202020202020202020202020202020202020202020202020202020202020202";
const BEGINNER: &str = "beginner-careless-vendor";
const NAME: &str = "Ana Kowalska";

/// A class server in this process, on a loopback port.
struct Served {
    rt: Option<tokio::runtime::Runtime>,
    base: String,
    code: String,
    admin: String,
}

impl Served {
    fn start(db: &Path, bind: &str) -> Served {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let config = offramp_server::Config {
            scenarios: vec![shipped(&format!("{BEGINNER}.ron"))],
            bind: bind.into(),
            db: db.display().to_string(),
            class_key: Some(ClassKey::parse(KEY, "test").unwrap()),
            minutes: None,
            new_session: false,
        };
        let started = rt.block_on(offramp_server::start(config)).expect("the server starts");
        let (base, code, admin) =
            (format!("http://{}", started.addr), started.join_code.clone(), started.instructor_token.clone());
        rt.spawn(started.serve(std::future::pending()));
        Served { rt: Some(rt), base, code, admin }
    }

    fn port(&self) -> &str {
        self.base.rsplit(':').next().unwrap()
    }

    fn release_debriefs(&self) {
        let r = ureq::post(&format!("{}/api/admin/release", self.base))
            .header("Authorization", &format!("Bearer {}", self.admin))
            .send_json(serde_json::json!({ "released": true }))
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

/// Runs frames until `done` holds (or fails after a minute, saying `what`).
fn frames_until(app: &mut App, what: &str, mut done: impl FnMut(&mut App) -> bool) {
    let t = Instant::now();
    while !done(app) {
        assert!(t.elapsed() < Duration::from_secs(60), "never happened: {what}");
        app.update();
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The trainee's world, made here as the server makes it.
fn world_of_trainee() -> World {
    let sc = shipped(&format!("{BEGINNER}.ron"));
    let seed = trainee_seed(Some(&ClassKey::parse(KEY, "test").unwrap()), &sc.meta.id, NAME);
    sim::generate(&sc, &Options { seed: Some(seed), signed: false }, &mut |_, _, _| {}).unwrap()
}

/// A legal request that finds an identity: (exchange, a deposit address of a KYC'd account).
fn identity_request(w: &World) -> (String, String) {
    let acct = w.truth.accounts.iter().find(|a| a.identity.is_some() && !a.addresses.is_empty()).unwrap();
    (w.scenario.entities[acct.service].id.clone(), w.chain.address_string(acct.addresses[0]))
}

fn link(app: &App) -> offramp_server::client::Link {
    app.world().resource::<ClassLink>().syncer.link()
}

fn join(app: &mut App, served: &Served) -> Membership {
    app.world_mut().write_message(JoinClass { url: served.base.clone(), code: served.code.clone(), name: NAME.into() });
    frames_until(app, "the class is joined", |a| !a.world().resource::<Classes>().joined.is_empty());
    assert_eq!(app.world().resource::<Classes>().error, None);
    app.world().resource::<Classes>().joined[0].clone()
}

/// A class server, and an app that joined it as [`NAME`], keeping cases and classes in `dir`.
fn class_joined(dir: &Path) -> (Served, App, Membership) {
    let served = Served::start(&dir.join("class.db"), "127.0.0.1:0");
    let mut app = clocked(Some(&dir.join("cases")));
    app.insert_resource(Classes::load(Some(dir.join("classes"))));
    let m = join(&mut app, &served);
    (served, app, m)
}

/// Opens the class's scenario as the library does, through the briefing to the board.
fn open_case(app: &mut App, m: &Membership) {
    app.insert_resource(Request::class(m.clone(), BEGINNER));
    app.world_mut().resource_mut::<NextState<Screen>>().set(Screen::Loading);
    until(app, Screen::Briefing);
    app.update();
    to_investigation(app);
}

#[test]
fn a_class_case_goes_to_the_server_survives_its_absence_and_comes_back_scored_with_its_debrief() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("class.db");
    let (served, mut app, m) = class_joined(dir.path());
    assert_eq!(m.scenarios.len(), 1);
    // Kept for coming back, readable by this user only (it holds the token).
    let kept = offramp::app::screens::join::saved(&dir.path().join("classes"));
    assert_eq!(kept, vec![m.clone()]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let f = std::fs::read_dir(dir.path().join("classes")).unwrap().next().unwrap().unwrap().path();
        assert_eq!(std::fs::metadata(f).unwrap().permissions().mode() & 0o777, 0o600);
    }

    open_case(&mut app, &m);
    // The trainee's own variant, from the server: the world the server made for their name.
    let w = world_of_trainee();
    assert_eq!(app.world().resource::<offramp::app::investigation::Evidence>().seed(), w.seed);

    // A legal request: the server answers it.
    let (exchange, address) = identity_request(&w);
    app.world_mut().write_message(FileRequest { exchange: exchange.clone(), address: address.clone() });
    frames_until(&mut app, "the server's answer", |a| {
        a.world().resource::<Requests>().filed.first().is_some_and(|f| f.answer.is_some())
    });
    assert!(matches!(app.world().resource::<Requests>().filed[0].answer, Some(Ok(Reply::Records(_)))));
    frames_until(&mut app, "everything synced", |a| link(a).queued == 0 && link(a).online == Some(true));
    assert_eq!(link_text(&link(&app)).0, "Class: ✔ synced");

    // The server goes away. The trainee answers every objective and files another request.
    let port = served.port().to_string();
    drop(served);
    {
        let mut file = app.world_mut().resource_mut::<CaseFile>();
        for (o, a) in w.scenario.objectives.iter().zip(&w.truth.answers) {
            file.case.answers.insert(o.id.clone(), a.as_given());
        }
    }
    app.world_mut().write_message(FileRequest { exchange: exchange.clone(), address: address.clone() });
    frames_until(&mut app, "the top bar saying the server is away", |a| link(a).online == Some(false));
    // The case is saved on the next autosave, and queued for the server with the request.
    frames_until(&mut app, "the case and the request waiting", |a| link(a).queued >= 2);
    let (text, warn) = link_text(&link(&app));
    assert!(warn && text.contains("away") && text.contains("waiting"), "{text}");
    let requests = app.world().resource::<Requests>();
    assert_eq!(requests.filed.len(), 2);
    assert!(requests.filed[1].answer.is_none(), "the second request waits for the server");
    assert_eq!(requests.used(), 2, "a waiting request counts against the budget");

    // The server comes back on its port: the request is answered once, the case arrives.
    let served = Served::start(&db, &format!("127.0.0.1:{port}"));
    frames_until(&mut app, "everything sent after the server returned", |a| {
        link(a).queued == 0
            && link(a).online == Some(true)
            && a.world().resource::<Requests>().filed.iter().all(|f| f.answer.is_some())
    });
    let api = Client::new(&m);
    let held = api.legal_list(BEGINNER).unwrap();
    assert_eq!(held.iter().map(|r| r.seq).collect::<Vec<_>>(), [1, 2], "each request once");
    let (_, case_text) = api.get_case(BEGINNER).unwrap().expect("the case reached the server");
    let server_case = offramp_core::case::Case::parse(&case_text, "case", &w.scenario).unwrap();
    assert_eq!(server_case.answers.len(), w.scenario.objectives.len(), "the answers made offline reached the server");

    // The submission is scored by the server; the results screen shows its score.
    app.world_mut().write_message(Submit);
    frames_until(&mut app, "the server's score", |a| a.world().resource::<ClassNews>().result.is_some());
    until(&mut app, Screen::Results);
    let report = app.world().resource::<Results>().0.clone().expect("the server's report is shown");
    let server = api.submission(BEGINNER).unwrap().expect("submitted");
    assert_eq!(report, server.report);
    assert!(report.earned > 0.0, "{report:?}");
    assert!(!server.debrief_released);

    // The instructor releases the debriefs; the trainee asks again and opens theirs.
    served.release_debriefs();
    app.world().resource::<ClassLink>().syncer.refresh();
    frames_until(&mut app, "the release seen", |a| {
        a.world().resource::<ClassNews>().result.as_ref().is_some_and(|s| s.debrief_released)
    });
    app.world().resource::<ClassLink>().syncer.fetch_debrief();
    frames_until(&mut app, "the debrief", |a| a.world().get_resource::<Debriefing>().is_some());
    until(&mut app, Screen::Investigation);
    let d = app.world().resource::<Debriefing>();
    assert_eq!(d.key.len(), w.scenario.objectives.len());
    assert!(!d.debrief.hops.is_empty());
    for _ in 0..5 {
        app.update();
    }
    // The true path is on the trainee's board.
    let hop = app.world().resource::<Debriefing>().debrief.hops[0].clone();
    let ex = &app.world().resource::<offramp::app::investigation::Evidence>().explorer;
    let a = ex.address(&hop.from).unwrap();
    let mut graph = app.world_mut().resource_mut::<offramp::app::graph::Graph>();
    assert!(graph.board.view().node(offramp_core::board::NodeRef::Addr(a)).is_some(), "{hop:?}");
}

#[test]
fn a_class_reopened_without_the_server_opens_from_this_computers_copy_with_its_answers() {
    let dir = tempfile::tempdir().unwrap();
    let (served, mut app, m) = class_joined(dir.path());
    open_case(&mut app, &m);
    let w = world_of_trainee();
    let (exchange, address) = identity_request(&w);
    app.world_mut().write_message(FileRequest { exchange, address });
    frames_until(&mut app, "the answer", |a| {
        a.world().resource::<Requests>().filed.first().is_some_and(|f| f.answer.is_some())
    });
    frames_until(&mut app, "synced", |a| link(a).queued == 0);
    // Back to the library; the server goes away; the trainee opens the case again.
    app.world_mut().resource_mut::<NextState<Screen>>().set(Screen::Library);
    app.update();
    app.update();
    drop(served);
    open_case(&mut app, &m);
    let requests = app.world().resource::<Requests>();
    assert_eq!(requests.filed.len(), 1);
    assert!(matches!(requests.filed[0].answer, Some(Ok(Reply::Records(_)))), "the kept answer shows offline");
    let notice = app.world().resource::<CaseFile>().notice.clone().unwrap_or_default();
    assert!(notice.contains("Resumed") || notice.contains("away"), "{notice}");
    frames_until(&mut app, "the top bar saying the server is away", |a| link(a).online == Some(false));

    // A computer that never had the pack cannot start without the server, and says why.
    let mut fresh = clocked(Some(&dir.path().join("other-cases")));
    fresh.insert_resource(Classes::load(Some(dir.path().join("other-classes"))));
    fresh.insert_resource(Request::class(m.clone(), BEGINNER));
    fresh.world_mut().resource_mut::<NextState<Screen>>().set(Screen::Loading);
    frames_until(&mut fresh, "the reason", |a| a.world().resource::<offramp::app::library::Library>().notice.is_some());
    until(&mut fresh, Screen::Library);
    let said = fresh.world().resource::<offramp::app::library::Library>().notice.clone().unwrap();
    assert!(said.contains("cannot reach") && said.contains("no copy"), "{said}");
}

#[test]
fn joining_with_a_wrong_code_or_an_unreachable_server_says_what_to_check() {
    let dir = tempfile::tempdir().unwrap();
    let served = Served::start(&dir.path().join("class.db"), "127.0.0.1:0");
    let mut app = app();
    app.insert_resource(Classes::load(Some(dir.path().join("classes"))));
    app.world_mut().write_message(JoinClass {
        url: served.base.clone(),
        code: "AAAA-BBBB-CCCC".into(),
        name: NAME.into(),
    });
    frames_until(&mut app, "the refusal", |a| a.world().resource::<Classes>().error.is_some());
    let e = app.world().resource::<Classes>().error.clone().unwrap();
    assert!(e.contains("join code"), "{e}");
    assert!(app.world().resource::<Classes>().joined.is_empty());
    app.world_mut().write_message(JoinClass {
        url: "127.0.0.1:9".into(),
        code: served.code.clone(),
        name: NAME.into(),
    });
    frames_until(&mut app, "the second refusal", |a| {
        a.world().resource::<Classes>().error.as_deref().is_some_and(|e| e.contains("cannot reach"))
    });
    let e = app.world().resource::<Classes>().error.clone().unwrap();
    assert!(e.contains("network"), "{e}");
}

#[test]
fn a_trainee_joins_from_the_library_by_typing_the_address_and_the_code_and_pressing_enter() {
    use bevy::input::keyboard::Key;
    use offramp::app::library::{JOIN_CODE, JOIN_URL};
    let dir = tempfile::tempdir().unwrap();
    let served = Served::start(&dir.path().join("class.db"), "127.0.0.1:0");
    let mut p = super::input::Person::new();
    p.app.insert_resource(Classes::load(Some(dir.path().join("classes"))));
    p.app.world_mut().resource_mut::<offramp::app::help::Settings>().trainee = NAME.into();
    p.frames(3);
    let field = |p: &mut super::input::Person, id: &str| {
        p.egui().read_response(bevy_egui::egui::Id::new(id)).unwrap_or_else(|| panic!("the library shows {id}")).rect
    };
    let url = field(&mut p, JOIN_URL);
    p.click(url.center());
    p.type_text(served.base.trim_start_matches("http://"));
    let code = field(&mut p, JOIN_CODE);
    p.click(code.center());
    // Typed as people read it off a projector: lower case, spaces for dashes.
    p.type_text(&served.code.to_lowercase().replace('-', " "));
    assert_eq!(p.app.world().resource::<Classes>().url, served.base.trim_start_matches("http://"));
    p.press(KeyCode::Enter, Key::Enter);
    frames_until(&mut p.app, "the class joined from the form", |a| !a.world().resource::<Classes>().joined.is_empty());
    let m = p.app.world().resource::<Classes>().joined[0].clone();
    assert_eq!(m.name, NAME);
    assert_eq!(m.url, served.base);
    assert!(p.app.world().resource::<Classes>().code.is_empty(), "the form is cleared for the next class");
    // The class stays listed when the app opens again.
    assert_eq!(offramp::app::screens::join::saved(&dir.path().join("classes")), vec![m]);
}

#[test]
fn work_left_waiting_when_the_trainee_goes_back_to_the_library_reaches_the_server_in_the_background() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("class.db");
    let (served, mut app, m) = class_joined(dir.path());
    open_case(&mut app, &m);
    frames_until(&mut app, "synced", |a| link(a).queued == 0 && link(a).online == Some(true));

    // The server goes away; the trainee files a request, then goes back to the library.
    let port = served.port().to_string();
    drop(served);
    let (exchange, address) = identity_request(&world_of_trainee());
    app.world_mut().write_message(FileRequest { exchange, address });
    frames_until(&mut app, "the request waiting", |a| link(a).queued >= 1);
    app.world_mut().resource_mut::<NextState<Screen>>().set(Screen::Library);
    until(&mut app, Screen::Library);
    assert!(app.world().get_resource::<ClassLink>().is_none(), "the case is closed");
    assert!(offramp_server::client::sending_in_background() >= 1, "the library says work is still being sent");

    // The server returns while the trainee stays in the library: the request reaches it.
    let _served = Served::start(&db, &format!("127.0.0.1:{port}"));
    let api = Client::new(&m);
    frames_until(&mut app, "the left request on the server", |_| api.legal_list(BEGINNER).is_ok_and(|l| l.len() == 1));
}
