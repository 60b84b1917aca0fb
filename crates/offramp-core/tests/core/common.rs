use std::path::PathBuf;

use bitcoin::Block;
use offramp_core::scenario::Scenario;
use offramp_core::sim::{self, Options, World};

/// The shipped scenario library.
pub fn scenarios_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scenarios")
}

/// Every shipped scenario file, sorted.
pub fn shipped() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(scenarios_dir())
        .expect("scenarios/ exists")
        .map(|e| e.expect("readable").path())
        .filter(|p| p.extension().is_some_and(|e| e == "ron"))
        .collect();
    v.sort();
    assert!(v.len() >= 3, "the library ships at least three scenarios");
    v
}

pub fn load(path: &std::path::Path) -> Scenario {
    Scenario::load(path).unwrap_or_else(|e| panic!("{e}"))
}

pub fn generate(sc: &Scenario, seed: Option<u64>, signed: bool) -> World {
    sim::generate(sc, &Options { seed, signed }, &mut |_, _, _| {}).unwrap_or_else(|e| panic!("{e}"))
}

/// The blocks as a node would read them: decoded from their raw bytes.
pub fn blocks(w: &World) -> Vec<Block> {
    w.chain.blocks.iter().map(|b| bitcoin::consensus::deserialize(&b.raw).expect("a generated block decodes")).collect()
}

/// A small scenario text for tests, with a placeholder to replace.
pub const MINI: &str = r#"Scenario(
    meta: (
        id: "mini",
        title: "Mini",
        difficulty: Beginner,
        estimated_minutes: 10,
        briefing: "A vendor cashes out.",
        seed: 1,
        start: "2025-01-01T00:00:00Z",
        duration: "10d",
        price: Fixed(60000.0),
    ),
    entities: [
        Market(id: "m"),
        Vendor(id: "v"),
        Buyers(id: "b", count: 20),
        Exchange(id: "x", reserve_btc: 50.0),
    ],
    story: [
        (id: "sales", window: ("0d", "3d"), action: Purchases(market: "m", vendor: "v", buyers: "b", orders: 12, usd: (100.0, 200.0))),
        (id: "withdraw", window: ("4d", "6d"), action: VendorWithdrawals(market: "m", vendor: "v", count: 2)),
        (id: "cashout", window: ("7d", "8d"), action: CashOut(from: ["withdraw"], exchange: "x")),
    ],
    objectives: [
        (id: "deposits", prompt: "Deposit addresses?", answer: DepositAddresses(of: "v", at: "x"), rule: Set(points: 10, wrong_penalty: 2)),
    ],
)
"#;

pub fn mini() -> Scenario {
    Scenario::parse(MINI, "mini.ron").unwrap_or_else(|e| panic!("{e}"))
}
