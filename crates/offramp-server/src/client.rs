//! The trainee's side of the classroom API, for the app and for `offramp loadtest`: blocking
//! HTTP calls (the app makes them on a thread of its own, never in a frame), and the
//! [`Syncer`]: what must reach the server (the case, legal requests, the submission), kept on
//! disk and sent in order whenever the server is there. A trainee whose network drops keeps
//! working; what they did goes out when it returns, each thing once (the server takes a case
//! by revision and a request or a submission by the app's id).

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

use offramp_core::debrief::Debrief;
use offramp_core::legal::Reply;
use offramp_core::preview::KeyLine;
use offramp_core::score::Report;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// How long one call may take before the server counts as away.
const CALL_TIMEOUT: Duration = Duration::from_secs(15);
/// How often the syncer says it is still there (the dashboard calls a trainee offline after a
/// minute without news), and looks for the instructor's release and adjustments.
const HEARTBEAT: Duration = Duration::from_secs(20);
/// The longest wait between tries while the server is away.
const MAX_BACKOFF: Duration = Duration::from_secs(8);

/// Why a call did not go through.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ClientError {
    /// The server was not reached, did not answer in time, or is busy (429, 5xx): the same
    /// call can be sent again later.
    #[error("{0}")]
    Away(String),
    /// The server said no (its JSON error); sending the same again will not help.
    #[error("{message}")]
    Refused { status: u16, error: String, message: String },
}

impl ClientError {
    /// Whether the call may go through later.
    pub fn is_away(&self) -> bool {
        matches!(self, ClientError::Away(_))
    }

    /// The server's error code (`name_taken`, `budget_spent`…), for a refusal.
    pub fn code(&self) -> Option<&str> {
        match self {
            ClientError::Refused { error, .. } => Some(error),
            ClientError::Away(_) => None,
        }
    }
}

/// One scenario a class runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScenarioInfo {
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub objectives: usize,
}

/// A trainee's place in a class: what the app keeps to come back to it (the token opens only
/// this trainee's things).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Membership {
    /// The server, `http://host:port`.
    pub url: String,
    pub code: String,
    pub name: String,
    /// The trainee's id on the server.
    pub trainee: String,
    pub token: String,
    pub scenarios: Vec<ScenarioInfo>,
}

/// A legal request as the server recorded and answered it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LegalRecord {
    /// The app's id for it.
    pub id: String,
    /// Its place among the trainee's requests (1 for the first).
    pub seq: i64,
    pub exchange: String,
    pub address: String,
    pub reply: Reply,
    pub at: i64,
}

/// An adjustment the instructor made to a score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Adjustment {
    pub points: f64,
    pub reason: String,
    pub at: i64,
}

/// A submission as the server scored it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Submission {
    /// The app's id for it.
    pub id: String,
    pub report: Report,
    /// False for a case the server scored when the session ended.
    pub by_trainee: bool,
    pub at: i64,
    #[serde(default)]
    pub adjustments: Vec<Adjustment>,
    /// The score with the adjustments.
    pub total: f64,
    /// Whether the instructor has released the debriefs.
    #[serde(default)]
    pub debrief_released: bool,
}

/// The debrief the server sends once released: the truth laid over the submitted case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServerDebrief {
    pub scenario: String,
    pub report: Report,
    pub debrief: Debrief,
    pub key: Vec<KeyLine>,
}

/// The server's address as a person types it (`192.168.1.20:8690`, `http://host:8690/dashboard`),
/// as `http://host:port`.
///
/// # Errors
/// An empty address, or one of another scheme (this app speaks plain HTTP on the class's network).
pub fn base_url(typed: &str) -> Result<String, String> {
    let t = typed.trim();
    let rest = match t.split_once("://") {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") => rest,
        Some((scheme, _)) => {
            return Err(format!(
                "\"{scheme}://\" is not supported: the classroom server speaks plain http:// on the class's network (use the address `offramp serve` printed)"
            ));
        }
        None => t,
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if host.is_empty() {
        return Err("give the server's address, as the instructor shows it (for example 192.168.1.20:8690)".into());
    }
    if host.chars().any(|c| c.is_whitespace() || c.is_control() || c == '@') {
        return Err(format!("\"{host}\" is not a server address"));
    }
    Ok(format!("http://{host}"))
}

fn agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).timeout_global(Some(timeout)).build().into()
}

/// Turns a transport error or a non-2xx answer into a [`ClientError`].
fn failed(status: u16, body: &[u8]) -> ClientError {
    let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let message = v["message"].as_str().map_or_else(|| format!("the server answered {status}"), str::to_string);
    if status == 429 || status == 408 || status >= 500 {
        let message = match (status, v["error"].as_str()) {
            (429, _) => format!("the server is busy ({message})"),
            (_, Some("database")) => format!("the server's database did not answer ({message})"),
            _ => message,
        };
        return ClientError::Away(message);
    }
    ClientError::Refused { status, error: v["error"].as_str().unwrap_or("error").to_string(), message }
}

fn away(base: &str, e: &ureq::Error) -> ClientError {
    ClientError::Away(format!("cannot reach the class server at {base} ({e})"))
}

/// One call: `(status, body)` for any answer.
fn send(
    agent: &ureq::Agent,
    base: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> Result<Vec<u8>, ClientError> {
    let url = format!("{base}{path}");
    let auth = token.map(|t| format!("Bearer {t}"));
    let result = match (method, body) {
        ("GET", _) => {
            let mut r = agent.get(&url);
            if let Some(a) = &auth {
                r = r.header("Authorization", a);
            }
            r.call()
        }
        (m, b) => {
            let mut r = if m == "PUT" { agent.put(&url) } else { agent.post(&url) };
            if let Some(a) = &auth {
                r = r.header("Authorization", a);
            }
            r.send_json(b.cloned().unwrap_or(Value::Null))
        }
    };
    let mut resp = result.map_err(|e| away(base, &e))?;
    let status = resp.status().as_u16();
    let bytes = resp
        .body_mut()
        .with_config()
        .limit(64 * 1024 * 1024)
        .read_to_vec()
        .map_err(|e| ClientError::Away(format!("the answer from {base} was cut short ({e})")))?;
    if (200..300).contains(&status) { Ok(bytes) } else { Err(failed(status, &bytes)) }
}

fn json_of<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ClientError> {
    serde_json::from_slice(bytes).map_err(|e| ClientError::Refused {
        status: 200,
        error: "unexpected".into(),
        message: format!("the server's answer does not read ({e}): is it an Offramp classroom server of this version?"),
    })
}

/// Joins the class at `url` with its join code, as `name`.
///
/// # Errors
/// [`ClientError`]: the server away, or its refusal (a wrong code: 404; a name that joined
/// already: `name_taken`; the session over: `session_ended`).
pub fn join(url: &str, code: &str, name: &str) -> Result<Membership, ClientError> {
    let base =
        base_url(url).map_err(|m| ClientError::Refused { status: 400, error: "bad_request".into(), message: m })?;
    let body = json!({ "code": code, "name": name });
    let v: Value = json_of(&send(&agent(CALL_TIMEOUT), &base, "POST", "/api/join", None, Some(&body))?)?;
    let scenarios: Vec<ScenarioInfo> = serde_json::from_value(v["scenarios"].clone()).unwrap_or_default();
    match (v["trainee"].as_str(), v["token"].as_str()) {
        (Some(trainee), Some(token)) => Ok(Membership {
            url: base,
            code: code.trim().to_string(),
            name: v["name"].as_str().unwrap_or(name).to_string(),
            trainee: trainee.to_string(),
            token: token.to_string(),
            scenarios,
        }),
        _ => Err(ClientError::Refused {
            status: 200,
            error: "unexpected".into(),
            message: "the server's answer to joining has no trainee or token: is it an Offramp classroom server of this version?".into(),
        }),
    }
}

/// A trainee's calls to their class's server.
#[derive(Clone)]
pub struct Client {
    base: String,
    trainee: String,
    token: String,
    agent: ureq::Agent,
}

impl Client {
    pub fn new(m: &Membership) -> Client {
        Client { base: m.url.clone(), trainee: m.trainee.clone(), token: m.token.clone(), agent: agent(CALL_TIMEOUT) }
    }

    /// The server's address.
    pub fn url(&self) -> &str {
        &self.base
    }

    fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Result<Vec<u8>, ClientError> {
        send(&self.agent, &self.base, method, &format!("/api/trainees/{}{path}", self.trainee), Some(&self.token), body)
    }

    /// The trainee's status: times, and per scenario the revision held, submitted, legal used.
    ///
    /// # Errors
    /// [`ClientError`].
    pub fn status(&self) -> Result<Value, ClientError> {
        json_of(&self.call("GET", "", None)?)
    }

    /// The trainee's pack of `scenario` (their variant, no truth).
    ///
    /// # Errors
    /// [`ClientError`].
    pub fn pack(&self, scenario: &str) -> Result<Vec<u8>, ClientError> {
        self.call("GET", &format!("/packs/{scenario}"), None)
    }

    /// Sends the case's text as revision `revision`: `(stored, the revision the server holds)`.
    ///
    /// # Errors
    /// [`ClientError`] (a case of another scenario, or one that does not read: refused).
    pub fn put_case(&self, scenario: &str, revision: i64, text: &str) -> Result<(bool, i64), ClientError> {
        let v: Value = json_of(&self.call(
            "PUT",
            &format!("/cases/{scenario}"),
            Some(&json!({ "revision": revision, "case": text })),
        )?)?;
        Ok((v["stored"].as_bool().unwrap_or(false), v["revision"].as_i64().unwrap_or(revision)))
    }

    /// The case the server holds: `(revision, text)`, or `None` before the first sync.
    ///
    /// # Errors
    /// [`ClientError`].
    pub fn get_case(&self, scenario: &str) -> Result<Option<(i64, String)>, ClientError> {
        match self.call("GET", &format!("/cases/{scenario}"), None) {
            Ok(b) => {
                let v: Value = json_of(&b)?;
                Ok(Some((v["revision"].as_i64().unwrap_or(0), v["case"].as_str().unwrap_or_default().to_string())))
            }
            Err(ClientError::Refused { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Files a legal request (sent again with the same `id`, it gets the first answer).
    ///
    /// # Errors
    /// [`ClientError`] (`budget_spent`, `submitted`, an unknown exchange or a bad address: refused).
    pub fn legal(&self, scenario: &str, id: &str, exchange: &str, address: &str) -> Result<LegalRecord, ClientError> {
        json_of(&self.call(
            "POST",
            &format!("/legal/{scenario}"),
            Some(&json!({ "id": id, "exchange": exchange, "address": address })),
        )?)
    }

    /// Every legal request the server holds for the trainee, in order.
    ///
    /// # Errors
    /// [`ClientError`].
    pub fn legal_list(&self, scenario: &str) -> Result<Vec<LegalRecord>, ClientError> {
        let v: Value = json_of(&self.call("GET", &format!("/legal/{scenario}"), None)?)?;
        serde_json::from_value(v["requests"].clone()).map_err(|e| ClientError::Refused {
            status: 200,
            error: "unexpected".into(),
            message: format!("the server's list of requests does not read ({e})"),
        })
    }

    /// Submits the case (sent again with the same `id`, it gets the first answer).
    ///
    /// # Errors
    /// [`ClientError`] (`submitted` for another id, `session_ended`: refused).
    pub fn submit(&self, scenario: &str, id: &str, case: &str) -> Result<Submission, ClientError> {
        json_of(&self.call("POST", &format!("/submission/{scenario}"), Some(&json!({ "id": id, "case": case })))?)
    }

    /// The scored submission, or `None` before it.
    ///
    /// # Errors
    /// [`ClientError`].
    pub fn submission(&self, scenario: &str) -> Result<Option<Submission>, ClientError> {
        match self.call("GET", &format!("/submission/{scenario}"), None) {
            Ok(b) => json_of(&b).map(Some),
            Err(ClientError::Refused { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The debrief, once released.
    ///
    /// # Errors
    /// [`ClientError`] (`not_released`, `not_submitted`: refused).
    pub fn debrief(&self, scenario: &str) -> Result<ServerDebrief, ClientError> {
        json_of(&self.call("GET", &format!("/debrief/{scenario}"), None)?)
    }
}

/// A new id for a request or a submission: random, so that two apps never share one.
pub fn new_id() -> String {
    let mut b = [0u8; 12];
    getrandom::fill(&mut b).expect("the system's random source works");
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Something that must reach the server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Op {
    /// The case as saved, as the app's `revision`th version of it.
    Case {
        revision: i64,
        text: String,
    },
    Legal {
        id: String,
        exchange: String,
        address: String,
    },
    Submit {
        id: String,
        case: String,
    },
}

/// What the syncer keeps on disk beside the case: the queue, the case's revision, and the
/// server's answers (so that a trainee who reopens the case offline still sees them).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Kept {
    /// The last revision of the case queued.
    pub revision: i64,
    pub queue: VecDeque<Op>,
    /// The legal requests as the server answered them, in its order.
    pub requests: Vec<LegalRecord>,
    pub submission: Option<Submission>,
}

impl Kept {
    /// Reads what the syncer kept at `path`; nothing yet, or a file that does not read, is a
    /// fresh start (the server's record is the reference, and it is asked again).
    pub fn load(path: &Path) -> Kept {
        std::fs::read(path).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default()
    }

    /// Writes it atomically to `path`.
    ///
    /// # Errors
    /// The file system's.
    pub fn store(&self, path: &Path) -> std::io::Result<()> {
        let text = serde_json::to_vec_pretty(self).expect("the outbox serializes");
        offramp_core::case::write_atomic(path, &text)
    }

    /// The legal requests still to be sent.
    pub fn queued_requests(&self) -> impl Iterator<Item = (&str, &str, &str)> {
        self.queue.iter().filter_map(|o| match o {
            Op::Legal { id, exchange, address } => Some((id.as_str(), exchange.as_str(), address.as_str())),
            _ => None,
        })
    }
}

/// What came back from the server, for the app to show.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// The answer to one request (or why the server refused it).
    Legal {
        id: String,
        result: Result<LegalRecord, String>,
    },
    /// The server's whole record of requests (after a resync).
    Requests(Vec<LegalRecord>),
    Submitted(Result<Submission, String>),
    /// The server refused a version of the case.
    CaseRefused(String),
    Debrief(Result<ServerDebrief, String>),
}

/// Whether the server is there, and what waits to be sent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Link {
    /// `None` before the first call.
    pub online: Option<bool>,
    /// Things waiting to be sent.
    pub queued: usize,
    /// Why the last call did not go through, while the server is away.
    pub error: Option<String>,
    /// Why what is queued could not be kept on disk.
    pub disk_error: Option<String>,
}

struct State {
    kept: Kept,
    path: Option<PathBuf>,
    events: Vec<Event>,
    link: Link,
    stop: bool,
    /// The app left the case with work queued: send it, nothing else, then end.
    draining: bool,
    /// The thread has ended.
    finished: bool,
    refresh: bool,
    debrief: bool,
}

struct Inner {
    state: Mutex<State>,
    wake: Condvar,
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic on the syncer's thread leaves the state as it was: take it as it is.
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl State {
    fn save(&mut self) {
        self.link.queued = self.kept.queue.len();
        if let Some(p) = &self.path {
            self.link.disk_error =
                self.kept.store(p).err().map(|e| format!("cannot keep the outbox in {}: {e}", p.display()));
        }
    }
}

/// Sends a trainee's work to the class server on a thread of its own, in order, keeping it on
/// disk until the server took it.
pub struct Syncer {
    inner: Arc<Inner>,
    pub scenario: String,
}

impl Syncer {
    /// Starts sending what `path` keeps (if any) and what comes; asks the server for its
    /// record of requests and submission first.
    pub fn start(client: Client, scenario: &str, path: Option<PathBuf>) -> Syncer {
        // A syncer still sending what was left at this path stops, and what it heard is ours.
        let heard = path.as_deref().map(take_over).unwrap_or_default();
        let kept = path.as_deref().map(Kept::load).unwrap_or_default();
        let link = Link { queued: kept.queue.len(), ..Link::default() };
        let inner = Arc::new(Inner {
            state: Mutex::new(State {
                kept,
                path,
                events: heard,
                link,
                stop: false,
                draining: false,
                finished: false,
                refresh: true,
                debrief: false,
            }),
            wake: Condvar::new(),
        });
        let worker = Arc::clone(&inner);
        let sc = scenario.to_string();
        std::thread::Builder::new()
            .name("offramp-class-sync".into())
            .spawn(move || run(&worker, &client, &sc))
            .expect("a thread starts");
        Syncer { inner, scenario: scenario.to_string() }
    }

    fn push(&self, f: impl FnOnce(&mut Kept)) {
        let mut s = self.inner.lock();
        f(&mut s.kept);
        s.save();
        self.inner.wake.notify_all();
    }

    /// Queues a new version of the case (replacing one still queued: only the latest matters).
    pub fn sync_case(&self, text: String) {
        self.push(|k| {
            k.queue.retain(|o| !matches!(o, Op::Case { .. }));
            k.revision += 1;
            k.queue.push_back(Op::Case { revision: k.revision, text });
        });
    }

    /// Queues a legal request; returns its id.
    pub fn legal(&self, exchange: &str, address: &str) -> String {
        let id = new_id();
        let op = Op::Legal { id: id.clone(), exchange: exchange.to_string(), address: address.to_string() };
        self.push(|k| k.queue.push_back(op));
        id
    }

    /// Queues the submission of `case`, once: a submission queued or scored already stands.
    pub fn submit(&self, case: String) {
        self.push(|k| {
            if k.submission.is_none() && !k.queue.iter().any(|o| matches!(o, Op::Submit { .. })) {
                k.queue.push_back(Op::Submit { id: new_id(), case });
            }
        });
    }

    /// Asks for the debrief (an [`Event::Debrief`] follows).
    pub fn fetch_debrief(&self) {
        let mut s = self.inner.lock();
        s.debrief = true;
        self.inner.wake.notify_all();
    }

    /// Asks the server again for its record (requests, submission, release).
    pub fn refresh(&self) {
        let mut s = self.inner.lock();
        s.refresh = true;
        self.inner.wake.notify_all();
    }

    /// Adds events heard by an earlier syncer of the case (see [`take_over`]) before any of its own.
    pub fn tell(&self, mut heard: Vec<Event>) {
        let mut s = self.inner.lock();
        heard.append(&mut s.events);
        s.events = heard;
    }

    /// What came back since the last call.
    pub fn events(&self) -> Vec<Event> {
        std::mem::take(&mut self.inner.lock().events)
    }

    pub fn link(&self) -> Link {
        self.inner.lock().link.clone()
    }

    /// A copy of what is kept.
    pub fn kept(&self) -> Kept {
        self.inner.lock().kept.clone()
    }

    /// Waits until nothing is queued, up to `timeout`; whether it got there.
    pub fn flush(&self, timeout: Duration) -> bool {
        let end = std::time::Instant::now() + timeout;
        let mut s = self.inner.lock();
        while !s.kept.queue.is_empty() {
            let left = end.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return false;
            }
            s = self
                .inner
                .wake
                .wait_timeout(s, left.min(Duration::from_millis(100)))
                .map_or_else(|e| e.into_inner().0, |r| r.0);
        }
        true
    }
}

impl Drop for Syncer {
    /// The app is done with the case. Work still queued goes on being sent in the background
    /// until it is all out, or until the case opens again and its new syncer takes over;
    /// otherwise the thread ends after the call under way. The queue is on disk either way.
    fn drop(&mut self) {
        let mut s = self.inner.lock();
        match s.path.clone() {
            Some(path) if !s.kept.queue.is_empty() && !s.stop => {
                s.draining = true;
                drop(s);
                left().push((path, Arc::clone(&self.inner)));
            }
            _ => s.stop = true,
        }
        self.inner.wake.notify_all();
    }
}

/// Syncers of cases the app has left with work queued, by the path of their outbox.
static LEFT: Mutex<Vec<(PathBuf, Arc<Inner>)>> = Mutex::new(Vec::new());

fn left() -> MutexGuard<'static, Vec<(PathBuf, Arc<Inner>)>> {
    let mut left = LEFT.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    left.retain(|(_, inner)| !inner.lock().finished);
    left
}

/// Stops the syncer still sending what was left at `path`, if any, and returns what it heard
/// that nobody saw ([`Syncer::start`] does this itself; call it first to change the file
/// before a syncer starts, and hand what it returns to [`Syncer::tell`]). It writes nothing
/// more: the file is what the next syncer starts from (an op it had under way is sent
/// again, and the server answers it once).
pub fn take_over(path: &Path) -> Vec<Event> {
    let mut events = Vec::new();
    left().retain(|(p, inner)| {
        if p != path {
            return true;
        }
        let mut s = inner.lock();
        s.stop = true;
        events.append(&mut s.events);
        inner.wake.notify_all();
        false
    });
    events
}

/// How many cases the app has left are still sending their work in the background.
pub fn sending_in_background() -> usize {
    left().len()
}

/// What the thread does next.
enum Job {
    Refresh,
    Send(Op),
    Debrief,
    Heartbeat,
}

fn run(inner: &Inner, client: &Client, scenario: &str) {
    let mut backoff = Duration::from_millis(250);
    let mut since_heard = std::time::Instant::now();
    loop {
        let job = {
            let mut s = inner.lock();
            loop {
                if s.stop {
                    s.finished = true;
                    return;
                }
                if s.draining {
                    match s.kept.queue.front() {
                        Some(op) => break Job::Send(op.clone()),
                        None => {
                            s.finished = true;
                            return;
                        }
                    }
                }
                if s.refresh {
                    break Job::Refresh;
                }
                if let Some(op) = s.kept.queue.front() {
                    break Job::Send(op.clone());
                }
                if s.debrief {
                    break Job::Debrief;
                }
                let left = HEARTBEAT.saturating_sub(since_heard.elapsed());
                if left.is_zero() {
                    break Job::Heartbeat;
                }
                s = inner.wake.wait_timeout(s, left).map_or_else(|e| e.into_inner().0, |r| r.0);
            }
        };
        let outcome = work(inner, client, scenario, job);
        since_heard = std::time::Instant::now();
        let mut s = inner.lock();
        match outcome {
            Ok(()) => {
                backoff = Duration::from_millis(250);
                if s.link.online != Some(true) {
                    // Back: ask for the record again (answers that were lost on the way).
                    s.refresh = s.link.online == Some(false);
                    s.link.online = Some(true);
                }
                s.link.error = None;
            }
            Err(why) => {
                s.link.online = Some(false);
                s.link.error = Some(why);
                // Wait before trying again, unless something new comes (the trainee acts).
                let queued = s.kept.queue.len();
                let _ = inner.wake.wait_timeout_while(s, backoff, |s| !s.stop && s.kept.queue.len() == queued);
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
}

/// Does one job: `Err` (why) when the server is away, to be tried again.
fn work(inner: &Inner, client: &Client, scenario: &str, job: Job) -> Result<(), String> {
    let away = |e: ClientError| e.to_string();
    match job {
        Job::Heartbeat => client.status().map(|_| ()).map_err(away),
        Job::Refresh => {
            let status = client.status().map_err(away)?;
            let requests = client.legal_list(scenario);
            let submission = client.submission(scenario);
            let mut s = inner.lock();
            s.refresh = false;
            let held = status["scenarios"]
                .as_array()
                .and_then(|a| a.iter().find(|x| x["id"] == scenario))
                .and_then(|x| x["revision"].as_i64())
                .unwrap_or(0);
            if held > s.kept.revision {
                s.kept.revision = held;
            }
            match requests {
                Ok(list) => {
                    s.kept.requests = list.clone();
                    s.events.push(Event::Requests(list));
                }
                Err(e) if e.is_away() => return Err(e.to_string()),
                Err(_) => {}
            }
            match submission {
                Ok(Some(sub)) => {
                    s.kept.submission = Some(sub.clone());
                    s.events.push(Event::Submitted(Ok(sub)));
                }
                Err(e) if e.is_away() => return Err(e.to_string()),
                _ => {}
            }
            s.save();
            Ok(())
        }
        Job::Debrief => {
            let r = client.debrief(scenario);
            let mut s = inner.lock();
            match r {
                Err(e) if e.is_away() => return Err(e.to_string()),
                r => {
                    s.debrief = false;
                    s.events.push(Event::Debrief(r.map_err(|e| e.to_string())));
                }
            }
            Ok(())
        }
        Job::Send(op) => {
            let done = match &op {
                Op::Case { revision, text } => {
                    let text = text.clone();
                    client.put_case(scenario, *revision, &text).map(|(stored, held)| {
                        Box::new(move |s: &mut State| {
                            if !stored && held > s.kept.revision {
                                // The server holds a later case than this app ever sent (made
                                // on another computer): this one goes after it, unless a newer
                                // version is queued already.
                                s.kept.revision = held + 1;
                                if !s.kept.queue.iter().any(|o| matches!(o, Op::Case { .. })) {
                                    s.kept.queue.push_back(Op::Case { revision: held + 1, text });
                                }
                            }
                        }) as Box<dyn FnOnce(&mut State)>
                    })
                }
                Op::Legal { id, exchange, address } => {
                    let id = id.clone();
                    match client.legal(scenario, &id, exchange, address) {
                        Ok(rec) => Ok(Box::new(move |s: &mut State| {
                            s.kept.requests.retain(|r| r.id != rec.id);
                            s.kept.requests.push(rec.clone());
                            s.kept.requests.sort_by_key(|r| r.seq);
                            s.events.push(Event::Legal { id, result: Ok(rec) });
                        }) as Box<dyn FnOnce(&mut State)>),
                        Err(e) if !e.is_away() => {
                            let why = e.to_string();
                            Ok(Box::new(move |s: &mut State| s.events.push(Event::Legal { id, result: Err(why) }))
                                as Box<dyn FnOnce(&mut State)>)
                        }
                        Err(e) => Err(e),
                    }
                }
                Op::Submit { id, case } => match client.submit(scenario, id, case) {
                    Ok(sub) => Ok(Box::new(move |s: &mut State| {
                        s.kept.submission = Some(sub.clone());
                        s.events.push(Event::Submitted(Ok(sub)));
                    }) as Box<dyn FnOnce(&mut State)>),
                    // Submitted from elsewhere, or at the session's end: the server's record says.
                    Err(e) if e.code() == Some("submitted") => {
                        Ok(Box::new(|s: &mut State| s.refresh = true) as Box<dyn FnOnce(&mut State)>)
                    }
                    Err(e) if !e.is_away() => {
                        let why = e.to_string();
                        Ok(Box::new(move |s: &mut State| {
                            s.events.push(Event::Submitted(Err(why)));
                            s.refresh = true;
                        }) as Box<dyn FnOnce(&mut State)>)
                    }
                    Err(e) => Err(e),
                },
            };
            let done = match done {
                Ok(f) => f,
                Err(e) if e.is_away() => return Err(e.to_string()),
                Err(e) => {
                    // A version of the case the server refuses: said, and not sent again.
                    let why = e.to_string();
                    Box::new(move |s: &mut State| s.events.push(Event::CaseRefused(why)))
                }
            };
            let mut s = inner.lock();
            if s.stop {
                // The app closed the case: what it kept on disk stands (the next syncer of
                // this case sends the op again, and the server takes it once).
                return Ok(());
            }
            // What was sent is the front of the queue: nothing else takes from it.
            if s.kept.queue.front() == Some(&op) {
                s.kept.queue.pop_front();
            } else {
                s.kept.queue.retain(|o| o != &op);
            }
            done(&mut s);
            s.save();
            inner.wake.notify_all();
            Ok(())
        }
    }
}
