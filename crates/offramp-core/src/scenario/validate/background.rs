//! The `background` section: the users behind the ordinary traffic, its rate, and a mix
//! whose every kind of activity has an entity to work with.

use super::*;

impl V<'_> {
    pub(super) fn background(&mut self, b: RawBackground, ents: &[Entity]) -> Background {
        let users = self.entity_ref(&b.users, ents, &["Users"], p!["background", "users"]).unwrap_or(EntityIdx::new(0));
        let tx_per_day = self.rate(b.tx_per_day, p!["background", "tx_per_day"]);
        let m = b.mix;
        let weights = [
            m.payments,
            m.exchange_deposits,
            m.exchange_withdrawals,
            m.consolidations,
            m.gambling,
            m.coinjoins,
            m.mixer,
        ];
        if weights.iter().any(|w| !w.is_finite() || *w < 0.0) || weights.iter().sum::<f64>() <= 0.0 {
            self.err(p!["background", "mix"], "the mix weights must be zero or more, and not all zero");
        }
        let has = |w: &str| ents.iter().any(|e| e.kind.word() == w);
        for (w, field, kind) in [
            (m.exchange_deposits, "exchange_deposits", "Exchange"),
            (m.exchange_withdrawals, "exchange_withdrawals", "Exchange"),
            (m.gambling, "gambling", "Gambling"),
            (m.coinjoins, "coinjoins", "CoinJoin"),
            (m.mixer, "mixer", "Mixer"),
        ] {
            if w > 0.0 && !has(kind) {
                self.err(
                    p!["background", "mix", field],
                    format!("{field} needs an entity of kind {kind}; the scenario has none"),
                );
            }
        }
        Background {
            loc: self.at(p!["background"]),
            users,
            tx_per_day,
            mix: Mix {
                payments: m.payments,
                exchange_deposits: m.exchange_deposits,
                exchange_withdrawals: m.exchange_withdrawals,
                consolidations: m.consolidations,
                gambling: m.gambling,
                coinjoins: m.coinjoins,
                mixer: m.mixer,
            },
        }
    }
}
