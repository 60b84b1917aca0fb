//! `offramp serve`: the classroom server, run from the instructor's machine.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;

use super::{Outcome, load};

/// What `offramp serve` was given.
pub struct Serve {
    pub scenarios: Vec<PathBuf>,
    pub bind: String,
    pub db: String,
    pub class_key: Option<String>,
    pub minutes: Option<u64>,
    pub new_session: bool,
}

/// Starts the server and serves until Ctrl+C (or SIGTERM). The three lines a class needs
/// (join code, dashboard, instructor token) go to standard output as soon as it listens.
pub fn serve(out: &mut dyn Write, args: Serve) -> Outcome {
    let scenarios = args.scenarios.iter().map(|f| load(f)).collect::<anyhow::Result<Vec<_>>>()?;
    let class_key = super::class::read_key(args.class_key.as_deref())?;
    if args.minutes == Some(0) {
        anyhow::bail!("--minutes: a session lasts at least a minute (leave it out for no limit)");
    }
    let config = offramp_server::Config {
        scenarios,
        bind: args.bind,
        db: args.db,
        class_key,
        minutes: args.minutes,
        new_session: args.new_session,
    };
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the server's runtime")?;
    runtime.block_on(async {
        let started = offramp_server::start(config).await?;
        let mut text = started.banner();
        if !started.new_session {
            text.push_str("(the session in the database goes on: same code, same tokens, every trainee's work kept)\n");
        }
        // A terminal closed or a pipe's reader gone (`| head -3`) must not stop the class:
        // what was printed is in the database too.
        if out.write_all(text.as_bytes()).and_then(|()| out.flush()).is_err() {
            eprint!("{text}");
        }
        started.serve(stopped()).await.context("serving")?;
        Ok(())
    })
}

/// Resolves on Ctrl+C or SIGTERM: the server then finishes the requests under way.
async fn stopped() {
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(t) => t,
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// `offramp loadtest`: the report on standard output; fails when anything was lost,
/// duplicated, or a call failed.
pub fn loadtest(
    out: &mut dyn Write,
    url: &str,
    code: &str,
    trainees: usize,
    minutes: f64,
    think_ms: u64,
    scenario: Option<String>,
) -> Outcome {
    if trainees == 0 || trainees > 2000 {
        anyhow::bail!("--trainees: from 1 to 2000");
    }
    if !(minutes > 0.0 && minutes <= 240.0) {
        anyhow::bail!("--minutes: more than 0 and at most 240");
    }
    if think_ms < 100 {
        anyhow::bail!("--think-ms: at least 100 (an app syncs every 3000)");
    }
    let plan = offramp_server::loadtest::Plan {
        url: offramp_server::client::base_url(url).map_err(anyhow::Error::msg)?,
        code: code.to_string(),
        trainees,
        duration: std::time::Duration::from_secs_f64(minutes * 60.0),
        think: std::time::Duration::from_millis(think_ms),
        scenario,
    };
    let say = |s: &str| {
        let _ = writeln!(std::io::stderr(), "{s}");
    };
    let outcome = offramp_server::loadtest::run(&plan, &say).map_err(anyhow::Error::msg)?;
    write!(out, "{}", outcome.report())?;
    if !outcome.passed() {
        anyhow::bail!("the load test failed: see LOST, DUPLICATED and failed calls above");
    }
    Ok(())
}
