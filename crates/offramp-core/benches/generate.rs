//! Generation speed and memory: fast mode at 10k, 100k and 1M transactions, signed mode at
//! 100k. Each case runs in a child process so that its peak memory (VmHWM) is its own.
//!
//! `cargo bench -p offramp-core --bench generate` prints a table; `-- 1m` runs one case.

use std::process::Command;
use std::time::Instant;

use offramp_core::scenario::Scenario;
use offramp_core::sim::{Options, Phase, generate};

/// A world of about `txs` transactions: a small story in a large crowd.
fn scenario(txs: u64) -> String {
    let days = 30.0;
    let per_day = txs as f64 / days * 0.97;
    let users = (txs / 10).max(500);
    format!(
        r#"Scenario(
    meta: (id: "bench-{txs}", title: "Benchmark", difficulty: Advanced, estimated_minutes: 60,
        briefing: "Benchmark world.", seed: 42, start: "2025-01-01T00:00:00Z", duration: "30d",
        price: RandomWalk(start_usd: 60000.0, daily_volatility: 0.03, min_usd: 40000.0, max_usd: 90000.0)),
    entities: [
        Market(id: "m", other_orders_per_day: 50.0, other_buyers: "b"),
        Vendor(id: "v"),
        Buyers(id: "b", count: 500, funded_by: "x"),
        Exchange(id: "x", reserve_btc: 600.0),
        Exchange(id: "y", reserve_btc: 300.0, kyc: false),
        Mixer(id: "mix"),
        CoinJoin(id: "cj", users: "u"),
        Users(id: "u", count: {users}, balance_btc: (0.001, 0.3)),
    ],
    background: (users: "u", tx_per_day: {per_day:.1},
        mix: (payments: 55.0, exchange_deposits: 15.0, exchange_withdrawals: 15.0, consolidations: 10.0, coinjoins: 3.0, mixer: 2.0)),
    story: [
        (id: "sales", window: ("1d", "20d"), action: Purchases(market: "m", vendor: "v", buyers: "b", orders: 300, usd: (50.0, 500.0))),
        (id: "withdraw", window: ("5d", "24d"), action: VendorWithdrawals(market: "m", vendor: "v", count: 4)),
        (id: "mix", window: ("24d", "25d"), action: Mix(from: ["withdraw"], mixer: "mix")),
        (id: "peel", window: ("26d", "29d"), action: PeelChain(from: ["mix"], peels: 10, to: ["x", "y"])),
    ],
    objectives: [(id: "d", prompt: "?", answer: DepositAddresses(of: "v"), rule: Set(points: 1.0))],
)"#
    )
}

fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
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
        child(n.parse().expect("a number"), mode == "signed");
        return;
    }
    let filter: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let cases = [
        ("fast", 10_000u64, "10k"),
        ("fast", 100_000, "100k"),
        ("fast", 1_000_000, "1m"),
        ("signed", 100_000, "signed"),
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
