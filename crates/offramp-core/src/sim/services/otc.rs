//! OTC traders: every few days, the coins bought from customers deposited at the trader's
//! own exchange account (their P2P sales to buyers are in `market`, funding orders).

use super::*;
use crate::sim::engine::{Inputs, Pay, Rest, Spec};
use crate::truth::{Operation, Purpose};

impl Sim<'_> {
    /// Every few days an OTC trader deposits the coins it bought at its own exchange
    /// account: a nested service, whose KYC file names the trader, not the customers.
    pub fn otc_deposit(&mut self, o: EntityIdx) {
        let sc = self.e.sc;
        let EntityKind::Otc(k) = &sc.entities[o].kind else { return };
        let next = self.e.now + k.deposit_every + self.e.between(-3600, 3600);
        self.e.schedule(next, Ev::OtcDeposit(o));
        let Some(x) = k.deposits_to else { return };
        let Rt::Otc(r) = &self.rt[o.index()] else { return };
        let (w, bought) = (r.wallet, r.bought);
        let value = round_btc(bought.min(self.e.spendable(w).saturating_sub(100_000)));
        if value < 1_000_000 {
            return;
        }
        let acct = self.account(x, o, None);
        let addr = self.deposit_addr(acct, false);
        let deposits = self.exchange(x).deposits;
        let spec = Spec {
            from: w,
            inputs: Inputs::Select,
            pays: vec![Pay { wallet: deposits, addr, value, flow: false }],
            rest: Rest::Change { flow: false },
            purpose: Purpose::Service(Operation::OtcDeposit),
        };
        if self.e.transact(spec).is_ok()
            && let Rt::Otc(r) = &mut self.rt[o.index()]
        {
            r.bought = r.bought.saturating_sub(value);
            if r.bought < 1_000_000 {
                r.bought = 0;
            }
        }
    }
}
