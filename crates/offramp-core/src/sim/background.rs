//! Ordinary life on the chain: payments between people, exchange deposits and withdrawals,
//! consolidations, bets, CoinJoins and mixes, so that the story is not alone.

use super::engine::{Inputs, Pay, Rest, Spec, WalletId};
use super::services::round_btc;
use super::*;
use crate::scenario::AddrRole;
use crate::truth::{Activity, Purpose};

/// Round amounts people send, in BTC.
const ROUND_BTC: [f64; 10] = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0];
/// Round amounts people send, in US dollars.
const ROUND_USD: [f64; 9] = [10.0, 20.0, 25.0, 50.0, 100.0, 200.0, 250.0, 500.0, 1000.0];

#[derive(Clone, Copy)]
enum Kind {
    Payment,
    Deposit,
    Withdrawal,
    Consolidation,
    Gambling,
    CoinJoin,
    Mixer,
}

impl Sim<'_> {
    pub fn schedule_background(&mut self, from: i64) {
        let Some(b) = &self.e.sc.background else {
            return;
        };
        if b.tx_per_day <= 0.0 {
            return;
        }
        let u: f64 = self.e.uniform(1e-12, 1.0);
        let gap = (-u.ln() * DAY as f64 / b.tx_per_day).max(0.0) as i64;
        self.e.schedule(from + gap, Ev::Background);
    }

    /// One background transaction (or, for withdrawals, a request an exchange batches later).
    pub fn background(&mut self) {
        let now = self.e.now;
        self.schedule_background(now);
        let Some(b) = &self.e.sc.background else {
            return;
        };
        let m = &b.mix;
        let weights = [
            (Kind::Payment, m.payments),
            (Kind::Deposit, m.exchange_deposits),
            (Kind::Withdrawal, m.exchange_withdrawals),
            (Kind::Consolidation, m.consolidations),
            (Kind::Gambling, m.gambling),
            (Kind::CoinJoin, m.coinjoins),
            (Kind::Mixer, m.mixer),
        ];
        let total: f64 = weights.iter().map(|w| w.1).sum();
        let mut x = self.e.uniform(0.0, total);
        let mut kind = Kind::Payment;
        for (k, w) in weights {
            if x < w {
                kind = k;
                break;
            }
            x -= w;
        }
        let users = b.users;
        // Anything that cannot be done now (nobody with coins, a service short) falls back
        // to a payment, and otherwise is skipped: ordinary life never fails a scenario.
        let done = match kind {
            Kind::Payment => false,
            Kind::Deposit => self.bg_deposit(users),
            Kind::Withdrawal => self.bg_withdrawal(users),
            Kind::Consolidation => self.bg_consolidation(users),
            Kind::Gambling => self.bg_gambling(users),
            Kind::CoinJoin => self.bg_coinjoin(users),
            Kind::Mixer => self.bg_mixer(users),
        };
        if !done {
            self.bg_payment(users);
        }
    }

    /// A member with at least `min` spendable satoshis, if one turns up in a few tries.
    fn someone_with(&mut self, users: EntityIdx, min: u64) -> Option<WalletId> {
        let n = self.members(users).len();
        if n == 0 {
            return None;
        }
        for _ in 0..12 {
            let k = self.e.index(n);
            let w = self.members(users)[k];
            if self.e.balance(w) >= min && self.e.spendable(w) >= min {
                return Some(w);
            }
        }
        None
    }

    /// An amount a person would choose, at most `max`.
    fn everyday_amount(&mut self, max: u64) -> Option<u64> {
        let v = if self.e.chance(0.5) {
            let options: Vec<u64> = ROUND_BTC.iter().map(|b| (b * 1e8) as u64).filter(|v| *v <= max).collect();
            *options.get(self.e.index(options.len().max(1)))?
        } else {
            let now = self.e.now;
            // A dollar amount that is no amount of money at this price is no option.
            let options: Vec<u64> =
                ROUND_USD.iter().filter_map(|u| self.e.prices.sats_for_usd(*u, now)).filter(|v| *v <= max).collect();
            *options.get(self.e.index(options.len().max(1)))?
        };
        (v >= 20_000).then_some(v)
    }

    fn bg_payment(&mut self, users: EntityIdx) -> bool {
        let Some(from) = self.someone_with(users, 60_000) else {
            return false;
        };
        let n = self.members(users).len();
        let k = self.e.index(n);
        let to = self.members(users)[k];
        if to == from {
            return false;
        }
        let max = self.e.spendable(from).checked_mul(3).map_or(0, |x| x / 5);
        let Some(value) = self.everyday_amount(max) else {
            return false;
        };
        let addr = self.e.receive_addr(to, AddrRole::Receive);
        let spec = Spec {
            from,
            inputs: Inputs::Select,
            pays: vec![Pay { wallet: to, addr, value, flow: false }],
            rest: Rest::Change { flow: false },
            purpose: Purpose::Background(Activity::Payment),
        };
        self.e.transact(spec).is_ok()
    }

    fn pick_exchange(&mut self) -> Option<EntityIdx> {
        let sc = self.e.sc;
        let xs: Vec<(EntityIdx, f64)> = sc
            .entities
            .iter()
            .enumerate()
            .filter_map(|(i, e)| match &e.kind {
                EntityKind::Exchange(x) => Some((EntityIdx::new(i), x.market_share)),
                _ => None,
            })
            .collect();
        let total: f64 = xs.iter().map(|x| x.1).sum();
        let mut r = self.e.uniform(0.0, total);
        for (i, s) in &xs {
            if r < *s {
                return Some(*i);
            }
            r -= s;
        }
        xs.last().map(|x| x.0)
    }

    fn bg_deposit(&mut self, users: EntityIdx) -> bool {
        let Some(x) = self.pick_exchange() else {
            return false;
        };
        let Some(from) = self.someone_with(users, 100_000) else {
            return false;
        };
        let member = self.e.wallets[from].member;
        let acct = self.account(x, users, member);
        let fresh = self.e.chance(0.15);
        let addr = self.deposit_addr(acct, fresh);
        let deposits = self.exchange(x).deposits;
        let spend = self.e.spendable(from);
        let spec = if self.e.chance(0.3) {
            Spec {
                from,
                inputs: Inputs::All,
                pays: vec![],
                rest: Rest::To { wallet: deposits, addr, flow: false },
                purpose: Purpose::Background(Activity::ExchangeDeposit),
            }
        } else {
            let share = self.e.uniform(0.3, 0.9);
            let value = round_btc(self.e.sats(spend as f64 * share, "an exchange deposit"));
            Spec {
                from,
                inputs: Inputs::Select,
                pays: vec![Pay { wallet: deposits, addr, value, flow: false }],
                rest: Rest::Change { flow: false },
                purpose: Purpose::Background(Activity::ExchangeDeposit),
            }
        };
        self.e.transact(spec).is_ok()
    }

    fn bg_withdrawal(&mut self, users: EntityIdx) -> bool {
        let Some(x) = self.pick_exchange() else {
            return false;
        };
        let n = self.members(users).len();
        if n == 0 {
            return false;
        }
        let k = self.e.index(n);
        let to = self.members(users)[k];
        let r = self.exchange(x);
        let reserves = self.e.spendable(r.hot) + self.e.spendable(r.cold);
        let Some(value) = self.everyday_amount(reserves / 50) else {
            return false;
        };
        let addr = self.e.receive_addr(to, AddrRole::Receive);
        self.request_withdrawal(x, Pay { wallet: to, addr, value, flow: false });
        true
    }

    fn bg_consolidation(&mut self, users: EntityIdx) -> bool {
        let n = self.members(users).len();
        for _ in 0..12 {
            if n == 0 {
                break;
            }
            let k = self.e.index(n);
            let w = self.members(users)[k];
            if self.e.wallets[w].utxos.len() >= 3 && self.e.spendable(w) > 100_000 {
                let addr = self.e.fresh_addr(w, AddrRole::Receive);
                self.e.wallets[w].receive.push(addr);
                let spec = Spec {
                    from: w,
                    inputs: Inputs::All,
                    pays: vec![],
                    rest: Rest::To { wallet: w, addr, flow: false },
                    purpose: Purpose::Background(Activity::Consolidation),
                };
                return self.e.transact(spec).is_ok();
            }
        }
        false
    }

    fn bg_gambling(&mut self, users: EntityIdx) -> bool {
        let sc = self.e.sc;
        let Some(g) = sc.entities.iter().position(|e| matches!(e.kind, EntityKind::Gambling(_))).map(EntityIdx::new)
        else {
            return false;
        };
        let Some(from) = self.someone_with(users, 100_000) else {
            return false;
        };
        let max = self.e.spendable(from) / 3;
        let Some(value) = self.everyday_amount(max) else {
            return false;
        };
        let Rt::Gambling(r) = &self.rt[g.index()] else {
            return false;
        };
        let deposits = r.deposits;
        let addr = match r.addr_of.get(&from) {
            Some(a) => *a,
            None => {
                let a = self.e.fresh_addr(deposits, AddrRole::Deposit);
                if let Rt::Gambling(r) = &mut self.rt[g.index()] {
                    r.addr_of.insert(from, a);
                }
                a
            }
        };
        let spec = Spec {
            from,
            inputs: Inputs::Select,
            pays: vec![Pay { wallet: deposits, addr, value, flow: false }],
            rest: Rest::Change { flow: false },
            purpose: Purpose::Background(Activity::GamblingDeposit),
        };
        if self.e.transact(spec).is_err() {
            return false;
        }
        let edge = match &sc.entities[g].kind {
            EntityKind::Gambling(k) => k.house_edge,
            _ => 0.02,
        };
        if self.e.chance(0.48 - edge) {
            let odds = self.e.uniform(1.5, 2.5);
            let win = self.e.sats(value as f64 * odds, "a casino win");
            let at = self.e.now + self.e.between(600, 4 * 3600);
            self.e.schedule(at, Ev::GamblingPayout { entity: g, wallet: from, value: win });
        }
        true
    }

    fn bg_coinjoin(&mut self, users: EntityIdx) -> bool {
        let sc = self.e.sc;
        let Some(c) = sc.entities.iter().position(|e| matches!(e.kind, EntityKind::CoinJoin(_))).map(EntityIdx::new)
        else {
            return false;
        };
        let EntityKind::CoinJoin(cj) = &sc.entities[c].kind else {
            return false;
        };
        let Some(w) = self.someone_with(users, cj.denomination_sat.checked_mul(6).map_or(u64::MAX, |x| x / 5)) else {
            return false;
        };
        if let Rt::CoinJoin(r) = &mut self.rt[c.index()]
            && !r.users.contains(&w)
        {
            r.users.push(w);
        }
        // Registering makes no transaction now; the round will.
        false
    }

    fn bg_mixer(&mut self, users: EntityIdx) -> bool {
        let sc = self.e.sc;
        let Some(m) = sc.entities.iter().position(|e| matches!(e.kind, EntityKind::Mixer(_))).map(EntityIdx::new)
        else {
            return false;
        };
        let Some(from) = self.someone_with(users, 500_000) else {
            return false;
        };
        let Rt::Mixer(r) = &self.rt[m.index()] else {
            return false;
        };
        let deposits = r.deposits;
        let addr = self.e.fresh_addr(deposits, AddrRole::Deposit);
        let value = round_btc(self.e.spendable(from) / 2);
        let spec = Spec {
            from,
            inputs: Inputs::Select,
            pays: vec![Pay { wallet: deposits, addr, value, flow: false }],
            rest: Rest::Change { flow: false },
            purpose: Purpose::Background(Activity::MixerDeposit),
        };
        if self.e.transact(spec).is_err() {
            return false;
        }
        self.mixer_accept(m, None, from, value);
        true
    }
}
