//! `offramp serve` as a process: what it prints, and a submission it acknowledged surviving
//! `kill -9` in the middle of a class's load.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

use offramp_core::case::Case;
use serde_json::{Value, json};

use crate::common::scenario_path;

const BEGINNER: &str = "beginner-careless-vendor";

struct Served {
    child: Child,
    /// The rest of what it prints, kept open as a terminal would be.
    _out: std::io::Lines<BufReader<std::process::ChildStdout>>,
    base: String,
    code: String,
    admin: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `offramp serve` on a free port over the SQLite file `db` and reads its three lines.
fn serve(db: &std::path::Path) -> Served {
    let mut child = Command::new(env!("CARGO_BIN_EXE_offramp"))
        .args(["serve", &scenario_path(&format!("{BEGINNER}.ron")), "--bind", "127.0.0.1:0", "--db"])
        .arg(db)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the binary runs");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut next = |prefix: &str| {
        let l = lines.next().expect("serve prints its lines").unwrap();
        l.strip_prefix(prefix).unwrap_or_else(|| panic!("expected {prefix}…, got {l}")).to_string()
    };
    let code = next("join code: ");
    let dashboard = next("dashboard: ");
    let admin = next("instructor token: ");
    let base = dashboard.strip_suffix("/dashboard").expect("the dashboard's address").to_string();
    Served { child, base, code, admin, _out: lines }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(std::time::Duration::from_secs(30)))
        .build()
        .into()
}

fn post(agent: &ureq::Agent, url: &str, token: Option<&str>, body: Value) -> Result<(u16, Value), ureq::Error> {
    let mut r = agent.post(url);
    if let Some(t) = token {
        r = r.header("Authorization", &format!("Bearer {t}"));
    }
    let mut resp = r.send_json(body)?;
    let status = resp.status().as_u16();
    Ok((status, resp.body_mut().read_json().unwrap_or(Value::Null)))
}

#[test]
fn serve_prints_its_lines_and_guards_the_admin_endpoints() {
    let dir = tempfile::tempdir().unwrap();
    let s = serve(&dir.path().join("class.db"));
    assert_eq!(s.code.len(), 14, "{}", s.code);
    let a = agent();
    let mut page = a.get(&format!("{}/dashboard", s.base)).call().unwrap();
    assert_eq!(page.status().as_u16(), 200);
    assert!(page.body_mut().read_to_string().unwrap().contains("<html"));
    assert_eq!(a.get(&format!("{}/api/admin/state", s.base)).call().unwrap().status().as_u16(), 401);
    let ok = a
        .get(&format!("{}/api/admin/state", s.base))
        .header("Authorization", &format!("Bearer {}", s.admin))
        .call()
        .unwrap();
    assert_eq!(ok.status().as_u16(), 200);
}

/// Thirty trainees submit at once from four threads; the server is killed with SIGKILL once
/// some submissions were acknowledged. After a restart on the same database, every
/// acknowledged submission is there with the score it was acknowledged with.
#[test]
fn an_acknowledged_submission_survives_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("class.db");
    let mut s = serve(&db);
    let a = agent();
    let sc = offramp_core::scenario::Scenario::load(std::path::Path::new(&scenario_path(&format!("{BEGINNER}.ron"))))
        .unwrap();
    let mut trainees = Vec::new();
    for i in 0..30 {
        let name = format!("Trainee {i:02}");
        let (st, v) = post(&a, &format!("{}/api/join", s.base), None, json!({ "code": s.code, "name": name })).unwrap();
        assert_eq!(st, 200, "{v}");
        let case = Case {
            scenario: sc.meta.id.clone(),
            trainee: name.clone(),
            answers: [("exchange".to_string(), offramp_core::answer::Given::Entities(vec![format!("guess {i}")]))]
                .into(),
            ..Case::default()
        };
        trainees.push((
            v["trainee"].as_str().unwrap().to_string(),
            v["token"].as_str().unwrap().to_string(),
            case.to_ron(),
        ));
    }
    let acked: Arc<Mutex<Vec<(String, String, Value)>>> = Arc::default();
    let queue = Arc::new(Mutex::new(trainees));
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let (queue, acked, base) = (Arc::clone(&queue), Arc::clone(&acked), s.base.clone());
            std::thread::spawn(move || {
                let a = agent();
                loop {
                    let Some((tid, token, case)) = queue.lock().unwrap().pop() else { return };
                    let url = format!("{base}/api/trainees/{tid}/submission/{BEGINNER}");
                    match post(&a, &url, Some(&token), json!({ "id": format!("sub-{tid}"), "case": case })) {
                        Ok((200, v)) => acked.lock().unwrap().push((tid, token, v["report"].clone())),
                        // The server is gone: this one was never acknowledged.
                        _ => return,
                    }
                }
            })
        })
        .collect();
    let t = std::time::Instant::now();
    while acked.lock().unwrap().len() < 8 {
        assert!(t.elapsed().as_secs() < 120, "no submissions were acknowledged");
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    // SIGKILL: no chance to flush or shut down.
    s.child.kill().unwrap();
    s.child.wait().unwrap();
    for w in workers {
        w.join().unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= 8);

    let s2 = serve(&db);
    assert_eq!((s2.code.as_str(), s2.admin.as_str()), (s.code.as_str(), s.admin.as_str()), "the same session goes on");
    for (tid, token, report) in &acked {
        let mut r = a
            .get(&format!("{}/api/trainees/{tid}/submission/{BEGINNER}", s2.base))
            .header("Authorization", &format!("Bearer {token}"))
            .call()
            .unwrap_or_else(|e| panic!("asking for {tid}'s submission: {e}"));
        assert_eq!(r.status().as_u16(), 200, "submission of {tid} lost");
        let v: Value = r.body_mut().read_json().unwrap();
        assert_eq!(&v["report"], report, "{tid}'s submission changed");
    }
    eprintln!("{} of 30 submissions acknowledged before kill -9; all there after the restart", acked.len());
}
