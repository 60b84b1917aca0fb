//! The command line: `validate`, `generate`, `score`, `solve`, `legal`, `inspect`,
//! `heuristics-report`, `list`, and the instructor's `class-key` and `grade` (in `class`). Output goes through one writer, so that a reader that
//! closes early (`offramp ... | head`) ends a command quietly, as it ends any Unix tool.

use std::ffi::OsString;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use offramp_core::case::Case;
use offramp_core::forensics::{self, change, cluster, coinjoin, follow, path, taint};
use offramp_core::format::{btc, btc_delta, points, usd_cents, when};
use offramp_core::scenario::{Category, Scenario};
use offramp_core::sim::{self, Options, Phase, World};
use offramp_core::{export, legal, score};

use crate::library::SHIPPED;

mod class;
mod inspect;
mod serve;
use inspect::inspect;

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
    /// Generate a scenario's ledger and intel into a directory (the trainee's data), and its
    /// key (the truth) into a file of its own with --key.
    Generate {
        file: PathBuf,
        /// Seed (the scenario's own when absent).
        #[arg(long, conflicts_with = "trainee")]
        seed: Option<u64>,
        /// The trainee's name: their variant with --class-key, their practice world without.
        #[arg(long)]
        trainee: Option<String>,
        /// The class key (a file that holds it, or the key itself), with --trainee.
        #[arg(long, requires = "trainee")]
        class_key: Option<String>,
        /// Real keys and signatures instead of placeholder witnesses.
        #[arg(long)]
        signed: bool,
        /// Output directory (created, or replaced if it holds an earlier Offramp output).
        #[arg(long)]
        out: PathBuf,
        /// Where to write the key (truth.json): never inside the output directory.
        #[arg(long)]
        key: Option<PathBuf>,
    },
    /// Score a trainee's case file against the scenario's truth.
    Score {
        scenario: PathBuf,
        case: PathBuf,
        #[arg(long)]
        seed: Option<u64>,
        /// The class key: checks that the case is its trainee's variant, and its seal.
        #[arg(long, conflicts_with = "seed")]
        class_key: Option<String>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Make a class key: the instructor's secret that gives each trainee their own variant.
    ClassKey {
        /// Keep it in this file (created readable by you only, never overwritten).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Make trainees' packs: what each needs to play their own variant in the app, without
    /// the truth (one --trainee, or a --roster of names).
    Pack {
        scenario: PathBuf,
        /// The trainee the pack is for.
        #[arg(long, required_unless_present = "roster", conflicts_with = "roster")]
        trainee: Option<String>,
        /// A file of trainees' names, one per line (blank lines and lines starting with # are
        /// skipped): one pack each, into the --out folder.
        #[arg(long)]
        roster: Option<PathBuf>,
        /// The class key (a file that holds it, or the key itself): each trainee's variant, and
        /// their case sealed on submission. Without it, the name's practice world.
        #[arg(long)]
        class_key: Option<String>,
        /// Real keys and signatures instead of placeholder witnesses.
        #[arg(long)]
        signed: bool,
        /// The pack's file (with --trainee) or the folder of packs (with --roster).
        #[arg(long)]
        out: PathBuf,
    },
    /// Run a class: a server that trainees join from the app with a code, that sends each
    /// their own variant, answers their legal requests, scores their submissions and shows
    /// the instructor a live dashboard. Prints the join code, the dashboard's address and
    /// the instructor's token.
    Serve {
        /// The scenarios the class plays.
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
        /// Where to listen. Only this machine can reach the default; give 0.0.0.0:PORT for a
        /// classroom's network.
        #[arg(long, default_value = "127.0.0.1:8690")]
        bind: String,
        /// The database: a SQLite file (created if missing) or a postgres:// URL.
        #[arg(long, default_value = "offramp-class.db")]
        db: String,
        /// The class key (a file that holds it, or the key itself); a new session without one
        /// makes its own, kept in the database.
        #[arg(long)]
        class_key: Option<String>,
        /// The session's length in minutes (it can be extended from the dashboard); without
        /// it, the session lasts until the instructor ends it.
        #[arg(long)]
        minutes: Option<u64>,
        /// End the open session of these scenarios in the database and begin a new one.
        #[arg(long)]
        new_session: bool,
    },
    /// Load a running class server as a class of trainees would: each joins, syncs their case
    /// every few seconds, files legal requests and submits; reports throughput and latency
    /// (p50, p99) and checks that nothing acknowledged was lost or duplicated. Use a session
    /// of its own: the trainees join it for real.
    Loadtest {
        /// The server's address (`offramp serve` prints it in the dashboard's).
        url: String,
        /// The session's join code.
        #[arg(long)]
        code: String,
        #[arg(long, default_value_t = 100)]
        trainees: usize,
        /// How long the trainees work (fractions allowed: 0.5 is 30 seconds).
        #[arg(long, default_value_t = 1.0)]
        minutes: f64,
        /// Milliseconds between a trainee's case syncs (the app syncs every 3 s while the case changes).
        #[arg(long, default_value_t = 3000)]
        think_ms: u64,
        /// The class's scenario to play (its first when left out).
        #[arg(long)]
        scenario: Option<String>,
    },
    /// Print a scenario's story as a timeline (who paid whom, when, how much, which objective
    /// each step answers), the counts of what it generates, and its answer key.
    Preview {
        file: PathBuf,
        #[arg(long)]
        seed: Option<u64>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Write a new scenario that validates, to start from (NAME gives its title and id).
    New {
        name: String,
        /// The file to write (NAME's id with .ron, in the current folder, when absent); an
        /// existing file is never replaced.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Score a class's case files, each against its trainee's world; write a gradebook.
    Grade {
        scenario: PathBuf,
        /// Case files, or folders of them (their *.ron files).
        #[arg(required = true)]
        cases: Vec<PathBuf>,
        /// The class key: each case is scored on its trainee's variant and its seal checked.
        #[arg(long)]
        class_key: Option<String>,
        /// Write the gradebook as CSV (one row per graded case).
        #[arg(long)]
        csv: Option<PathBuf>,
        /// Write a printable report as HTML (a page per trainee).
        #[arg(long)]
        html: Option<PathBuf>,
        /// Print the gradebook as JSON instead of text.
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
    /// Open the app straight into a scenario, a trainee's pack (`offramp pack`), or a class
    /// (`--join URL --code CODE --name NAME`, the server `offramp serve` runs).
    Play {
        /// A scenario (.ron) or a pack (.offramp-pack, played as the trainee it names).
        #[arg(required_unless_present = "join", conflicts_with = "join")]
        file: Option<PathBuf>,
        /// Join the class at this server address (as the instructor's screen shows it), or
        /// come back to it.
        #[arg(long, value_name = "URL", requires_all = ["code", "name"], conflicts_with_all = ["seed", "trainee", "class_key"])]
        join: Option<String>,
        /// The class's join code.
        #[arg(long, requires = "join")]
        code: Option<String>,
        /// Your name, as your instructor knows it.
        #[arg(long, requires = "join")]
        name: Option<String>,
        /// The class's scenario to open (by id), when it runs more than one.
        #[arg(long, requires = "join")]
        scenario: Option<String>,
        #[arg(long, conflicts_with = "class_key")]
        seed: Option<u64>,
        /// The trainee's name, for the case file; without --seed it also chooses the world
        /// (the class variant with --class-key, a practice world of the name's own without).
        #[arg(long, default_value = "")]
        trainee: String,
        /// The class key, with --trainee.
        #[arg(long)]
        class_key: Option<String>,
        /// Render the investigation screen to this PNG and exit (the case file is not touched).
        #[arg(long)]
        screenshot: Option<PathBuf>,
        /// With --screenshot: render into an image on the GPU, without a window or a display.
        #[arg(long, requires = "screenshot")]
        offscreen: bool,
    },
    /// Open the app as the instructor: the truth on (the answer key, every address's owner and
    /// role, the true path on the board), a trainee's world or case laid over it.
    Instruct {
        scenario: PathBuf,
        /// The trainee whose world to open (their variant with --class-key).
        #[arg(long, conflicts_with = "case")]
        trainee: Option<String>,
        /// A trainee's case file: their board and answers over the truth of the world they played.
        #[arg(long)]
        case: Option<PathBuf>,
        /// The class key, with --trainee.
        #[arg(long)]
        class_key: Option<String>,
        #[arg(long, conflicts_with_all = ["trainee", "case"])]
        seed: Option<u64>,
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
        /// Render into an image on the GPU, without a window or a display (a headless GPU
        /// machine); each frame waits for the GPU to finish it.
        #[arg(long)]
        offscreen: bool,
    },
    /// List the shipped scenarios.
    List,
}

#[derive(Subcommand)]
enum Inspect {
    /// An address: balance, first and last seen, history, labels, where it was swept to.
    Address { address: String },
    /// A transaction: inputs and outputs with their labels and dollar values, fee, change
    /// verdict, CoinJoin flag.
    Tx { txid: String },
    /// The BTC/USD price at a date (2025-03-05, at midnight UTC) or a UTC date-time
    /// (2025-03-05T14:00:00Z), from the world's price series.
    Price { date: String },
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
    /// Follow a peel chain: the change of each transaction, hop by hop, until a labelled
    /// service, an unspent coin or a verdict less sure than --min-confidence.
    Follow {
        /// An address (from the first transaction that spends it) or a txid.
        from: String,
        /// Stop at a change verdict less confident than this (0 to 1).
        #[arg(long, default_value_t = follow::DEFAULT_MIN_CONFIDENCE)]
        min_confidence: f64,
        /// The most hops to follow.
        #[arg(long, default_value_t = follow::MAX_HOPS)]
        max_hops: usize,
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
    let command = match run_app(command) {
        Ok(code) => return code,
        Err(command) => *command,
    };
    // The command line's own commands write through one lock on standard output, taken here
    // and not before: the app's threads may print.
    let out = &mut io::stdout().lock();
    let result = match command {
        Command::Validate { files } => validate(out, &files),
        Command::Generate { file, seed, trainee, class_key, signed, out: dest, key } => {
            generate(out, &file, Variant { seed, trainee, class_key }, signed, &dest, key.as_deref())
        }
        Command::Score { scenario, case, seed, class_key, json } => {
            score_case(out, &scenario, &case, seed, class_key.as_deref(), json)
        }
        Command::ClassKey { out: dest } => class::class_key(out, dest.as_deref()),
        Command::Pack { scenario, trainee, roster, class_key, signed, out: dest } => {
            let who = match (trainee, roster) {
                (Some(t), _) => class::Trainees::One(t),
                (None, Some(r)) => class::Trainees::Roster(r),
                (None, None) => unreachable!("clap requires --trainee or --roster"),
            };
            class::pack(out, &scenario, who, class_key.as_deref(), signed, &dest)
        }
        Command::Grade { scenario, cases, class_key, csv, html, json } => {
            class::grade(out, &scenario, &cases, class_key.as_deref(), csv.as_deref(), html.as_deref(), json)
        }
        Command::Solve { scenario, seed, out: dest } => solve(out, &scenario, seed, dest.as_deref()),
        Command::Legal { scenario, exchange, address, seed } => {
            legal_request(out, &scenario, &exchange, &address, seed)
        }
        Command::Inspect { dir, what, json } => inspect(out, &dir, what, json),
        Command::HeuristicsReport { file, seed, json } => heuristics_report(out, &file, seed, json),
        Command::List => list(out),
        Command::Preview { file, seed, json } => preview(out, &file, seed, json),
        Command::Serve { scenarios, bind, db, class_key, minutes, new_session } => {
            serve::serve(out, serve::Serve { scenarios, bind, db, class_key, minutes, new_session })
        }
        Command::New { name, out: dest } => new_scenario(out, &name, dest.as_deref()),
        Command::Loadtest { url, code, trainees, minutes, think_ms, scenario } => {
            serve::loadtest(out, &url, &code, trainees, minutes, think_ms, scenario)
        }
        // Run by run_app above.
        Command::Play { .. } | Command::BenchRender { .. } | Command::Instruct { .. } => Ok(()),
    };
    match result.and_then(|()| Ok(out.flush()?)) {
        Ok(()) => 0,
        // Standard output was closed under the command (its reader, `head` say, had
        // enough): nothing is wrong, and the command stops quietly.
        Err(e) if closed_pipe(&e) => 0,
        Err(e) => {
            let message = say(&e);
            if !message.is_empty() {
                // Standard error may be closed too; there is nowhere left to say so.
                let _ = writeln!(io::stderr(), "{message}");
            }
            1
        }
    }
}

/// Joins a class (or comes back to it) and picks the scenario to open: the one named, or the
/// class's only one; `None` opens the library, where the class is listed.
fn play_class(
    url: &str,
    code: &str,
    name: &str,
    scenario: Option<&str>,
) -> Result<Option<crate::app::loading::Request>, String> {
    use crate::app::screens::join;
    let m = join::join_or_resume(join::classes_dir().as_deref(), url, code, name)?;
    let ids = || m.scenarios.iter().map(|s| s.id.as_str()).collect::<Vec<_>>().join(", ");
    let chosen = match scenario {
        Some(id) => match m.scenarios.iter().find(|s| s.id == id) {
            Some(s) => Some(s.id.clone()),
            None => return Err(format!("the class runs no scenario \"{id}\" (it runs: {})", ids())),
        },
        None if m.scenarios.len() == 1 => Some(m.scenarios[0].id.clone()),
        None => None,
    };
    Ok(chosen.map(|s| crate::app::loading::Request::class(m, s)))
}

/// Runs the commands that open the app and returns their exit code, or gives any other
/// command back.
fn run_app(command: Command) -> Result<i32, Box<Command>> {
    let load = |file: &Path| {
        Scenario::load(file).inspect_err(|d| {
            let _ = writeln!(io::stderr(), "{d}");
        })
    };
    Ok(match command {
        Command::BenchRender { file, nodes, frames, seed, offscreen } => match load(&file) {
            Ok(scenario) => crate::app::run_auto(
                crate::app::loading::Request::scenario(scenario, seed, ""),
                crate::app::auto::Auto::Bench { nodes: nodes.max(1), frames: frames.max(1) },
                offscreen,
            ),
            Err(_) => 1,
        },
        Command::Play { file, join, code, name, scenario, seed, trainee, class_key, screenshot, offscreen } => {
            let Some(file) = file else {
                let (url, code, name) = (join.unwrap_or_default(), code.unwrap_or_default(), name.unwrap_or_default());
                return Ok(match play_class(&url, &code, &name, scenario.as_deref()) {
                    Err(e) => {
                        let _ = writeln!(io::stderr(), "offramp: {e}");
                        1
                    }
                    Ok(request) => match (request, screenshot) {
                        (Some(r), Some(path)) => {
                            crate::app::run_auto(r, crate::app::auto::Auto::Screenshot { path }, offscreen)
                        }
                        (request, _) => crate::app::run(request),
                    },
                });
            };
            if offramp_core::pack::is_pack(&file) {
                let pack = match offramp_core::pack::Pack::open(&file) {
                    Ok(p) if seed.is_none() && trainee.trim().is_empty() && class_key.is_none() => p,
                    Ok(_) => {
                        let _ = writeln!(
                            io::stderr(),
                            "{}: a pack is one trainee's world: --seed, --trainee and --class-key do not apply to it",
                            file.display()
                        );
                        return Ok(1);
                    }
                    Err(e) => {
                        let _ = writeln!(io::stderr(), "{e}");
                        return Ok(1);
                    }
                };
                let request = crate::app::loading::Request::pack(pack);
                return Ok(match screenshot {
                    Some(path) => crate::app::run_auto(request, crate::app::auto::Auto::Screenshot { path }, offscreen),
                    None => crate::app::run(Some(request)),
                });
            }
            let scenario = match load(&file) {
                Ok(scenario) => scenario,
                Err(_) if screenshot.is_some() => return Ok(1),
                // The app opens on the library with the errors shown.
                Err(d) => return Ok(crate::app::run_with_notice(d.to_string())),
            };
            let seed = match class::read_key(class_key.as_deref())
                .and_then(|k| class::seed_for(&scenario, seed, Some(&trainee), k.as_ref()))
            {
                Ok(seed) => seed,
                Err(e) => {
                    let _ = writeln!(io::stderr(), "{}", say(&e));
                    return Ok(1);
                }
            };
            let request = crate::app::loading::Request::scenario_file(scenario, seed, trainee, file);
            match screenshot {
                Some(path) => crate::app::run_auto(request, crate::app::auto::Auto::Screenshot { path }, offscreen),
                None => crate::app::run(Some(request)),
            }
        }
        Command::Instruct { scenario, trainee, case, class_key, seed } => {
            match instruct_request(&scenario, trainee, case.as_deref(), class_key.as_deref(), seed) {
                Ok(request) => crate::app::run(Some(request)),
                Err(e) => {
                    let _ = writeln!(io::stderr(), "{}", say(&e));
                    1
                }
            }
        }
        other => return Err(Box::new(other)),
    })
}

/// What `offramp instruct` opens: the world of the trainee, of the case, or of the seed, with
/// the case (read leniently, as `grade` reads it) to lay over the truth.
fn instruct_request(
    file: &Path,
    trainee: Option<String>,
    case: Option<&Path>,
    key: Option<&str>,
    seed: Option<u64>,
) -> anyhow::Result<crate::app::loading::Request> {
    let sc = load(file)?;
    let key = class::read_key(key)?;
    let (seed, name, case) = match case {
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
            let read = offramp_core::case::Case::parse_lenient(&text, &path.display().to_string(), &sc)?;
            for p in &read.problems.0 {
                let _ = writeln!(io::stderr(), "{p} (left out)");
            }
            (read.case.seed, read.case.trainee.clone(), Some(read.case))
        }
        None => {
            let seed = class::seed_for(&sc, seed, trainee.as_deref(), key.as_ref())?;
            (seed, trainee.unwrap_or_else(|| "instructor".into()), None)
        }
    };
    let mut request = crate::app::loading::Request::scenario(sc, seed, name);
    request.instructor = Some(crate::app::investigation::debrief::Instructing { case });
    Ok(request)
}

/// A command's failure that has been reported already (`validate` prints each file's
/// problems as it goes): exit 1 and say nothing more.
#[derive(Debug)]
struct Reported;

impl std::fmt::Display for Reported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the problems above")
    }
}

impl std::error::Error for Reported {}

/// What a command's error says on standard error. The core's errors arrive typed inside the
/// `anyhow::Error`: located diagnostics (FILE:LINE:COL: …) are printed as they are, like a
/// compiler's; a failed write to standard output says so; anything else is `offramp: ` and
/// the error with its causes.
fn say(e: &anyhow::Error) -> String {
    if e.downcast_ref::<Reported>().is_some() {
        String::new()
    } else if let Some(d) = e.downcast_ref::<offramp_core::diag::Diagnostics>() {
        d.to_string()
    } else if let Some(g) = e.downcast_ref::<sim::GenerateError>() {
        g.to_string()
    } else if let (Some(io), 1) = (e.downcast_ref::<io::Error>(), e.chain().count()) {
        // A bare I/O error, with no context, comes from writing the command's output.
        format!("offramp: cannot write to standard output: {io}")
    } else {
        format!("offramp: {e:#}")
    }
}

/// Whether the error is standard output closed under the command.
fn closed_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.downcast_ref::<io::Error>().is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe))
}

type Outcome = anyhow::Result<()>;

fn preview(out: &mut dyn Write, file: &Path, seed: Option<u64>, json: bool) -> Outcome {
    let sc = load(file)?;
    let mut rep = Reporter::new();
    let w = sim::generate(&sc, &Options { seed, signed: false }, &mut |p, d, t| rep.update(p, d, t))?;
    let p = offramp_core::preview::preview(&w);
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(&p)?)?;
    } else {
        write!(out, "{}", p.to_text())?;
    }
    Ok(())
}

fn new_scenario(out: &mut dyn Write, name: &str, dest: Option<&Path>) -> Outcome {
    let title = name.split_whitespace().collect::<Vec<_>>().join(" ");
    let id = offramp_core::text::slug(&title);
    if id.is_empty() {
        bail!("\"{name}\" has no letters or digits to make the scenario's id from; give it a name");
    }
    let path = dest.map_or_else(|| PathBuf::from(format!("{id}.ron")), Path::to_path_buf);
    let text = offramp_core::scenario::template(&id, &title);
    let mut f = match std::fs::OpenOptions::new().write(true).create_new(true).open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            bail!("{}: already exists; it was left alone (choose another name or --out)", path.display())
        }
        Err(e) => return Err(e).with_context(|| format!("cannot create {}", path.display())),
    };
    f.write_all(text.as_bytes()).with_context(|| format!("cannot write {}", path.display()))?;
    writeln!(
        out,
        "{}: a new scenario \"{title}\" (id {id}); next: offramp preview {}",
        path.display(),
        path.display()
    )?;
    Ok(())
}

fn list(out: &mut dyn Write) -> Outcome {
    writeln!(out, "Offramp scenario library (`offramp` alone opens the app)\n")?;
    for (name, text) in SHIPPED {
        match Scenario::parse(text, name) {
            Ok(s) => writeln!(
                out,
                "  {:<34} {:<13} ~{:>3} min  {} objectives  {}",
                name,
                format!("{:?}", s.meta.difficulty),
                s.meta.estimated_minutes,
                s.objectives.len(),
                s.meta.title
            )?,
            Err(e) => writeln!(out, "  {name:<34} (invalid: {e})")?,
        }
    }
    writeln!(
        out,
        "\n  offramp generate scenarios/FILE --out DIR [--key FILE]   the ledger and intel; the truth with --key"
    )?;
    writeln!(out, "  offramp score scenarios/FILE CASE             score a trainee's case file")?;
    writeln!(out, "  offramp --help                                every command")?;
    Ok(())
}

fn load(path: &Path) -> anyhow::Result<Scenario> {
    Ok(Scenario::load(path)?)
}

fn validate(out: &mut dyn Write, files: &[PathBuf]) -> Outcome {
    let mut bad = false;
    for f in files {
        match Scenario::load(f) {
            Ok(s) => writeln!(
                out,
                "{}: ok ({} entities, {} steps, {} objectives)",
                f.display(),
                s.entities.len(),
                s.story.len(),
                s.objectives.len()
            )?,
            Err(d) => {
                bad = true;
                let _ = writeln!(io::stderr(), "{d}");
            }
        }
    }
    if bad { Err(Reported.into()) } else { Ok(()) }
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

fn world(path: &Path, seed: Option<u64>, signed: bool) -> anyhow::Result<World> {
    world_of(&load(path)?, seed, signed)
}

/// Generates a scenario already loaded (and the requests about it already checked).
fn world_of(sc: &Scenario, seed: Option<u64>, signed: bool) -> anyhow::Result<World> {
    let mut rep = Reporter::new();
    Ok(sim::generate(sc, &Options { seed, signed }, &mut |p, d, t| rep.update(p, d, t))?)
}

/// How `generate` chooses its world: a seed, or a trainee's name (and class key).
struct Variant {
    seed: Option<u64>,
    trainee: Option<String>,
    class_key: Option<String>,
}

fn generate(out: &mut dyn Write, file: &Path, v: Variant, signed: bool, dest: &Path, key: Option<&Path>) -> Outcome {
    let t0 = Instant::now();
    offramp_core::timing::mark("generate");
    let sc = load(file)?;
    offramp_core::timing::mark("scenario loaded");
    let class_key = class::read_key(v.class_key.as_deref())?;
    let seed = class::seed_for(&sc, v.seed, v.trainee.as_deref(), class_key.as_ref())?;
    let mut rep = Reporter::new();
    // Block files are written while the blocks are sealed; the directory is checked first.
    let opts = Options { seed, signed };
    let (w, m) = match export::generate_to(&sc, &opts, dest, key, &mut |p, d, t| rep.update(p, d, t)) {
        Ok(done) => done,
        Err(export::GenerateToError::Generate(e)) => return Err(e.into()),
        Err(export::GenerateToError::Export(e)) => return Err(e.into()),
    };
    offramp_core::timing::mark("in place");
    writeln!(
        out,
        "{}: seed {}{}: {} blocks, {} transactions, {} inputs, {} outputs, {} addresses -> {} in {:.2}s",
        file.display(),
        w.seed,
        if signed { ", signed" } else { "" },
        m.blocks,
        m.transactions,
        m.inputs,
        m.outputs,
        m.addresses,
        dest.display(),
        t0.elapsed().as_secs_f64()
    )?;
    if let Some(k) = key {
        writeln!(out, "key (the truth; keep it from the trainee): {}", k.display())?;
    }
    Ok(())
}

fn score_case(
    out: &mut dyn Write,
    scenario: &Path,
    case: &Path,
    seed: Option<u64>,
    class_key: Option<&str>,
    json: bool,
) -> Outcome {
    let sc = load(scenario)?;
    let class_key = class::read_key(class_key)?;
    // The case file is read and checked against the scenario before the world is generated.
    let c = Case::load(case, &sc)?;
    if let Some(k) = &class_key {
        // In a class, a case is scored on its trainee's own variant, and said to be sealed as
        // it was submitted or not.
        let check = k.check(&sc.meta.id, sc.meta.seed, &c);
        if let Some(why) = check.not_theirs {
            anyhow::bail!("{}: {why}", case.display());
        }
        let note = match check.seal {
            offramp_core::class::Seal::Intact => "sealed: unchanged since submission",
            offramp_core::class::Seal::Broken => {
                "SEAL BROKEN: answers, hints, requests or time were edited after submission"
            }
            _ => "not sealed (not submitted from a class pack)",
        };
        writeln!(io::stderr(), "{}: {note}", case.display())?;
    }
    let w = world_of(&sc, seed.or(c.seed), false)?;
    let report = score::score(&w, &c);
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
    } else {
        write!(out, "{}", report.to_text())?;
    }
    Ok(())
}

fn solve(out: &mut dyn Write, scenario: &Path, seed: Option<u64>, dest: Option<&Path>) -> Outcome {
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
            && let Some(acct) = w.truth.accounts.iter().find(|a| a.holder == of && a.identity.is_some())
            && let Some(&addr) = acct.addresses.first()
        {
            case.requests.push(offramp_core::case::Request {
                exchange: w.scenario.entities[acct.service].id.clone(),
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
    match dest {
        Some(p) => offramp_core::case::write_atomic(p, text.as_bytes())
            .with_context(|| format!("cannot write the solution to {}", p.display()))?,
        None => write!(out, "{text}")?,
    }
    Ok(())
}

fn legal_request(out: &mut dyn Write, scenario: &Path, exchange: &str, address: &str, seed: Option<u64>) -> Outcome {
    let sc = load(scenario)?;
    // A request naming no exchange of the scenario, or no address of its network, is refused
    // before the world is generated.
    let x = legal::check_request(&sc, exchange, address)?;
    let w = world_of(&sc, seed, false)?;
    let reply = legal::request(&w, exchange, address)?;
    match &reply {
        legal::Reply::Refused => writeln!(out, "{exchange}: the exchange refused to answer.")?,
        legal::Reply::NoRecords => writeln!(out, "{exchange}: no records of {address}.")?,
        legal::Reply::OwnWallet => {
            writeln!(out, "{exchange}: {address} is one of the exchange's own wallets, not a customer's.")?
        }
        legal::Reply::Records(r) => {
            writeln!(out, "{} — account {}", r.exchange, r.account_id)?;
            writeln!(out, "  name:         {}", r.name.as_deref().unwrap_or("(no KYC)"))?;
            writeln!(out, "  nationality:  {}", r.nationality.as_deref().unwrap_or("-"))?;
            writeln!(
                out,
                "  documents:    {}",
                if r.documents.is_empty() { "-".to_string() } else { r.documents.join("; ") }
            )?;
            writeln!(out, "  bank account: {}", r.bank_account.as_deref().unwrap_or("-"))?;
            writeln!(out, "  e-mail:       {}", r.email)?;
            writeln!(out, "  opened:       {}", r.opened)?;
            writeln!(out, "  deposit addresses:")?;
            for a in &r.deposit_addresses {
                writeln!(out, "    {a}")?;
            }
        }
    }
    // What the scoring would charge for this request (see score::wrong_request). A refusal
    // must not tell whether the exchange holds the address, so it says what would decide.
    let penalty = sc.legal.wrong_request_penalty;
    let cost = points(penalty);
    let points = format!("{cost} point{}", if cost == "1" { "" } else { "s" });
    if penalty > 0.0 {
        let name = &sc.entities[x].name;
        if reply == legal::Reply::Refused {
            writeln!(out, "If {name} does not hold {address}, this request would cost {points} in a scored case.")?;
        } else if let Some(why) = score::wrong_request(&w, exchange, address) {
            writeln!(out, "This request would cost {points} in a scored case: {why}.")?;
        }
    }
    Ok(())
}

fn print_json<T: serde::Serialize>(out: &mut dyn Write, v: &T) -> Outcome {
    writeln!(out, "{}", serde_json::to_string_pretty(v)?)?;
    Ok(())
}

/// An address's labels after it, or nothing.
fn labels(ls: &[forensics::Label]) -> String {
    if ls.is_empty() {
        return String::new();
    }
    let names: Vec<String> = ls.iter().map(|l| format!("{} [{}]", l.label, l.category.name())).collect();
    format!("  ({})", names.join("; "))
}

/// An instant, or "-" for none.
fn seen(t: Option<u32>) -> String {
    t.map_or_else(|| "-".to_string(), when)
}

fn heuristics_report(out: &mut dyn Write, file: &Path, seed: Option<u64>, json: bool) -> Outcome {
    let w = world(file, seed, false)?;
    let ex = forensics::load::explorer_of(&w);
    let r = forensics::accuracy::report(&w, &ex);
    if json {
        print_json(out, &r)
    } else {
        write!(out, "{}", r.to_text())?;
        Ok(())
    }
}
