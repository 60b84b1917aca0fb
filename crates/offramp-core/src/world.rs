//! A generated world: the scenario it came from, the seed, the chain, the price series, the
//! intel trainees start from and the ground truth. The generator ([`crate::sim`]) makes it;
//! export, the forensics tools, scoring and legal requests read it.
//!
//! [`crate::sim`] re-exports [`World`], so `sim::World` still names it.

use std::collections::HashMap;

use crate::intel::Intel;
use crate::ledger::{AddrIdx, Chain};
use crate::scenario::Scenario;
use crate::sim::price::PriceSeries;
use crate::truth::Truth;

/// One generated world.
#[derive(Debug, Clone)]
pub struct World {
    pub scenario: Scenario,
    pub seed: u64,
    pub chain: Chain,
    pub prices: PriceSeries,
    pub intel: Intel,
    pub truth: Truth,
    index: std::sync::OnceLock<HashMap<String, AddrIdx>>,
}

impl World {
    /// A world of these parts, its address index not yet built (the generator's last step).
    pub(crate) fn new(
        scenario: Scenario,
        seed: u64,
        chain: Chain,
        prices: PriceSeries,
        intel: Intel,
        truth: Truth,
    ) -> World {
        World { scenario, seed, chain, prices, intel, truth, index: Default::default() }
    }

    /// The index of an address given as text (bech32 in any case, base58 as is).
    pub fn find_address(&self, text: &str) -> Option<AddrIdx> {
        let index =
            self.index.get_or_init(|| self.chain.addresses.ids().map(|a| (self.chain.address_string(a), a)).collect());
        index.get(&normalize_address(text)).copied()
    }
}

/// Addresses compare after trimming, with bech32 lower-cased (it is case-insensitive).
pub fn normalize_address(text: &str) -> String {
    let t = text.trim();
    let l = t.to_lowercase();
    if l.starts_with("bc1") || l.starts_with("tb1") || l.starts_with("bcrt1") { l } else { t.to_string() }
}
