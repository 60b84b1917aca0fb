//! The trainee's side of the API as the app uses it (`offramp_server::client`): joining,
//! the case, legal requests and the submission going out in order, kept on disk while the
//! server is away, and sent once each when it returns.

use std::time::Duration;

use offramp_server::client::{self, Client, Event, Syncer};

use crate::both;
use crate::common::*;

const BEGINNER: &str = "beginner-careless-vendor";

fn wait_for(syncer: &Syncer, mut want: impl FnMut(&Event) -> bool) -> Event {
    let end = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(e) = syncer.events().into_iter().find(|e| want(e)) {
            return e;
        }
        assert!(std::time::Instant::now() < end, "no such event came; link: {:?}", syncer.link());
        std::thread::sleep(Duration::from_millis(20));
    }
}

both!(work_done_while_the_server_is_away_reaches_it_once_when_it_returns, |backend| {
    let db = test_db(backend).unwrap();
    let class = Class::start(&db, &[BEGINNER], None);
    // The address as a trainee might type it from the instructor's screen.
    let typed = format!("{}/dashboard", class.base.trim_start_matches("http://"));
    let code = class.code.to_lowercase().replace('-', " ");
    let me = client::join(&typed, &code, "Ana Kowalska").unwrap();
    assert_eq!(me.url, class.base);
    assert_eq!(me.scenarios.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(), [BEGINNER]);
    // Joining again under the same name is refused with what to do.
    let again = client::join(&class.base, &class.code, "ana kowalska").unwrap_err();
    assert_eq!(again.code(), Some("name_taken"));
    assert!(again.to_string().contains("rejoin"), "{again}");

    let w = world_of(BEGINNER, "Ana Kowalska");
    let (case, requests) = true_case(&w, "Ana Kowalska");
    let (exchange, address) = requests[0].clone();
    let dir = tempfile::tempdir().unwrap();
    let outbox = dir.path().join("case.class.json");

    let syncer = Syncer::start(Client::new(&me), BEGINNER, Some(outbox.clone()));
    syncer.sync_case(case.to_ron());
    let first = syncer.legal(&exchange, &address);
    match wait_for(&syncer, |e| matches!(e, Event::Legal { .. })) {
        Event::Legal { id, result: Ok(rec) } => {
            assert_eq!(id, first);
            assert_eq!(rec.seq, 1);
            assert!(matches!(rec.reply, offramp_core::legal::Reply::Records(_)), "{:?}", rec.reply);
        }
        other => panic!("{other:?}"),
    }
    assert!(syncer.flush(Duration::from_secs(30)));
    assert_eq!(syncer.link().online, Some(true));

    // The server goes away; the trainee works on: two more requests and two saves.
    let port = class.base.rsplit(':').next().unwrap().to_string();
    drop(class);
    let mut edited = case.clone();
    edited.notes = "first edit while offline".into();
    syncer.sync_case(edited.to_ron());
    syncer.legal(&exchange, &address);
    edited.notes = "second edit while offline".into();
    syncer.sync_case(edited.to_ron());
    syncer.legal("no-such-exchange", &address);
    assert!(!syncer.flush(Duration::from_secs(2)), "nothing can be sent to a server that is gone");
    let link = syncer.link();
    assert_eq!(link.online, Some(false));
    // Two requests and one version of the case (the latest) wait.
    assert_eq!(link.queued, 3, "{link:?}");
    assert!(link.error.as_deref().is_some_and(|e| e.contains("cannot reach")), "{link:?}");
    // The app closes: what waits is on disk.
    drop(syncer);
    let kept = client::Kept::load(&outbox);
    assert_eq!(kept.queue.len(), 3);
    assert_eq!(kept.requests.len(), 1, "the first answer is kept for a trainee who reopens offline");

    // The server comes back on its port; the app opens again and sends what waited, once.
    let class = Class::start_on(&db, &[BEGINNER], None, &format!("127.0.0.1:{port}"));
    let syncer = Syncer::start(Client::new(&me), BEGINNER, Some(outbox.clone()));
    assert!(syncer.flush(Duration::from_secs(60)), "{:?}", syncer.link());
    let events = syncer.events();
    let refused: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            Event::Legal { result: Err(why), .. } => Some(why.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(refused.len(), 1, "{events:?}");
    assert!(refused[0].contains("no-such-exchange"), "{refused:?}");
    let api = Client::new(&me);
    let held = api.legal_list(BEGINNER).unwrap();
    assert_eq!(held.iter().map(|r| r.seq).collect::<Vec<_>>(), [1, 2], "each request once: {held:?}");
    let (revision, text) = api.get_case(BEGINNER).unwrap().unwrap();
    assert_eq!(revision, client::Kept::load(&outbox).revision);
    assert!(text.contains("second edit while offline"), "the latest version is the server's");

    // A request whose answer was lost is sent again with its id: answered, not counted again.
    let again = api.legal(BEGINNER, &first, &exchange, &address).unwrap();
    assert_eq!(again.seq, 1);
    assert_eq!(api.legal_list(BEGINNER).unwrap().len(), 2);

    // The submission: scored by the server, once, however often the app asks.
    syncer.submit(case.to_ron());
    syncer.submit(case.to_ron());
    let sub = match wait_for(&syncer, |e| matches!(e, Event::Submitted(_))) {
        Event::Submitted(Ok(s)) => s,
        other => panic!("{other:?}"),
    };
    assert!(sub.by_trainee);
    assert!(sub.report.earned > 0.0 && sub.report.earned <= sub.report.possible, "{:?}", sub.report);
    assert!(syncer.flush(Duration::from_secs(10)));
    assert_eq!(client::Kept::load(&outbox).submission.as_ref().map(|s| &s.id), Some(&sub.id));
    // After submission the server takes no more requests; the app hears why.
    syncer.legal(&exchange, &address);
    match wait_for(&syncer, |e| matches!(e, Event::Legal { .. })) {
        Event::Legal { result: Err(why), .. } => assert!(why.contains("submitted"), "{why}"),
        other => panic!("{other:?}"),
    }

    // Released, the debrief comes through the same client.
    let (st, _) =
        class.call("POST", "/api/admin/release", Some(&class.admin), Some(serde_json::json!({"released": true})));
    assert_eq!(st, 200);
    syncer.fetch_debrief();
    match wait_for(&syncer, |e| matches!(e, Event::Debrief(_))) {
        Event::Debrief(Ok(d)) => {
            assert_eq!(d.key.len(), w.scenario.objectives.len());
            assert!(!d.debrief.hops.is_empty());
        }
        other => panic!("{other:?}"),
    }
});

/// Polls `f` until it says yes, for up to a minute.
fn eventually(what: &str, mut f: impl FnMut() -> bool) {
    let end = std::time::Instant::now() + Duration::from_secs(60);
    while !f() {
        assert!(std::time::Instant::now() < end, "never: {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

both!(work_left_queued_when_a_case_closes_goes_out_in_the_background, |backend| {
    let db = test_db(backend).unwrap();
    let class = Class::start(&db, &[BEGINNER], None);
    let me = client::join(&class.base, &class.code, "Bo Chen").unwrap();
    let w = world_of(BEGINNER, "Bo Chen");
    let (case, requests) = true_case(&w, "Bo Chen");
    let (exchange, address) = requests[0].clone();
    let dir = tempfile::tempdir().unwrap();
    let outbox = dir.path().join("case.class.json");
    let api = Client::new(&me);

    // The server goes away while the trainee works; they leave the case with work queued.
    let port = class.base.rsplit(':').next().unwrap().to_string();
    drop(class);
    let syncer = Syncer::start(Client::new(&me), BEGINNER, Some(outbox.clone()));
    let mut edited = case.clone();
    edited.notes = "written while the server was away".into();
    syncer.sync_case(edited.to_ron());
    syncer.legal(&exchange, &address);
    assert!(!syncer.flush(Duration::from_secs(1)));
    drop(syncer);
    assert_eq!(client::Kept::load(&outbox).queue.len(), 2, "what waits is on disk");

    // The server returns; the trainee has not opened the case again: it goes out anyway.
    let class = Class::start_on(&db, &[BEGINNER], None, &format!("127.0.0.1:{port}"));
    eventually("the left case reaches the server", || {
        api.get_case(BEGINNER).ok().flatten().is_some_and(|(_, text)| text.contains("while the server was away"))
    });
    eventually("the left request reaches the server", || api.legal_list(BEGINNER).is_ok_and(|l| l.len() == 1));
    eventually("the outbox empties", || client::Kept::load(&outbox).queue.is_empty());
    assert_eq!(client::Kept::load(&outbox).requests.len(), 1, "the answer is kept for the next opening");

    // Left again with work queued, then opened again before it went out: the new syncer takes
    // over (the old one stops and writes nothing more), and everything reaches the server once.
    drop(class);
    let syncer = Syncer::start(Client::new(&me), BEGINNER, Some(outbox.clone()));
    syncer.legal(&exchange, &address);
    edited.notes = "second visit".into();
    syncer.sync_case(edited.to_ron());
    assert!(!syncer.flush(Duration::from_secs(1)));
    drop(syncer);
    let syncer = Syncer::start(Client::new(&me), BEGINNER, Some(outbox.clone()));
    assert_eq!(syncer.link().queued, 2, "{:?}", syncer.link());
    let _class = Class::start_on(&db, &[BEGINNER], None, &format!("127.0.0.1:{port}"));
    assert!(syncer.flush(Duration::from_secs(60)), "{:?}", syncer.link());
    let held = api.legal_list(BEGINNER).unwrap();
    assert_eq!(held.iter().map(|r| r.seq).collect::<Vec<_>>(), [1, 2], "each request once: {held:?}");
    let (revision, text) = api.get_case(BEGINNER).unwrap().unwrap();
    assert!(text.contains("second visit"));
    assert_eq!(revision, client::Kept::load(&outbox).revision);
});

#[test]
fn a_server_address_is_read_as_people_type_it() {
    assert_eq!(client::base_url(" 192.168.1.20:8690 ").unwrap(), "http://192.168.1.20:8690");
    assert_eq!(client::base_url("HTTP://host:8690/dashboard#token=x").unwrap(), "http://host:8690");
    assert!(client::base_url("https://host").unwrap_err().contains("http://"));
    assert!(client::base_url("  ").is_err());
    // Nothing listens there: the server is away, not a refusal.
    let e = client::join("127.0.0.1:9", "AAAA", "Ana").unwrap_err();
    assert!(e.is_away(), "{e:?}");
}
