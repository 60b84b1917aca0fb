//! The ground truth: who owns every address, why every transaction exists, and the answer
//! to every objective. It never reaches a trainee's screen; the app and the forensics tools
//! work on [`crate::ledger::Chain`] and [`crate::intel::Intel`] alone.

use std::num::NonZeroU32;

use serde::Serialize;

use crate::ledger::{AddrIdx, OutIdx, TxIdx};
use crate::scenario::{EntityIdx, Identity, StepIdx};
use crate::vocab::{AddrRole, Category};

// The truth's tables, one entry per entity, address, transaction and account.
indexed_by!(EntityIdx => TruthEntity);
indexed_by!(AddrIdx => AddrTruth);
indexed_by!(TxIdx => Purpose);
indexed_by!(AccountIdx => Account);

/// An entity of the world: every scenario entity, in the scenario's order, then the ones
/// Offramp adds (the pre-history treasury, default miners, a market's other vendors).
#[derive(Debug, Clone, Serialize)]
pub struct TruthEntity {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub category: Category,
    /// Added by Offramp rather than written in the scenario.
    pub implicit: bool,
}

/// Who owns an address and what it is for.
#[derive(Debug, Clone, Copy)]
pub struct AddrTruth {
    pub entity: EntityIdx,
    /// The member of a population (a buyer, a user), if the owner is a population.
    pub member: Option<MemberIdx>,
    pub role: AddrRole,
    /// For a deposit address of a service: the customer's account.
    pub account: Option<AccountIdx>,
}

/// Why a transaction exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "detail")]
pub enum Purpose {
    Coinbase,
    /// Funding the world before the scenario starts.
    Setup,
    /// Made by a story step.
    Story(StepIdx),
    /// Ordinary life.
    Background(Activity),
    /// A service running its business.
    Service(Operation),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Activity {
    Payment,
    ExchangeDeposit,
    Consolidation,
    GamblingDeposit,
    MixerDeposit,
    MarketOrder,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Operation {
    DepositSweep,
    WithdrawalBatch,
    ToColdStorage,
    FromColdStorage,
    VendorPayouts,
    MixerPayout,
    CoinJoinRound,
    OtcSale,
    OtcDeposit,
    GamblingPayout,
    PoolPayout,
}

/// `k + 1`, for the ids below that keep their place one up so that an `Option` of them is four
/// bytes, as the u32 with a "none" value they replace was: an address's truth stays 16 bytes.
fn one_up(k: usize, what: &str) -> NonZeroU32 {
    u32::try_from(k)
        .ok()
        .and_then(|k| k.checked_add(1))
        .and_then(NonZeroU32::new)
        .unwrap_or_else(|| panic!("fewer than 2^32 - 1 {what}"))
}

/// A member of a population (a buyer, a user): its place among the population's members.
/// Written out as that place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(transparent)]
pub struct MemberIdx(NonZeroU32);

impl MemberIdx {
    /// The member at place `k` of its population.
    pub fn new(k: usize) -> MemberIdx {
        MemberIdx(one_up(k, "members"))
    }

    /// Its place among the population's members.
    pub fn index(self) -> usize {
        self.0.get() as usize - 1
    }
}

impl Serialize for MemberIdx {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u32(self.0.get() - 1)
    }
}

/// An account: its place in [`Truth::accounts`], which it indexes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(transparent)]
pub struct AccountIdx(NonZeroU32);

impl AccountIdx {
    /// The account at place `k` of the accounts.
    pub fn new(k: usize) -> AccountIdx {
        AccountIdx(one_up(k, "accounts"))
    }

    /// Its place in [`Truth::accounts`].
    pub fn index(self) -> usize {
        self.0.get() as usize - 1
    }
}

/// A customer account at a service that keeps accounts (exchanges), with what its KYC file holds.
#[derive(Debug, Clone, Serialize)]
pub struct Account {
    #[serde(skip)]
    pub service: EntityIdx,
    #[serde(skip)]
    pub holder: EntityIdx,
    /// The member of the holder population, if the holder is one.
    #[serde(skip)]
    pub member: Option<MemberIdx>,
    pub account_id: String,
    /// Only where the service asks for KYC.
    pub identity: Option<Identity>,
    pub email: String,
    pub documents: Vec<String>,
    pub opened: i64,
    /// Deposit addresses, in the order issued.
    #[serde(skip)]
    pub addresses: Vec<AddrIdx>,
}

/// One movement of story funds into a service that pays out in fiat: a cash-out.
#[derive(Debug, Clone, Serialize)]
pub struct CashOut {
    pub step: StepIdx,
    pub holder: EntityIdx,
    pub service: EntityIdx,
    pub output: OutIdx,
    pub value: u64,
    pub time: i64,
    pub usd: f64,
}

/// Everything the generator knows and the trainee does not.
#[derive(Debug, Clone, Default)]
pub struct Truth {
    pub entities: Vec<TruthEntity>,
    /// Parallel to the chain's addresses.
    pub addresses: Vec<AddrTruth>,
    /// Parallel to the chain's transactions.
    pub purposes: Vec<Purpose>,
    /// Parallel to the chain's outputs: whether the output carries story funds.
    pub flow: Vec<bool>,
    /// Transactions made by each story step, in order.
    pub step_txs: Vec<Vec<TxIdx>>,
    pub accounts: Vec<Account>,
    pub cashouts: Vec<CashOut>,
    /// The answer to each objective, in the scenario's order (filled after sealing).
    pub answers: Vec<crate::answer::Resolved>,
}

impl Truth {
    /// Addresses owned by an entity, in creation order.
    pub fn addresses_of(&self, entity: EntityIdx) -> impl Iterator<Item = AddrIdx> + '_ {
        self.addresses.iter().enumerate().filter(move |(_, a)| a.entity == entity).map(|(i, _)| AddrIdx::new(i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_typed_ids_cost_no_memory_per_address_or_transaction() {
        // One per address and one per transaction of worlds of millions: as with bare u32s.
        assert_eq!(size_of::<AddrTruth>(), 16);
        assert_eq!(size_of::<Purpose>(), 8);
        assert_eq!((size_of::<Option<MemberIdx>>(), size_of::<Option<AccountIdx>>()), (4, 4));
    }

    #[test]
    fn a_member_is_written_as_its_place() {
        assert_eq!(serde_json::to_string(&MemberIdx::new(0)).unwrap(), "0");
        assert_eq!((MemberIdx::new(7).index(), AccountIdx::new(3).index()), (7, 3));
        assert!(MemberIdx::new(1) < MemberIdx::new(2));
    }
}
