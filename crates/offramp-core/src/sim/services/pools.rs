//! Mining pools: daily payouts to their miners (ordinary users) out of mature coinbases, or
//! a sale at an exchange when there are no users.

use super::*;
use crate::scenario::AddrRole;
use crate::sim::engine::{Inputs, Pay, Rest, Spec, WalletId};
use crate::truth::{Operation, Purpose};

impl Sim<'_> {
    /// Once a day: pools pay their miners (ordinary users) out of mature coinbases, or sell
    /// at an exchange when there are no users.
    pub fn pool_payouts(&mut self) {
        let next = self.e.now + DAY + self.e.between(-1800, 1800);
        self.e.schedule(next, Ev::PoolPayouts(0));
        let sc = self.e.sc;
        let users: Vec<WalletId> = sc.background.as_ref().map(|b| self.members(b.users).to_vec()).unwrap_or_default();
        let exchange = sc.entities.iter().position(|e| matches!(e.kind, EntityKind::Exchange(_))).map(EntityIdx::new);
        for (pool, _) in self.pools.clone() {
            let avail = self.e.spendable(pool);
            if avail < 50_000_000 {
                continue;
            }
            let total = avail / 10 * 9;
            let mut pays = Vec::new();
            if !users.is_empty() {
                let n = 3 + self.e.index(25);
                for part in self.e.split(total, n, 100_000) {
                    let w = users[self.e.index(users.len())];
                    let addr = self.e.receive_addr(w, AddrRole::Receive);
                    pays.push(Pay { wallet: w, addr, value: part, flow: false });
                }
            } else if let Some(x) = exchange {
                let owner = self.e.wallets[pool].entity;
                let member = self.e.wallets[pool].member;
                let acct = self.account(x, owner, member);
                let addr = self.deposit_addr(acct, false);
                pays.push(Pay { wallet: self.exchange(x).deposits, addr, value: total, flow: false });
            } else {
                continue;
            }
            let addr = self.e.wallets[pool].receive[0];
            let spec = Spec {
                from: pool,
                inputs: Inputs::Select,
                pays,
                rest: Rest::To { wallet: pool, addr, flow: false },
                purpose: Purpose::Service(Operation::PoolPayout),
            };
            let _ = self.e.transact(spec);
        }
    }
}
