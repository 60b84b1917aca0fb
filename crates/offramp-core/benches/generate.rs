//! Generation speed and memory: fast mode at 10k, 100k and 1M transactions, signed mode at
//! 100k, and `offramp generate`'s own path at 1M (`stream`: block files written while the
//! blocks are sealed, then the rest; wall time and peak memory of the whole). Each case runs
//! in a child process so that its peak memory (VmHWM) is its own.
//!
//! `cargo bench -p offramp-core --bench generate` prints a table; `-- 1m` runs one case.

use std::process::Command;
use std::time::Instant;

use offramp_core::scenario::Scenario;
use offramp_core::sim::{Options, Phase, generate};

mod common;
use common::{peak_rss_mb, scenario};

/// `offramp generate SCENARIO --out DIR` as the command runs it: one line of figures.
fn child_stream(txs: u64) {
    let sc = Scenario::parse(&scenario(txs), "bench.ron").unwrap_or_else(|e| panic!("{e}"));
    let dir = std::env::temp_dir().join(format!("offramp-bench-{}", std::process::id()));
    let t0 = Instant::now();
    let (w, _) = offramp_core::export::generate_to(&sc, &Options::default(), &dir, None, &mut |_, _, _| {})
        .unwrap_or_else(|e| panic!("{e}"));
    let total = t0.elapsed();
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "{:<7} {:>9} {:>9} {:>9} {:>9} {:>9.2} {:>9} {:>9.0}   (generate and write, streamed: wall)",
        "stream",
        txs,
        w.chain.txs.len(),
        "",
        "",
        total.as_secs_f64(),
        "",
        peak_rss_mb()
    );
}

/// Runs one case in this process and prints one line of figures.
fn child(txs: u64, signed: bool) {
    let sc = Scenario::parse(&scenario(txs), "bench.ron").unwrap_or_else(|e| panic!("{e}"));
    let t0 = Instant::now();
    let mut sealing_started = None;
    let w = generate(&sc, &Options { seed: None, signed }, &mut |p, _, _| {
        if p == Phase::Sealing && sealing_started.is_none() {
            sealing_started = Some(t0.elapsed());
        }
    })
    .unwrap_or_else(|e| panic!("{e}"));
    let total = t0.elapsed();
    let sim = sealing_started.unwrap_or(total);
    let gen_peak = peak_rss_mb();
    if std::env::var_os("OFFRAMP_BENCH_NO_EXPORT").is_some() {
        println!(
            "generated {} txs in {:.2}s (simulation {:.2}s), peak {gen_peak:.0} MB",
            w.chain.txs.len(),
            total.as_secs_f64(),
            sim.as_secs_f64()
        );
        return;
    }
    let dir = std::env::temp_dir().join(format!("offramp-bench-{}", std::process::id()));
    let t1 = Instant::now();
    offramp_core::export::export(&w, &dir, &mut |_, _, _| {}).expect("export");
    let export = t1.elapsed();
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "{:<7} {:>9} {:>9} {:>9.2} {:>9.2} {:>9.2} {:>9.2} {:>9.0}",
        if signed { "signed" } else { "fast" },
        txs,
        w.chain.txs.len(),
        sim.as_secs_f64(),
        (total - sim).as_secs_f64(),
        total.as_secs_f64(),
        export.as_secs_f64(),
        peak_rss_mb()
    );
}

fn main() {
    if let Ok(case) = std::env::var("OFFRAMP_BENCH_CASE") {
        let (mode, n) = case.split_once(':').expect("mode:txs");
        let n = n.parse().expect("a number");
        if mode == "stream" {
            child_stream(n)
        } else {
            child(n, mode == "signed")
        }
        return;
    }
    let filter: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let cases = [
        ("fast", 10_000u64, "10k"),
        ("fast", 100_000, "100k"),
        ("fast", 1_000_000, "1m"),
        ("signed", 100_000, "signed"),
        ("stream", 1_000_000, "stream"),
    ];
    println!("generate benchmark ({} cores)", std::thread::available_parallelism().map_or(1, |n| n.get()));
    println!(
        "{:<7} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
        "mode", "target", "txs", "sim s", "seal s", "gen s", "write s", "peak MB"
    );
    for (mode, n, name) in cases {
        if !filter.is_empty() && !filter.iter().any(|f| f == name) {
            continue;
        }
        let status = Command::new(std::env::current_exe().expect("own path"))
            .env("OFFRAMP_BENCH_CASE", format!("{mode}:{n}"))
            .status()
            .expect("the benchmark re-runs itself");
        assert!(status.success(), "case {mode} {n} failed");
    }
}
