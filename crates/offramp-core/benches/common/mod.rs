//! Shared by the benchmarks: the synthetic world and the peak-memory reading.

/// A world of about `txs` transactions: a small story in a large crowd.
pub fn scenario(txs: u64) -> String {
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
    intel: [(note: "exchange wallets", reveal: Tag(of: "x", roles: [Hot, Cold])), (note: "exchange wallets", reveal: Tag(of: "y", roles: [Hot, Cold]))],
    objectives: [(id: "d", prompt: "?", answer: DepositAddresses(of: "v"), rule: Set(points: 1.0))],
)"#
    )
}

pub fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}
