//! The funding bound: the coins the world needs before the story starts must fit in what
//! Offramp's pre-history can mint on the scenario's network.

use super::*;

impl V<'_> {
    /// Refuses a world whose pre-history needs more coins than the network's subsidy can mint
    /// in the blocks Offramp mines before the story ([`PREHISTORY_MAX_BLOCKS`]), naming the
    /// largest funders at the amount to lower. Users' balances are random: their expected sum
    /// counts here, and generation still refuses the rare draw that goes past the bound.
    pub(super) fn funds(&mut self, s: &Scenario) -> Funding {
        // (satoshis, how many payments, entity, field to point at)
        let mut funders: Vec<(f64, f64, usize, &'static str)> = Vec::new();
        for (i, e) in s.entities.iter().enumerate() {
            let (sat, n, field) = match &e.kind {
                EntityKind::Market(m) => (m.float_sat as f64, 1.0, "float_btc"),
                EntityKind::Exchange(x) => (x.reserve_sat as f64, 2.0, "reserve_btc"),
                EntityKind::Mixer(m) => (m.pool_sat as f64, 1.0, "pool_btc"),
                EntityKind::Otc(o) => (o.float_sat as f64, 1.0, "float_btc"),
                EntityKind::Gambling(g) => (g.bankroll_sat as f64, 1.0, "bankroll_btc"),
                EntityKind::Users(u) => {
                    let (lo, hi) = (u.balance_sat.0 as f64, u.balance_sat.1 as f64);
                    // The mean of a log-uniform draw between lo and hi.
                    let mean = if hi > lo { (hi - lo) / (hi / lo).ln() } else { lo };
                    (f64::from(u.count) * mean, 3.0 * f64::from(u.count), "balance_btc")
                }
                EntityKind::Buyers(b) if b.funded_by.is_none() => {
                    let each = s.self_funded_budget(EntityIdx::new(i)) + 50_000.0;
                    (f64::from(b.count) * each, f64::from(b.count), "count")
                }
                _ => continue,
            };
            if sat > 0.0 {
                funders.push((sat, n, i, field));
            }
        }
        let total: f64 = funders.iter().map(|f| f.0).sum();
        let payments: f64 = funders.iter().map(|f| f.1).sum();
        let need = total + total / 1000.0 + payments * 200.0 + 100_000.0;
        let net = s.meta.network;
        let can = net.mintable(PREHISTORY_MAX_BLOCKS) as f64;
        let funding = Funding { need, payments };
        if need <= can {
            return funding;
        }
        funders.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.2.cmp(&b.2)));
        // The three largest, leaving out what would not change the answer.
        let list: Vec<String> = funders
            .iter()
            .enumerate()
            .filter(|(k, f)| *k == 0 || f.0 >= funders[0].0 / 100.0)
            .map(|(_, f)| f)
            .take(3)
            .map(|&(sat, _, i, _)| {
                let e = &s.entities[i];
                let what = match e.kind {
                    EntityKind::Users(_) => " (expected balances)",
                    EntityKind::Buyers(_) => " (self-funded buyers' budgets)",
                    _ => "",
                };
                format!("\"{}\" {:.0} BTC{what}", e.id, sat / 1e8)
            })
            .collect();
        let (_, _, big, field) = funders[0];
        // Either the subsidy runs out within Offramp's pre-history, or Offramp's own bound on
        // the blocks it mines before the story is what stops it: say which.
        let subsidy_ends = net.subsidy(PREHISTORY_MAX_BLOCKS + 1) == 0;
        let limit = if subsidy_ends {
            format!("the {net:?} block subsidy can ever mint ({:.0} BTC)", can / 1e8)
        } else {
            format!(
                "the {:.0} BTC Offramp mines before the story starts (at most {PREHISTORY_MAX_BLOCKS} {net:?} blocks)",
                can / 1e8
            )
        };
        self.err(
            p!["entities", big, field],
            format!(
                "the world needs about {:.0} BTC before the story starts (largest: {}), more than {limit}; lower these amounts or use another network",
                need / 1e8,
                list.join(", "),
            ),
        );
        funding
    }
}

/// What the pre-history must mint (satoshis) and how many payments fund the world.
#[derive(Debug, Clone, Copy)]
pub(super) struct Funding {
    pub(super) need: f64,
    pub(super) payments: f64,
}
