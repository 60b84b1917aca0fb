//! Where the time of a long job goes, for whoever tunes it: with `OFFRAMP_TIMING` set in the
//! environment, [`mark`] prints each step's moment on standard error, counted from the
//! first mark; without it, nothing is printed and a mark costs one environment lookup.

use std::sync::OnceLock;
use std::time::Instant;

static START: OnceLock<Instant> = OnceLock::new();

/// Whether `OFFRAMP_TIMING` asks for timings.
pub fn on() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("OFFRAMP_TIMING").is_some())
}

/// Prints `timing: +S.SSs WHAT` (seconds since the first mark) when timings are asked for.
pub fn mark(what: &str) {
    let start = *START.get_or_init(Instant::now);
    if on() {
        eprintln!("timing: +{:.2}s {what}", start.elapsed().as_secs_f64());
    }
}
