//! `offramp loadtest`: a class of simulated trainees against a running server, as their apps
//! would load it. Each trainee joins, fetches their pack, syncs their case every few seconds
//! (the app's autosave), files their legal requests over the session, and submits at the
//! end (and submits again, as an app that lost the answer would). Every call is timed; at the
//! end every trainee's record is read back from the server and checked against what the
//! server acknowledged: the last case revision, each request once in order, the submission.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use offramp_core::case::Case;
use offramp_core::pack::Pack;

use crate::client::{self, Client, ClientError, Membership};

/// What to run.
#[derive(Debug, Clone)]
pub struct Plan {
    pub url: String,
    pub code: String,
    pub trainees: usize,
    pub duration: Duration,
    /// The pause between a trainee's case syncs (the app's autosave: 3 s).
    pub think: Duration,
    /// The scenario to play (the class's first when `None`).
    pub scenario: Option<String>,
}

/// Latencies of one kind of call, in microseconds.
#[derive(Debug, Clone, Default)]
pub struct Timings {
    pub micros: Vec<u64>,
    /// Calls that failed (the server away or busy past the retries, or an unexpected refusal).
    pub failed: usize,
}

impl Timings {
    /// The `q`-quantile (0..=1) in milliseconds.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        if self.micros.is_empty() {
            return 0.0;
        }
        let mut v = self.micros.clone();
        v.sort_unstable();
        let i = ((v.len() as f64 - 1.0) * q).round() as usize;
        v[i] as f64 / 1000.0
    }
}

/// What the run found.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Per kind of call: join, pack, case, legal, submit, resubmit, check.
    pub timings: BTreeMap<&'static str, Timings>,
    /// The measured phase (syncs, requests, submissions), for the throughput.
    pub busy: Duration,
    /// Acknowledged things the server no longer had, or had twice, each said.
    pub lost: Vec<String>,
    pub duplicated: Vec<String>,
    pub trainees: usize,
}

impl Outcome {
    /// Calls of the measured phase (case, legal, submit, resubmit).
    pub fn measured(&self) -> Timings {
        let mut all = Timings::default();
        for k in ["case", "legal", "submit", "resubmit"] {
            if let Some(t) = self.timings.get(k) {
                all.micros.extend(&t.micros);
                all.failed += t.failed;
            }
        }
        all
    }

    /// The report, one line per kind and the verdict.
    pub fn report(&self) -> String {
        let mut s = String::new();
        let m = self.measured();
        let secs = self.busy.as_secs_f64().max(1e-9);
        s.push_str(&format!(
            "{} trainees, {} calls in {:.1} s: {:.1} calls/s; p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; {} failed\n",
            self.trainees,
            m.micros.len(),
            secs,
            m.micros.len() as f64 / secs,
            m.quantile_ms(0.5),
            m.quantile_ms(0.99),
            m.quantile_ms(1.0),
            m.failed
        ));
        s.push_str(&format!(
            "{:<9} {:>6} {:>9} {:>9} {:>9} {:>6}\n",
            "call", "count", "p50 ms", "p99 ms", "max ms", "failed"
        ));
        for (k, t) in &self.timings {
            s.push_str(&format!(
                "{:<9} {:>6} {:>9.1} {:>9.1} {:>9.1} {:>6}\n",
                k,
                t.micros.len(),
                t.quantile_ms(0.5),
                t.quantile_ms(0.99),
                t.quantile_ms(1.0),
                t.failed
            ));
        }
        if self.lost.is_empty() && self.duplicated.is_empty() {
            s.push_str("nothing lost, nothing duplicated: every acknowledged case revision, legal request and submission is on the server once\n");
        }
        for l in &self.lost {
            s.push_str(&format!("LOST: {l}\n"));
        }
        for d in &self.duplicated {
            s.push_str(&format!("DUPLICATED: {d}\n"));
        }
        s
    }

    /// Whether the run passes: nothing lost or duplicated, no call failed.
    pub fn passed(&self) -> bool {
        self.lost.is_empty() && self.duplicated.is_empty() && self.measured().failed == 0
    }
}

type Shared = Arc<Mutex<Outcome>>;

fn record(out: &Shared, kind: &'static str, started: Instant, ok: bool) {
    let mut o = out.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let t = o.timings.entry(kind).or_default();
    if ok {
        t.micros.push(started.elapsed().as_micros() as u64);
    } else {
        t.failed += 1;
    }
}

/// Calls `f` until it is not rate-limited (a class's burst at the start), and records the
/// time of the last call under `kind` (the waits the server asked for are not latency).
fn patiently<T>(
    out: &Shared,
    kind: &'static str,
    mut f: impl FnMut() -> Result<T, ClientError>,
) -> Result<T, ClientError> {
    let mut tries = 0;
    loop {
        let t = Instant::now();
        match f() {
            Err(ClientError::Away(why)) if why.contains("busy") && tries < 120 => {
                tries += 1;
                std::thread::sleep(Duration::from_millis(500));
            }
            r => {
                record(out, kind, t, r.is_ok());
                return r;
            }
        }
    }
}

/// A small deterministic generator per trainee (jitter and choices; no need for more).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// Runs the plan; progress lines go to `say`.
///
/// # Errors
/// Why the run could not begin (no class at the address, a code it refuses, no such scenario).
pub fn run(plan: &Plan, say: &(dyn Fn(&str) + Sync)) -> Result<Outcome, String> {
    let out: Shared = Arc::new(Mutex::new(Outcome { trainees: plan.trainees, ..Outcome::default() }));
    let tag = client::new_id()[..6].to_string();
    // Join: every trainee, as a class does at the start of a session.
    say(&format!("joining {} trainees…", plan.trainees));
    let mut members: Vec<Membership> = Vec::new();
    for i in 0..plan.trainees {
        let m = patiently(&out, "join", || client::join(&plan.url, &plan.code, &format!("Load test {tag} {i:03}")))
            .map_err(|e| format!("cannot join the class at {}: {e}", plan.url))?;
        members.push(m);
    }
    let scenario = match &plan.scenario {
        Some(s) if members[0].scenarios.iter().any(|x| &x.id == s) => s.clone(),
        Some(s) => return Err(format!("the class runs no scenario \"{s}\"")),
        None => members[0].scenarios.first().ok_or("the class runs no scenario")?.id.clone(),
    };
    say(&format!("fetching {} packs of {scenario}…", plan.trainees));
    let packs: Vec<Result<Pack, String>> = std::thread::scope(|s| {
        let handles: Vec<_> = members
            .iter()
            .map(|m| {
                let (out, scenario) = (Arc::clone(&out), scenario.clone());
                s.spawn(move || {
                    let r = patiently(&out, "pack", || Client::new(m).pack(&scenario));
                    let bytes = r.map_err(|e| e.to_string())?;
                    Pack::from_bytes(&bytes, std::path::Path::new(&scenario)).map_err(|e| e.to_string())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err("a trainee's thread failed".into()))).collect()
    });
    let packs = packs.into_iter().collect::<Result<Vec<_>, _>>()?;
    say(&format!("{} trainees working for {} s…", plan.trainees, plan.duration.as_secs()));
    let start = Instant::now();
    std::thread::scope(|s| {
        for (i, (m, pack)) in members.iter().zip(&packs).enumerate() {
            let (out, scenario) = (Arc::clone(&out), scenario.clone());
            s.spawn(move || trainee(plan, i, m, pack, &scenario, &out, start));
        }
    });
    let busy = start.elapsed();
    out.lock().unwrap_or_else(std::sync::PoisonError::into_inner).busy = busy;
    let o = out.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
    Ok(o)
}

/// One trainee's session: syncs, requests, the submission, then the check.
fn trainee(plan: &Plan, i: usize, m: &Membership, pack: &Pack, scenario: &str, out: &Shared, start: Instant) {
    let c = Client::new(m);
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (i as u64 + 1).wrapping_mul(0x2545_F491_4F6C_DD1D));
    let intel = &pack.header.intel;
    let addresses: Vec<&String> =
        intel.items.iter().flat_map(|x| &x.addresses).chain(intel.tags.iter().map(|t| &t.address)).collect();
    let budget = intel.legal.budget as usize;
    let mut case =
        Case { scenario: scenario.into(), seed: Some(pack.header.seed), trainee: m.name.clone(), ..Case::default() };
    // Spread the requests over the session.
    let mut request_at: Vec<Duration> =
        (0..budget).map(|_| Duration::from_millis(rng.below(plan.duration.as_millis() as u64))).collect();
    request_at.sort();
    let mut acknowledged_revision = 0i64;
    let mut acknowledged_requests: Vec<(String, i64)> = Vec::new();
    let mut revision = 0i64;
    // Trainees do not start in step.
    std::thread::sleep(Duration::from_millis(rng.below(plan.think.as_millis() as u64)));
    while start.elapsed() < plan.duration {
        revision += 1;
        case.notes = format!("note {revision}");
        case.seconds = start.elapsed().as_secs();
        if let Ok((_, held)) = patiently(out, "case", || c.put_case(scenario, revision, &case.to_ron())) {
            acknowledged_revision = acknowledged_revision.max(held);
        }
        while request_at.first().is_some_and(|at| start.elapsed() >= *at) && !addresses.is_empty() {
            request_at.remove(0);
            let (Some(x), id) =
                (intel.exchanges.get(rng.below(intel.exchanges.len() as u64) as usize), client::new_id())
            else {
                break;
            };
            let a = addresses[rng.below(addresses.len() as u64) as usize];
            if let Ok(r) = patiently(out, "legal", || c.legal(scenario, &id, &x.id, a)) {
                acknowledged_requests.push((id, r.seq));
            }
        }
        let jitter = plan.think.as_millis() as u64 / 5;
        std::thread::sleep(
            plan.think - Duration::from_millis(jitter) + Duration::from_millis(rng.below(2 * jitter + 1)),
        );
    }
    // The submission, and the same again (an app whose answer was lost).
    let id = client::new_id();
    let text = case.to_ron();
    let first = patiently(out, "submit", || c.submit(scenario, &id, &text));
    let again = patiently(out, "resubmit", || c.submit(scenario, &id, &text));
    // The check: what the server acknowledged is there, once.
    let t = Instant::now();
    let mut lost = Vec::new();
    let mut duplicated = Vec::new();
    let who = &m.name;
    match c.get_case(scenario) {
        Ok(Some((held, _))) if held >= acknowledged_revision => {}
        Ok(Some((held, _))) => {
            lost.push(format!("{who}: case revision {acknowledged_revision} acknowledged, the server holds {held}"))
        }
        Ok(None) if acknowledged_revision > 0 => lost.push(format!("{who}: the case is gone")),
        _ => {}
    }
    match c.legal_list(scenario) {
        Ok(list) => {
            for (id, seq) in &acknowledged_requests {
                match list.iter().filter(|r| &r.id == id).count() {
                    0 => lost.push(format!("{who}: legal request {seq}")),
                    1 => {}
                    n => duplicated.push(format!("{who}: legal request {seq} is there {n} times")),
                }
            }
            let mut seqs: Vec<i64> = list.iter().map(|r| r.seq).collect();
            seqs.dedup();
            if seqs.len() != list.len() || list.len() > acknowledged_requests.len() {
                duplicated.push(format!(
                    "{who}: {} requests held for {} sent",
                    list.len(),
                    acknowledged_requests.len()
                ));
            }
        }
        Err(e) => lost.push(format!("{who}: the requests cannot be read ({e})")),
    }
    match (c.submission(scenario), &first, &again) {
        (Ok(Some(s)), Ok(a), Ok(b)) if s.id == id && a.id == id && b.id == id && a.report == b.report => {}
        (Ok(Some(s)), _, _) if s.id != id => lost.push(format!("{who}: the submission held is another")),
        (Ok(None), Ok(_), _) => lost.push(format!("{who}: the acknowledged submission is gone")),
        (Ok(Some(_)), Ok(_), Ok(_)) => duplicated.push(format!("{who}: the submission sent again got another answer")),
        _ => {}
    }
    record(out, "check", t, true);
    let mut o = out.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    o.lost.extend(lost);
    o.duplicated.extend(duplicated);
}
