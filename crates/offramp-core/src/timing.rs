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

/// Prints `timing: +S.SSs (cpu C.CCs) WHAT` (seconds since the first mark, and the processor
/// time the process has used, all threads) when timings are asked for.
pub fn mark(what: &str) {
    let start = *START.get_or_init(Instant::now);
    if on() {
        eprintln!("timing: +{:.2}s (cpu {:.2}s) {what}", start.elapsed().as_secs_f64(), cpu_seconds());
    }
}

/// The processor time (user and system) the process has used so far, where the system says.
fn cpu_seconds() -> f64 {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: getrusage fills the struct it is given; a zeroed rusage is a valid value.
        let mut u: libc::rusage = unsafe { std::mem::zeroed() };
        if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) } == 0 {
            let t = |v: libc::timeval| v.tv_sec as f64 + v.tv_usec as f64 / 1e6;
            return t(u.ru_utime) + t(u.ru_stime);
        }
    }
    f64::NAN
}
