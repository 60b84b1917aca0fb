//! The command line: `validate`, `generate`, `score`, `solve`, `legal` and `list`.

use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::{Parser, Subcommand};
use offramp_core::case::Case;
use offramp_core::scenario::Scenario;
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
    /// List the shipped scenarios.
    List,
}

/// Runs the command line and returns the exit code.
pub fn run(args: impl IntoIterator<Item = OsString>) -> i32 {
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    let result = match cli.command.unwrap_or(Command::List) {
        Command::Validate { files } => validate(&files),
        Command::Generate { file, seed, signed, out } => generate(&file, seed, signed, &out),
        Command::Score { scenario, case, seed, json } => score_case(&scenario, &case, seed, json),
        Command::Solve { scenario, seed, out } => solve(&scenario, seed, out.as_deref()),
        Command::Legal { scenario, exchange, address, seed } => legal_request(&scenario, &exchange, &address, seed),
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
    println!("Offramp scenario library (the investigation app is not built yet; use the commands below)\n");
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

/// Progress on standard error: a bar on a terminal, a line per phase otherwise.
struct Reporter {
    tty: bool,
    last: Option<Phase>,
    shown: Instant,
}

impl Reporter {
    fn new() -> Self {
        Reporter { tty: std::io::stderr().is_terminal(), last: None, shown: Instant::now() }
    }

    fn update(&mut self, phase: Phase, done: u64, total: u64) {
        let word = match phase {
            Phase::Simulating => "simulating",
            Phase::Sealing => "sealing blocks",
            Phase::Writing => "writing files",
        };
        let pct = (done * 100).checked_div(total).unwrap_or(100);
        let mut err = std::io::stderr();
        if self.tty {
            if self.last == Some(phase) && done < total && self.shown.elapsed().as_millis() < 100 {
                return;
            }
            let filled = (pct / 4) as usize;
            let _ = write!(err, "\r{word:<15} [{}{}] {pct:>3}%", "#".repeat(filled), " ".repeat(25 - filled));
            if done >= total {
                let _ = writeln!(err);
            }
            self.shown = Instant::now();
        } else if (done >= total && self.last != Some(phase) || (self.last != Some(phase) && done == 0))
            && done >= total
        {
            let _ = writeln!(err, "{word}: done");
        }
        if done >= total {
            self.last = Some(phase);
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
