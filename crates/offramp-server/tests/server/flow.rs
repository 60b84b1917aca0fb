//! A class as it runs: trainees join, play their own variant, sync, ask exchanges, submit;
//! the instructor watches, adjusts, ends the session, exports; a restarted server goes on.

use serde_json::{Value, json};

use crate::both;
use crate::common::*;

const BEGINNER: &str = "beginner-careless-vendor";

fn sync(c: &Class, tid: &str, token: &str, revision: i64, case: &offramp_core::case::Case) -> (u16, Value) {
    c.call(
        "PUT",
        &format!("/api/trainees/{tid}/cases/{BEGINNER}"),
        Some(token),
        Some(json!({ "revision": revision, "case": case.to_ron() })),
    )
}

both!(a_trainee_joins_plays_their_variant_and_is_scored, |backend| {
    let Some(db) = test_db(backend) else { return };
    let c = Class::start(&db, &[BEGINNER], None);
    assert!(c.new_session);
    let (tid, token) = c.join("Ana Kowalska");

    // The pack: their own variant, no legal answer book, nobody's KYC file.
    let (st, pack) = c.raw("GET", &format!("/api/trainees/{tid}/packs/{BEGINNER}"), Some(&token), None);
    assert_eq!(st, 200);
    let w = world_of(BEGINNER, "Ana Kowalska");
    let line = pack.split(|b| *b == b'\n').next().unwrap();
    let header: offramp_core::pack::Header = serde_json::from_slice(line).unwrap();
    assert_eq!(header.trainee, "Ana Kowalska");
    assert_eq!(header.seed, w.seed);
    assert!(header.online && header.class);
    assert!(header.legal.answers.is_empty());
    let text = String::from_utf8_lossy(&pack);
    for acct in &w.truth.accounts {
        if let Some(id) = &acct.identity {
            assert!(!text.contains(&id.name), "the pack names {}", id.name);
        }
    }

    // Syncing: a newer revision replaces, a repeated or older one does not.
    let (case, requests) = true_case(&w, "Ana Kowalska");
    let mut half = case.clone();
    half.answers.retain(|k, _| k == "exchange");
    assert_eq!(sync(&c, &tid, &token, 1, &half), (200, json!({ "stored": true, "revision": 1 })));
    assert_eq!(sync(&c, &tid, &token, 1, &half), (200, json!({ "stored": false, "revision": 1 })));
    let (st, v) = c.call("GET", "/api/admin/state", Some(&c.admin), None);
    assert_eq!(st, 200);
    assert_eq!(v["trainees"][0]["name"], "Ana Kowalska");
    assert_eq!(v["trainees"][0]["scenarios"][BEGINNER]["answered"], json!(["exchange"]));

    // A legal request: answered from the trainee's own world; sent twice, counted once.
    let (exchange, address) = requests[0].clone();
    let body = json!({ "id": "req-1", "exchange": exchange, "address": address });
    let (st, first) =
        c.call("POST", &format!("/api/trainees/{tid}/legal/{BEGINNER}"), Some(&token), Some(body.clone()));
    assert_eq!(st, 200, "{first}");
    let expected = offramp_core::legal::request(&w, &exchange, &address).unwrap();
    assert_eq!(first["reply"], serde_json::to_value(&expected).unwrap());
    assert_eq!(first["seq"], 1);
    let (_, again) = c.call("POST", &format!("/api/trainees/{tid}/legal/{BEGINNER}"), Some(&token), Some(body));
    assert_eq!(again["seq"], 1);
    let (_, list) = c.call("GET", &format!("/api/trainees/{tid}/legal/{BEGINNER}"), Some(&token), None);
    assert_eq!(list["requests"].as_array().unwrap().len(), 1);

    // Submission: scored by the server at full marks; sent again, the same answer.
    let body = json!({ "id": "sub-1", "case": case.to_ron() });
    let (st, r) =
        c.call("POST", &format!("/api/trainees/{tid}/submission/{BEGINNER}"), Some(&token), Some(body.clone()));
    assert_eq!(st, 200, "{r}");
    let possible = r["report"]["possible"].as_f64().unwrap();
    assert!(possible > 0.0);
    assert_eq!(r["report"]["earned"].as_f64().unwrap(), possible, "{r}");
    assert_eq!(r["report"]["legal"]["requests"], 1);
    let (st, r2) = c.call("POST", &format!("/api/trainees/{tid}/submission/{BEGINNER}"), Some(&token), Some(body));
    assert_eq!((st, &r2["report"]), (200, &r["report"]));
    let (st, e) = c.call(
        "POST",
        &format!("/api/trainees/{tid}/submission/{BEGINNER}"),
        Some(&token),
        Some(json!({ "id": "sub-2", "case": case.to_ron() })),
    );
    assert_eq!((st, e["error"].as_str()), (409, Some("submitted")));
    // No legal request after submission.
    let (st, _) = c.call(
        "POST",
        &format!("/api/trainees/{tid}/legal/{BEGINNER}"),
        Some(&token),
        Some(json!({ "id": "req-2", "exchange": exchange, "address": address })),
    );
    assert_eq!(st, 409);

    // The dashboard: the matrix marks every objective earned, the leaderboard has them.
    let (_, v) = c.call("GET", "/api/admin/state", Some(&c.admin), None);
    let sub = &v["trainees"][0]["scenarios"][BEGINNER]["submitted"];
    assert_eq!(sub["total"].as_f64(), Some(possible));
    for (id, ep) in sub["objectives"].as_object().unwrap() {
        assert_eq!(ep[0], ep[1], "objective {id}");
    }
    assert_eq!(v["leaderboard"][0]["name"], "Ana Kowalska");
    assert_eq!(v["trainees"][0]["status"], "done");
});

both!(the_budget_and_the_hints_are_the_servers_record, |backend| {
    let Some(db) = test_db(backend) else { return };
    let c = Class::start(&db, &[BEGINNER], None);
    let (tid, token) = c.join("Bo Chen");
    let w = world_of(BEGINNER, "Bo Chen");
    let (mut case, requests) = true_case(&w, "Bo Chen");
    let budget = w.scenario.legal.budget as usize;
    let (exchange, address) = requests[0].clone();
    for i in 0..budget {
        let (st, v) = c.call(
            "POST",
            &format!("/api/trainees/{tid}/legal/{BEGINNER}"),
            Some(&token),
            Some(json!({ "id": format!("r{i}"), "exchange": exchange, "address": address })),
        );
        assert_eq!(st, 200, "{v}");
    }
    let (st, v) = c.call(
        "POST",
        &format!("/api/trainees/{tid}/legal/{BEGINNER}"),
        Some(&token),
        Some(json!({ "id": "one-too-many", "exchange": exchange, "address": address })),
    );
    assert_eq!((st, v["error"].as_str()), (409, Some("budget_spent")), "{v}");

    // A hint seen in a synced case stays charged when the submitted case leaves it out.
    let hinted = w.scenario.objectives.iter().find(|o| o.hints.iter().any(|h| h.cost > 0.0)).map(|o| o.id.clone());
    if let Some(objective) = &hinted {
        let mut with_hint = case.clone();
        with_hint.hints.push(offramp_core::case::HintUse { objective: objective.clone(), hint: 0 });
        assert_eq!(sync(&c, &tid, &token, 1, &with_hint).0, 200);
    }
    case.requests.clear();
    case.hints.clear();
    let (st, r) = c.call(
        "POST",
        &format!("/api/trainees/{tid}/submission/{BEGINNER}"),
        Some(&token),
        Some(json!({ "id": "s", "case": case.to_ron() })),
    );
    assert_eq!(st, 200, "{r}");
    assert_eq!(r["report"]["legal"]["requests"].as_u64(), Some(budget as u64), "the server's requests count: {r}");
    if let Some(objective) = hinted {
        let o = r["report"]["objectives"].as_array().unwrap().iter().find(|o| o["id"] == json!(objective)).unwrap();
        assert!(o["deductions"].to_string().contains("hint 1"), "{o}");
    }
});

both!(the_instructor_adjusts_ends_exports_and_releases, |backend| {
    let Some(db) = test_db(backend) else { return };
    let c = Class::start(&db, &[BEGINNER], Some(60));
    let (a_id, a_tok) = c.join("Ana Kowalska");
    let (b_id, b_tok) = c.join("Bo Chen");
    let (case_a, _) = true_case(&world_of(BEGINNER, "Ana Kowalska"), "Ana Kowalska");
    let (case_b, _) = true_case(&world_of(BEGINNER, "Bo Chen"), "Bo Chen");
    let (st, _) = c.call(
        "POST",
        &format!("/api/trainees/{a_id}/submission/{BEGINNER}"),
        Some(&a_tok),
        Some(json!({ "id": "a", "case": case_a.to_ron() })),
    );
    assert_eq!(st, 200);
    // Bo only synced: the end of the session scores what he sent.
    assert_eq!(sync(&c, &b_id, &b_tok, 3, &case_b).0, 200);

    // The debrief waits for the instructor.
    let (st, v) = c.call("GET", &format!("/api/trainees/{a_id}/debrief/{BEGINNER}"), Some(&a_tok), None);
    assert_eq!((st, v["error"].as_str()), (409, Some("not_released")));

    let (st, _) = c.call("POST", "/api/admin/freeze", Some(&c.admin), Some(json!({ "frozen": true })));
    assert_eq!(st, 200);
    let (st, v) = c.call("POST", "/api/admin/extend", Some(&c.admin), Some(json!({ "minutes": 15 })));
    assert_eq!(st, 200);
    assert!(v["ends_at"].as_i64().unwrap() > offramp_server::now_ms() + 70 * 60_000);
    let (st, v) = c.call(
        "POST",
        "/api/admin/adjust",
        Some(&c.admin),
        Some(json!({ "trainee": a_id, "scenario": BEGINNER, "points": -2.0, "reason": "" })),
    );
    assert_eq!(st, 400, "an adjustment needs a reason: {v}");
    let (st, _) = c.call(
        "POST",
        "/api/admin/adjust",
        Some(&c.admin),
        Some(
            json!({ "trainee": a_id, "scenario": BEGINNER, "points": -2.0, "reason": "shared notes with a neighbour" }),
        ),
    );
    assert_eq!(st, 200);
    let (st, v) = c.call("POST", "/api/admin/end", Some(&c.admin), None);
    assert_eq!((st, v["submitted_at_end"].as_u64()), (200, Some(1)), "{v}");

    // After the end nothing more is taken.
    assert_eq!(sync(&c, &b_id, &b_tok, 4, &case_b).0, 409);
    let (st, _) = c.call("POST", "/api/join", None, Some(json!({ "code": c.code, "name": "Late Comer" })));
    assert_eq!(st, 409);

    // The gradebook: both, Ana adjusted, Bo scored at the end; the frozen board stays as it was.
    let (st, csv) = c.raw("GET", "/api/admin/gradebook.csv", Some(&c.admin), None);
    assert_eq!(st, 200);
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.lines().any(|l| l.starts_with("Ana Kowalska")), "{csv}");
    assert!(csv.lines().any(|l| l.starts_with("Bo Chen")), "{csv}");
    assert!(csv.contains("shared notes with a neighbour"), "{csv}");
    assert!(csv.contains("scored as last synced"), "{csv}");
    let (st, html) = c.raw("GET", "/api/admin/report.html", Some(&c.admin), None);
    assert_eq!(st, 200);
    assert!(String::from_utf8_lossy(&html).contains("Bo Chen"));
    let (_, state) = c.call("GET", "/api/admin/state", Some(&c.admin), None);
    assert_eq!(state["frozen"], true);
    assert_eq!(state["leaderboard"].as_array().unwrap().len(), 1, "frozen before Bo was scored: {state}");

    // Released, the debrief lays the truth over the submitted case.
    let (st, _) = c.call("POST", "/api/admin/release", Some(&c.admin), Some(json!({ "released": true })));
    assert_eq!(st, 200);
    let (st, d) = c.call("GET", &format!("/api/trainees/{a_id}/debrief/{BEGINNER}"), Some(&a_tok), None);
    assert_eq!(st, 200, "{d}");
    assert!(!d["debrief"]["hops"].as_array().unwrap().is_empty());
    assert!(d["debrief"]["hops"].as_array().unwrap().iter().all(|h| h["mark"] == "Found"), "{}", d["debrief"]["hops"]);
    let (_, result) = c.call("GET", &format!("/api/trainees/{a_id}/submission/{BEGINNER}"), Some(&a_tok), None);
    let possible = result["report"]["possible"].as_f64().unwrap();
    assert_eq!(result["total"].as_f64(), Some(possible - 2.0), "{result}");

    // Every instructor action is in the audit log.
    let (_, audit) = c.call("GET", "/api/admin/audit", Some(&c.admin), None);
    let actions: Vec<&str> = audit["audit"].as_array().unwrap().iter().map(|a| a["action"].as_str().unwrap()).collect();
    for want in
        ["begin", "join", "submit", "freeze", "extend", "adjust", "submitted at the end", "end", "release debriefs"]
    {
        assert!(actions.contains(&want), "{want} not in {actions:?}");
    }
});

both!(a_restarted_server_goes_on_with_the_session, |backend| {
    let Some(db) = test_db(backend) else { return };
    let c = Class::start(&db, &[BEGINNER], None);
    let (tid, token) = c.join("Ana Kowalska");
    let (case, _) = true_case(&world_of(BEGINNER, "Ana Kowalska"), "Ana Kowalska");
    assert_eq!(sync(&c, &tid, &token, 7, &case).0, 200);
    let (code, admin) = (c.code.clone(), c.admin.clone());
    drop(c);
    let c = Class::start(&db, &[BEGINNER], None);
    assert!(!c.new_session);
    assert_eq!((c.code.as_str(), c.admin.as_str()), (code.as_str(), admin.as_str()));
    let (st, v) = c.call("GET", &format!("/api/trainees/{tid}/cases/{BEGINNER}"), Some(&token), None);
    assert_eq!((st, v["revision"].as_i64()), (200, Some(7)));
    // The same name cannot join twice, until the instructor lets them rejoin.
    let (st, v) = c.call("POST", "/api/join", None, Some(json!({ "code": c.code, "name": "ana kowalska" })));
    assert_eq!((st, v["error"].as_str()), (409, Some("name_taken")));
    let (st, _) = c.call("POST", "/api/admin/rejoin", Some(&c.admin), Some(json!({ "trainee": tid })));
    assert_eq!(st, 200);
    let (tid2, token2) = c.join("Ana Kowalska");
    assert_eq!(tid2, tid);
    // The old token is gone; the new one reads the case.
    assert_eq!(c.call("GET", &format!("/api/trainees/{tid}"), Some(&token), None).0, 401);
    assert_eq!(c.call("GET", &format!("/api/trainees/{tid}/cases/{BEGINNER}"), Some(&token2), None).0, 200);
});

both!(the_dashboard_follows_the_class_live, |backend| {
    use std::io::BufRead;
    let Some(db) = test_db(backend) else { return };
    let c = Class::start(&db, &[BEGINNER], None);
    let (st, page) = c.raw("GET", "/dashboard", None, None);
    assert_eq!(st, 200);
    assert!(String::from_utf8_lossy(&page).contains("Offramp class dashboard"));
    let resp = c
        .agent
        .get(&c.url("/api/admin/events"))
        .header("Authorization", &format!("Bearer {}", c.admin))
        .call()
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert!(resp.headers().get("content-type").unwrap().to_str().unwrap().starts_with("text/event-stream"));
    let mut lines = std::io::BufReader::new(resp.into_body().into_reader()).lines();
    let mut next_state = || -> Value {
        loop {
            let l = lines.next().expect("the stream goes on").unwrap();
            if let Some(d) = l.strip_prefix("data:") {
                return serde_json::from_str(d.trim()).unwrap();
            }
        }
    };
    let first = next_state();
    assert_eq!(first["trainees"], json!([]));
    assert_eq!(first["join_code"].as_str(), Some(c.code.as_str()));
    c.join("Chidi Okafor");
    let second = next_state();
    assert_eq!(second["trainees"][0]["name"], "Chidi Okafor");
    assert_eq!(second["trainees"][0]["status"], "active");
});
