//! CoinJoin coordinators: rounds of story participants and ordinary users, equal outputs
//! and change, kept under the weight of a standard transaction.

use std::cmp::Reverse;

use super::*;
use crate::ledger::{DUST, estimate_weight, output_weight};
use crate::scenario::{AddrRole, ScriptType};
use crate::sim::engine::{Pay, Utxo, WalletId, value_of};
use crate::sim::sat::{self, MAX_MONEY};
use crate::truth::{Operation, Purpose};

/// The heaviest CoinJoin round, as wallets estimate weight: under Bitcoin Core's limit for a
/// standard transaction (400,000, a tenth of a block), with room for what the estimate leaves
/// out (longer counts, the empty witnesses of legacy inputs).
const MAX_ROUND_WEIGHT: u64 = 390_000;

impl Sim<'_> {
    /// One CoinJoin round: every registered story participant and enough ordinary users,
    /// each putting in coins and getting equal outputs back.
    pub fn coinjoin_round(&mut self, c: EntityIdx) -> Result<(), GenerateError> {
        let sc = self.e.sc;
        let EntityKind::CoinJoin(cj) = &sc.entities[c].kind else {
            return Ok(());
        };
        let cj = cj.clone();
        let next = self.e.now + cj.round_every + self.e.between(-600, 600);
        self.e.schedule(next, Ev::CoinJoinRound(c));
        let denom = cj.denomination_sat;
        let rate = self.e.uniform(3.0, 8.0);
        let Rt::CoinJoin(r) = &mut self.rt[c.index()] else {
            return Ok(());
        };
        let story = std::mem::take(&mut r.story);
        let mut asked = std::mem::take(&mut r.users);
        let (fee_wallet, fee_addr) = (r.fee_wallet, r.fee_addr);
        let want = self.e.between(i64::from(cj.participants.0), i64::from(cj.participants.1)) as usize;
        // Fill with users who can afford a denomination.
        let pool_entity = cj.users.or(sc.background.as_ref().map(|b| b.users));
        if let Some(p) = pool_entity {
            let members = self.members(p).to_vec();
            let mut tries = 0;
            while asked.len() + story.len() < want && tries < want * 8 && !members.is_empty() {
                tries += 1;
                let w = members[self.e.index(members.len())];
                if !asked.contains(&w) && sat::add(denom, denom / 5).is_some_and(|need| self.e.spendable(w) > need) {
                    asked.push(w);
                }
            }
        }
        asked.retain(|w| sat::add(denom, denom / 5).is_some_and(|need| self.e.spendable(*w) > need));
        if asked.len() + story.len() < cj.participants.0 as usize {
            // Too few: the story participants wait for the next round.
            if let Rt::CoinJoin(r) = &mut self.rt[c.index()] {
                r.story = story;
            }
            return Ok(());
        }
        let mut coins: Vec<Utxo> = Vec::new();
        let mut outs: Vec<Pay> = Vec::new();
        let mut total_fee = 0u64;
        let mut coord = 0u64;
        let mut story_step = None;
        let mut add = |sim: &mut Self, taken: Vec<Utxo>, dest: WalletId, flow: bool, many: bool| -> bool {
            let Some(sum) = value_of(&taken) else {
                sim.e.out_of_range("the coins of a CoinJoin participant");
                return false;
            };
            let kind = sim.e.profile_of(dest).script;
            let in_w = sim.e.inputs_weight(&taken);
            let per_out = output_weight(kind);
            let k = if many { ((sum as f64 / (denom as f64 * 1.01)) as u64).clamp(1, 50) } else { 1 };
            let cfee = sim.e.sats(denom as f64 * k as f64 * cj.coordinator_fee, "a coordinator's fee");
            let mfee = sim.e.sats(((in_w + per_out * (k + 1)) as f64 / 4.0 * rate).ceil(), "a CoinJoin fee");
            // What is left for change once the outputs and the fees are paid, if anything.
            let Some(change) = sat::mul(denom, k)
                .and_then(|outs| sat::add(outs, cfee))
                .and_then(|c| sat::add(c, mfee))
                .and_then(|cost| sat::sub(sum, cost))
            else {
                return false;
            };
            for _ in 0..k {
                let a = sim.e.fresh_addr(dest, AddrRole::Mixed);
                outs.push(Pay { wallet: dest, addr: a, value: denom, flow });
            }
            if change > DUST {
                let a = sim.e.fresh_addr(dest, AddrRole::Change);
                outs.push(Pay { wallet: dest, addr: a, value: change, flow });
            } else {
                total_fee = sim.e.add(total_fee, change, "the fee of a CoinJoin");
            }
            total_fee = sim.e.add(total_fee, mfee, "the fee of a CoinJoin");
            coord = sim.e.add(coord, cfee, "a coordinator's fees");
            coins.extend(taken);
            true
        };
        // The transaction's weight so far: its frame (with the SegWit marker, counted whatever
        // the inputs), the coordinator's output, and the story participants' coins with as
        // many outputs as they can get.
        let mut weight = estimate_weight(0, output_weight(ScriptType::P2WPKH), true);
        for (_, taken, dest) in &story {
            weight += self.e.inputs_weight(taken) + 51 * output_weight(self.e.profile_of(*dest).script);
        }
        for (step, taken, dest) in story {
            let stake = value_of(&taken).unwrap_or(MAX_MONEY);
            if !add(self, taken, dest, true, true) {
                let st = &sc.story[step];
                return Err(self.e.fail(
                    st.loc,
                    format!("step \"{}\" brings {:.8} BTC to a CoinJoin of {:.8} BTC denominations: not enough for one output and its fees", st.id, stake as f64 / 1e8, denom as f64 / 1e8),
                ));
            }
            story_step = Some(step);
            self.steps[step].pending -= 1;
        }
        // One round is one transaction: users beyond what a standard transaction holds wait,
        // still registered, for the next round.
        let mut waiting: Vec<WalletId> = Vec::new();
        for w in asked {
            if !waiting.is_empty() {
                waiting.push(w);
                continue;
            }
            let taken = self.e.take_value(w, sat::add(denom, denom / 10).unwrap_or(MAX_MONEY));
            let more = self.e.inputs_weight(&taken) + 2 * output_weight(self.e.profile_of(w).script);
            if weight + more > MAX_ROUND_WEIGHT {
                self.e.give_back(w, taken);
                waiting.push(w);
                continue;
            }
            if add(self, taken.clone(), w, false, false) {
                weight += more;
            } else {
                self.e.give_back(w, taken);
            }
        }
        if !waiting.is_empty()
            && let Rt::CoinJoin(r) = &mut self.rt[c.index()]
        {
            r.users = waiting;
        }
        if coord > DUST {
            outs.push(Pay { wallet: fee_wallet, addr: fee_addr, value: coord, flow: false });
        } else {
            total_fee = self.e.add(total_fee, coord, "the fee of a CoinJoin");
        }
        // Equal outputs first, then by value: the usual coordinator ordering.
        outs.sort_by_key(|p| (Reverse(p.value == denom), Reverse(p.value), p.addr));
        coins.sort_by_key(|u| u.out);
        let purpose = story_step.map_or(Purpose::Service(Operation::CoinJoinRound), Purpose::Story);
        self.e.record(&coins, &outs, 1, 0, 0xffff_ffff, total_fee, purpose);
        Ok(())
    }
}
