//! The security rules: who may call what, what bad input gets, and the rate limits.

use serde_json::json;

use crate::both;
use crate::common::*;

const BEGINNER: &str = "beginner-careless-vendor";

both!(tokens_open_only_what_they_should, |backend| {
    let Some(db) = test_db(backend) else { return };
    let c = Class::start(&db, &[BEGINNER], None);
    let (a_id, a_tok) = c.join("Ana Kowalska");
    let (b_id, b_tok) = c.join("Bo Chen");
    let (case_b, _) = true_case(&world_of(BEGINNER, "Bo Chen"), "Bo Chen");
    let (st, _) = c.call(
        "PUT",
        &format!("/api/trainees/{b_id}/cases/{BEGINNER}"),
        Some(&b_tok),
        Some(json!({ "revision": 1, "case": case_b.to_ron() })),
    );
    assert_eq!(st, 200);

    // Admin endpoints: 401 without a token or with no one's, 403 with a trainee's.
    for path in ["/api/admin/state", "/api/admin/audit", "/api/admin/gradebook.csv", "/api/admin/events"] {
        let (st, v) = c.call("GET", path, None, None);
        assert_eq!((st, v["error"].as_str()), (401, Some("unauthorized")), "{path}");
        assert_eq!(c.call("GET", path, Some("i0000"), None).0, 401, "{path}");
        assert_eq!(c.call("GET", path, Some(&a_tok), None).0, 403, "{path}");
    }
    for (path, body) in [
        ("/api/admin/end", json!({})),
        ("/api/admin/freeze", json!({ "frozen": true })),
        ("/api/admin/release", json!({ "released": true })),
        ("/api/admin/adjust", json!({ "trainee": a_id, "scenario": BEGINNER, "points": 50.0, "reason": "me" })),
        ("/api/admin/rejoin", json!({ "trainee": b_id })),
    ] {
        assert_eq!(c.call("POST", path, None, Some(body.clone())).0, 401, "{path}");
        assert_eq!(c.call("POST", path, Some(&a_tok), Some(body)).0, 403, "{path}");
    }
    // The truth: only the instructor.
    let key_path = format!("/api/admin/key/{BEGINNER}?trainee={a_id}");
    assert_eq!(c.call("GET", &key_path, Some(&a_tok), None).0, 403);
    let (st, key) = c.call("GET", &key_path, Some(&c.admin), None);
    assert_eq!(st, 200);
    assert_eq!(key["trainee"], "Ana Kowalska");

    // Another trainee's case, pack, requests, submission, debrief: 403, read or write.
    for path in [
        format!("/api/trainees/{b_id}"),
        format!("/api/trainees/{b_id}/cases/{BEGINNER}"),
        format!("/api/trainees/{b_id}/packs/{BEGINNER}"),
        format!("/api/trainees/{b_id}/legal/{BEGINNER}"),
        format!("/api/trainees/{b_id}/submission/{BEGINNER}"),
        format!("/api/trainees/{b_id}/debrief/{BEGINNER}"),
    ] {
        let (st, v) = c.call("GET", &path, Some(&a_tok), None);
        assert_eq!((st, v["error"].as_str()), (403, Some("forbidden")), "{path}: {v}");
    }
    let (st, _) = c.call(
        "PUT",
        &format!("/api/trainees/{b_id}/cases/{BEGINNER}"),
        Some(&a_tok),
        Some(json!({ "revision": 99, "case": case_b.to_ron() })),
    );
    assert_eq!(st, 403);
    let (st, _) = c.call(
        "POST",
        &format!("/api/trainees/{b_id}/submission/{BEGINNER}"),
        Some(&a_tok),
        Some(json!({ "id": "x", "case": case_b.to_ron() })),
    );
    assert_eq!(st, 403);
    // The instructor reads a trainee's case but does not write it.
    assert_eq!(c.call("GET", &format!("/api/trainees/{b_id}/cases/{BEGINNER}"), Some(&c.admin), None).0, 200);
    let (st, _) = c.call(
        "PUT",
        &format!("/api/trainees/{b_id}/cases/{BEGINNER}"),
        Some(&c.admin),
        Some(json!({ "revision": 100, "case": case_b.to_ron() })),
    );
    assert_eq!(st, 403);
    // Who is calling is settled before the body is read: another trainee's write with a body
    // that is not even JSON, or one with no token, is refused for who sends it.
    let path = format!("/api/trainees/{b_id}/legal/{BEGINNER}");
    assert_eq!(c.send_text("POST", &path, Some(&a_tok), "{not json"), 403);
    assert_eq!(c.send_text("POST", &path, None, "{not json"), 401);
    // A token with its secret changed is no one's.
    let last = if b_tok.ends_with('0') { '1' } else { '0' };
    let forged = format!("{}{last}", &b_tok[..b_tok.len() - 1]);
    assert_eq!(c.call("GET", &format!("/api/trainees/{b_id}"), Some(&forged), None).0, 401);
    // Bo's case is as he sent it.
    let (_, v) = c.call("GET", &format!("/api/trainees/{b_id}/cases/{BEGINNER}"), Some(&b_tok), None);
    assert_eq!(v["revision"], 1);
});

both!(bad_input_gets_a_json_error_never_a_500, |backend| {
    let Some(db) = test_db(backend) else { return };
    let c = Class::start(&db, &[BEGINNER], None);
    let (tid, tok) = c.join("Ana Kowalska");
    let cases = format!("/api/trainees/{tid}/cases/{BEGINNER}");
    // Not JSON, wrong fields, a case that does not parse, an unknown scenario or route.
    assert_eq!(c.send_text("PUT", &cases, Some(&tok), "{not json"), 400);
    let (st, v) = c.call("PUT", &cases, Some(&tok), Some(json!({ "revision": "one", "case": "" })));
    assert_eq!((st, v["error"].as_str()), (422, Some("bad_request")), "{v}");
    let (st, v) = c.call("PUT", &cases, Some(&tok), Some(json!({ "revision": 1, "case": "Case(scenario: \"beginner-careless-vendor\", answers: {\"nope\": Text(\"x\")})" })));
    assert_eq!(st, 400, "{v}");
    assert!(v["problems"][0].as_str().unwrap().contains("case:1:"), "located: {v}");
    let (st, _) = c.call(
        "PUT",
        &format!("/api/trainees/{tid}/cases/no-such"),
        Some(&tok),
        Some(json!({ "revision": 1, "case": "" })),
    );
    assert_eq!(st, 404);
    let (st, v) = c.call("GET", "/api/nothing-here", None, None);
    assert_eq!((st, v["error"].as_str()), (404, Some("not_found")));
    // Legal requests naming no exchange or no address.
    let legal = format!("/api/trainees/{tid}/legal/{BEGINNER}");
    let (st, v) = c.call(
        "POST",
        &legal,
        Some(&tok),
        Some(json!({ "id": "1", "exchange": "Nowhere Ltd", "address": "bcrt1qxyz" })),
    );
    assert_eq!(st, 400, "{v}");
    // Too large: 413, as JSON.
    let big = "x".repeat(offramp_server::api::MAX_BODY + 10);
    let (st, v) = c.call("PUT", &cases, Some(&tok), Some(json!({ "revision": 1, "case": big })));
    assert_eq!((st, v["error"].as_str()), (413, Some("too_large")), "{v}");
    // Names: blank, too long, on several lines.
    for name in ["   ", "--", &"n".repeat(200), "Ana\nKowalska"] {
        let (st, v) = c.call("POST", "/api/join", None, Some(json!({ "code": c.code, "name": name })));
        assert_eq!(st, 400, "{name:?}: {v}");
    }
    // A join code typed in lower case with spaces is the code.
    let typed = c.code.to_lowercase().replace('-', " ");
    let (st, _) = c.call("POST", "/api/join", None, Some(json!({ "code": typed, "name": "Bo Chen" })));
    assert_eq!(st, 200);
});

both!(rate_limits_stop_guessing_and_flooding, |backend| {
    let Some(db) = test_db(backend) else { return };
    let c = Class::start(&db, &[BEGINNER], None);
    let (tid, tok) = c.join("Ana Kowalska");
    // Submissions: a burst of bad ones, then 429 with a time to wait.
    let path = format!("/api/trainees/{tid}/submission/{BEGINNER}");
    let mut statuses = Vec::new();
    for i in 0..8 {
        statuses.push(c.call("POST", &path, Some(&tok), Some(json!({ "id": format!("s{i}"), "case": "nonsense" }))).0);
    }
    assert!(statuses.starts_with(&[400, 400, 400]), "{statuses:?}");
    assert_eq!(*statuses.last().unwrap(), 429, "{statuses:?}");
    let resp = c
        .agent
        .post(&c.url(&path))
        .header("Authorization", &format!("Bearer {tok}"))
        .send_json(json!({ "id": "late", "case": "x" }))
        .unwrap();
    assert_eq!(resp.status().as_u16(), 429);
    let wait: u64 = resp.headers().get("retry-after").unwrap().to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait));
    // A class behind one school router (one address) joins together, without a wait.
    for i in 0..120 {
        let (st, v) =
            c.call("POST", "/api/join", None, Some(json!({ "code": c.code, "name": format!("Trainee {i:03}") })));
        assert_eq!(st, 200, "trainee {i}: {v}");
    }
    // Guessing join codes from one address runs into the limit on wrong codes: a few typing
    // mistakes are answered 404, then every attempt waits.
    let mut statuses = Vec::new();
    for i in 0..100 {
        let guess = json!({ "code": format!("AAAA-BBBB-{i:04}"), "name": "Guesser" });
        let st = c.call("POST", "/api/join", None, Some(guess)).0;
        statuses.push(st);
        if st == 429 {
            break;
        }
    }
    assert!(statuses[..5].iter().all(|&s| s == 404), "typing mistakes get a plain answer: {statuses:?}");
    assert_eq!(statuses.last(), Some(&429), "guessing is stopped: {statuses:?}");
    assert!(statuses.len() <= 25, "stopped early: {} guesses", statuses.len());
    // Once stopped, the right code waits too: the answer says nothing about the code.
    let (st, _) = c.call("POST", "/api/join", None, Some(json!({ "code": c.code, "name": "Guesser" })));
    assert_eq!(st, 429);
});
