//! The services at work: exchanges sweep deposits and batch withdrawals, markets sweep order
//! addresses and pay vendors, mixers pay out of their pool, CoinJoin coordinators run rounds,
//! OTC traders, casinos and mining pools do their business.

use std::cmp::Reverse;

use super::engine::{Inputs, Pay, Rest, Spec, Utxo, WalletId, value_of};
use super::sat::{self, MAX_MONEY};
use super::*;
use crate::ledger::{DUST, NONE, input_weight, output_weight};
use crate::scenario::{AddrRole, Identity, ScriptType};
use crate::truth::{Account, Activity, Operation, Purpose};

/// Most inputs a service puts in one sweep.
const SWEEP_INPUTS: usize = 150;
/// Most payments in one withdrawal batch.
const BATCH_OUTPUTS: usize = 100;
/// The heaviest CoinJoin round, as wallets estimate weight: under Bitcoin Core's limit for a
/// standard transaction (400,000, a tenth of a block), with room for what the estimate leaves
/// out (longer counts, the empty witnesses of legacy inputs).
const MAX_ROUND_WEIGHT: u64 = 390_000;

impl Sim<'_> {
    pub fn exchange(&self, x: u32) -> &ExchangeRt {
        match &self.rt[x as usize] {
            Rt::Exchange(r) => r,
            _ => panic!("entity {x} is not an exchange"),
        }
    }

    fn exchange_mut(&mut self, x: u32) -> &mut ExchangeRt {
        match &mut self.rt[x as usize] {
            Rt::Exchange(r) => r,
            _ => panic!("entity {x} is not an exchange"),
        }
    }

    pub fn market(&self, m: u32) -> &MarketRt {
        match &self.rt[m as usize] {
            Rt::Market(r) => r,
            _ => panic!("entity {m} is not a market"),
        }
    }

    pub fn market_mut(&mut self, m: u32) -> &mut MarketRt {
        match &mut self.rt[m as usize] {
            Rt::Market(r) => r,
            _ => panic!("entity {m} is not a market"),
        }
    }

    pub fn members(&self, population: u32) -> &[WalletId] {
        match &self.rt[population as usize] {
            Rt::Population(m) => m,
            _ => &[],
        }
    }

    /// The account of a customer at a service, opened (with its KYC file) on first use.
    pub fn account(&mut self, service: u32, holder: u32, member: u32) -> u32 {
        if let Some(a) = self.accounts.get(&(service, holder, member)) {
            return *a;
        }
        let sc = self.e.sc;
        let (kyc, jurisdiction) = match &sc.entities[service as usize].kind {
            EntityKind::Exchange(x) => (x.kyc, x.jurisdiction.clone()),
            _ => (false, String::from("EU")),
        };
        let authored: Option<&Identity> = sc.entities.get(holder as usize).and_then(|e| match &e.kind {
            EntityKind::Vendor(v) => v.identity.as_ref(),
            EntityKind::Otc(o) => o.identity.as_ref(),
            _ => None,
        });
        let person = match authored {
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
            account_id: names::account_id(&sc.entities[service as usize].name, n),
            identity: kyc.then_some(person),
            email,
            documents,
            opened,
            addresses: Vec::new(),
        });
        let idx = n as u32;
        self.accounts.insert((service, holder, member), idx);
        idx
    }

    /// A deposit address of an exchange account: the last one issued, or a fresh one.
    pub fn deposit_addr(&mut self, account: u32, fresh: bool) -> u32 {
        let acct = &self.e.truth.accounts[account as usize];
        if !fresh && let Some(&a) = acct.addresses.last() {
            return a;
        }
        let service = acct.service;
        let deposits = self.exchange(service).deposits;
        let kind = self.e.profile_of(deposits).script;
        let a = self.e.fresh_addr_of(deposits, AddrRole::Deposit, kind, account);
        self.e.truth.accounts[account as usize].addresses.push(a);
        a
    }

    /// Sweeps every coin of `from` into `to`, in transactions of at most 150 inputs.
    pub fn sweep(&mut self, from: WalletId, to: WalletId, addr: u32, purpose: Purpose) {
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

    pub fn exchange_sweep(&mut self, x: u32) {
        let k = self.e.index(3);
        let r = self.exchange(x);
        let (deposits, hot, addr) = (r.deposits, r.hot, r.hot_addrs[k]);
        self.sweep(deposits, hot, addr, Purpose::Service(Operation::DepositSweep));
        if let EntityKind::Exchange(e) = &self.e.sc.entities[x as usize].kind {
            let next = self.e.now + e.sweep_every + self.e.between(-600, 600);
            self.e.schedule(next, Ev::ExchangeSweep(x));
        }
    }

    /// Pays queued withdrawals from the hot wallet, refilling it from cold storage first if
    /// it must.
    pub fn exchange_batch(&mut self, x: u32) -> Result<(), GenerateError> {
        let every = match &self.e.sc.entities[x as usize].kind {
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
                let ent = &self.e.sc.entities[x as usize];
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

    fn cold_to_hot(&mut self, x: u32, value: u64) {
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
    pub fn exchange_rebalance(&mut self, x: u32) {
        let frac = match &self.e.sc.entities[x as usize].kind {
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
    pub fn request_withdrawal(&mut self, x: u32, pay: Pay) {
        self.exchange_mut(x).queue.push(pay);
    }

    pub fn market_sweep(&mut self, m: u32) {
        let k = self.e.index(2);
        let r = self.market(m);
        let (deposits, hot, addr) = (r.deposits, r.hot, r.hot_addrs[k]);
        self.sweep(deposits, hot, addr, Purpose::Service(Operation::DepositSweep));
        if let EntityKind::Market(k) = &self.e.sc.entities[m as usize].kind {
            let next = self.e.now + k.sweep_every + self.e.between(-300, 300);
            self.e.schedule(next, Ev::MarketSweep(m));
        }
    }

    /// Another vendor's sale: a buyer is funded now and pays later.
    pub fn market_other_order(&mut self, m: u32) {
        let EntityKind::Market(k) = &self.e.sc.entities[m as usize].kind else {
            return;
        };
        let (rate, buyers) = (k.other_orders_per_day, k.other_buyers);
        let u: f64 = self.e.uniform(1e-9, 1.0);
        let next = self.e.now + ((-u.ln()) * DAY as f64 / rate.max(1e-6)) as i64 + 1;
        self.e.schedule(next, Ev::MarketOtherOrder(m));
        let Some(b) = buyers else { return };
        let n = self.members(b as u32).len();
        if n == 0 {
            return;
        }
        let k = self.e.index(n);
        let buyer = self.members(b as u32)[k];
        let (lo, hi) = crate::scenario::MARKET_OTHER_ORDER_USD;
        let usd = self.e.log_uniform(lo, hi).round();
        let funded_by = match &self.e.sc.entities[b].kind {
            EntityKind::Buyers(bb) => bb.funded_by.map_or(NONE, |x| x as u32),
            _ => NONE,
        };
        let time = self.e.now + self.e.between(6 * 3600, 40 * 3600);
        self.orders.push(Order { step: NONE, market: m, vendor: NONE, buyer, funded_by, time, usd, paid: false });
        let o = self.orders.len() as u32 - 1;
        self.e.schedule(self.e.now, Ev::Funding { order: o });
        self.e.schedule(time, Ev::Order { order: o });
    }

    /// Once a day: the market pays its other vendors what left escrow.
    pub fn market_other_payouts(&mut self, m: u32) {
        let now = self.e.now;
        let next = now + DAY + self.e.between(-3600, 3600);
        self.e.schedule(next, Ev::MarketPayouts(m));
        let released: Option<u64> = {
            let r = self.market_mut(m);
            let mut sum = Some(0);
            r.escrow.retain(|(t, v, amount)| {
                if *v == NONE && *t <= now {
                    sum = sum.and_then(|s| sat::add(s, *amount));
                    false
                } else {
                    true
                }
            });
            r.other_owed = sum.and_then(|s| sat::add(r.other_owed, s)).unwrap_or(MAX_MONEY);
            sum.map(|_| r.other_owed)
        };
        let Some(released) = released else {
            self.e.out_of_range("what a market owes its other vendors");
            return;
        };
        if released < 500_000 {
            return;
        }
        let r = self.market(m);
        let vendors = r.other_vendors.clone();
        let (hot, haddr) = (r.hot, r.hot_addrs[0]);
        let n = 1 + self.e.index(4.min(vendors.len()));
        let parts = self.e.split(released, n, 100_000);
        let mut pays = Vec::new();
        for part in parts {
            let w = vendors[self.e.index(vendors.len())];
            let addr = self.e.receive_addr(w, AddrRole::Payout);
            pays.push(Pay { wallet: w, addr, value: part, flow: false });
        }
        let spec = Spec {
            from: hot,
            inputs: Inputs::Select,
            pays,
            rest: Rest::To { wallet: hot, addr: haddr, flow: false },
            purpose: Purpose::Service(Operation::VendorPayouts),
        };
        if self.e.transact(spec).is_ok() {
            self.market_mut(m).other_owed = 0;
        }
    }

    /// Funds a buyer ahead of an order: a withdrawal from an exchange, a P2P sale by an OTC
    /// trader, or nothing for a buyer who started with coins.
    pub fn fund_order(&mut self, o: u32) -> Result<(), GenerateError> {
        let ord = self.orders[o as usize].clone();
        if ord.funded_by == NONE {
            return Ok(());
        }
        let usd = (ord.usd * self.e.uniform(1.05, 1.6) / 10.0).ceil() * 10.0;
        let Some(value) = self.e.prices.sats_for_usd(usd, ord.time).and_then(|v| sat::add(v, 20_000)) else {
            let price = self.e.prices.at(ord.time);
            self.e.out_of_range(format!("the coins a buyer needs for an order of ${usd:.0} at ${price} a bitcoin"));
            return Ok(());
        };
        let addr = self.e.receive_addr(ord.buyer, AddrRole::Receive);
        let pay = Pay { wallet: ord.buyer, addr, value, flow: false };
        match &self.e.sc.entities[ord.funded_by as usize].kind {
            EntityKind::Exchange(_) => self.request_withdrawal(ord.funded_by, pay),
            EntityKind::Otc(_) => {
                let Rt::Otc(r) = &self.rt[ord.funded_by as usize] else {
                    return Ok(());
                };
                let spec = Spec {
                    from: r.wallet,
                    inputs: Inputs::Select,
                    pays: vec![pay],
                    rest: Rest::Change { flow: false },
                    purpose: Purpose::Service(Operation::OtcSale),
                };
                if self.e.transact(spec).is_err() && ord.step != NONE {
                    let ent = &self.e.sc.entities[ord.funded_by as usize];
                    return Err(self.e.fail(
                        ent.loc,
                        format!("OTC trader \"{}\" ran out of coins to sell to buyers; raise its float_btc", ent.id),
                    ));
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// A buyer pays an order into a fresh deposit address of the market.
    pub fn pay_order(&mut self, o: u32) -> Result<(), GenerateError> {
        let ord = self.orders[o as usize].clone();
        let sc = self.e.sc;
        let Some(value) = self.e.prices.sats_for_usd(ord.usd, self.e.now) else {
            let price = self.e.prices.at(self.e.now);
            self.e.out_of_range(format!("an order of ${:.0} at ${price} a bitcoin", ord.usd));
            return Ok(());
        };
        let deposits = self.market(ord.market).deposits;
        let addr = self.e.fresh_addr(deposits, AddrRole::Deposit);
        let story = ord.step != NONE;
        let purpose = if story { Purpose::Story(ord.step) } else { Purpose::Background(Activity::MarketOrder) };
        let spec = Spec {
            from: ord.buyer,
            inputs: Inputs::Select,
            pays: vec![Pay { wallet: deposits, addr, value, flow: story }],
            rest: Rest::Change { flow: false },
            purpose,
        };
        if self.e.transact(spec).is_err() {
            // The funding has not arrived yet: try again in an hour, for a while.
            if self.e.now - ord.time < 3 * DAY {
                self.e.schedule(self.e.now + 3600, Ev::Order { order: o });
                return Ok(());
            }
            if !story {
                return Ok(());
            }
            let step = &sc.story[ord.step as usize];
            return Err(self.e.fail(
                step.loc,
                format!(
                    "a buyer of step \"{}\" could not pay an order of ${:.0}: its funding never arrived",
                    step.id, ord.usd
                ),
            ));
        }
        self.orders[o as usize].paid = true;
        let EntityKind::Market(mk) = &sc.entities[ord.market as usize].kind else {
            return Ok(());
        };
        let share = self.e.sats(value as f64 * (1.0 - mk.commission), "a vendor's share of an order");
        let release = self.e.now + mk.escrow;
        self.market_mut(ord.market).escrow.push((release, ord.vendor, share));
        if story {
            self.steps[ord.step as usize].done += 1;
        }
        Ok(())
    }

    pub fn mixer_sweep(&mut self, m: u32) {
        let Rt::Mixer(r) = &self.rt[m as usize] else {
            return;
        };
        let (deposits, pool) = (r.deposits, r.pool);
        let addr = self.e.fresh_addr(pool, AddrRole::Pool);
        self.sweep(deposits, pool, addr, Purpose::Service(Operation::DepositSweep));
        if let EntityKind::Mixer(k) = &self.e.sc.entities[m as usize].kind {
            let next = self.e.now + k.sweep_every + self.e.between(-300, 300);
            self.e.schedule(next, Ev::MixerSweep(m));
        }
    }

    /// Takes a customer's coins into a mixer and promises payouts after the mixer's delay.
    pub fn mixer_accept(&mut self, mixer: u32, step: u32, dest: WalletId, deposited: u64) {
        let EntityKind::Mixer(m) = &self.e.sc.entities[mixer as usize].kind else {
            return;
        };
        let (fee, delay, outs) = (m.fee, m.delay, m.outputs);
        let total = self.e.sats(deposited as f64 * (1.0 - fee), "what a mixer pays out");
        let n = self.e.between(i64::from(outs.0), i64::from(outs.1)) as usize;
        let parts = self.e.split(total, n, 50_000);
        let job = self.mix_jobs.len() as u32;
        for (k, _) in parts.iter().enumerate() {
            let at = self.e.now + self.e.between(delay.0, delay.1);
            self.e.schedule(at, Ev::MixerPayout { job, part: k as u32 });
        }
        if step != NONE {
            self.steps[step as usize].pending += parts.len() as u32;
        }
        self.mix_jobs.push(MixJob { mixer, step, dest, parts });
    }

    pub fn mixer_payout(&mut self, job: u32, part: u32) -> Result<(), GenerateError> {
        let j = self.mix_jobs[job as usize].clone();
        let Rt::Mixer(r) = &self.rt[j.mixer as usize] else {
            return Ok(());
        };
        let pool = r.pool;
        let story = j.step != NONE;
        let addr = if story {
            self.e.fresh_addr(j.dest, AddrRole::Mixed)
        } else {
            self.e.receive_addr(j.dest, AddrRole::Receive)
        };
        let change = self.e.fresh_addr(pool, AddrRole::Pool);
        let purpose = if story { Purpose::Story(j.step) } else { Purpose::Service(Operation::MixerPayout) };
        let spec = Spec {
            from: pool,
            inputs: Inputs::Select,
            pays: vec![Pay { wallet: j.dest, addr, value: j.parts[part as usize], flow: story }],
            rest: Rest::To { wallet: pool, addr: change, flow: false },
            purpose,
        };
        if self.e.transact(spec).is_err() {
            if !story {
                return Ok(());
            }
            let ent = &self.e.sc.entities[j.mixer as usize];
            return Err(self
                .e
                .fail(ent.loc, format!("mixer \"{}\" ran out of coins in its pool; raise pool_btc", ent.id)));
        }
        if story {
            self.steps[j.step as usize].pending -= 1;
        }
        Ok(())
    }

    /// One CoinJoin round: every registered story participant and enough ordinary users,
    /// each putting in coins and getting equal outputs back.
    pub fn coinjoin_round(&mut self, c: u32) -> Result<(), GenerateError> {
        let sc = self.e.sc;
        let EntityKind::CoinJoin(cj) = &sc.entities[c as usize].kind else {
            return Ok(());
        };
        let cj = cj.clone();
        let next = self.e.now + cj.round_every + self.e.between(-600, 600);
        self.e.schedule(next, Ev::CoinJoinRound(c));
        let denom = cj.denomination_sat;
        let rate = self.e.uniform(3.0, 8.0);
        let Rt::CoinJoin(r) = &mut self.rt[c as usize] else {
            return Ok(());
        };
        let story = std::mem::take(&mut r.story);
        let mut asked = std::mem::take(&mut r.users);
        let (fee_wallet, fee_addr) = (r.fee_wallet, r.fee_addr);
        let want = self.e.between(i64::from(cj.participants.0), i64::from(cj.participants.1)) as usize;
        // Fill with users who can afford a denomination.
        let pool_entity = cj.users.map(|u| u as u32).or(sc.background.as_ref().map(|b| b.users as u32));
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
            if let Rt::CoinJoin(r) = &mut self.rt[c as usize] {
                r.story = story;
            }
            return Ok(());
        }
        let mut coins: Vec<Utxo> = Vec::new();
        let mut outs: Vec<Pay> = Vec::new();
        let mut total_fee = 0u64;
        let mut coord = 0u64;
        let mut story_step = NONE;
        let mut add = |sim: &mut Self, taken: Vec<Utxo>, dest: WalletId, flow: bool, many: bool| -> bool {
            let Some(sum) = value_of(&taken) else {
                sim.e.out_of_range("the coins of a CoinJoin participant");
                return false;
            };
            let kind = sim.e.profile_of(dest).script;
            let in_w: u64 = taken.iter().map(|u| input_weight(sim.e.chain.addresses[u.addr as usize].kind())).sum();
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
        // The transaction's weight so far: its frame, the coordinator's output, and the story
        // participants' coins with as many outputs as they can get.
        let mut weight = 42 + output_weight(ScriptType::P2WPKH);
        for (_, taken, dest) in &story {
            weight += self.inputs_weight(taken) + 51 * output_weight(self.e.profile_of(*dest).script);
        }
        for (step, taken, dest) in story {
            let stake = value_of(&taken).unwrap_or(MAX_MONEY);
            if !add(self, taken, dest, true, true) {
                let st = &sc.story[step as usize];
                return Err(self.e.fail(
                    st.loc,
                    format!("step \"{}\" brings {:.8} BTC to a CoinJoin of {:.8} BTC denominations: not enough for one output and its fees", st.id, stake as f64 / 1e8, denom as f64 / 1e8),
                ));
            }
            story_step = step;
            self.steps[step as usize].pending -= 1;
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
            let more = self.inputs_weight(&taken) + 2 * output_weight(self.e.profile_of(w).script);
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
            && let Rt::CoinJoin(r) = &mut self.rt[c as usize]
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
        let purpose =
            if story_step != NONE { Purpose::Story(story_step) } else { Purpose::Service(Operation::CoinJoinRound) };
        self.e.record(&coins, &outs, 1, 0, 0xffff_ffff, total_fee, purpose);
        Ok(())
    }

    /// What `coins` weigh as inputs.
    fn inputs_weight(&self, coins: &[Utxo]) -> u64 {
        coins.iter().map(|u| input_weight(self.e.chain.addresses[u.addr as usize].kind())).sum()
    }

    /// Every few days an OTC trader deposits the coins it bought at its own exchange
    /// account: a nested service, whose KYC file names the trader, not the customers.
    pub fn otc_deposit(&mut self, o: u32) {
        let sc = self.e.sc;
        let EntityKind::Otc(k) = &sc.entities[o as usize].kind else { return };
        let next = self.e.now + k.deposit_every + self.e.between(-3600, 3600);
        self.e.schedule(next, Ev::OtcDeposit(o));
        let Some(x) = k.deposits_to else { return };
        let Rt::Otc(r) = &self.rt[o as usize] else { return };
        let (w, bought) = (r.wallet, r.bought);
        let value = round_btc(bought.min(self.e.spendable(w).saturating_sub(100_000)));
        if value < 1_000_000 {
            return;
        }
        let acct = self.account(x as u32, o, NONE);
        let addr = self.deposit_addr(acct, false);
        let deposits = self.exchange(x as u32).deposits;
        let spec = Spec {
            from: w,
            inputs: Inputs::Select,
            pays: vec![Pay { wallet: deposits, addr, value, flow: false }],
            rest: Rest::Change { flow: false },
            purpose: Purpose::Service(Operation::OtcDeposit),
        };
        if self.e.transact(spec).is_ok()
            && let Rt::Otc(r) = &mut self.rt[o as usize]
        {
            r.bought = r.bought.saturating_sub(value);
            if r.bought < 1_000_000 {
                r.bought = 0;
            }
        }
    }

    pub fn gambling_sweep(&mut self, g: u32) {
        let Rt::Gambling(r) = &self.rt[g as usize] else {
            return;
        };
        let (deposits, hot, addr) = (r.deposits, r.hot, r.hot_addr);
        self.sweep(deposits, hot, addr, Purpose::Service(Operation::DepositSweep));
        let next = self.e.now + DAY + self.e.between(-3600, 3600);
        self.e.schedule(next, Ev::GamblingSweep(g));
    }

    pub fn gambling_payout(&mut self, g: u32, wallet: WalletId, value: u64) {
        let Rt::Gambling(r) = &self.rt[g as usize] else {
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

    /// Once a day: pools pay their miners (ordinary users) out of mature coinbases, or sell
    /// at an exchange when there are no users.
    pub fn pool_payouts(&mut self) {
        let next = self.e.now + DAY + self.e.between(-1800, 1800);
        self.e.schedule(next, Ev::PoolPayouts(0));
        let sc = self.e.sc;
        let users: Vec<WalletId> =
            sc.background.as_ref().map(|b| self.members(b.users as u32).to_vec()).unwrap_or_default();
        let exchange = sc.entities.iter().position(|e| matches!(e.kind, EntityKind::Exchange(_)));
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
                let owner = self.e.wallets[pool as usize].entity;
                let member = self.e.wallets[pool as usize].member;
                let acct = self.account(x as u32, owner, member);
                let addr = self.deposit_addr(acct, false);
                pays.push(Pay { wallet: self.exchange(x as u32).deposits, addr, value: total, flow: false });
            } else {
                continue;
            }
            let addr = self.e.wallets[pool as usize].receive[0];
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
