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
