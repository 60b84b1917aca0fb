//! `offramp loadtest`, bounded: a small class of simulated trainees against a real server,
//! each syncing, requesting and submitting; the run checks itself (nothing acknowledged lost
//! or duplicated), and the instructor's view of the class agrees.

use std::time::Duration;

use offramp_server::loadtest::{Plan, run};

use crate::both;
use crate::common::*;

const BEGINNER: &str = "beginner-careless-vendor";

both!(a_small_class_under_load_loses_nothing_and_duplicates_nothing, |backend| {
    let db = test_db(backend).unwrap();
    let class = Class::start(&db, &[BEGINNER], None);
    let plan = Plan {
        url: class.base.clone(),
        code: class.code.clone(),
        trainees: 6,
        duration: Duration::from_secs(3),
        think: Duration::from_millis(300),
        scenario: None,
    };
    let outcome = run(&plan, &|_| {}).expect("the load test runs");
    let report = outcome.report();
    assert!(outcome.passed(), "{report}");
    assert!(report.contains("nothing lost, nothing duplicated"), "{report}");
    let count = |k: &str| outcome.timings.get(k).map_or(0, |t| t.micros.len());
    assert_eq!(count("join"), 6);
    assert_eq!(count("submit"), 6);
    assert!(count("case") >= 6 * 3, "{report}");
    // Every trainee is on the server with a submission, as the instructor sees the class.
    let (_, state) = class.call("GET", "/api/admin/state", Some(&class.admin), None);
    let trainees = state["trainees"].as_array().unwrap();
    assert_eq!(trainees.len(), 6);
    assert!(trainees.iter().all(|t| t["status"] == "done"), "{state}");
    // A session that refuses the code is said plainly.
    let bad = Plan { code: "AAAA-AAAA-AAAA".into(), ..plan };
    let e = run(&bad, &|_| {}).unwrap_err();
    assert!(e.contains("join code"), "{e}");
});
