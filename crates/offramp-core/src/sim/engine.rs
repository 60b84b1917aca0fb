//! The simulator's machinery: wallets, coin selection, transaction building, blocks and the
//! event queue. Services (`services`), the story (`story`) and ordinary life (`background`)
//! are written on top of it.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::ops::{Index, IndexMut};

use rand::Rng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use super::GenerateError;
use super::price::PriceSeries;
use super::sat::{self, MAX_MONEY};
use crate::ledger::seal::Closed;
use crate::ledger::{
    AddrIdx, AddrInfo, BlockRecord, COINBASE_RESERVE_WEIGHT, Chain, DUST, InputRecord, MAX_BLOCK_WEIGHT, OutIdx,
    OutputRecord, TxIdx, TxRecord, estimate_weight, input_weight, output_weight,
};
use crate::scenario::{
    AddrRole, Change, ChangePosition, CoinSelection, EntityIdx, Fee, Locktime, Profile, Scenario, ScriptType, StepIdx,
};
use crate::truth::{AccountIdx, AddrTruth, MemberIdx, Purpose, Truth};

/// A wallet of the simulator: its place in [`Engine::wallets`]. Only the simulator hands
/// them out ([`Engine::new_wallet`]); the ground truth names entities and members, never
/// wallets, so a wallet id is never written out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(transparent)]
pub struct WalletId(u32);

/// The simulator's wallets, indexed by [`WalletId`].
#[derive(Debug, Clone, Default)]
pub struct Wallets(Vec<Wallet>);

impl Wallets {
    /// Adds a wallet and returns its id.
    pub fn push(&mut self, w: Wallet) -> WalletId {
        let id = WalletId(u32::try_from(self.0.len()).expect("fewer than 2^32 wallets"));
        self.0.push(w);
        id
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Index<WalletId> for Wallets {
    type Output = Wallet;
    fn index(&self, id: WalletId) -> &Wallet {
        &self.0[id.0 as usize]
    }
}

impl IndexMut<WalletId> for Wallets {
    fn index_mut(&mut self, id: WalletId) -> &mut Wallet {
        &mut self.0[id.0 as usize]
    }
}

/// Blocks a coinbase output waits before it can be spent.
pub const COINBASE_MATURITY: u32 = 100;

/// An unspent output a wallet holds.
#[derive(Debug, Clone, Copy)]
pub struct Utxo {
    pub out: OutIdx,
    pub value: u64,
    pub addr: AddrIdx,
    /// The first block height at which it may be spent.
    pub mature: u32,
}

/// One wallet: the coins and addresses of one owner under one wallet software.
#[derive(Debug, Clone)]
pub struct Wallet {
    pub entity: EntityIdx,
    /// The member of a population, for a member's wallet.
    pub member: Option<MemberIdx>,
    pub profile: u32,
    pub utxos: Vec<Utxo>,
    /// Receiving addresses handed out so far (for address reuse).
    pub receive: Vec<AddrIdx>,
    pub balance: u64,
    /// Whether the wallet ever received a coinbase (miners, the treasury): only such a wallet
    /// can hold coins that are not yet spendable.
    pub mines: bool,
}

/// Takes the coins marked in `chosen` (parallel to the wallet's coins) out of the wallet's
/// list; the caller takes them off its balance ([`Engine::debit`]).
fn take_marked(wl: &mut Wallet, chosen: &[bool]) -> Vec<Utxo> {
    let mut take = Vec::new();
    let mut k = 0;
    wl.utxos.retain(|u| {
        let c = chosen[k];
        k += 1;
        if c {
            take.push(*u);
        }
        !c
    });
    take
}

/// The value of `coins`, if it is an amount of money.
pub fn value_of(coins: &[Utxo]) -> Option<u64> {
    sat::sum(coins.iter().map(|u| u.value))
}

/// A payment to make.
#[derive(Debug, Clone, Copy)]
pub struct Pay {
    /// The wallet that receives it.
    pub wallet: WalletId,
    pub addr: AddrIdx,
    pub value: u64,
    pub flow: bool,
}

/// Where a transaction's coins come from.
pub enum Inputs {
    /// Coin selection from the sending wallet, per its profile.
    Select,
    /// Every spendable coin of the sending wallet.
    All,
    /// These coins, already taken out of their wallets.
    Given(Vec<Utxo>),
}

/// What happens to what is left after the payments and the fee.
#[derive(Debug, Clone, Copy)]
pub enum Rest {
    /// Change back to the sender, as its profile does it.
    Change { flow: bool },
    /// Everything left to this address (a sweep, or a peel chain's next hop).
    To { wallet: WalletId, addr: AddrIdx, flow: bool },
}

pub struct Spec {
    pub from: WalletId,
    pub inputs: Inputs,
    pub pays: Vec<Pay>,
    pub rest: Rest,
    pub purpose: Purpose,
}

/// Not enough coins for a transaction.
#[derive(Debug, Clone, Copy)]
pub struct Shortfall {
    pub have: u64,
    pub need: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Ev {
    Story { step: StepIdx, action: u32 },
    Order { order: u32 },
    Funding { order: u32 },
    Background,
    ExchangeSweep(EntityIdx),
    ExchangeBatch(EntityIdx),
    ExchangeRebalance(EntityIdx),
    MarketSweep(EntityIdx),
    MarketOtherOrder(EntityIdx),
    MarketPayouts(EntityIdx),
    MixerSweep(EntityIdx),
    MixerPayout { job: u32, part: u32 },
    CoinJoinRound(EntityIdx),
    OtcDeposit(EntityIdx),
    GamblingSweep(EntityIdx),
    GamblingPayout { entity: EntityIdx, wallet: WalletId, value: u64 },
    PoolPayouts(u32),
}

pub struct Engine<'s> {
    pub sc: &'s Scenario,
    pub rng: ChaCha8Rng,
    pub chain: Chain,
    pub truth: Truth,
    pub wallets: Wallets,
    pub profiles: Vec<Profile>,
    pub prices: PriceSeries,
    pub now: i64,
    events: BinaryHeap<Reverse<(i64, u64, Ev)>>,
    seq: u64,
    /// The block being filled: its index in `chain.blocks` (none before the first), weight so
    /// far, fees so far, and the wallet its coinbase pays.
    block: Option<usize>,
    block_weight: u64,
    block_fees: u64,
    block_miner: Option<WalletId>,
    /// Reused buffers of coin selection.
    scratch_order: Vec<usize>,
    scratch_chosen: Vec<bool>,
    /// Why the simulation must stop once the event being handled is over: an amount that
    /// left the range of money ([`Engine::out_of_range`]), a transaction heavier than a block.
    /// The first reason is kept.
    pub trouble: Option<String>,
    /// Where closed blocks go to be sealed while the simulation runs (fast mode's
    /// [`crate::ledger::seal::seal_streamed`]), and how much of each table went already.
    pub closed: Option<std::sync::mpsc::SyncSender<Closed>>,
    sent: [usize; 5],
}

impl<'s> Engine<'s> {
    pub fn new(sc: &'s Scenario, rng: ChaCha8Rng, chain: Chain, prices: PriceSeries) -> Self {
        Engine {
            sc,
            rng,
            chain,
            truth: Truth::default(),
            wallets: Wallets::default(),
            profiles: Vec::new(),
            prices,
            now: 0,
            events: BinaryHeap::new(),
            seq: 0,
            block: None,
            block_weight: 0,
            block_fees: 0,
            block_miner: None,
            scratch_order: Vec::new(),
            scratch_chosen: Vec::new(),
            trouble: None,
            closed: None,
            sent: [0; 5],
        }
    }

    /// Notes that an amount would have left the range of money (above 21,000,000 BTC, or
    /// below zero): `what` says which. The result is never used in a block: the event being
    /// handled ends the simulation with an error at its place in the scenario. The first note
    /// is kept.
    pub fn out_of_range(&mut self, what: impl AsRef<str>) {
        self.trouble(format!(
            "{} comes to no amount of money (more than the 21,000,000 BTC there can be, or less than nothing); the scenario's amounts and prices are out of proportion",
            what.as_ref()
        ));
    }

    /// Notes why the simulation must stop after the event being handled (the first reason
    /// is kept): the event's entity or step is named with it.
    pub fn trouble(&mut self, why: String) {
        if self.trouble.is_none() {
            self.trouble = Some(why);
        }
    }

    /// `a + b`, or the most money there is and a note of `what` went out of range.
    pub fn add(&mut self, a: u64, b: u64, what: &str) -> u64 {
        sat::add(a, b).unwrap_or_else(|| {
            self.out_of_range(what);
            MAX_MONEY
        })
    }

    /// `x` satoshis (truncated), or nothing and a note that `what` went out of range.
    pub fn sats(&mut self, x: f64, what: &str) -> u64 {
        sat::from_f64(x).unwrap_or_else(|| {
            self.out_of_range(what);
            0
        })
    }

    // ----- events -----

    pub fn schedule(&mut self, at: i64, ev: Ev) {
        self.seq += 1;
        self.events.push(Reverse((at, self.seq, ev)));
    }

    pub fn next_event(&mut self) -> Option<(i64, Ev)> {
        self.events.pop().map(|Reverse((t, _, ev))| (t, ev))
    }

    pub fn peek_time(&self) -> Option<i64> {
        self.events.peek().map(|Reverse((t, ..))| *t)
    }

    // ----- randomness -----

    pub fn chance(&mut self, p: f64) -> bool {
        p > 0.0 && self.rng.random::<f64>() < p
    }

    pub fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        if hi <= lo { lo } else { self.rng.random_range(lo..hi) }
    }

    pub fn between(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo { lo } else { self.rng.random_range(lo..=hi) }
    }

    pub fn index(&mut self, n: usize) -> usize {
        self.rng.random_range(0..n)
    }

    /// Log-uniform in [lo, hi]: as many small amounts as large ones per order of magnitude.
    pub fn log_uniform(&mut self, lo: f64, hi: f64) -> f64 {
        if hi <= lo {
            return lo;
        }
        (self.uniform(lo.ln(), hi.ln())).exp()
    }

    /// `n` sorted instants in [a, b].
    pub fn times_in(&mut self, a: i64, b: i64, n: usize) -> Vec<i64> {
        let mut v: Vec<i64> = (0..n).map(|_| self.between(a, b)).collect();
        v.sort_unstable();
        v
    }

    /// Splits `total` into `n` random parts, each at least `min`, that add up to `total`.
    pub fn split(&mut self, total: u64, n: usize, min: u64) -> Vec<u64> {
        let n = n.max(1);
        let Some(spare) = min.checked_mul(n as u64).and_then(|least| total.checked_sub(least)) else {
            return vec![total];
        };
        let w: Vec<f64> = (0..n).map(|_| self.uniform(0.5, 1.5)).collect();
        let sum: f64 = w.iter().sum();
        let mut parts: Vec<u64> =
            w.iter().map(|x| min.saturating_add(sat::from_f64(spare as f64 * x / sum).unwrap_or(0))).collect();
        // The last part is what the others leave; float rounding could leave less than nothing.
        match sat::sum(parts[..n - 1].iter().copied()).and_then(|others| total.checked_sub(others)) {
            Some(last) => parts[n - 1] = last,
            None => return vec![total],
        }
        parts
    }

    // ----- wallets and addresses -----

    pub fn add_profile(&mut self, p: Profile) -> u32 {
        self.profiles.push(p);
        self.profiles.len() as u32 - 1
    }

    pub fn new_wallet(&mut self, entity: EntityIdx, member: Option<MemberIdx>, profile: u32) -> WalletId {
        self.wallets.push(Wallet {
            entity,
            member,
            profile,
            utxos: Vec::new(),
            receive: Vec::new(),
            balance: 0,
            mines: false,
        })
    }

    pub fn profile_of(&self, w: WalletId) -> &Profile {
        &self.profiles[self.wallets[w].profile as usize]
    }

    /// A fresh address of `kind` owned by the wallet's owner.
    pub fn fresh_addr_of(
        &mut self,
        w: WalletId,
        role: AddrRole,
        kind: ScriptType,
        account: Option<AccountIdx>,
    ) -> AddrIdx {
        let wl = &self.wallets[w];
        let a = self.chain.addresses.next_id();
        self.chain.addresses.push(AddrInfo::new(kind, [0; 32]));
        self.truth.addresses.push(AddrTruth { entity: wl.entity, member: wl.member, role, account });
        a
    }

    /// A fresh address of the wallet's own type.
    pub fn fresh_addr(&mut self, w: WalletId, role: AddrRole) -> AddrIdx {
        let kind = self.profile_of(w).script;
        self.fresh_addr_of(w, role, kind, None)
    }

    /// An address to receive on: an earlier one when the profile reuses addresses, else fresh.
    pub fn receive_addr(&mut self, w: WalletId, role: AddrRole) -> AddrIdx {
        let reuse = self.profile_of(w).address_reuse;
        let n = self.wallets[w].receive.len();
        if n > 0 && self.chance(reuse) {
            let k = self.index(n);
            return self.wallets[w].receive[k];
        }
        let a = self.fresh_addr(w, role);
        self.wallets[w].receive.push(a);
        a
    }

    pub fn balance(&self, w: WalletId) -> u64 {
        self.wallets[w].balance
    }

    /// The coins of a wallet that can be spent in the block being built.
    pub fn spendable(&self, w: WalletId) -> u64 {
        let wl = &self.wallets[w];
        if !wl.mines {
            return wl.balance;
        }
        let h = self.height();
        // Part of the balance, which is an amount of money.
        sat::sum(wl.utxos.iter().filter(|u| u.mature <= h).map(|u| u.value)).unwrap_or(wl.balance)
    }

    /// Takes every spendable coin out of a wallet.
    pub fn take_all(&mut self, w: WalletId) -> Vec<Utxo> {
        let h = self.height();
        let wl = &mut self.wallets[w];
        let (take, keep): (Vec<Utxo>, Vec<Utxo>) = wl.utxos.drain(..).partition(|u| u.mature <= h);
        wl.utxos = keep;
        self.debit(w, &take);
        take
    }

    /// Takes coins worth at least `value` out of a wallet, largest first; all of them when
    /// the wallet has less.
    pub fn take_value(&mut self, w: WalletId, value: u64) -> Vec<Utxo> {
        let h = self.height();
        let wl = &mut self.wallets[w];
        let mut order: Vec<usize> = (0..wl.utxos.len()).filter(|&i| wl.utxos[i].mature <= h).collect();
        order.sort_by_key(|&i| Reverse((wl.utxos[i].value, Reverse(wl.utxos[i].out))));
        let mut sum = 0;
        let mut chosen = vec![false; wl.utxos.len()];
        for i in order {
            if sum >= value {
                break;
            }
            chosen[i] = true;
            // The coins of one wallet add up to at most its balance.
            sum = sat::add(sum, wl.utxos[i].value).unwrap_or(MAX_MONEY);
        }
        let take = take_marked(wl, &chosen);
        self.debit(w, &take);
        take
    }

    /// Puts coins back into a wallet (a transaction that was not made after all).
    pub fn give_back(&mut self, w: WalletId, mut coins: Vec<Utxo>) {
        let back = value_of(&coins).and_then(|v| sat::add(self.wallets[w].balance, v));
        let wl = &mut self.wallets[w];
        wl.balance = back.unwrap_or(MAX_MONEY);
        wl.utxos.append(&mut coins);
        wl.utxos.sort_by_key(|u| u.out);
        if back.is_none() {
            self.out_of_range("a wallet's balance");
        }
    }

    /// Takes `coins`, already out of the wallet's list, off its balance.
    fn debit(&mut self, w: WalletId, coins: &[Utxo]) {
        let wl = &mut self.wallets[w];
        match value_of(coins).and_then(|v| sat::sub(wl.balance, v)) {
            Some(b) => wl.balance = b,
            None => {
                wl.balance = 0;
                self.out_of_range("a wallet's balance");
            }
        }
    }

    fn credit(&mut self, w: WalletId, u: Utxo) {
        let h = self.height();
        let balance = self.wallets[w].balance;
        let balance = self.add(balance, u.value, "a wallet's balance");
        let wl = &mut self.wallets[w];
        wl.balance = balance;
        wl.mines |= u.mature > h;
        wl.utxos.push(u);
    }

    // ----- fees and transactions -----

    /// What `coins` weigh as inputs ([`input_weight`] of each one's address type).
    pub fn inputs_weight(&self, coins: &[Utxo]) -> u64 {
        coins.iter().map(|u| input_weight(self.chain.addresses[u.addr].kind())).sum()
    }

    /// The fee rate (sat/vB) and flat fee of one transaction of this profile.
    fn fee_for(&mut self, profile: u32, vsize: u64) -> u64 {
        match self.profiles[profile as usize].fee {
            Fee::Rate { min, max } => {
                let rate = self.uniform(min, max);
                self.sats((rate * vsize as f64).ceil(), "a fee")
            }
            Fee::Flat(sat) => sat.max(vsize),
        }
    }

    /// Builds, records and returns a transaction. Coins are taken from the sender, the
    /// payments credited to their wallets, change returned per the sender's profile.
    ///
    /// # Errors
    /// A [`Shortfall`] when the coins do not cover the payments and the fee; then nothing
    /// is recorded and `Given` coins are returned to the sender.
    pub fn transact(&mut self, spec: Spec) -> Result<TxIdx, Shortfall> {
        let Spec { from, inputs, pays, rest, purpose } = spec;
        let profile_idx = self.wallets[from].profile;
        let profile = self.profiles[profile_idx as usize].clone();
        let Some(paid) = sat::sum(pays.iter().map(|p| p.value)) else {
            self.out_of_range("the payments of one transaction");
            if let Inputs::Given(coins) = inputs {
                self.give_back(from, coins);
            }
            return Err(Shortfall { have: 0, need: u64::MAX });
        };
        let kind_of = |a: AddrIdx| self.chain.addresses[a].kind();
        let out_w: u64 = pays.iter().map(|p| output_weight(kind_of(p.addr))).sum::<u64>();
        let rest_w = output_weight(match rest {
            Rest::To { addr, .. } => kind_of(addr),
            Rest::Change { .. } => match profile.change {
                Change::FreshOfType(k) => k,
                _ => profile.script,
            },
        });
        // The fee rate is drawn once; the size decides the fee.
        let probe = self.fee_for(profile_idx, 1000);
        // The fee for inputs weighing `in_w` (`seg`: any of them SegWit), with or without the rest.
        let fee_at = |in_w: u64, seg: bool, with_rest: bool| -> u64 {
            let vsize = estimate_weight(in_w, out_w + if with_rest { rest_w } else { 0 }, seg).div_ceil(4);
            match profile.fee {
                Fee::Flat(sat) => sat.max(vsize),
                Fee::Rate { .. } => u64::try_from((probe as u128 * vsize as u128).div_ceil(1000)).unwrap_or(u64::MAX),
            }
        };
        let coins: Vec<Utxo> = match inputs {
            Inputs::Given(c) => c,
            Inputs::All => self.take_all(from),
            Inputs::Select => {
                let h = self.height();
                let mut order = std::mem::take(&mut self.scratch_order);
                let mut chosen = std::mem::take(&mut self.scratch_chosen);
                let wl = &self.wallets[from];
                order.clear();
                order.extend((0..wl.utxos.len()).filter(|&i| wl.utxos[i].mature <= h));
                match profile.coin_selection {
                    CoinSelection::Largest => {
                        order.sort_by_key(|&i| Reverse((wl.utxos[i].value, Reverse(wl.utxos[i].out))))
                    }
                    CoinSelection::Oldest => order.sort_by_key(|&i| wl.utxos[i].out),
                    CoinSelection::Random => order.shuffle(&mut self.rng),
                }
                let wl = &self.wallets[from];
                let (mut sum, mut in_w, mut seg) = (0u64, 0u64, false);
                chosen.clear();
                chosen.resize(wl.utxos.len(), false);
                // What the payments and the fee come to: past all the money there is, no
                // coins ever cover it.
                let cost = |in_w: u64, seg: bool, with_rest: bool| sat::add(paid, fee_at(in_w, seg, with_rest));
                for &i in &order {
                    let u = wl.utxos[i];
                    chosen[i] = true;
                    // The coins of one wallet add up to at most its balance.
                    sum = sat::add(sum, u.value).unwrap_or(MAX_MONEY);
                    let k = self.chain.addresses[u.addr].kind();
                    in_w += input_weight(k);
                    seg |= k != ScriptType::P2PKH;
                    if cost(in_w, seg, true).is_some_and(|c| sum >= c) {
                        break;
                    }
                }
                let need = cost(in_w, seg, false).unwrap_or(u64::MAX);
                let short = sum < need;
                let take = if short { Vec::new() } else { take_marked(&mut self.wallets[from], &chosen) };
                self.scratch_order = order;
                self.scratch_chosen = chosen;
                if short {
                    return Err(Shortfall { have: sum, need });
                }
                self.debit(from, &take);
                take
            }
        };
        let Some(sum_in) = value_of(&coins) else {
            self.out_of_range("the coins one transaction spends");
            self.give_back(from, coins);
            return Err(Shortfall { have: 0, need: u64::MAX });
        };
        let in_w = self.inputs_weight(&coins);
        let seg = coins.iter().any(|u| self.chain.addresses[u.addr].kind() != ScriptType::P2PKH);
        let fee_with = fee_at(in_w, seg, true);
        let fee_without = fee_at(in_w, seg, false);
        // What is left after the payments and the fee, with a rest output worth having or without.
        let with_rest = sat::add(paid, fee_with)
            .and_then(|cost| sat::sub(sum_in, cost))
            .filter(|&rest| rest >= DUST)
            .map(|rest| (rest, fee_with));
        let without = sat::add(paid, fee_without)
            .filter(|&cost| sum_in >= cost && !matches!(rest, Rest::To { .. } if paid == 0))
            .and_then(|_| sat::sub(sum_in, paid))
            .map(|fee| (0, fee));
        let Some((rest_value, fee)) = with_rest.or(without) else {
            let need = sat::add(paid, fee_without)
                .and_then(|n| sat::add(n, if paid == 0 { DUST } else { 0 }))
                .unwrap_or(u64::MAX);
            self.give_back(from, coins);
            return Err(Shortfall { have: sum_in, need });
        };
        // Outputs: payments, then the rest where the profile puts it.
        let mut outs: Vec<Pay> = pays;
        if rest_value > 0 {
            let (w, addr, flow) = match rest {
                Rest::To { wallet, addr, flow } => (wallet, addr, flow),
                Rest::Change { flow } => {
                    let addr = match profile.change {
                        Change::Fresh => self.fresh_addr(from, AddrRole::Change),
                        Change::FreshOfType(k) => self.fresh_addr_of(from, AddrRole::Change, k, None),
                        Change::ReuseInput => coins[0].addr,
                    };
                    (from, addr, flow)
                }
            };
            let change = Pay { wallet: w, addr, value: rest_value, flow };
            let pos = match (rest, profile.change_position) {
                (Rest::To { .. }, _) | (_, ChangePosition::Last) => outs.len(),
                (_, ChangePosition::First) => 0,
                (_, ChangePosition::Random) => self.rng.random_range(0..=outs.len()),
            };
            outs.insert(pos, change);
        }
        let height = self.height();
        let locktime = match profile.locktime {
            Locktime::Zero => 0,
            Locktime::Height => height.saturating_sub(1),
        };
        let sequence = if profile.rbf {
            0xffff_fffd
        } else if locktime != 0 {
            0xffff_fffe
        } else {
            0xffff_ffff
        };
        Ok(self.record(&coins, &outs, profile.version, locktime, sequence, fee, purpose))
    }

    /// Records a transaction spending `coins` (already out of their wallets) into `outs`.
    #[allow(clippy::too_many_arguments)]
    pub fn record(
        &mut self,
        coins: &[Utxo],
        outs: &[Pay],
        version: i32,
        locktime: u32,
        sequence: u32,
        fee: u64,
        purpose: Purpose,
    ) -> TxIdx {
        // Every transaction counts the SegWit marker here, legacy ones too: a bound for filling
        // blocks, a little above the real weight of a transaction without SegWit inputs.
        let outs_w = outs.iter().map(|p| output_weight(self.chain.addresses[p.addr].kind())).sum::<u64>();
        let weight = estimate_weight(self.inputs_weight(coins), outs_w, true);
        if weight > MAX_BLOCK_WEIGHT - COINBASE_RESERVE_WEIGHT {
            // No block could hold it: the chain would be invalid.
            self.trouble(format!(
                "a transaction of {} inputs and {} outputs would weigh {weight} weight units, more than a block holds",
                coins.len(),
                outs.len()
            ));
        }
        if self.block_weight + weight > MAX_BLOCK_WEIGHT - COINBASE_RESERVE_WEIGHT {
            self.close_block();
            let t = self.block_time() + self.block_interval();
            let miner = self.block_miner.expect("a transaction goes into an open block");
            self.open_block(t, miner);
        }
        self.block_weight += weight;
        self.block_fees = self.add(self.block_fees, fee, "the fees of one block");
        let t = self.chain.txs.next_id();
        let first_input = self.chain.inputs.next_id();
        for u in coins {
            let input = self.chain.inputs.next_id();
            self.chain.outputs[u.out].set_spent_by(Some(input));
            self.chain.inputs.push(InputRecord::new(Some(u.out), sequence, t));
        }
        let first_output = self.chain.outputs.next_id();
        let h = self.height();
        for p in outs {
            let out = self.chain.outputs.next_id();
            self.chain.outputs.push(OutputRecord::new(p.value, Some(p.addr), t));
            self.truth.flow.push(p.flow);
            self.credit(p.wallet, Utxo { out, value: p.value, addr: p.addr, mature: h });
        }
        self.chain.txs.push(TxRecord {
            txid_raw: [0; 32],
            height: h,
            created: self.now,
            first_input,
            n_inputs: coins.len() as u32,
            first_output,
            n_outputs: outs.len() as u32,
            version,
            locktime,
            fee,
            size: 0,
            vsize: 0,
            weight: 0,
        });
        self.truth.purposes.push(purpose);
        if let Purpose::Story(s) = purpose {
            self.truth.step_txs[s.index()].push(t);
        }
        t
    }

    // ----- blocks -----

    pub fn height(&self) -> u32 {
        self.block.map_or(0, |k| self.chain.blocks[k].height)
    }

    /// The time of the block being filled.
    pub fn block_time(&self) -> i64 {
        self.block.map_or(i64::MIN, |k| i64::from(self.chain.blocks[k].time))
    }

    /// Seconds to the next block: exponential around ten minutes, as mining gives them.
    pub fn block_interval(&mut self) -> i64 {
        let u: f64 = self.rng.random::<f64>().max(1e-9);
        ((-u.ln() * 600.0) as i64).clamp(20, 7200)
    }

    /// Opens a block with timestamp `time` whose coinbase pays `miner`'s wallet.
    pub fn open_block(&mut self, time: i64, miner: WalletId) {
        let height = self.chain.blocks.last().map_or(1, |b| b.height + 1);
        let prev_time = self.chain.blocks.last().map_or(i64::MIN, |b| i64::from(b.time));
        let time = time.max(prev_time + 1);
        self.chain.blocks.push(BlockRecord {
            height,
            time: time.clamp(0, u32::MAX as i64) as u32,
            first_tx: self.chain.txs.next_id(),
            n_tx: 0,
            hash: bitcoin::BlockHash::from_raw_hash(bitcoin::hashes::Hash::all_zeros()),
            raw: Vec::new(),
        });
        self.block = Some(self.chain.blocks.len() - 1);
        self.block_weight = 0;
        self.block_fees = 0;
        self.block_miner = Some(miner);
        // The coinbase: the miner's payout (value set when the block closes) and the
        // witness commitment.
        let addr = *self.wallets[miner].receive.first().expect("a miner has a coinbase address");
        let t = self.chain.txs.next_id();
        let first_input = self.chain.inputs.next_id();
        self.chain.inputs.push(InputRecord::new(None, u32::MAX, t));
        let first_output = self.chain.outputs.next_id();
        self.chain.outputs.push(OutputRecord::new(0, Some(addr), t));
        self.chain.outputs.push(OutputRecord::new(0, None, t));
        self.truth.flow.extend([false, false]);
        self.chain.txs.push(TxRecord {
            txid_raw: [0; 32],
            height,
            created: time,
            first_input,
            n_inputs: 1,
            first_output,
            n_outputs: 2,
            version: 2,
            locktime: 0,
            fee: 0,
            size: 0,
            vsize: 0,
            weight: 0,
        });
        self.truth.purposes.push(Purpose::Coinbase);
    }

    /// Closes the block being filled: the coinbase gets the subsidy and the fees.
    pub fn close_block(&mut self) {
        let Some(b) = self.block.map(|k| &mut self.chain.blocks[k]) else {
            return;
        };
        b.n_tx = (self.chain.txs.len() - b.first_tx.index()) as u32;
        let (height, first) = (b.height, b.first_tx);
        let value = self.add(self.sc.meta.network.subsidy(height), self.block_fees, "a coinbase");
        let out = self.chain.txs[first].first_output;
        self.chain.outputs[out].value = value;
        let addr = self.chain.outputs[out].addr().expect("a coinbase's first output pays the miner");
        if value > 0
            && let Some(miner) = self.block_miner
        {
            self.credit(miner, Utxo { out, value, addr, mature: height + COINBASE_MATURITY });
        }
        self.send_closed();
    }

    /// Hands the blocks closed since the last call, and the records they added, to the
    /// streaming sealer (if there is one). A sealer that stopped is not an error here: what it
    /// got is checked when it is joined.
    fn send_closed(&mut self) {
        let Some(to) = &self.closed else { return };
        let c = &self.chain;
        let [blocks, txs, inputs, outputs, addresses] = self.sent;
        let Some(k) = self.block.filter(|&k| k == blocks) else { return };
        let msg = Closed {
            block: c.blocks[k].clone(),
            txs: c.txs.as_slice()[txs..].to_vec(),
            inputs: c.inputs.as_slice()[inputs..].to_vec(),
            outputs: c.outputs.as_slice()[outputs..].to_vec(),
            addresses: c.addresses.as_slice()[addresses..].iter().map(AddrInfo::kind).collect(),
        };
        self.sent = [k + 1, c.txs.len(), c.inputs.len(), c.outputs.len(), c.addresses.len()];
        let _ = to.send(msg);
    }

    /// Mines every block due before `t`, so that a transaction made at `t` goes into a block
    /// stamped at or after it.
    pub fn advance_to(&mut self, t: i64, miner: &mut dyn FnMut(&mut Self) -> WalletId) {
        while self.block_time() < t {
            let next = self.block_time() + self.block_interval();
            self.close_block();
            let m = miner(self);
            self.open_block(next, m);
        }
    }

    /// A generation error naming the scenario file and a place in it.
    pub fn fail(&self, at: crate::locate::Pos, message: String) -> GenerateError {
        GenerateError::Scenario(self.sc.diagnostic(at, message))
    }
}
