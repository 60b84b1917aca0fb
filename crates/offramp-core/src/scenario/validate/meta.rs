//! The `meta` section: the scenario's id, title, briefing, start, duration, network and
//! BTC/USD price, whose bounds the later sections check dollar amounts against.

use super::*;
use crate::time::parse_instant;

impl V<'_> {
    pub(super) fn meta(&mut self, m: RawMeta) -> Meta {
        if m.id.is_empty() || !m.id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            self.err(p!["meta", "id"], "the id must be letters, digits, - and _ only (it names files)");
        }
        if m.title.trim().is_empty() {
            self.err(p!["meta", "title"], "the title is empty");
        }
        if m.briefing.trim().is_empty() {
            self.err(p!["meta", "briefing"], "the briefing is empty; trainees start from it");
        }
        if m.estimated_minutes == 0 || m.estimated_minutes > 2000 {
            self.err(p!["meta", "estimated_minutes"], "estimated_minutes must be between 1 and 2000");
        }
        let start = match parse_instant(&m.start) {
            Ok(t) if (1_231_006_505..4_102_444_800).contains(&t) => t,
            Ok(_) => {
                self.err(p!["meta", "start"], "the start must lie between 2009-01-03 and 2100-01-01");
                1_700_000_000
            }
            Err(e) => {
                self.err(p!["meta", "start"], e);
                1_700_000_000
            }
        };
        let mut duration = self.duration(&m.duration, p!["meta", "duration"], "the duration");
        if duration > 0 && duration < 3600 {
            self.err(p!["meta", "duration"], "the duration must be at least one hour");
        }
        if duration == 0 {
            duration = DAY;
        }
        let price = match m.price {
            RawPrice::Fixed(usd) => PricePath::Fixed(self.price(usd, p!["meta", "price"], "the price")),
            RawPrice::RandomWalk { start_usd, daily_volatility, min_usd, max_usd } => {
                let path = p!["meta", "price"];
                let start = self.price(start_usd, p!["meta", "price", "start_usd"], "start_usd");
                let min = self.price(min_usd, p!["meta", "price", "min_usd"], "min_usd");
                let max = self.price(max_usd, p!["meta", "price", "max_usd"], "max_usd");
                if !(0.0..=0.5).contains(&daily_volatility) {
                    self.err(
                        p!["meta", "price", "daily_volatility"],
                        "daily_volatility must be between 0 and 0.5 (0.03 means 3% a day)",
                    );
                }
                if !(min <= start && start <= max) {
                    self.err(path, format!("the price must start between min_usd ({min}) and max_usd ({max})"));
                }
                PricePath::RandomWalk { start, daily_volatility, min, max }
            }
        };
        self.price = price.bounds();
        let network = match m.network {
            RawNetwork::Regtest => Network::Regtest,
            RawNetwork::Testnet => Network::Testnet,
            RawNetwork::Signet => Network::Signet,
            RawNetwork::Mainnet => Network::Mainnet,
        };
        Meta {
            id: m.id,
            title: m.title,
            difficulty: m.difficulty,
            estimated_minutes: m.estimated_minutes,
            briefing: m.briefing,
            network,
            seed: m.seed,
            start,
            duration,
            price,
        }
    }
}
