//! The harness: a real server on a loopback port, over a real database (a SQLite file, or
//! a fresh database on the PostgreSQL server that `OFFRAMP_TEST_POSTGRES` names), reached
//! over HTTP as the app and the browser reach it.

use std::path::PathBuf;

use offramp_core::case::Case;
use offramp_core::class::{ClassKey, trainee_seed};
use offramp_core::scenario::Scenario;
use offramp_core::sim::{self, Options};
use offramp_core::world::World;
use serde_json::{Value, json};

pub const KEY: &str = "offramp-class-key-0101010101010101010101010101010101010101010101010101010101010101";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub fn scenario_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scenarios").join(format!("{name}.ron"))
}

pub fn scenario(name: &str) -> Scenario {
    Scenario::load(&scenario_path(name)).expect("a shipped scenario loads")
}

/// The PostgreSQL server the tests use. Under CI it must be there (`.ci/run` starts one);
/// elsewhere a run without it says so and skips the PostgreSQL half.
pub fn postgres() -> Option<String> {
    match std::env::var("OFFRAMP_TEST_POSTGRES") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI must run the PostgreSQL tests: set OFFRAMP_TEST_POSTGRES (.ci/run starts a server and sets it)"
            );
            eprintln!("skipped: the PostgreSQL half of this test (set OFFRAMP_TEST_POSTGRES=postgres://… to run it)");
            None
        }
    }
}

/// A database for one test: a new SQLite file, or a new database on the PostgreSQL server.
pub struct TestDb {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    /// The PostgreSQL database to drop afterwards: (admin URL, name).
    drop: Option<(String, String)>,
}

fn on_postgres(admin: &str, sql: &str) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        use sqlx::Connection;
        sqlx::any::install_default_drivers();
        let mut c = sqlx::AnyConnection::connect(admin).await.expect("the test PostgreSQL server answers");
        sqlx::query(sql).execute(&mut c).await.unwrap();
    });
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin, name)) = self.drop.take() {
            on_postgres(&admin, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}

pub fn test_db(backend: Backend) -> Option<TestDb> {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().unwrap();
            let url = dir.path().join("class.db").display().to_string();
            Some(TestDb { url, _dir: Some(dir), drop: None })
        }
        Backend::Postgres => {
            let admin = postgres()?;
            let name = format!("offramp_test_{}", offramp_server::auth::id());
            on_postgres(&admin, &format!("CREATE DATABASE {name}"));
            let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b).to_string();
            Some(TestDb { url: format!("{base}/{name}"), _dir: None, drop: Some((admin, name)) })
        }
    }
}

/// A running server and what it printed.
pub struct Class {
    pub base: String,
    pub code: String,
    pub admin: String,
    pub new_session: bool,
    runtime: Option<tokio::runtime::Runtime>,
    pub agent: ureq::Agent,
}

impl Drop for Class {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).build().into()
}

impl Class {
    pub fn start(db: &TestDb, scenarios: &[&str], minutes: Option<u64>) -> Class {
        Class::start_on(db, scenarios, minutes, "127.0.0.1:0")
    }

    /// A server on `bind` (a restarted one goes back to its port).
    pub fn start_on(db: &TestDb, scenarios: &[&str], minutes: Option<u64>, bind: &str) -> Class {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let config = offramp_server::Config {
            scenarios: scenarios.iter().map(|s| scenario(s)).collect(),
            bind: bind.into(),
            db: db.url.clone(),
            class_key: Some(ClassKey::parse(KEY, "test").unwrap()),
            minutes,
            new_session: false,
        };
        let started = rt.block_on(offramp_server::start(config)).expect("the server starts");
        let banner = started.banner();
        let line = |k: &str| {
            banner
                .lines()
                .find_map(|l| l.strip_prefix(k))
                .unwrap_or_else(|| panic!("no {k} line in {banner}"))
                .to_string()
        };
        let base = format!("http://{}", started.addr);
        assert_eq!(line("dashboard: "), format!("{base}/dashboard"));
        let new_session = started.new_session;
        rt.spawn(started.serve(std::future::pending()));
        Class {
            base,
            code: line("join code: "),
            admin: line("instructor token: "),
            new_session,
            runtime: Some(rt),
            agent: agent(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// (status, JSON body) of a call with `token` (if any).
    pub fn call(&self, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> (u16, Value) {
        let (status, bytes) = self.raw(method, path, token, body);
        let v = serde_json::from_slice(&bytes).unwrap_or_else(|_| json!({ "text": String::from_utf8_lossy(&bytes) }));
        (status, v)
    }

    pub fn raw(&self, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> (u16, Vec<u8>) {
        let url = self.url(path);
        let auth = token.map(|t| format!("Bearer {t}"));
        let resp = match (method, body) {
            ("GET", _) => {
                let mut r = self.agent.get(&url);
                if let Some(a) = &auth {
                    r = r.header("Authorization", a);
                }
                r.call()
            }
            (m, body) => {
                let mut r = match m {
                    "POST" => self.agent.post(&url),
                    "PUT" => self.agent.put(&url),
                    _ => panic!("{m}"),
                };
                if let Some(a) = &auth {
                    r = r.header("Authorization", a);
                }
                match body {
                    Some(b) => r.send_json(b),
                    None => r.send_empty(),
                }
            }
        };
        let mut resp = resp.expect("the server answers");
        let status = resp.status().as_u16();
        let bytes = resp.body_mut().with_config().limit(200 << 20).read_to_vec().unwrap();
        (status, bytes)
    }

    /// The status of a `method` (POST or PUT) to `path` whose body claims to be JSON and is
    /// `text` as it is, with `token` (if any).
    pub fn send_text(&self, method: &str, path: &str, token: Option<&str>, text: &str) -> u16 {
        let url = self.url(path);
        let mut r = match method {
            "POST" => self.agent.post(&url),
            "PUT" => self.agent.put(&url),
            m => panic!("{m}"),
        };
        if let Some(t) = token {
            r = r.header("Authorization", &format!("Bearer {t}"));
        }
        r.header("Content-Type", "application/json").send(text).expect("the server answers").status().as_u16()
    }

    /// Joins as `name`: (trainee id, token).
    pub fn join(&self, name: &str) -> (String, String) {
        let (st, v) = self.call("POST", "/api/join", None, Some(json!({ "code": self.code, "name": name })));
        assert_eq!(st, 200, "{v}");
        (v["trainee"].as_str().unwrap().to_string(), v["token"].as_str().unwrap().to_string())
    }
}

/// `name`'s world of `scenario` in the test class, made here as the server makes it.
pub fn world_of(scenario_id: &str, name: &str) -> World {
    let sc = scenario(scenario_id);
    let key = ClassKey::parse(KEY, "test").unwrap();
    let seed = trainee_seed(Some(&key), &sc.meta.id, name);
    sim::generate(&sc, &Options { seed: Some(seed), signed: false }, &mut |_, _, _| {}).unwrap()
}

/// The case with every true answer (as `offramp solve` writes it), and the legal request
/// that would find each identity.
pub fn true_case(w: &World, name: &str) -> (Case, Vec<(String, String)>) {
    let mut case =
        Case { scenario: w.scenario.meta.id.clone(), seed: Some(w.seed), trainee: name.into(), ..Case::default() };
    for (o, a) in w.scenario.objectives.iter().zip(&w.truth.answers) {
        case.answers.insert(o.id.clone(), a.as_given());
    }
    let mut requests = Vec::new();
    for o in &w.scenario.objectives {
        if let offramp_core::scenario::Answer::Identity { of } = o.answer
            && let Some(acct) = w.truth.accounts.iter().find(|a| a.holder == of && a.identity.is_some())
            && let Some(&addr) = acct.addresses.first()
        {
            requests.push((w.scenario.entities[acct.service].id.clone(), w.chain.address_string(addr)));
        }
    }
    (case, requests)
}

/// Defines a test once per backend: `NAME::sqlite` and `NAME::postgres`.
#[macro_export]
macro_rules! both {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[test]
            fn sqlite() {
                let f: fn($crate::common::Backend) = $body;
                f($crate::common::Backend::Sqlite);
            }
            #[test]
            fn postgres() {
                if $crate::common::postgres().is_some() {
                    let f: fn($crate::common::Backend) = $body;
                    f($crate::common::Backend::Postgres);
                }
            }
        }
    };
}
