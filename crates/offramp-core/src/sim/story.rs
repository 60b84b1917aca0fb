//! The story: each step's actions, at their times, moving the launderer's funds.

use super::engine::{Inputs, Pay, Rest, Spec, Utxo, WalletId, value_of};
use super::sat::{self, MAX_MONEY};
use super::services::round_btc;
use super::*;
use crate::ledger::{AddrIdx, OutIdx, TxIdx};
use crate::scenario::{Action, AddrRole, Amount, StepIdx};
use crate::truth::{CashOut, Purpose};

impl Sim<'_> {
    /// Plans every step: its orders or actions at times in its window, and the wallet that
    /// will hold what it produces.
    pub fn schedule_story(&mut self) {
        let sc = self.e.sc;
        let start = sc.meta.start;
        for (i, step) in sc.story.iter().enumerate() {
            let k = StepIdx::new(i);
            let (a, b) = (start + step.window.0, start + step.window.1);
            let actions: u32 = match &step.action {
                Action::Purchases { market, vendor, buyers, orders, usd } => {
                    let members = self.members(*buyers).to_vec();
                    let funded_by = match &sc.entities[*buyers].kind {
                        EntityKind::Buyers(bb) => bb.funded_by,
                        _ => None,
                    };
                    for t in self.e.times_in(a, b, *orders as usize) {
                        let buyer = members[self.e.index(members.len())];
                        let usd = self.e.log_uniform(usd.0, usd.1).round().max(1.0);
                        self.orders.push(Order {
                            step: Some(k),
                            market: *market,
                            vendor: Some(*vendor),
                            buyer,
                            funded_by,
                            time: t,
                            usd,
                            paid: false,
                        });
                        let o = self.orders.len() as u32 - 1;
                        let fund_at = (t - self.e.between(4 * 3600, 36 * 3600)).max(start);
                        self.e.schedule(fund_at, Ev::Funding { order: o });
                        self.e.schedule(t.max(fund_at + 7200), Ev::Order { order: o });
                    }
                    self.steps[i].actions = *orders;
                    continue;
                }
                Action::VendorWithdrawals { count, .. } => *count,
                Action::Hops { hops, .. } => *hops,
                Action::PeelChain { peels, .. } => 1 + *peels,
                Action::FanOut { .. } | Action::FanIn { .. } | Action::Mix { .. } | Action::CoinJoin { .. } => 1,
                Action::ScatterGather { width, hops, .. } => 2 + width * hops,
                Action::CashOut { deposits, .. } => *deposits,
                Action::OtcCashOut { payments, .. } => *payments,
            };
            self.steps[i].actions = actions;
            let profile = self.entity_profile(step.holder);
            self.steps[i].lot = Some(self.e.new_wallet(step.holder, None, profile));
            for (n, t) in self.e.times_in(a, b, actions as usize).into_iter().enumerate() {
                self.e.schedule(t, Ev::Story { step: k, action: n as u32 });
            }
        }
    }

    fn defer(&mut self, step: StepIdx, action: u32) {
        self.steps[step].deferrals += 1;
        let later = self.e.now + self.e.between(3600, 3 * 3600);
        self.e.schedule(later, Ev::Story { step, action });
    }

    fn sources(&self, step: StepIdx) -> Vec<WalletId> {
        self.e.sc.story[step]
            .action
            .sources()
            .iter()
            .map(|&k| self.steps[k.index()].lot.expect("validation: a step's funds come from a step with a lot"))
            .collect()
    }

    fn available(&mut self, step: StepIdx) -> u64 {
        match sat::sum(self.sources(step).iter().map(|&w| self.e.spendable(w))) {
            Some(v) => v,
            None => {
                self.e.out_of_range("the coins a step's sources hold");
                0
            }
        }
    }

    /// Takes coins out of a step's sources: all of them, or enough for `value` and its fee.
    fn gather(&mut self, step: StepIdx, value: Option<u64>) -> Vec<Utxo> {
        let mut coins = Vec::new();
        // Past all the money there is means: everything.
        let mut left = value.map(|v| sat::add(v, 60_000).unwrap_or(MAX_MONEY));
        for w in self.sources(step) {
            match left {
                None => coins.extend(self.e.take_all(w)),
                Some(0) => break,
                Some(l) => {
                    let got = self.e.take_value(w, l);
                    let sum = value_of(&got).unwrap_or(MAX_MONEY);
                    left = Some(l.saturating_sub(sum));
                    coins.extend(got);
                }
            }
        }
        coins
    }

    /// Fixes how much a step moves, when its first action runs.
    fn target(&mut self, step: StepIdx) -> Result<Option<u64>, GenerateError> {
        let sc = self.e.sc;
        let avail = self.available(step);
        let t = match sc.story[step].action.amount() {
            Amount::All => None,
            Amount::Fraction(f) => Some(self.e.sats(avail as f64 * f, "a fraction of a step's funds")),
            Amount::Sat(s) => Some(s),
            Amount::Usd(u) => match self.e.prices.sats_for_usd(u, self.e.now) {
                Some(v) => Some(v),
                None => {
                    let st = &sc.story[step];
                    let price = self.e.prices.at(self.e.now);
                    return Err(self.e.fail(
                        st.loc,
                        format!(
                            "step \"{}\" moves ${u}, which at ${price} a bitcoin is more than the 21,000,000 BTC there can be",
                            st.id
                        ),
                    ));
                }
            },
        };
        if avail == 0 || t.is_some_and(|x| sat::add(x, 20_000).is_none_or(|need| need > avail)) {
            let st = &sc.story[step];
            let src: Vec<String> = st.action.sources().iter().map(|&k| format!("\"{}\"", sc.story[k].id)).collect();
            return Err(self.e.fail(
                st.loc,
                format!(
                    "step \"{}\" moves {} but only {:.8} BTC reached \"{}\" from {} by {}",
                    st.id,
                    t.map_or("everything".to_string(), |x| format!("{:.8} BTC", x as f64 / 1e8)),
                    avail as f64 / 1e8,
                    sc.entities[st.holder].id,
                    src.join(", "),
                    crate::time::format_instant(self.e.now)
                ),
            ));
        }
        self.steps[step].target = t;
        Ok(t)
    }

    /// Sends `value` (or everything, for `None`) of the step's sources to `to`; change stays
    /// with the sources. Returns the transaction.
    fn send_from_sources(
        &mut self,
        step: StepIdx,
        value: Option<u64>,
        to: (WalletId, AddrIdx),
    ) -> Result<TxIdx, GenerateError> {
        let from = self.sources(step)[0];
        let coins = self.gather(step, value);
        let spec = match value {
            None => Spec {
                from,
                inputs: Inputs::Given(coins),
                pays: vec![],
                rest: Rest::To { wallet: to.0, addr: to.1, flow: true },
                purpose: Purpose::Story(step),
            },
            Some(v) => Spec {
                from,
                inputs: Inputs::Given(coins),
                pays: vec![Pay { wallet: to.0, addr: to.1, value: v, flow: true }],
                rest: Rest::Change { flow: true },
                purpose: Purpose::Story(step),
            },
        };
        self.e.transact(spec).map_err(|s| self.short(step, s.have, s.need))
    }

    fn short(&self, step: StepIdx, have: u64, need: u64) -> GenerateError {
        let st = &self.e.sc.story[step];
        self.e.fail(
            st.loc,
            format!(
                "step \"{}\" needed {:.8} BTC with fees but had {:.8} BTC",
                st.id,
                need as f64 / 1e8,
                have as f64 / 1e8
            ),
        )
    }

    /// Sweeps a wallet of the step into a fresh address of another (or the same) wallet.
    fn hop(&mut self, step: StepIdx, from: WalletId, to: WalletId) -> Result<TxIdx, GenerateError> {
        let coins = self.e.take_all(from);
        let addr = self.e.fresh_addr(to, AddrRole::Hop);
        let spec = Spec {
            from,
            inputs: Inputs::Given(coins),
            pays: vec![],
            rest: Rest::To { wallet: to, addr, flow: true },
            purpose: Purpose::Story(step),
        };
        self.e.transact(spec).map_err(|s| self.short(step, s.have, s.need))
    }

    /// The output of transaction `tx` paying `addr`, if it has one.
    fn output_to(&self, tx: TxIdx, addr: AddrIdx) -> Option<OutIdx> {
        let r = &self.e.chain.txs[tx];
        r.outputs().find(|&o| self.e.chain.outputs[o].addr() == Some(addr))
    }

    fn cash_out(&mut self, step: StepIdx, service: EntityIdx, tx: TxIdx, addr: AddrIdx) {
        let Some(out) = self.output_to(tx, addr) else {
            return;
        };
        let value = self.e.chain.outputs[out].value;
        let now = self.e.now;
        self.e.truth.cashouts.push(CashOut {
            step,
            holder: self.e.sc.story[step].holder,
            service,
            output: out,
            value,
            time: now,
            usd: self.e.prices.usd_for_sats(value, now),
        });
    }

    pub fn story_action(&mut self, step: StepIdx, action: u32) -> Result<(), GenerateError> {
        let sc = self.e.sc;
        let i = step;
        let st = &sc.story[i];
        // Wait for the steps whose funds this one moves, and for this step's earlier actions
        // (one that had to wait must not be overtaken by the next).
        if action != self.steps[i].done || st.action.sources().iter().any(|&k| !self.steps[k.index()].complete()) {
            self.defer(step, action);
            return Ok(());
        }
        // Purchases steps, the only ones without a lot, run as orders, never as story actions.
        let lot = self.steps[i].lot.expect("a step with story actions has a lot");
        let holder = st.holder;
        match &st.action {
            Action::Purchases { .. } => {}
            Action::VendorWithdrawals { market, vendor, count } => {
                let (m, v) = (*market, *vendor);
                let now = self.e.now;
                let last = action + 1 == *count;
                let sales_done = sc.story.iter().enumerate().all(|(k, s)| {
                    !matches!(s.action, Action::Purchases { market: mm, vendor: vv, .. } if mm == *market && vv == *vendor) || self.steps[k].complete()
                });
                let r = self.market(m);
                let released = sat::sum(r.escrow.iter().filter(|(t, vv, _)| *vv == Some(v) && *t <= now).map(|e| e.2));
                let held_back = r.escrow.iter().any(|(t, vv, _)| *vv == Some(v) && *t > now);
                let Some(released) = released else {
                    self.e.out_of_range("what a market owes its vendor");
                    return Ok(());
                };
                let owed = released.saturating_sub(*r.paid.get(&v).unwrap_or(&0));
                if owed < 100_000 && sales_done && !held_back {
                    // Everything was already withdrawn: this withdrawal has nothing to take.
                    self.steps[i].done += 1;
                    return Ok(());
                }
                if owed < 100_000 || (last && (!sales_done || held_back)) {
                    self.defer(step, action);
                    return Ok(());
                }
                let (hot, haddr) = (r.hot, r.hot_addrs[1]);
                if sat::add(owed, 1_000_000).is_none_or(|need| self.e.spendable(hot) < need) {
                    self.market_sweep_now(m);
                }
                let addr = self.e.receive_addr(lot, AddrRole::Payout);
                let spec = Spec {
                    from: hot,
                    inputs: Inputs::Select,
                    pays: vec![Pay { wallet: lot, addr, value: owed, flow: true }],
                    rest: Rest::To { wallet: hot, addr: haddr, flow: false },
                    purpose: Purpose::Story(step),
                };
                if self.e.transact(spec).is_err() {
                    let ent = &sc.entities[*market];
                    return Err(self.e.fail(
                        ent.loc,
                        format!("market \"{}\" cannot pay its vendor: its hot wallet ran dry; raise float_btc", ent.id),
                    ));
                }
                let paid = self.market(m).paid.get(&v).copied().unwrap_or(0);
                let paid = self.e.add(paid, owed, "what a market paid its vendor");
                self.market_mut(m).paid.insert(v, paid);
            }
            Action::Hops { .. } => {
                if action == 0 {
                    let t = self.target(i)?;
                    let addr = self.e.fresh_addr(lot, AddrRole::Hop);
                    self.send_from_sources(i, t, (lot, addr))?;
                } else {
                    self.hop(i, lot, lot)?;
                }
            }
            Action::FanIn { .. } => {
                let t = self.target(i)?;
                let addr = self.e.fresh_addr(lot, AddrRole::Hop);
                self.send_from_sources(i, t, (lot, addr))?;
            }
            Action::FanOut { outputs, .. } => {
                let t = self.target(i)?;
                self.fan_out(i, t, *outputs as usize, &vec![lot; *outputs as usize])?;
            }
            Action::ScatterGather { width, hops, .. } => {
                let w = *width as usize;
                if action == 0 {
                    let t = self.target(i)?;
                    let profile = self.entity_profile(st.holder);
                    let branches: Vec<WalletId> = (0..w).map(|_| self.e.new_wallet(holder, None, profile)).collect();
                    self.fan_out(i, t, w, &branches)?;
                    self.steps[i].branches = branches;
                } else if action <= width * hops {
                    let b = self.steps[i].branches[(action as usize - 1) % w];
                    self.hop(i, b, b)?;
                } else {
                    let mut coins = Vec::new();
                    for b in self.steps[i].branches.clone() {
                        coins.extend(self.e.take_all(b));
                    }
                    let addr = self.e.fresh_addr(lot, AddrRole::Hop);
                    let spec = Spec {
                        from: lot,
                        inputs: Inputs::Given(coins),
                        pays: vec![],
                        rest: Rest::To { wallet: lot, addr, flow: true },
                        purpose: Purpose::Story(step),
                    };
                    self.e.transact(spec).map_err(|s| self.short(i, s.have, s.need))?;
                }
            }
            Action::PeelChain { to, peel_fraction, .. } => {
                if action == 0 {
                    let t = self.target(i)?;
                    let addr = self.e.fresh_addr(lot, AddrRole::Hop);
                    self.send_from_sources(i, t, (lot, addr))?;
                } else {
                    let coins = self.e.take_all(lot);
                    let value = value_of(&coins).unwrap_or(MAX_MONEY);
                    let x = to[self.e.index(to.len())];
                    let acct = self.account(x, holder, None);
                    let fresh = self.e.chance(0.5);
                    let dep = self.deposit_addr(acct, fresh);
                    let deposits = self.exchange(x).deposits;
                    let frac = self.e.uniform(peel_fraction.0, peel_fraction.1);
                    let peel = round_btc(self.e.sats(value as f64 * frac, "a peel"));
                    let next = self.e.fresh_addr(lot, AddrRole::Hop);
                    let spec = Spec {
                        from: lot,
                        inputs: Inputs::Given(coins),
                        pays: vec![Pay { wallet: deposits, addr: dep, value: peel, flow: true }],
                        rest: Rest::To { wallet: lot, addr: next, flow: true },
                        purpose: Purpose::Story(step),
                    };
                    let tx = self.e.transact(spec).map_err(|s| self.short(i, s.have, s.need))?;
                    self.cash_out(i, x, tx, dep);
                }
            }
            Action::Mix { mixer, .. } => {
                let t = self.target(i)?;
                let Rt::Mixer(r) = &self.rt[mixer.index()] else {
                    return Ok(());
                };
                let deposits = r.deposits;
                let addr = self.e.fresh_addr(deposits, AddrRole::Deposit);
                let tx = self.send_from_sources(i, t, (deposits, addr))?;
                let out = self.output_to(tx, addr).expect("the deposit is an output of its transaction");
                let deposited = self.e.chain.outputs[out].value;
                self.mixer_accept(*mixer, Some(step), lot, deposited);
            }
            Action::CoinJoin { coordinator, .. } => {
                let t = self.target(i)?;
                let coins = match t {
                    None => self.gather(i, None),
                    Some(v) => {
                        // Make a coin of exactly the amount first, as wallets do before mixing.
                        let addr = self.e.fresh_addr(lot, AddrRole::Hop);
                        self.send_from_sources(i, Some(v), (lot, addr))?;
                        self.e.take_all(lot)
                    }
                };
                if let Rt::CoinJoin(r) = &mut self.rt[coordinator.index()] {
                    r.story.push((step, coins, lot));
                }
                self.steps[i].pending += 1;
            }
            Action::CashOut { exchange, deposits, .. } => {
                let x = *exchange;
                if action == 0 {
                    let t = self.target(i)?;
                    let total = t.unwrap_or(self.available(i));
                    self.steps[i].parts = self.e.split(total, *deposits as usize, 100_000);
                }
                let acct = self.account(x, holder, None);
                let addr = self.deposit_addr(acct, true);
                let wallet = self.exchange(x).deposits;
                let tx = self.deliver(i, action, (wallet, addr))?;
                self.cash_out(i, x, tx, addr);
            }
            Action::OtcCashOut { otc, payments, .. } => {
                let o = *otc;
                if action == 0 {
                    let t = self.target(i)?;
                    let total = t.unwrap_or(self.available(i));
                    self.steps[i].parts = self.e.split(total, *payments as usize, 100_000);
                }
                let Rt::Otc(r) = &self.rt[otc.index()] else {
                    return Ok(());
                };
                let w = r.wallet;
                let addr = self.e.receive_addr(w, AddrRole::Receive);
                let tx = self.deliver(i, action, (w, addr))?;
                self.cash_out(i, o, tx, addr);
                let value = self.e.truth.cashouts.last().map_or(0, |c| c.value);
                if let Rt::Otc(r) = &self.rt[otc.index()] {
                    let bought = self.e.add(r.bought, value, "what an OTC trader bought");
                    if let Rt::Otc(r) = &mut self.rt[otc.index()] {
                        r.bought = bought;
                    }
                }
            }
        }
        self.steps[i].done += 1;
        Ok(())
    }

    /// One part of a cash-out; the last part of an all-in cash-out sweeps what is left.
    fn deliver(&mut self, i: StepIdx, action: u32, to: (WalletId, AddrIdx)) -> Result<TxIdx, GenerateError> {
        let last = action + 1 == self.steps[i].actions;
        let value = if last && self.steps[i].target.is_none() {
            None
        } else {
            self.steps[i].parts.get(action as usize).copied()
        };
        let value = value.map(|v| v.min(self.available(i).saturating_sub(30_000)));
        self.send_from_sources(i, value, to)
    }

    /// One transaction from the step's sources into `n` outputs, one per wallet given.
    fn fan_out(
        &mut self,
        i: StepIdx,
        target: Option<u64>,
        n: usize,
        wallets: &[WalletId],
    ) -> Result<TxIdx, GenerateError> {
        let from = self.sources(i)[0];
        let coins = self.gather(i, target);
        let have = value_of(&coins).unwrap_or(MAX_MONEY);
        let total = target.unwrap_or(have);
        let parts = self.e.split(total, n, 20_000);
        let mut pays = Vec::new();
        let mut addrs = Vec::new();
        for (k, w) in wallets.iter().enumerate().take(parts.len()) {
            addrs.push((*w, self.e.fresh_addr(*w, AddrRole::Hop), parts[k]));
        }
        let (rest, fixed) = if target.is_none() {
            let (w, a, _) = addrs.pop().expect("at least one part");
            (Rest::To { wallet: w, addr: a, flow: true }, addrs)
        } else {
            (Rest::Change { flow: true }, addrs)
        };
        for (w, a, v) in fixed {
            pays.push(Pay { wallet: w, addr: a, value: v, flow: true });
        }
        let spec = Spec { from, inputs: Inputs::Given(coins), pays, rest, purpose: Purpose::Story(i) };
        self.e.transact(spec).map_err(|s| self.short(i, s.have, s.need))
    }

    fn market_sweep_now(&mut self, m: EntityIdx) {
        let r = self.market(m);
        let (deposits, hot, addr) = (r.deposits, r.hot, r.hot_addrs[0]);
        self.sweep(deposits, hot, addr, Purpose::Service(crate::truth::Operation::DepositSweep));
    }
}
