//! Casinos: daily sweeps of deposits into the hot wallet, and payouts to winners.

use super::*;
use crate::scenario::AddrRole;
use crate::sim::engine::{Inputs, Pay, Rest, Spec, WalletId};
use crate::truth::{Operation, Purpose};

impl Sim<'_> {
    pub fn gambling_sweep(&mut self, g: EntityIdx) {
        let Rt::Gambling(r) = &self.rt[g.index()] else {
            return;
        };
        let (deposits, hot, addr) = (r.deposits, r.hot, r.hot_addr);
        self.sweep(deposits, hot, addr, Purpose::Service(Operation::DepositSweep));
        let next = self.e.now + DAY + self.e.between(-3600, 3600);
        self.e.schedule(next, Ev::GamblingSweep(g));
    }

    pub fn gambling_payout(&mut self, g: EntityIdx, wallet: WalletId, value: u64) {
        let Rt::Gambling(r) = &self.rt[g.index()] else {
            return;
        };
        let (hot, haddr) = (r.hot, r.hot_addr);
        let addr = self.e.receive_addr(wallet, AddrRole::Receive);
        let spec = Spec {
            from: hot,
            inputs: Inputs::Select,
            pays: vec![Pay { wallet, addr, value, flow: false }],
            rest: Rest::To { wallet: hot, addr: haddr, flow: false },
            purpose: Purpose::Service(Operation::GamblingPayout),
        };
        let _ = self.e.transact(spec);
    }
}
