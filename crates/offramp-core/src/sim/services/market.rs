//! Markets: orders funded ahead and paid into fresh deposit addresses, sweeps, escrow, and
//! the daily payouts to the vendors outside the story.

use super::*;
use crate::scenario::AddrRole;
use crate::sim::engine::{Inputs, Pay, Rest, Spec};
use crate::sim::sat::{self, MAX_MONEY};
use crate::truth::{Activity, Operation, Purpose};

impl Sim<'_> {
    pub fn market(&self, m: EntityIdx) -> &MarketRt {
        match &self.rt[m.index()] {
            Rt::Market(r) => r,
            _ => panic!("entity {} is not a market", m.index()),
        }
    }

    pub fn market_mut(&mut self, m: EntityIdx) -> &mut MarketRt {
        match &mut self.rt[m.index()] {
            Rt::Market(r) => r,
            _ => panic!("entity {} is not a market", m.index()),
        }
    }

    pub fn market_sweep(&mut self, m: EntityIdx) {
        let k = self.e.index(2);
        let r = self.market(m);
        let (deposits, hot, addr) = (r.deposits, r.hot, r.hot_addrs[k]);
        self.sweep(deposits, hot, addr, Purpose::Service(Operation::DepositSweep));
        if let EntityKind::Market(k) = &self.e.sc.entities[m].kind {
            let next = self.e.now + k.sweep_every + self.e.between(-300, 300);
            self.e.schedule(next, Ev::MarketSweep(m));
        }
    }

    /// Another vendor's sale: a buyer is funded now and pays later.
    pub fn market_other_order(&mut self, m: EntityIdx) {
        let EntityKind::Market(k) = &self.e.sc.entities[m].kind else {
            return;
        };
        let (rate, buyers) = (k.other_orders_per_day, k.other_buyers);
        let u: f64 = self.e.uniform(1e-9, 1.0);
        let next = self.e.now + ((-u.ln()) * DAY as f64 / rate.max(1e-6)) as i64 + 1;
        self.e.schedule(next, Ev::MarketOtherOrder(m));
        let Some(b) = buyers else { return };
        let n = self.members(b).len();
        if n == 0 {
            return;
        }
        let k = self.e.index(n);
        let buyer = self.members(b)[k];
        let (lo, hi) = crate::scenario::MARKET_OTHER_ORDER_USD;
        let usd = self.e.log_uniform(lo, hi).round();
        let funded_by = match &self.e.sc.entities[b].kind {
            EntityKind::Buyers(bb) => bb.funded_by,
            _ => None,
        };
        let time = self.e.now + self.e.between(6 * 3600, 40 * 3600);
        self.orders.push(Order { step: None, market: m, vendor: None, buyer, funded_by, time, usd, paid: false });
        let o = self.orders.len() as u32 - 1;
        self.e.schedule(self.e.now, Ev::Funding { order: o });
        self.e.schedule(time, Ev::Order { order: o });
    }

    /// Once a day: the market pays its other vendors what left escrow.
    pub fn market_other_payouts(&mut self, m: EntityIdx) {
        let now = self.e.now;
        let next = now + DAY + self.e.between(-3600, 3600);
        self.e.schedule(next, Ev::MarketPayouts(m));
        let released: Option<u64> = {
            let r = self.market_mut(m);
            let mut sum = Some(0);
            r.escrow.retain(|(t, v, amount)| {
                if v.is_none() && *t <= now {
                    sum = sum.and_then(|s| sat::add(s, *amount));
                    false
                } else {
                    true
                }
            });
            r.other_owed = sum.and_then(|s| sat::add(r.other_owed, s)).unwrap_or(MAX_MONEY);
            sum.map(|_| r.other_owed)
        };
        let Some(released) = released else {
            self.e.out_of_range("what a market owes its other vendors");
            return;
        };
        if released < 500_000 {
            return;
        }
        let r = self.market(m);
        let vendors = r.other_vendors.clone();
        let (hot, haddr) = (r.hot, r.hot_addrs[0]);
        let n = 1 + self.e.index(4.min(vendors.len()));
        let parts = self.e.split(released, n, 100_000);
        let mut pays = Vec::new();
        for part in parts {
            let w = vendors[self.e.index(vendors.len())];
            let addr = self.e.receive_addr(w, AddrRole::Payout);
            pays.push(Pay { wallet: w, addr, value: part, flow: false });
        }
        let spec = Spec {
            from: hot,
            inputs: Inputs::Select,
            pays,
            rest: Rest::To { wallet: hot, addr: haddr, flow: false },
            purpose: Purpose::Service(Operation::VendorPayouts),
        };
        if self.e.transact(spec).is_ok() {
            self.market_mut(m).other_owed = 0;
        }
    }

    /// Funds a buyer ahead of an order: a withdrawal from an exchange, a P2P sale by an OTC
    /// trader, or nothing for a buyer who started with coins.
    pub fn fund_order(&mut self, o: u32) -> Result<(), GenerateError> {
        let ord = self.orders[o as usize].clone();
        let Some(funder) = ord.funded_by else {
            return Ok(());
        };
        let usd = (ord.usd * self.e.uniform(1.05, 1.6) / 10.0).ceil() * 10.0;
        let Some(value) = self.e.prices.sats_for_usd(usd, ord.time).and_then(|v| sat::add(v, 20_000)) else {
            let price = self.e.prices.at(ord.time);
            self.e.out_of_range(format!("the coins a buyer needs for an order of ${usd:.0} at ${price} a bitcoin"));
            return Ok(());
        };
        let addr = self.e.receive_addr(ord.buyer, AddrRole::Receive);
        let pay = Pay { wallet: ord.buyer, addr, value, flow: false };
        match &self.e.sc.entities[funder].kind {
            EntityKind::Exchange(_) => self.request_withdrawal(funder, pay),
            EntityKind::Otc(_) => {
                let Rt::Otc(r) = &self.rt[funder.index()] else {
                    return Ok(());
                };
                let spec = Spec {
                    from: r.wallet,
                    inputs: Inputs::Select,
                    pays: vec![pay],
                    rest: Rest::Change { flow: false },
                    purpose: Purpose::Service(Operation::OtcSale),
                };
                if self.e.transact(spec).is_err() && ord.step.is_some() {
                    let ent = &self.e.sc.entities[funder];
                    return Err(self.e.fail(
                        ent.loc,
                        format!("OTC trader \"{}\" ran out of coins to sell to buyers; raise its float_btc", ent.id),
                    ));
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// A buyer pays an order into a fresh deposit address of the market.
    pub fn pay_order(&mut self, o: u32) -> Result<(), GenerateError> {
        let ord = self.orders[o as usize].clone();
        let sc = self.e.sc;
        let Some(value) = self.e.prices.sats_for_usd(ord.usd, self.e.now) else {
            let price = self.e.prices.at(self.e.now);
            self.e.out_of_range(format!("an order of ${:.0} at ${price} a bitcoin", ord.usd));
            return Ok(());
        };
        let deposits = self.market(ord.market).deposits;
        let addr = self.e.fresh_addr(deposits, AddrRole::Deposit);
        let story = ord.step.is_some();
        let purpose = ord.step.map_or(Purpose::Background(Activity::MarketOrder), Purpose::Story);
        let spec = Spec {
            from: ord.buyer,
            inputs: Inputs::Select,
            pays: vec![Pay { wallet: deposits, addr, value, flow: story }],
            rest: Rest::Change { flow: false },
            purpose,
        };
        if self.e.transact(spec).is_err() {
            // The funding has not arrived yet: try again in an hour, for a while.
            if self.e.now - ord.time < 3 * DAY {
                self.e.schedule(self.e.now + 3600, Ev::Order { order: o });
                return Ok(());
            }
            let Some(step) = ord.step else {
                return Ok(());
            };
            let step = &sc.story[step];
            return Err(self.e.fail(
                step.loc,
                format!(
                    "a buyer of step \"{}\" could not pay an order of ${:.0}: its funding never arrived",
                    step.id, ord.usd
                ),
            ));
        }
        self.orders[o as usize].paid = true;
        let EntityKind::Market(mk) = &sc.entities[ord.market].kind else {
            return Ok(());
        };
        let share = self.e.sats(value as f64 * (1.0 - mk.commission), "a vendor's share of an order");
        let release = self.e.now + mk.escrow;
        self.market_mut(ord.market).escrow.push((release, ord.vendor, share));
        if let Some(step) = ord.step {
            self.steps[step].done += 1;
        }
        Ok(())
    }
}
