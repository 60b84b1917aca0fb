//! The services at work: exchanges sweep deposits and batch withdrawals, markets sweep order
//! addresses and pay vendors, mixers pay out of their pool, CoinJoin coordinators run rounds,
//! OTC traders, casinos and mining pools do their business.
//!
//! One file per service, each an `impl Sim` with that service's events: `exchange`,
//! `market` (orders, escrow and other vendors), `mixer`, `coinjoin`, `otc`, `gambling` and
//! `pools`. What several services share stays here: the members of a population, customer
//! accounts, sweeps of deposit addresses, and amounts rounded as people choose them.

use super::engine::{Inputs, Rest, Spec, WalletId};
use super::*;
use crate::ledger::AddrIdx;
use crate::scenario::Identity;
use crate::truth::{Account, AccountIdx, MemberIdx, Purpose};

mod coinjoin;
mod exchange;
mod gambling;
mod market;
mod mixer;
mod otc;
mod pools;

/// Most inputs a service puts in one sweep.
const SWEEP_INPUTS: usize = 150;

impl Sim<'_> {
    pub fn members(&self, population: EntityIdx) -> &[WalletId] {
        match &self.rt[population.index()] {
            Rt::Population(m) => m,
            _ => &[],
        }
    }

    /// The account of a customer at a service, opened (with its KYC file) on first use.
    pub fn account(&mut self, service: EntityIdx, holder: EntityIdx, member: Option<MemberIdx>) -> AccountIdx {
        if let Some(a) = self.accounts.get(&(service, holder, member)) {
            return *a;
        }
        let sc = self.e.sc;
        let (kyc, jurisdiction) = match &sc.entities[service].kind {
            EntityKind::Exchange(x) => (x.kyc, x.jurisdiction.clone()),
            _ => (false, String::from("EU")),
        };
        let authored: Option<&Identity> = sc.entities.get(holder.index()).and_then(|e| match &e.kind {
            EntityKind::Vendor(v) => v.identity.as_ref(),
            EntityKind::Otc(o) => o.identity.as_ref(),
            _ => None,
        });
        // The people the scenario names are those of its own world; a world of another seed
        // (a trainee's variant) makes up its own, so that classmates cannot copy the name.
        let person = match authored {
            Some(id) if self.seed != sc.meta.seed => names::variant(self.seed, holder.index(), id, &jurisdiction),
            Some(id) => names::complete(&mut self.keys_rng, id, &jurisdiction),
            None => names::identity(&mut self.keys_rng, &jurisdiction),
        };
        let email = names::email(&mut self.keys_rng, &person.name);
        let n = self.e.truth.accounts.len();
        let documents = if kyc {
            vec![
                person.document.clone().unwrap_or_default(),
                "proof of address (utility bill)".to_string(),
                "selfie with document".to_string(),
            ]
        } else {
            Vec::new()
        };
        let opened = self.e.now - self.e.between(30 * DAY, 900 * DAY);
        self.e.truth.accounts.push(Account {
            service,
            holder,
            member,
            account_id: names::account_id(&sc.entities[service].name, n),
            identity: kyc.then_some(person),
            email,
            documents,
            opened,
            addresses: Vec::new(),
        });
        let idx = AccountIdx::new(n);
        self.accounts.insert((service, holder, member), idx);
        idx
    }

    /// Sweeps every coin of `from` into `to`, in transactions of at most 150 inputs.
    pub fn sweep(&mut self, from: WalletId, to: WalletId, addr: AddrIdx, purpose: Purpose) {
        let mut coins = self.e.take_all(from);
        coins.sort_by_key(|u| u.out);
        for chunk in coins.chunks(SWEEP_INPUTS) {
            let spec = Spec {
                from,
                inputs: Inputs::Given(chunk.to_vec()),
                pays: vec![],
                rest: Rest::To { wallet: to, addr, flow: false },
                purpose,
            };
            // Dust that cannot pay its own fee stays where it is.
            let _ = self.e.transact(spec);
        }
    }
}

/// Rounds to three significant digits in BTC, as people and services choose amounts.
pub fn round_btc(sats: u64) -> u64 {
    if sats < 1000 {
        return sats;
    }
    let mut unit = 1u64;
    while sats / unit >= 1000 {
        unit *= 10;
    }
    sats / unit * unit
}
