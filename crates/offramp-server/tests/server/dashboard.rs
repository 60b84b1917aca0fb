//! The instructor's dashboard in a real browser: headless Chromium, driven through
//! chromedriver's WebDriver API (W3C, JSON over HTTP). The page opens with the token from the
//! address (and takes it out of the address), shows the join code, the trainee × objective
//! matrix and the leaderboard, follows the class live (a trainee who joins appears without a
//! reload), and its buttons and the adjustment form act on the server. A screenshot is kept
//! for people to look at (`target/tmp/dashboard-*.png`).

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::common::*;

const BEGINNER: &str = "beginner-careless-vendor";
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// chromedriver and one headless Chromium session.
struct Browser {
    driver: Child,
    base: String,
    session: String,
    agent: ureq::Agent,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.agent.delete(&format!("{}/session/{}", self.base, self.session)).call();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn found(program: &str) -> bool {
    Command::new(program).arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok()
}

impl Browser {
    /// A browser, or `None` (said) where this machine has none; under CI it must be there.
    fn open() -> Option<Browser> {
        let chromium = ["chromium", "chromium-browser", "google-chrome"].into_iter().find(|p| found(p));
        let (Some(chromium), true) = (chromium, found("chromedriver")) else {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI must test the dashboard in a browser: install chromium and chromedriver (.ci/run does)"
            );
            eprintln!("skipped: no chromium and chromedriver on this machine");
            return None;
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let base = format!("http://127.0.0.1:{port}");
        let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
        let t = Instant::now();
        while agent.get(&format!("{base}/status")).call().is_err() {
            assert!(t.elapsed() < Duration::from_secs(30), "chromedriver never answered");
            std::thread::sleep(Duration::from_millis(100));
        }
        let binary = which(chromium);
        let caps = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": binary,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1600,1000"]
            }
        }}});
        let mut b = Browser { driver, base, session: String::new(), agent };
        let v = b.call("POST", "/session", Some(caps));
        b.session = v["sessionId"].as_str().unwrap_or_else(|| panic!("no session: {v}")).to_string();
        Some(b)
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{path}", self.base);
        let mut resp = match method {
            "GET" => self.agent.get(&url).call(),
            _ => self.agent.post(&url).send_json(body.unwrap_or(json!({}))),
        }
        .expect("chromedriver answers");
        let v: Value = resp.body_mut().with_config().limit(64 << 20).read_json().unwrap();
        v["value"].clone()
    }

    fn session(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        self.call(method, &format!("/session/{}{path}", self.session), body)
    }

    fn goto(&self, url: &str) {
        self.session("POST", "/url", Some(json!({ "url": url })));
    }

    fn url(&self) -> String {
        self.session("GET", "/url", None).as_str().unwrap_or_default().to_string()
    }

    fn find(&self, css: &str) -> Option<String> {
        let v = self.session("POST", "/element", Some(json!({ "using": "css selector", "value": css })));
        v[ELEMENT].as_str().map(str::to_string)
    }

    fn text(&self, css: &str) -> String {
        match self.find(css) {
            Some(e) => {
                self.session("GET", &format!("/element/{e}/text"), None).as_str().unwrap_or_default().to_string()
            }
            None => String::new(),
        }
    }

    fn click(&self, css: &str) {
        let e = self.find(css).unwrap_or_else(|| panic!("no {css} on the page"));
        self.session("POST", &format!("/element/{e}/click"), Some(json!({})));
    }

    fn type_into(&self, css: &str, text: &str) {
        let e = self.find(css).unwrap_or_else(|| panic!("no {css} on the page"));
        self.session("POST", &format!("/element/{e}/clear"), Some(json!({})));
        self.session("POST", &format!("/element/{e}/value"), Some(json!({ "text": text })));
    }

    /// Chooses the option of a `<select>` whose text contains `text`.
    fn choose(&self, css: &str, text: &str) {
        let options = self.session(
            "POST",
            "/elements",
            Some(json!({ "using": "css selector", "value": format!("{css} option") })),
        );
        for o in options.as_array().unwrap() {
            let e = o[ELEMENT].as_str().unwrap();
            if self.session("GET", &format!("/element/{e}/text"), None).as_str().unwrap_or_default().contains(text) {
                self.session("POST", &format!("/element/{e}/click"), Some(json!({})));
                return;
            }
        }
        panic!("no option \"{text}\" in {css}");
    }

    /// Waits until the element's text satisfies `want` (the page updates itself).
    fn wait_text(&self, css: &str, what: &str, want: impl Fn(&str) -> bool) -> String {
        let t = Instant::now();
        loop {
            let text = self.text(css);
            if want(&text) {
                return text;
            }
            assert!(t.elapsed() < Duration::from_secs(20), "{what}: {css} still reads {text:?}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn screenshot(&self, name: &str) -> std::path::PathBuf {
        use base64_png::decode;
        let b64 = self.session("GET", "/screenshot", None);
        let path = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("dashboard-{name}.png"));
        std::fs::write(&path, decode(b64.as_str().unwrap())).unwrap();
        path
    }
}

fn which(program: &str) -> String {
    let out = Command::new("sh").arg("-c").arg(format!("command -v {program}")).output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Base64 as WebDriver sends screenshots (the standard alphabet, padded).
mod base64_png {
    pub fn decode(s: &str) -> Vec<u8> {
        let value = |c: u8| match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => 0,
        };
        let bytes: Vec<u8> = s.bytes().filter(|c| !c.is_ascii_whitespace()).collect();
        let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
        for chunk in bytes.chunks(4) {
            let n = chunk.iter().take_while(|&&c| c != b'=').count();
            let mut acc = 0u32;
            for (i, &c) in chunk.iter().enumerate() {
                acc |= u32::from(if c == b'=' { 0 } else { value(c) }) << (18 - 6 * i);
            }
            out.extend(&acc.to_be_bytes()[1..n.max(1)]);
        }
        out
    }
}

#[test]
fn the_dashboard_in_chromium_shows_the_class_live_and_its_buttons_act_on_the_server() {
    let Some(browser) = Browser::open() else { return };
    let db = test_db(Backend::Sqlite).unwrap();
    let class = Class::start(&db, &[BEGINNER], Some(90));
    // Two trainees: one has answered and submitted, one is still working.
    let (a_id, a_tok) = class.join("Ana Kowalska");
    let (b_id, b_tok) = class.join("Bruno Silva");
    let w = world_of(BEGINNER, "Ana Kowalska");
    let (case, _) = true_case(&w, "Ana Kowalska");
    let (st, _) = class.call(
        "POST",
        &format!("/api/trainees/{a_id}/submission/{BEGINNER}"),
        Some(&a_tok),
        Some(json!({ "id": "s1", "case": case.to_ron() })),
    );
    assert_eq!(st, 200);
    let wb = world_of(BEGINNER, "Bruno Silva");
    let (mut case_b, _) = true_case(&wb, "Bruno Silva");
    case_b.answers.retain(|k, _| k == &wb.scenario.objectives[0].id);
    let (st, _) = class.call(
        "PUT",
        &format!("/api/trainees/{b_id}/cases/{BEGINNER}"),
        Some(&b_tok),
        Some(json!({ "revision": 1, "case": case_b.to_ron() })),
    );
    assert_eq!(st, 200);

    // The instructor opens the link with the token in it; the page takes it out of the address.
    browser.goto(&format!("{}#token={}", class.url("/dashboard"), class.admin));
    let code = browser.wait_text("#join-code", "the join code", |t| t != "…" && !t.is_empty());
    assert_eq!(code, class.code);
    assert!(!browser.url().contains(&class.admin), "the token stays out of the address: {}", browser.url());
    let matrix = browser.wait_text("#matrix", "the matrix", |t| t.contains("Bruno Silva"));
    assert!(matrix.contains("Ana Kowalska"), "{matrix}");
    let board = browser.wait_text("#leaderboard", "the leaderboard", |t| t.contains("Ana Kowalska"));
    let possible: f64 = w.scenario.objectives.iter().map(|o| o.rule.points()).sum();
    assert!(board.contains(&format!("{possible:.0}")) || board.contains(&format!("{possible}")), "{board}");
    assert!(browser.text("#clock").contains(':'), "time left shows: {}", browser.text("#clock"));

    // Live: a trainee who joins now appears without a reload.
    class.join("Chen Wei");
    browser.wait_text("#matrix", "a new trainee, live", |t| t.contains("Chen Wei"));

    // Freeze: the server's state says so, and the page marks the leaderboard.
    browser.click("#freeze");
    let t = Instant::now();
    while !class.call("GET", "/api/admin/state", Some(&class.admin), None).1["frozen"].as_bool().unwrap_or(false) {
        assert!(t.elapsed() < Duration::from_secs(10), "the freeze never reached the server");
        std::thread::sleep(Duration::from_millis(100));
    }
    let note = browser.find("#frozen-note").unwrap();
    let t = Instant::now();
    while browser.session("GET", &format!("/element/{note}/displayed"), None) != json!(true) {
        assert!(t.elapsed() < Duration::from_secs(10), "the page never said the board is frozen");
        std::thread::sleep(Duration::from_millis(100));
    }

    // An adjustment with its reason, through the form: in the audit log and in the score.
    browser.choose("#adjust-trainee", "Ana Kowalska");
    browser.type_into("#adjust-points", "-2.5");
    browser.type_into("#adjust-reason", "answer copied from a neighbour");
    browser.click("#adjust button[type=submit]");
    let t = Instant::now();
    loop {
        let (_, audit) = class.call("GET", "/api/admin/audit", Some(&class.admin), None);
        if audit["audit"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "adjust" && e["detail"].to_string().contains("copied"))
        {
            break;
        }
        assert!(t.elapsed() < Duration::from_secs(10), "the adjustment never reached the server: {audit}");
        std::thread::sleep(Duration::from_millis(100));
    }
    let (_, result) = class.call("GET", &format!("/api/trainees/{a_id}/submission/{BEGINNER}"), Some(&a_tok), None);
    assert_eq!(result["total"].as_f64().unwrap(), result["report"]["earned"].as_f64().unwrap() - 2.5);
    browser.wait_text("#message", "the page's word on the adjustment", |t| !t.is_empty());
    let adjusted = format!("{}", result["total"].as_f64().unwrap());
    browser.wait_text("#matrix", "the adjusted score, live", |t| t.contains(&adjusted) && t.contains("(adj.)"));
    // The frozen leaderboard keeps the score it had.
    assert!(!browser.text("#leaderboard").contains(&adjusted), "{}", browser.text("#leaderboard"));
    let shot = browser.screenshot("live");
    eprintln!("dashboard screenshot: {}", shot.display());
    assert!(std::fs::read(&shot).unwrap().starts_with(b"\x89PNG"));

    // A wrong token is refused on the page, with a message, and nothing shows.
    browser.goto("about:blank");
    browser.goto(&format!("{}#token=not-the-token", class.url("/dashboard")));
    browser.wait_text("#login-error", "the refusal", |t| !t.is_empty());
}
