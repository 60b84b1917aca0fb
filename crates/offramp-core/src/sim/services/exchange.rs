//! Exchanges: customers' deposit addresses, deposit sweeps into the hot wallet, batched
//! withdrawals, and the hot wallet kept near its share of the reserves against cold storage.

use super::*;
use crate::scenario::AddrRole;
use crate::sim::engine::{Inputs, Pay, Rest, Spec};
use crate::sim::sat;
use crate::truth::{AccountIdx, Operation, Purpose};

/// Most payments in one withdrawal batch.
const BATCH_OUTPUTS: usize = 100;

impl Sim<'_> {
    pub fn exchange(&self, x: EntityIdx) -> &ExchangeRt {
        match &self.rt[x.index()] {
            Rt::Exchange(r) => r,
            _ => panic!("entity {} is not an exchange", x.index()),
        }
    }

    fn exchange_mut(&mut self, x: EntityIdx) -> &mut ExchangeRt {
        match &mut self.rt[x.index()] {
            Rt::Exchange(r) => r,
            _ => panic!("entity {} is not an exchange", x.index()),
        }
    }

    /// A deposit address of an exchange account: the last one issued, or a fresh one.
    pub fn deposit_addr(&mut self, account: AccountIdx, fresh: bool) -> AddrIdx {
        let acct = &self.e.truth.accounts[account];
        if !fresh && let Some(&a) = acct.addresses.last() {
            return a;
        }
        let service = acct.service;
        let deposits = self.exchange(service).deposits;
        let kind = self.e.profile_of(deposits).script;
        let a = self.e.fresh_addr_of(deposits, AddrRole::Deposit, kind, Some(account));
        self.e.truth.accounts[account].addresses.push(a);
        a
    }

    pub fn exchange_sweep(&mut self, x: EntityIdx) {
        let k = self.e.index(3);
        let r = self.exchange(x);
        let (deposits, hot, addr) = (r.deposits, r.hot, r.hot_addrs[k]);
        self.sweep(deposits, hot, addr, Purpose::Service(Operation::DepositSweep));
        if let EntityKind::Exchange(e) = &self.e.sc.entities[x].kind {
            let next = self.e.now + e.sweep_every + self.e.between(-600, 600);
            self.e.schedule(next, Ev::ExchangeSweep(x));
        }
    }

    /// Pays queued withdrawals from the hot wallet, refilling it from cold storage first if
    /// it must.
    pub fn exchange_batch(&mut self, x: EntityIdx) -> Result<(), GenerateError> {
        let every = match &self.e.sc.entities[x].kind {
            EntityKind::Exchange(e) => e.withdrawal_batch_every,
            _ => DAY,
        };
        let next = self.e.now + every;
        self.e.schedule(next, Ev::ExchangeBatch(x));
        let queue = std::mem::take(&mut self.exchange_mut(x).queue);
        if queue.is_empty() {
            return Ok(());
        }
        let Some(need) = sat::sum(queue.iter().map(|p| p.value)).and_then(|q| sat::add(q, 2_000_000)) else {
            self.e.out_of_range("the withdrawals an exchange owes");
            return Ok(());
        };
        let (hot, cold) = (self.exchange(x).hot, self.exchange(x).cold);
        if let Some(missing) = sat::sub(need, self.e.spendable(hot)) {
            let want = self.e.add(missing, self.e.spendable(cold) / 10, "a refill of a hot wallet");
            self.cold_to_hot(x, want.min(self.e.spendable(cold).saturating_sub(200_000)));
        }
        for chunk in queue.chunks(BATCH_OUTPUTS) {
            let k = self.e.index(3);
            let addr = self.exchange(x).hot_addrs[k];
            let spec = Spec {
                from: hot,
                inputs: Inputs::Select,
                pays: chunk.to_vec(),
                rest: Rest::To { wallet: hot, addr, flow: false },
                purpose: Purpose::Service(Operation::WithdrawalBatch),
            };
            if self.e.transact(spec).is_err() {
                let ent = &self.e.sc.entities[x];
                return Err(self.e.fail(
                    ent.loc,
                    format!(
                        "exchange \"{}\" ran out of coins for its customers' withdrawals on {}; raise its reserve_btc",
                        ent.id,
                        crate::time::format_instant(self.e.now)
                    ),
                ));
            }
        }
        Ok(())
    }

    fn cold_to_hot(&mut self, x: EntityIdx, value: u64) {
        if value < 100_000 {
            return;
        }
        let r = self.exchange(x);
        let (hot, cold, addr) = (r.hot, r.cold, r.hot_addrs[0]);
        let caddr = r.cold_addrs[1];
        let spec = Spec {
            from: cold,
            inputs: Inputs::Select,
            pays: vec![Pay { wallet: hot, addr, value, flow: false }],
            rest: Rest::To { wallet: cold, addr: caddr, flow: false },
            purpose: Purpose::Service(Operation::FromColdStorage),
        };
        let _ = self.e.transact(spec);
    }

    /// Once a day: keep the hot wallet near its share of the exchange's coins.
    pub fn exchange_rebalance(&mut self, x: EntityIdx) {
        let frac = match &self.e.sc.entities[x].kind {
            EntityKind::Exchange(e) => e.hot_fraction,
            _ => 0.2,
        };
        let r = self.exchange(x);
        let (hot, cold, caddr, haddr) = (r.hot, r.cold, r.cold_addrs[0], r.hot_addrs[1]);
        let (h, c) = (self.e.spendable(hot), self.e.spendable(cold));
        let both = self.e.add(h, c, "an exchange's reserves");
        let target = self.e.sats(both as f64 * frac, "an exchange's hot reserve");
        if h > target + target / 2 && h - target > 1_000_000 {
            let spec = Spec {
                from: hot,
                inputs: Inputs::Select,
                pays: vec![Pay { wallet: cold, addr: caddr, value: round_btc(h - target), flow: false }],
                rest: Rest::To { wallet: hot, addr: haddr, flow: false },
                purpose: Purpose::Service(Operation::ToColdStorage),
            };
            let _ = self.e.transact(spec);
        } else if h < target / 2 {
            self.cold_to_hot(x, round_btc(target - h));
        }
        let next = self.e.now + DAY + self.e.between(-1800, 1800);
        self.e.schedule(next, Ev::ExchangeRebalance(x));
    }

    /// Queues a withdrawal from an exchange to a customer.
    pub fn request_withdrawal(&mut self, x: EntityIdx, pay: Pay) {
        self.exchange_mut(x).queue.push(pay);
    }
}
