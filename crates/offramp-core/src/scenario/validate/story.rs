//! The `story` section: unique step ids, time windows inside the scenario's clock, amounts,
//! and every action's entities, sources and counts, including whether the coins a step
//! spends can be there when it runs.

use std::collections::HashMap;

use super::*;
use crate::time::format_duration;

impl V<'_> {
    fn amount(&mut self, a: RawAmount, path: &[Seg<'_>]) -> Amount {
        match a {
            RawAmount::All => Amount::All,
            RawAmount::Fraction(f) => {
                if !(f > 0.0 && f <= 1.0) {
                    self.err(path, format!("Fraction({f}) must be above 0 and at most 1"));
                }
                Amount::Fraction(f.clamp(0.0001, 1.0))
            }
            RawAmount::Btc(b) => {
                let s = self.btc(b, path, "the amount");
                if s < MIN_STEP_SAT {
                    self.err(path, "an amount below 0.0001 BTC cannot pay its own fees");
                }
                Amount::Sat(s.max(MIN_STEP_SAT))
            }
            RawAmount::Usd(u) => {
                let u = self.positive(u, 1e12, path, "the USD amount");
                self.usd_in_range(u, MIN_STEP_SAT, path, &format!("Usd({u})"));
                Amount::Usd(u)
            }
        }
    }

    pub(super) fn story(&mut self, raw: Vec<RawStep>, ents: &[Entity], meta: &Meta) -> Vec<Step> {
        if raw.is_empty() {
            self.err(p!["story"], "the story is empty; a scenario needs at least one step");
        }
        let ids: Vec<String> = raw.iter().map(|s| s.id.clone()).collect();
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (i, id) in ids.iter().enumerate() {
            if id.is_empty() {
                self.err(p!["story", i, "id"], "the step id is empty");
            } else if let Some(first) = seen.get(id.as_str()) {
                let line = self.at(p!["story", *first, "id"]).line;
                self.err(p!["story", i, "id"], format!("duplicate step id \"{id}\" (first defined at line {line})"));
            } else {
                seen.insert(id, i);
            }
        }
        let (price_lo, price_hi) = meta.price.bounds();
        let mut out: Vec<Step> = Vec::new();
        // The most BTC each step can leave to the steps after it, and how much of it fixed
        // amounts have already claimed.
        let mut most: Vec<f64> = Vec::new();
        let mut claimed: Vec<f64> = Vec::new();
        for (i, s) in raw.into_iter().enumerate() {
            let w0 = match parse_duration(&s.window.0) {
                Ok(t) => t,
                Err(m) => {
                    self.err(p!["story", i, "window"], format!("window start: {m}"));
                    0
                }
            };
            let w1 = match parse_duration(&s.window.1) {
                Ok(t) => t,
                Err(m) => {
                    self.err(p!["story", i, "window"], format!("window end: {m}"));
                    w0 + 1
                }
            };
            if w1 == w0 {
                self.err(
                    p!["story", i, "window"],
                    format!("the window of \"{}\" is empty: it starts and ends at {}", s.id, format_duration(w0)),
                );
            } else if w1 < w0 {
                self.err(
                    p!["story", i, "window"],
                    format!(
                        "the window of \"{}\" is inverted: it ends ({}) before it starts ({})",
                        s.id,
                        format_duration(w1),
                        format_duration(w0)
                    ),
                );
            } else if w1 > meta.duration {
                self.err(
                    p!["story", i, "window"],
                    format!(
                        "the window of \"{}\" ends at {}, after the scenario ends ({})",
                        s.id,
                        format_duration(w1),
                        format_duration(meta.duration)
                    ),
                );
            }
            let ap = |f: &'static str| -> Vec<Seg<'static>> {
                vec![Seg::Field("story"), Seg::Index(i), Seg::Field("action"), Seg::Field(f)]
            };
            // Resolve `from`.
            let resolve_from = |v: &mut Self, from: &[String]| -> Vec<StepIdx> {
                let mut srcs = Vec::new();
                if from.is_empty() {
                    v.err(&ap("from"), "`from` is empty: name the step whose funds this step moves");
                }
                for (j, name) in from.iter().enumerate() {
                    let path =
                        [Seg::Field("story"), Seg::Index(i), Seg::Field("action"), Seg::Field("from"), Seg::Index(j)];
                    match ids.iter().position(|x| x == name) {
                        Some(k) if k >= i => v.err(
                            &path,
                            format!(
                                "step \"{name}\" comes later in the story; a step can only move funds of earlier steps"
                            ),
                        ),
                        Some(k) if !out[k].action.leaves_movable_funds() => v.err(
                            &path,
                            format!(
                                "step \"{name}\" is {}: its funds {}, so no later step can move them",
                                out[k].action.word(),
                                match out[k].action {
                                    Action::Purchases { .. } => "belong to the market (use VendorWithdrawals)",
                                    _ => "have left the launderer's hands",
                                }
                            ),
                        ),
                        Some(k) => {
                            if out[k].window.0 >= w1 {
                                v.err(
                                    &path,
                                    format!(
                                        "step \"{}\" ends at {} but its source \"{name}\" only starts at {}",
                                        s.id,
                                        format_duration(w1),
                                        format_duration(out[k].window.0)
                                    ),
                                );
                            }
                            srcs.push(StepIdx::new(k));
                        }
                        None => {
                            let hint = suggestion(name, ids[..i].iter().map(String::as_str));
                            v.err(&path, format!("step \"{name}\" is not defined{hint}"));
                        }
                    }
                }
                srcs
            };
            let e = |v: &mut Self, name: &str, want: &[&str], f: &'static str| v.entity_ref(name, ents, want, &ap(f));
            let action = match s.action {
                RawAction::Purchases { market, vendor, buyers, orders, usd } => {
                    let market = e(self, &market, &["Market"], "market");
                    let vendor = e(self, &vendor, &["Vendor"], "vendor");
                    let buyers = e(self, &buyers, &["Buyers"], "buyers");
                    let orders = self.count(orders, 1, 200_000, &ap("orders"), "the number of orders");
                    if !(usd.0 > 0.0 && usd.0 <= usd.1 && usd.1 <= 1e7) {
                        self.err(&ap("usd"), "usd is (cheapest, dearest) order in US dollars, cheapest first, above 0");
                    } else {
                        // Orders are whole dollars, at least one.
                        let (cheapest, dearest) = (usd.0.max(1.0), usd.1.max(1.0));
                        // One problem at a time: a range that fails at both ends is one mistake.
                        if self.usd_in_range(cheapest, DUST, &ap("usd"), &format!("the cheapest order, ${cheapest},")) {
                            self.usd_in_range(dearest, DUST, &ap("usd"), &format!("the dearest order, ${dearest},"));
                        }
                    }
                    Action::Purchases {
                        market: market.unwrap_or(EntityIdx::new(0)),
                        vendor: vendor.unwrap_or(EntityIdx::new(0)),
                        buyers: buyers.unwrap_or(EntityIdx::new(0)),
                        orders,
                        usd: (usd.0.max(1.0), usd.1.max(usd.0).max(1.0)),
                    }
                }
                RawAction::VendorWithdrawals { market, vendor, count } => {
                    let market = e(self, &market, &["Market"], "market");
                    let vendor = e(self, &vendor, &["Vendor"], "vendor");
                    let count = self.count(count as u64, 1, 1000, &ap("count"), "the number of withdrawals");
                    if let (Some(market), Some(vendor)) = (market, vendor) {
                        let sales: Vec<&Step> = out
                            .iter()
                            .filter(|st| matches!(st.action, Action::Purchases { market: m, vendor: v, .. } if m == market && v == vendor))
                            .collect();
                        if sales.is_empty() {
                            self.err(
                                &ap("vendor"),
                                format!(
                                    "no earlier Purchases step sells for \"{}\" at \"{}\", so there is nothing to withdraw",
                                    ents[vendor].id, ents[market].id
                                ),
                            );
                        } else if let EntityKind::Market(m) = &ents[market].kind {
                            let first = sales.iter().map(|st| st.window.0).min().unwrap_or(0) + m.escrow;
                            if first >= w1 {
                                self.err(
                                    p!["story", i, "window"],
                                    format!(
                                        "the withdrawals end at {}, before any order leaves escrow ({} after the first sale, at {})",
                                        format_duration(w1),
                                        format_duration(m.escrow),
                                        format_duration(first)
                                    ),
                                );
                            }
                        }
                    }
                    Action::VendorWithdrawals {
                        market: market.unwrap_or(EntityIdx::new(0)),
                        vendor: vendor.unwrap_or(EntityIdx::new(0)),
                        count,
                    }
                }
                RawAction::Hops { from, hops, amount } => Action::Hops {
                    from: resolve_from(self, &from),
                    hops: self.count(hops as u64, 1, 100, &ap("hops"), "the number of hops"),
                    amount: self.amount(amount, &ap("amount")),
                },
                RawAction::PeelChain { from, peels, to, peel_fraction, amount } => {
                    let from = resolve_from(self, &from);
                    if to.is_empty() {
                        self.err(&ap("to"), "`to` is empty: name the exchanges the peels go to");
                    }
                    let mut dest = Vec::new();
                    for (j, x) in to.iter().enumerate() {
                        let path =
                            [Seg::Field("story"), Seg::Index(i), Seg::Field("action"), Seg::Field("to"), Seg::Index(j)];
                        if let Some(k) = self.entity_ref(x, ents, &["Exchange"], &path) {
                            dest.push(k);
                        }
                    }
                    if !(peel_fraction.0 > 0.0 && peel_fraction.0 <= peel_fraction.1 && peel_fraction.1 < 1.0) {
                        self.err(
                            &ap("peel_fraction"),
                            "peel_fraction is (smallest, largest) share peeled each time, above 0 and below 1",
                        );
                    }
                    Action::PeelChain {
                        from,
                        peels: self.count(peels as u64, 1, 500, &ap("peels"), "the number of peels"),
                        to: dest,
                        peel_fraction: (
                            peel_fraction.0.clamp(0.001, 0.99),
                            peel_fraction.1.clamp(peel_fraction.0.clamp(0.001, 0.99), 0.99),
                        ),
                        amount: self.amount(amount, &ap("amount")),
                    }
                }
                RawAction::FanOut { from, outputs, amount } => Action::FanOut {
                    from: resolve_from(self, &from),
                    outputs: self.count(outputs as u64, 2, 500, &ap("outputs"), "the number of outputs"),
                    amount: self.amount(amount, &ap("amount")),
                },
                RawAction::FanIn { from, amount } => {
                    Action::FanIn { from: resolve_from(self, &from), amount: self.amount(amount, &ap("amount")) }
                }
                RawAction::ScatterGather { from, width, hops, amount } => Action::ScatterGather {
                    from: resolve_from(self, &from),
                    width: self.count(width as u64, 2, 100, &ap("width"), "the width"),
                    hops: self.count(hops as u64, 0, 20, &ap("hops"), "the number of hops per branch"),
                    amount: self.amount(amount, &ap("amount")),
                },
                RawAction::Mix { from, mixer, amount } => Action::Mix {
                    from: resolve_from(self, &from),
                    mixer: e(self, &mixer, &["Mixer"], "mixer").unwrap_or(EntityIdx::new(0)),
                    amount: self.amount(amount, &ap("amount")),
                },
                RawAction::CoinJoin { from, coordinator, amount } => Action::CoinJoin {
                    from: resolve_from(self, &from),
                    coordinator: e(self, &coordinator, &["CoinJoin"], "coordinator").unwrap_or(EntityIdx::new(0)),
                    amount: self.amount(amount, &ap("amount")),
                },
                RawAction::CashOut { from, exchange, deposits, amount } => Action::CashOut {
                    from: resolve_from(self, &from),
                    exchange: e(self, &exchange, &["Exchange"], "exchange").unwrap_or(EntityIdx::new(0)),
                    deposits: self.count(deposits as u64, 1, 100, &ap("deposits"), "the number of deposits"),
                    amount: self.amount(amount, &ap("amount")),
                },
                RawAction::OtcCashOut { from, otc, payments, amount } => Action::OtcCashOut {
                    from: resolve_from(self, &from),
                    otc: e(self, &otc, &["Otc"], "otc").unwrap_or(EntityIdx::new(0)),
                    payments: self.count(payments as u64, 1, 100, &ap("payments"), "the number of payments"),
                    amount: self.amount(amount, &ap("amount")),
                },
            };
            // Who holds what this step produces.
            let holder = match &action {
                Action::Purchases { market, .. } => *market,
                Action::VendorWithdrawals { vendor, .. } => *vendor,
                a => {
                    let holders: Vec<EntityIdx> = a.sources().iter().map(|&k| out[k].holder).collect();
                    if let Some(&h) = holders.first() {
                        if let Some(&other) = holders.iter().find(|&&x| x != h) {
                            self.err(
                                &ap("from"),
                                format!(
                                    "the sources are held by \"{}\" and by \"{}\"; one step moves one holder's funds",
                                    ents.get(h.index()).map_or("?", |e| &e.id),
                                    ents.get(other.index()).map_or("?", |e| &e.id)
                                ),
                            );
                        }
                        h
                    } else {
                        EntityIdx::new(0)
                    }
                }
            };
            // Bounds: the most BTC this step can receive and pass on.
            let commission = |m: EntityIdx| match ents.get(m.index()).map(|e| &e.kind) {
                Some(EntityKind::Market(k)) => k.commission,
                _ => 0.0,
            };
            let available: f64 =
                action.sources().iter().map(|&k| (most[k.index()] - claimed[k.index()]).max(0.0)).sum();
            let moved = match &action {
                Action::Purchases { market, orders, usd, .. } => *orders as f64 * usd.1 / price_lo * (1.0 - commission(*market)),
                Action::VendorWithdrawals { market, vendor, .. } => out
                    .iter()
                    .zip(&most)
                    .filter(|(st, _)| matches!(st.action, Action::Purchases { market: m, vendor: v, .. } if m == *market && v == *vendor))
                    .map(|(_, b)| *b)
                    .sum(),
                a => {
                    let (wanted, fixed) = match a.amount() {
                        Amount::All => (available, None),
                        Amount::Fraction(f) => (available * f, None),
                        Amount::Sat(s) => (s as f64 / 1e8, Some(s as f64 / 1e8)),
                        Amount::Usd(u) => (u / price_lo, Some(u / price_hi)),
                    };
                    if let Some(need) = fixed {
                        if need > available * 1.000_001 {
                            let src: Vec<String> = a.sources().iter().map(|&k| format!("\"{}\"", out[k].id)).collect();
                            self.err(
                                &ap("amount"),
                                format!(
                                    "\"{}\" asks to move {need:.8} BTC, but at most {available:.8} BTC can have reached {} from {}",
                                    s.id,
                                    ents.get(holder.index()).map_or("?", |e| e.id.as_str()),
                                    src.join(", ")
                                ),
                            );
                        }
                        // Claim it from the sources in order.
                        let mut left = need;
                        for &k in a.sources() {
                            let take = left.min((most[k.index()] - claimed[k.index()]).max(0.0));
                            claimed[k.index()] += take;
                            left -= take;
                        }
                    }
                    let wanted = wanted.min(available);
                    match a {
                        Action::Mix { mixer, .. } => match ents.get(mixer.index()).map(|e| &e.kind) {
                            Some(EntityKind::Mixer(m)) => wanted * (1.0 - m.fee),
                            _ => wanted,
                        },
                        _ => wanted,
                    }
                }
            };
            out.push(Step { id: s.id, window: (w0, w1), action, holder, loc: self.at(p!["story", i]) });
            most.push(moved);
            claimed.push(0.0);
        }
        out
    }
}
