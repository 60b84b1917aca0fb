//! The command line: `validate`, `generate`, `score`, `solve`, `legal` and `list`.

use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::{Parser, Subcommand};
use offramp_core::case::Case;
use offramp_core::forensics::{self, change, cluster, coinjoin, path, taint};
use offramp_core::scenario::{Category, Scenario};
use offramp_core::sim::{self, Options, Phase, World};
use offramp_core::{export, legal, score};

use crate::library::SHIPPED;

#[derive(Parser)]
#[command(
    name = "offramp",
    version,
    about = "Training sandbox: follow darknet-market money on Bitcoin to the cash-out"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Check scenario files; print FILE:LINE:COL: message for each problem.
    Validate {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Generate a scenario's ledger, intel and truth into a directory.
    Generate {
        file: PathBuf,
        /// Seed (the scenario's own when absent).
        #[arg(long)]
        seed: Option<u64>,
        /// Real keys and signatures instead of placeholder witnesses.
        #[arg(long)]
        signed: bool,
        /// Output directory (created, or replaced if it holds an earlier Offramp output).
        #[arg(long)]
        out: PathBuf,
    },
    /// Score a trainee's case file against the scenario's truth.
    Score {
        scenario: PathBuf,
        case: PathBuf,
        #[arg(long)]
        seed: Option<u64>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Write the reference solution of a scenario as a case file (for instructors).
    Solve {
        scenario: PathBuf,
        #[arg(long)]
        seed: Option<u64>,
        /// Where to write the case (standard output when absent).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// File a legal request: ask an exchange who is behind an address.
    Legal {
        scenario: PathBuf,
        exchange: String,
        address: String,
        #[arg(long)]
        seed: Option<u64>,
    },
    /// Investigate a generated directory: addresses, transactions, clusters, traces, paths.
    Inspect {
        /// A directory written by `offramp generate`.
        dir: PathBuf,
        #[command(subcommand)]
        what: Inspect,
        /// Print JSON instead of text.
        #[arg(long, global = true)]
        json: bool,
    },
    /// Measure each heuristic against the scenario's truth (precision and recall).
    HeuristicsReport {
        file: PathBuf,
        #[arg(long)]
        seed: Option<u64>,
        #[arg(long)]
        json: bool,
    },
    /// Open the app straight into a scenario.
    Play {
        file: PathBuf,
        #[arg(long)]
        seed: Option<u64>,
        /// The trainee's name, for the case file.
        #[arg(long, default_value = "")]
        trainee: String,
        /// Render the investigation screen to this PNG and exit (the case file is not touched).
        #[arg(long)]
        screenshot: Option<PathBuf>,
    },
    /// Measure the canvas's frame times with N nodes on the board (mean and p99).
    BenchRender {
        file: PathBuf,
        #[arg(long, default_value_t = 5000)]
        nodes: usize,
        #[arg(long, default_value_t = 300)]
        frames: usize,
        #[arg(long)]
        seed: Option<u64>,
    },
    /// List the shipped scenarios.
    List,
}

#[derive(Subcommand)]
enum Inspect {
    /// An address: balance, first and last seen, history, labels.
    Address { address: String },
    /// A transaction: inputs, outputs, fee, change verdict, CoinJoin flag.
    Tx { txid: String },
    /// A block's transactions.
    Block { height: u32 },
    /// Addresses whose label contains the text.
    Label { text: String },
    /// The cluster (common-input ownership) an address belongs to.
    Cluster {
        address: String,
        /// Merge the change outputs the heuristics name with this confidence or more.
        #[arg(long)]
        merge_change: Option<f64>,
    },
    /// Taint tracing from an address.
    Trace {
        address: String,
        #[arg(long, value_enum, default_value_t = MethodArg::Haircut)]
        method: MethodArg,
        #[arg(long, value_enum, default_value_t = DirectionArg::Forward)]
        direction: DirectionArg,
        /// The most transactions from the address (no limit when absent: a trace stops at the
        /// stop categories, or after reaching 2,000,000 outputs, and says so).
        #[arg(long)]
        depth: Option<u32>,
        /// Categories the trace stops at (reached, not traced through).
        #[arg(long, value_parser = parse_category, value_delimiter = ',', default_value = "exchange")]
        stop: Vec<Category>,
        /// How many reached addresses to list (all in JSON).
        #[arg(long, default_value_t = 30)]
        top: usize,
    },
    /// A path of funds from one address to another, or to any address of a category.
    Path {
        from: String,
        to: Option<String>,
        #[arg(long, value_parser = parse_category)]
        to_category: Option<Category>,
        /// The most transactions a path may pass through (no limit when absent: the search
        /// stops after visiting 2,000,000 outputs, and says so).
        #[arg(long)]
        depth: Option<u32>,
        #[arg(long, default_value_t = 50)]
        breadth: usize,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum MethodArg {
    Poison,
    Haircut,
    Fifo,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum DirectionArg {
    Forward,
    Backward,
}

/// A category by name, for the command line.
fn parse_category(text: &str) -> Result<Category, String> {
    Category::from_name(text).ok_or_else(|| {
        let names: Vec<&str> = Category::ALL.iter().map(|c| c.name()).collect();
        format!("\"{text}\" is not a category; one of: {}", names.join(", "))
    })
}

/// Runs the command line and returns the exit code.
pub fn run(args: impl IntoIterator<Item = OsString>) -> i32 {
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            // Bad input of any kind exits 1, usage mistakes included; --help and --version exit 0.
            return if e.use_stderr() { 1 } else { 0 };
        }
    };
    let Some(command) = cli.command else { return crate::app::run(None) };
    let result = match command {
        Command::Validate { files } => validate(&files),
        Command::Generate { file, seed, signed, out } => generate(&file, seed, signed, &out),
        Command::Score { scenario, case, seed, json } => score_case(&scenario, &case, seed, json),
        Command::Solve { scenario, seed, out } => solve(&scenario, seed, out.as_deref()),
        Command::Legal { scenario, exchange, address, seed } => legal_request(&scenario, &exchange, &address, seed),
        Command::Inspect { dir, what, json } => inspect(&dir, what, json),
        Command::HeuristicsReport { file, seed, json } => heuristics_report(&file, seed, json),
        Command::BenchRender { file, nodes, frames, seed } => {
            return match Scenario::load(&file) {
                Ok(scenario) => crate::app::run_auto(
                    crate::app::loading::Request { scenario, seed, trainee: String::new() },
                    crate::app::auto::Auto::Bench { nodes: nodes.max(1), frames: frames.max(1) },
                ),
                Err(d) => {
                    eprintln!("{d}");
                    1
                }
            };
        }
        Command::Play { file, seed, trainee, screenshot: Some(path) } => {
            return match Scenario::load(&file) {
                Ok(scenario) => crate::app::run_auto(
                    crate::app::loading::Request { scenario, seed, trainee },
                    crate::app::auto::Auto::Screenshot { path },
                ),
                Err(d) => {
                    eprintln!("{d}");
                    1
                }
            };
        }
        Command::Play { file, seed, trainee, screenshot: None } => {
            return match Scenario::load(&file) {
                Ok(scenario) => crate::app::run(Some(crate::app::loading::Request { scenario, seed, trainee })),
                Err(d) => {
                    // The app opens on the library with the errors shown.
                    eprintln!("{d}");
                    crate::app::run_with_notice(d.to_string())
                }
            };
        }
        Command::List => list(),
    };
    match result {
        Ok(()) => 0,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("{message}");
            }
            1
        }
    }
}

type Outcome = Result<(), String>;

fn list() -> Outcome {
    println!("Offramp scenario library (`offramp` alone opens the app)\n");
    for (name, text) in SHIPPED {
        match Scenario::parse(text, name) {
            Ok(s) => println!(
                "  {:<34} {:<13} ~{:>3} min  {} objectives  {}",
                name,
                format!("{:?}", s.meta.difficulty),
                s.meta.estimated_minutes,
                s.objectives.len(),
                s.meta.title
            ),
            Err(e) => println!("  {name:<34} (invalid: {e})"),
        }
    }
    println!("\n  offramp generate scenarios/FILE --out DIR     the ledger, intel.json and truth.json");
    println!("  offramp score scenarios/FILE CASE             score a trainee's case file");
    println!("  offramp --help                                every command");
    Ok(())
}

fn load(path: &Path) -> Result<Scenario, String> {
    Scenario::load(path).map_err(|d| d.to_string())
}

fn validate(files: &[PathBuf]) -> Outcome {
    let mut bad = false;
    for f in files {
        match Scenario::load(f) {
            Ok(s) => println!(
                "{}: ok ({} entities, {} steps, {} objectives)",
                f.display(),
                s.entities.len(),
                s.story.len(),
                s.objectives.len()
            ),
            Err(d) => {
                bad = true;
                eprintln!("{d}");
            }
        }
    }
    if bad { Err(String::new()) } else { Ok(()) }
}

/// Progress on standard error: a bar on a terminal; otherwise a line per tenth of a phase
/// once the run has taken more than two seconds, and a line as each phase ends.
struct Reporter {
    tty: bool,
    started: Instant,
    phase: Option<Phase>,
    drawn: Instant,
    decile: u64,
}

impl Reporter {
    fn new() -> Self {
        let now = Instant::now();
        Reporter { tty: std::io::stderr().is_terminal(), started: now, phase: None, drawn: now, decile: u64::MAX }
    }

    fn update(&mut self, phase: Phase, done: u64, total: u64) {
        let word = match phase {
            Phase::Simulating => "simulating",
            Phase::Sealing => "sealing blocks",
            Phase::Writing => "writing files",
        };
        let pct = (done * 100).checked_div(total).unwrap_or(100).min(100);
        let finished = done >= total;
        let new_phase = self.phase != Some(phase);
        self.phase = Some(phase);
        let mut err = std::io::stderr();
        if self.tty {
            if !finished && !new_phase && self.drawn.elapsed().as_millis() < 100 {
                return;
            }
            let filled = (pct / 4) as usize;
            let _ = write!(err, "\r{word:<15} [{}{}] {pct:>3}%", "#".repeat(filled), " ".repeat(25 - filled));
            if finished {
                let _ = writeln!(err);
            }
            self.drawn = Instant::now();
        } else {
            if new_phase {
                self.decile = u64::MAX;
            }
            let decile = pct / 10;
            if decile != self.decile && (finished || self.started.elapsed().as_secs() >= 2) {
                let _ = writeln!(err, "{word}: {pct}%");
                self.decile = decile;
            }
        }
    }
}

fn world(path: &Path, seed: Option<u64>, signed: bool) -> Result<World, String> {
    let sc = load(path)?;
    let mut rep = Reporter::new();
    sim::generate(&sc, &Options { seed, signed }, &mut |p, d, t| rep.update(p, d, t)).map_err(|e| e.to_string())
}

fn generate(file: &Path, seed: Option<u64>, signed: bool, out: &Path) -> Outcome {
    let t0 = Instant::now();
    let sc = load(file)?;
    let mut rep = Reporter::new();
    let w =
        sim::generate(&sc, &Options { seed, signed }, &mut |p, d, t| rep.update(p, d, t)).map_err(|e| e.to_string())?;
    let m = export::export(&w, out, &mut |p, d, t| rep.update(p, d, t)).map_err(|e| format!("offramp: {e}"))?;
    println!(
        "{}: seed {}{}: {} blocks, {} transactions, {} inputs, {} outputs, {} addresses -> {} in {:.2}s",
        file.display(),
        w.seed,
        if signed { ", signed" } else { "" },
        m.blocks,
        m.transactions,
        m.inputs,
        m.outputs,
        m.addresses,
        out.display(),
        t0.elapsed().as_secs_f64()
    );
    Ok(())
}

fn score_case(scenario: &Path, case: &Path, seed: Option<u64>, json: bool) -> Outcome {
    let sc = load(scenario)?;
    let c = Case::load(case, &sc).map_err(|d| d.to_string())?;
    let w = world(scenario, seed.or(c.seed), false)?;
    let report = score::score(&w, &c);
    if json {
        println!("{}", serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?);
    } else {
        print!("{}", report.to_text());
    }
    Ok(())
}

fn solve(scenario: &Path, seed: Option<u64>, out: Option<&Path>) -> Outcome {
    let w = world(scenario, seed, false)?;
    let mut case = Case {
        scenario: w.scenario.meta.id.clone(),
        seed: seed.map(|_| w.seed),
        trainee: "reference solution".into(),
        ..Case::default()
    };
    for (o, a) in w.scenario.objectives.iter().zip(&w.truth.answers) {
        case.answers.insert(o.id.clone(), a.as_given());
    }
    // One legal request per identity objective, at an address its exchange really holds.
    for o in &w.scenario.objectives {
        if let offramp_core::scenario::Answer::Identity { of } = o.answer
            && let Some(acct) = w.truth.accounts.iter().find(|a| a.holder == of as u32 && a.identity.is_some())
            && let Some(&addr) = acct.addresses.first()
        {
            case.requests.push(offramp_core::case::Request {
                exchange: w.scenario.entities[acct.service as usize].id.clone(),
                address: w.chain.address_string(addr),
            });
        }
    }
    let text = format!(
        "// Reference solution of {} (seed {}), written by `offramp solve`.\n{}\n",
        w.scenario.meta.id,
        w.seed,
        case.to_ron()
    );
    match out {
        Some(p) => offramp_core::case::write_atomic(p, text.as_bytes()).map_err(|e| format!("{}: {e}", p.display())),
        None => {
            print!("{text}");
            Ok(())
        }
    }
}

fn legal_request(scenario: &Path, exchange: &str, address: &str, seed: Option<u64>) -> Outcome {
    let w = world(scenario, seed, false)?;
    match legal::request(&w, exchange, address).map_err(|e| format!("offramp: {e}"))? {
        legal::Reply::Refused => println!("{exchange}: the exchange refused to answer."),
        legal::Reply::NoRecords => println!("{exchange}: no records of {address}."),
        legal::Reply::OwnWallet => {
            println!("{exchange}: {address} is one of the exchange's own wallets, not a customer's.")
        }
        legal::Reply::Records(r) => {
            println!("{} — account {}", r.exchange, r.account_id);
            println!("  name:         {}", r.name.as_deref().unwrap_or("(no KYC)"));
            println!("  nationality:  {}", r.nationality.as_deref().unwrap_or("-"));
            println!(
                "  documents:    {}",
                if r.documents.is_empty() { "-".to_string() } else { r.documents.join("; ") }
            );
            println!("  bank account: {}", r.bank_account.as_deref().unwrap_or("-"));
            println!("  e-mail:       {}", r.email);
            println!("  opened:       {}", r.opened);
            println!("  deposit addresses:");
            for a in &r.deposit_addresses {
                println!("    {a}");
            }
        }
    }
    Ok(())
}

fn print_json<T: serde::Serialize>(v: &T) -> Outcome {
    println!("{}", serde_json::to_string_pretty(v).map_err(|e| e.to_string())?);
    Ok(())
}

fn btc(sats: u64) -> String {
    format!("{:.8}", sats as f64 / 1e8)
}

fn when(t: Option<u32>) -> String {
    t.map_or("-".into(), |t| offramp_core::time::format_instant(i64::from(t)))
}

fn inspect(dir: &Path, what: Inspect, json: bool) -> Outcome {
    let (ex, _intel) = forensics::load::load_dir(dir).map_err(|e| format!("offramp: {e}"))?;
    let e = |x: forensics::LookupError| format!("offramp: {x}");
    match what {
        Inspect::Address { address } => {
            let a = ex.address(&address).map_err(e)?;
            let v = ex.address_view(a);
            if json {
                return print_json(&v);
            }
            println!("{} ({})", v.address, v.script_type);
            for l in &v.labels {
                println!("  label      {} [{}]", l.label, l.category.name());
            }
            println!("  balance    {} BTC  (received {}, sent {})", btc(v.balance), btc(v.received), btc(v.sent));
            println!("  seen       {} .. {}  in {} transactions", when(v.first_seen), when(v.last_seen), v.tx_count);
            for h in v.history.iter().take(200) {
                println!(
                    "  {} {:>8} {:>+18.8} -> {}  {}",
                    offramp_core::time::format_instant(i64::from(h.time)),
                    h.height,
                    h.delta as f64 / 1e8,
                    btc(h.balance),
                    h.txid
                );
            }
            if v.history.len() > 200 {
                println!("  ... {} more (use --json for all)", v.history.len() - 200);
            }
        }
        Inspect::Tx { txid } => {
            let t = ex.txid(&txid).map_err(e)?;
            let v = ex.tx_view(t);
            let verdict = change::detect(&ex, t);
            let cj = coinjoin::coinjoin(&ex, t).or_else(|| coinjoin::mixer_payout(&ex, t));
            if json {
                #[derive(serde::Serialize)]
                struct Out<'a> {
                    #[serde(flatten)]
                    tx: &'a forensics::index::TxView,
                    change: &'a change::Verdict,
                    coinjoin: Option<&'a coinjoin::Evidence>,
                }
                return print_json(&Out { tx: &v, change: &verdict, coinjoin: cj.as_ref() });
            }
            println!("{}{}", v.txid, if v.coinbase { "  (coinbase)" } else { "" });
            println!("  block {} at {}, version {}, locktime {}", v.height, when(Some(v.time)), v.version, v.locktime);
            println!(
                "  {} vB ({} bytes, {} WU), fee {} sat ({} sat/vB), outputs worth ${:.2}",
                v.vsize, v.size, v.weight, v.fee, v.fee_rate, v.usd
            );
            println!("  inputs");
            for i in &v.inputs {
                println!(
                    "    {:>14} {}  <- {}:{}",
                    btc(i.value),
                    i.address.as_deref().unwrap_or("(coinbase)"),
                    i.prev_txid.as_deref().unwrap_or("-"),
                    i.prev_vout
                );
            }
            println!("  outputs");
            for (k, o) in v.outputs.iter().enumerate() {
                let mark = if verdict.change == Some(k as u32) { "  <- change?" } else { "" };
                let spent = o.spent_by.as_ref().map_or("unspent".to_string(), |(t, i)| format!("spent by {t}:{i}"));
                println!(
                    "    {k}: {:>14} {} ({}) {spent}{mark}",
                    btc(o.value),
                    o.address.as_deref().unwrap_or("(data)"),
                    o.script_type
                );
            }
            if let Some(c) = &cj {
                println!("  {}: {}", c.kind, c.summary);
            }
            match verdict.change {
                Some(k) => println!("  change: output {k}, confidence {:.2}", verdict.confidence),
                None if !verdict.votes.is_empty() => println!("  change: undecided (the heuristics disagree)"),
                None => println!("  change: no heuristic applies"),
            }
            for vote in &verdict.votes {
                println!("    [{}] {}", vote.heuristic.name(), vote.reason);
            }
        }
        Inspect::Block { height } => {
            let r = ex.block(height).map_err(e)?;
            let txids: Vec<String> = r.map(|t| ex.chain.txs[t as usize].txid.to_string()).collect();
            if json {
                return print_json(&txids);
            }
            println!("block {height}: {} transactions", txids.len());
            for t in txids {
                println!("  {t}");
            }
        }
        Inspect::Label { text } => {
            let found: Vec<(String, Vec<forensics::Label>)> =
                ex.by_label(&text).into_iter().map(|a| (ex.chain.address_string(a), ex.labels(a).to_vec())).collect();
            if json {
                return print_json(&found);
            }
            if found.is_empty() {
                return Err(format!("offramp: no address has a label containing \"{text}\""));
            }
            for (a, ls) in found {
                let names: Vec<String> = ls.iter().map(|l| format!("{} [{}]", l.label, l.category.name())).collect();
                println!("{a}  {}", names.join("; "));
            }
        }
        Inspect::Cluster { address, merge_change } => {
            let a = ex.address(&address).map_err(e)?;
            let cl = cluster::Clusters::build(&ex, cluster::ClusterOptions { merge_change });
            let v = cl.view(&ex, a);
            if json {
                return print_json(&v);
            }
            println!("cluster of {}: {} addresses, {} transactions", v.address, v.size, v.tx_count);
            println!("  balance {} BTC, seen {} .. {}", btc(v.balance), when(v.first_seen), when(v.last_seen));
            for l in &v.labels {
                println!("  label {} [{}] on {}", l.label, l.category.name(), l.address);
            }
            for m in v.members.iter().take(50) {
                println!("  {m}");
            }
            if v.size > 50 {
                println!("  ... {} more (use --json for up to {})", v.size - 50, cluster::MAX_LISTED);
            }
        }
        Inspect::Trace { address, method, direction, depth, stop, top } => {
            let a = ex.address(&address).map_err(e)?;
            let opts = taint::TraceOptions {
                method: match method {
                    MethodArg::Poison => taint::Method::Poison,
                    MethodArg::Haircut => taint::Method::Haircut,
                    MethodArg::Fifo => taint::Method::Fifo,
                },
                direction: match direction {
                    DirectionArg::Forward => taint::Direction::Forward,
                    DirectionArg::Backward => taint::Direction::Backward,
                },
                depth: depth.unwrap_or(taint::NO_DEPTH_LIMIT),
                stop_at: stop,
            };
            let r = taint::trace(&ex, a, &opts).map_err(|x| format!("offramp: {x}"))?;
            if json {
                return print_json(&r);
            }
            println!(
                "{:?} {:?} trace from {} ({} BTC), {}: {} addresses reached{}",
                r.method,
                r.direction,
                r.origin,
                btc(r.start_amount),
                r.depth.map_or("no depth limit".to_string(), |d| format!("depth {d}")),
                r.reached.len(),
                if r.truncated { " (stopped at the work limit)" } else { "" }
            );
            for x in r.reached.iter().take(top) {
                let tag = match (x.category, x.stopped) {
                    (Some(c), true) => format!("  [{}, stop]", c.name()),
                    (Some(c), false) => format!("  [{}]", c.name()),
                    _ => String::new(),
                };
                println!("  {:>14} BTC  {} hops  {}{tag}", btc(x.amount), x.hops, x.address);
            }
        }
        Inspect::Path { from, to, to_category, depth, breadth } => {
            let a = ex.address(&from).map_err(e)?;
            let target = match (to, to_category) {
                (Some(t), None) => path::Target::Address(ex.address(&t).map_err(e)?),
                (None, Some(c)) => path::Target::Category(c),
                _ => return Err("offramp: give either a destination address or --to-category, not both".into()),
            };
            let opts = path::PathOptions { depth: depth.unwrap_or(path::NO_DEPTH_LIMIT), breadth };
            let r = path::find(&ex, a, target, opts).map_err(|x| format!("offramp: {x}"))?;
            if json {
                return print_json(&r);
            }
            if !r.found {
                println!(
                    "no path {}with breadth {breadth} ({} outputs visited{})",
                    depth.map_or(String::new(), |d| format!("within depth {d} ")),
                    r.visited,
                    if r.truncated { ", stopped at the work limit" } else { "" }
                );
                return Ok(());
            }
            println!(
                "path of {} hops{}:",
                r.hops.len(),
                r.label.as_ref().map_or(String::new(), |l| format!(" to {l}"))
            );
            for h in &r.hops {
                let whole = if h.output_value > h.value {
                    format!(" of a {} BTC output", btc(h.output_value))
                } else {
                    String::new()
                };
                println!("  {} --{}--> {} ({} BTC{whole})", h.from, h.txid, h.to, btc(h.value));
            }
        }
    }
    Ok(())
}

fn heuristics_report(file: &Path, seed: Option<u64>, json: bool) -> Outcome {
    let w = world(file, seed, false)?;
    let ex = forensics::load::explorer_of(&w);
    let r = forensics::accuracy::report(&w, &ex);
    if json {
        print_json(&r)
    } else {
        print!("{}", r.to_text());
        Ok(())
    }
}
