//! The generator: from a scenario and a seed, a deterministic world: a Bitcoin ledger, the
//! intel trainees start from, and the ground truth.
//!
//! Generation runs in three phases: the simulation (`engine`, `setup`, `services`, `story`,
//! `background`) fills compact tables in time order; sealing
//! ([`crate::ledger::seal`]) turns them into real blocks and transactions; resolution
//! (`resolve`) answers every objective and intel reference from the truth.

mod background;
pub mod engine;
mod names;
pub mod price;
mod resolve;
pub mod sat;
mod services;
mod setup;
mod story;

use std::collections::HashMap;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use self::engine::{Engine, Ev, WalletId};
use self::price::PriceSeries;
use crate::diag::Diagnostic;
use crate::ledger::keys::KeySource;
use crate::ledger::values::{ValueError, check_values};
use crate::ledger::{AddrIdx, Chain, seal};
use crate::locate::Pos;
use crate::scenario::{EntityIdx, EntityKind, Scenario, StepIdx, WorldSize};
use crate::time::DAY;
// The generated world is its own module, `crate::world`; re-exported so that `sim::World` still
// names it.
pub use crate::world::{World, normalize_address};

/// How to generate.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Overrides the scenario's seed.
    pub seed: Option<u64>,
    /// Real keys and signatures instead of placeholders.
    pub signed: bool,
}

/// How big a world the generator may make before it stops with an error (instead of running
/// out of memory). Validation refuses scenarios estimated above [`WorldSize::MAX`]; these
/// are a margin above that, for scenarios whose estimate was low.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub size: WorldSize,
    /// Bytes, by [`WorldSize::memory`].
    pub memory: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { size: WorldSize::GENERATED_MAX, memory: WorldSize::MAX_MEMORY / 4 * 5 }
    }
}

/// The phases progress is reported for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Running the scenario clock: done and total are seconds of it.
    Simulating,
    /// Building and signing blocks: done and total are blocks.
    Sealing,
    /// Writing files: done and total are files.
    Writing,
}

/// Called now and then with the phase, work done and work in all.
pub type Progress<'a> = &'a mut dyn FnMut(Phase, u64, u64);

/// Why a world could not be generated.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    /// The scenario asks for something the simulation cannot do (funds that never arrive, a
    /// service that runs dry); the place is the step or entity concerned.
    #[error("{0}")]
    Scenario(Diagnostic),
    /// The simulator made a chain that does not conserve value. No scenario excuses that:
    /// it is a bug, and the world is never returned or written.
    #[error("{file}: internal: the generated chain breaks a rule of value ({problem}); nothing was written")]
    Invalid { file: String, problem: ValueError },
}

/// How long after the scenario's end late story steps may still run.
pub const GRACE: i64 = 14 * DAY;

/// A market's private books.
#[derive(Debug)]
pub struct MarketRt {
    pub deposits: WalletId,
    pub hot: WalletId,
    pub hot_addrs: Vec<AddrIdx>,
    /// (release time, vendor entity or none for other vendors, amount).
    pub escrow: Vec<(i64, Option<EntityIdx>, u64)>,
    /// Released and paid out so far, per vendor entity.
    pub paid: HashMap<EntityIdx, u64>,
    pub other_vendors: Vec<WalletId>,
    pub other_owed: u64,
}

#[derive(Debug)]
pub struct ExchangeRt {
    pub deposits: WalletId,
    pub hot: WalletId,
    pub cold: WalletId,
    pub hot_addrs: Vec<AddrIdx>,
    pub cold_addrs: Vec<AddrIdx>,
    /// Withdrawals waiting for the next batch.
    pub queue: Vec<engine::Pay>,
}

#[derive(Debug)]
pub struct MixerRt {
    pub deposits: WalletId,
    pub pool: WalletId,
}

#[derive(Debug)]
pub struct CoinJoinRt {
    pub fee_wallet: WalletId,
    pub fee_addr: AddrIdx,
    /// Story registrations: (step, coins, destination wallet).
    pub story: Vec<(StepIdx, Vec<engine::Utxo>, WalletId)>,
    /// Background users who asked to join.
    pub users: Vec<WalletId>,
}

#[derive(Debug)]
pub struct OtcRt {
    pub wallet: WalletId,
    /// Coins bought from customers and not yet deposited at the trader's exchange.
    pub bought: u64,
}

#[derive(Debug)]
pub struct GamblingRt {
    pub deposits: WalletId,
    pub hot: WalletId,
    pub hot_addr: AddrIdx,
    /// Per user wallet: the user's deposit address at the casino.
    pub addr_of: HashMap<WalletId, AddrIdx>,
}

/// What each scenario entity needs while the clock runs.
#[derive(Debug)]
pub enum Rt {
    None,
    Market(MarketRt),
    Exchange(ExchangeRt),
    Mixer(MixerRt),
    CoinJoin(CoinJoinRt),
    Otc(OtcRt),
    Gambling(GamblingRt),
    /// The members' wallets of a population (created when first needed for buyers).
    Population(Vec<WalletId>),
    Vendor,
}

/// A purchase at a market: planned at the start, funded before it, paid at its time.
#[derive(Debug, Clone)]
pub struct Order {
    /// The story step; none for a market's other orders.
    pub step: Option<StepIdx>,
    pub market: EntityIdx,
    /// Vendor entity, or none for the market's other vendors.
    pub vendor: Option<EntityIdx>,
    pub buyer: WalletId,
    /// Who funds the buyer (an exchange or OTC trader), or none for self-funded buyers.
    pub funded_by: Option<EntityIdx>,
    pub time: i64,
    pub usd: f64,
    pub paid: bool,
}

/// A mixer's promise: payouts to a customer after a delay.
#[derive(Debug, Clone)]
pub struct MixJob {
    pub mixer: EntityIdx,
    /// The story step; none for a background customer.
    pub step: Option<StepIdx>,
    pub dest: WalletId,
    pub parts: Vec<u64>,
}

/// A story step's progress.
#[derive(Debug, Default, Clone)]
pub struct StepState {
    /// The wallet holding what the step produced; none for a Purchases step, whose coins
    /// stay with the market (validation lets no step take its funds from one).
    pub lot: Option<WalletId>,
    pub actions: u32,
    pub done: u32,
    /// Parts still expected from a service (mixer payouts, a CoinJoin round).
    pub pending: u32,
    /// The amount the step moves, fixed when its first action runs.
    pub target: Option<u64>,
    pub parts: Vec<u64>,
    /// Side wallets (the branches of a scatter-gather).
    pub branches: Vec<WalletId>,
    pub deferrals: u32,
}

indexed_by!(StepIdx => StepState);

impl StepState {
    pub fn complete(&self) -> bool {
        self.done >= self.actions && self.pending == 0
    }
}

pub struct Sim<'s> {
    pub e: Engine<'s>,
    pub rt: Vec<Rt>,
    /// The wallet that mines the first blocks and funds everybody; made by [`Sim::setup`].
    pub treasury: Option<WalletId>,
    /// Mining pools: wallets and their share of blocks.
    pub pools: Vec<(WalletId, f64)>,
    pub orders: Vec<Order>,
    pub steps: Vec<StepState>,
    pub mix_jobs: Vec<MixJob>,
    /// (service, holder entity, member) → account.
    pub accounts: HashMap<(EntityIdx, EntityIdx, Option<crate::truth::MemberIdx>), crate::truth::AccountIdx>,
    pub keys_rng: ChaCha8Rng,
    /// The world's seed (the scenario's own, or a variant's).
    pub seed: u64,
    pub end: i64,
    /// The profile each scenario entity's own wallets use (the first of a population's).
    pub entity_profiles: Vec<u32>,
    /// How big the world may grow.
    pub limits: Limits,
}

/// Generates the world of `sc`.
///
/// # Errors
/// A [`GenerateError`] with the place in the scenario that asks for the impossible.
pub fn generate(sc: &Scenario, opts: &Options, progress: Progress<'_>) -> Result<World, GenerateError> {
    generate_within(sc, opts, &Limits::default(), progress)
}

/// Generates the world of `sc`, stopping with an error as soon as it grows past `limits`.
///
/// # Errors
/// A [`GenerateError`] with the place in the scenario that asks for the impossible, or that
/// was at work when the world grew too big.
pub fn generate_within(
    sc: &Scenario,
    opts: &Options,
    limits: &Limits,
    progress: Progress<'_>,
) -> Result<World, GenerateError> {
    generate_into(sc, opts, limits, progress, None)
}

/// Generates the world of `sc`, handing each block's bytes to `blocks` as soon as it is
/// sealed (they are then not kept in the world's chain): how `offramp generate` writes
/// block files while it seals.
///
/// # Errors
/// As [`generate_within`].
pub fn generate_into(
    sc: &Scenario,
    opts: &Options,
    limits: &Limits,
    progress: Progress<'_>,
    blocks: Option<seal::BlockSink<'_>>,
) -> Result<World, GenerateError> {
    let seed = opts.seed.unwrap_or(sc.meta.seed);
    let mut price_rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5052_4943_4550_4154);
    let price_start = sc.meta.start - 120 * DAY;
    let hours = ((sc.meta.duration + 120 * DAY + GRACE + 30 * DAY) / 3600) as usize;
    let prices = PriceSeries::new(&sc.meta.price, price_start, sc.meta.start, hours, &mut price_rng);
    let chain = Chain::new(sc.meta.network, opts.signed);
    let engine = Engine::new(sc, ChaCha8Rng::seed_from_u64(seed), chain, prices);
    let mut sim = Sim {
        e: engine,
        rt: Vec::new(),
        treasury: None,
        pools: Vec::new(),
        orders: Vec::new(),
        steps: vec![StepState::default(); sc.story.len()],
        mix_jobs: Vec::new(),
        accounts: HashMap::new(),
        keys_rng: ChaCha8Rng::seed_from_u64(seed ^ 0x4b59_435f_4944_454e),
        seed,
        end: sc.end(),
        entity_profiles: Vec::new(),
        limits: *limits,
    };
    sim.e.truth.step_txs = vec![Vec::new(); sc.story.len()];
    let t0 = std::time::Instant::now();
    let keys = KeySource::new(&sc.meta.id, seed);
    let mut blocks_later = None;
    // In fast mode with somewhere for the blocks to go, sealing runs beside the simulation,
    // fed each block as it closes; otherwise it follows it.
    let sealed = match blocks {
        Some(sink) if !opts.signed => {
            let (to, from) = std::sync::mpsc::sync_channel(64);
            sim.e.closed = Some(to);
            let (network, keys) = (sc.meta.network, &keys);
            let (simulated, sealed) = std::thread::scope(|s| {
                let sealer = s.spawn(move || seal::seal_streamed(from, network, keys, Some(sink)));
                let simulated = sim.simulate(progress, t0);
                // The sealer finishes what it was sent once nothing more can come.
                sim.e.closed = None;
                (simulated, sealer.join())
            });
            simulated?;
            Some(sealed.unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
        }
        sink => {
            sim.simulate(progress, t0)?;
            blocks_later = sink;
            None
        }
    };
    let Sim { e, .. } = sim;
    let Engine { mut chain, mut truth, prices, .. } = e;
    crate::timing::mark("simulated and sealed");
    check_values(&chain).map_err(|problem| GenerateError::Invalid { file: sc.file.clone(), problem })?;
    crate::timing::mark("values checked");
    match sealed {
        Some(sealed) => {
            sealed.apply(&mut chain, &keys);
            let n = chain.blocks.len() as u64;
            progress(Phase::Sealing, n, n);
        }
        None => seal::seal_into(&mut chain, &keys, &mut |done, all| progress(Phase::Sealing, done, all), blocks_later),
    }
    crate::timing::mark("sealed into the tables");
    let intel = resolve::intel(sc, &chain, &truth, &prices, seed)?;
    truth.answers = resolve::answers(sc, &chain, &truth)?;
    crate::timing::mark("intel and answers");
    Ok(World::new(sc.clone(), seed, chain, prices, intel, truth))
}

impl Sim<'_> {
    /// Sets the world up and runs the simulation to its end.
    fn simulate(&mut self, progress: Progress<'_>, t0: std::time::Instant) -> Result<(), GenerateError> {
        let sim = self;
        let sc = sim.e.sc;
        sim.setup()?;
        if let Some(why) = sim.e.trouble.take() {
            return Err(sim.trouble(sim.place_of(Ev::PoolPayouts(0)), &why));
        }
        // The pre-history funded every population at once: the entities are what to shrink.
        let largest = sc.entities.iter().enumerate().max_by_key(|(_, e)| match &e.kind {
            EntityKind::Users(u) => u.count,
            EntityKind::Buyers(b) => b.count,
            _ => 0,
        });
        if let Some((_, e)) = largest
            && let Some(why) = sim.too_big()
        {
            return Err(sim.trouble((e.loc, format!("{} \"{}\"", e.kind.word(), e.id)), &why));
        }
        sim.schedule_all();
        sim.run(progress)?;
        if crate::timing::on() {
            eprintln!("timing: simulation {:.2}s", t0.elapsed().as_secs_f64());
        }
        Ok(())
    }

    /// Schedules the services' recurring work, the story and the background.
    fn schedule_all(&mut self) {
        let sc = self.e.sc;
        let start = sc.meta.start;
        for (i, ent) in sc.entities.iter().enumerate() {
            let i = EntityIdx::new(i);
            let jitter = self.e.between(0, 3600);
            match &ent.kind {
                EntityKind::Exchange(x) => {
                    self.e.schedule(start + jitter + x.sweep_every / 2, Ev::ExchangeSweep(i));
                    self.e.schedule(start + jitter % x.withdrawal_batch_every.max(1), Ev::ExchangeBatch(i));
                    self.e.schedule(start + DAY / 2 + jitter, Ev::ExchangeRebalance(i));
                }
                EntityKind::Market(m) => {
                    self.e.schedule(start + jitter + m.sweep_every / 2, Ev::MarketSweep(i));
                    if m.other_orders_per_day > 0.0 {
                        self.e.schedule(start + jitter, Ev::MarketOtherOrder(i));
                        self.e.schedule(start + DAY + jitter, Ev::MarketPayouts(i));
                    }
                }
                EntityKind::Mixer(m) => self.e.schedule(start + jitter + m.sweep_every / 2, Ev::MixerSweep(i)),
                EntityKind::CoinJoin(c) => self.e.schedule(start + jitter % c.round_every.max(1), Ev::CoinJoinRound(i)),
                EntityKind::Otc(o) => self.e.schedule(start + o.deposit_every / 2 + jitter, Ev::OtcDeposit(i)),
                EntityKind::Gambling(_) => self.e.schedule(start + DAY / 2 + jitter, Ev::GamblingSweep(i)),
                _ => {}
            }
        }
        self.e.schedule(start + DAY + 1800, Ev::PoolPayouts(0));
        self.schedule_story();
        if sc.background.is_some() {
            self.schedule_background(start);
        }
    }

    fn run(&mut self, progress: Progress<'_>) -> Result<(), GenerateError> {
        let start = self.e.sc.meta.start;
        let total = (self.end - start).max(1) as u64;
        let mut n = 0u64;
        while let Some((t, ev)) = self.e.next_event() {
            let story_left = self.steps.iter().any(|s| !s.complete());
            let keep = match ev {
                Ev::Story { .. }
                | Ev::Order { .. }
                | Ev::Funding { .. }
                | Ev::MixerPayout { .. }
                | Ev::CoinJoinRound(_)
                | Ev::ExchangeBatch(_) => story_left,
                // A trader still holding bought coins goes on to cash them out.
                Ev::OtcDeposit(o) => matches!(&self.rt[o.index()], Rt::Otc(r) if r.bought > 0),
                _ => false,
            };
            if t > self.end && !keep {
                continue;
            }
            if t > self.end + GRACE {
                if story_left {
                    return Err(self.stuck());
                }
                continue;
            }
            self.advance(t);
            self.e.now = t;
            self.handle(ev)?;
            if let Some(why) = self.e.trouble.take() {
                return Err(self.trouble(self.place_of(ev), &why));
            }
            if let Some(why) = self.too_big() {
                return Err(self.trouble(self.place_of(ev), &why));
            }
            n += 1;
            if n.is_multiple_of(4096) {
                progress(Phase::Simulating, ((t - start).max(0) as u64).min(total), total);
            }
        }
        if self.steps.iter().any(|s| !s.complete()) {
            return Err(self.stuck());
        }
        // Mine until every transaction is in a block stamped after it.
        let last = self.e.now;
        self.advance(last + 1);
        self.e.close_block();
        if let Some(why) = self.e.trouble.take() {
            return Err(self.trouble(self.place_of(Ev::PoolPayouts(0)), &why));
        }
        progress(Phase::Simulating, total, total);
        Ok(())
    }

    /// Where in the scenario an event comes from, and who is at work in it, for messages.
    fn place_of(&self, ev: Ev) -> (Pos, String) {
        let sc = self.e.sc;
        let step = |k: StepIdx| {
            let st = &sc.story[k];
            (st.loc, format!("step \"{}\"", st.id))
        };
        let entity = |k: EntityIdx| {
            let e = &sc.entities[k];
            (e.loc, format!("{} \"{}\"", e.kind.word(), e.id))
        };
        match ev {
            Ev::Story { step: k, .. } => step(k),
            Ev::Order { order } | Ev::Funding { order } => {
                let o = &self.orders[order as usize];
                o.step.map_or_else(|| entity(o.market), step)
            }
            Ev::MixerPayout { job, .. } => {
                let j = &self.mix_jobs[job as usize];
                j.step.map_or_else(|| entity(j.mixer), step)
            }
            Ev::Background => match &sc.background {
                Some(b) => (b.loc, "the background's ordinary life".into()),
                None => (Pos::default(), "ordinary life".into()),
            },
            Ev::ExchangeSweep(x)
            | Ev::ExchangeBatch(x)
            | Ev::ExchangeRebalance(x)
            | Ev::MarketSweep(x)
            | Ev::MarketOtherOrder(x)
            | Ev::MarketPayouts(x)
            | Ev::MixerSweep(x)
            | Ev::CoinJoinRound(x)
            | Ev::OtcDeposit(x)
            | Ev::GamblingSweep(x)
            | Ev::GamblingPayout { entity: x, .. } => entity(x),
            Ev::PoolPayouts(_) => match sc.entities.iter().position(|e| matches!(e.kind, EntityKind::Miners(_))) {
                Some(m) => entity(EntityIdx::new(m)),
                None => (sc.entities.first().map_or(Pos::default(), |e| e.loc), "the mining pools".into()),
            },
        }
    }

    /// How big the world is so far.
    fn size(&self) -> WorldSize {
        let c = &self.e.chain;
        WorldSize {
            transactions: c.txs.len() as u64,
            inputs: c.inputs.len() as u64,
            outputs: c.outputs.len() as u64,
            addresses: c.addresses.len() as u64,
        }
    }

    /// Why the world is too big, if it has grown past the limits (cheap: after every event).
    fn too_big(&self) -> Option<String> {
        let size = self.size();
        let why = if let Some((what, n, most)) = size.above(&self.limits.size) {
            format!("the world has {n} {what}, more than the {most} Offramp generates")
        } else if size.memory() > self.limits.memory {
            format!(
                "the world needs about {:.1} GiB of memory, more than the {:.1} GiB Offramp allows",
                size.memory() as f64 / f64::from(1u32 << 30),
                self.limits.memory as f64 / f64::from(1u32 << 30)
            )
        } else {
            return None;
        };
        Some(format!("generation stopped: {why} (it makes more than validation estimated); make the scenario smaller"))
    }

    /// The error for what stopped the simulation while `who` was at work.
    fn trouble(&self, (at, who): (Pos, String), why: &str) -> GenerateError {
        self.e.fail(at, format!("{who}: {why}"))
    }

    fn advance(&mut self, t: i64) {
        if self.e.block_time() >= t {
            return;
        }
        let pools = std::mem::take(&mut self.pools);
        self.e.advance_to(t, &mut |e: &mut Engine<'_>| {
            let total: f64 = pools.iter().map(|p| p.1).sum();
            let mut x = e.uniform(0.0, total);
            for (w, share) in &pools {
                if x < *share {
                    return *w;
                }
                x -= share;
            }
            pools[0].0
        });
        self.pools = pools;
    }

    fn handle(&mut self, ev: Ev) -> Result<(), GenerateError> {
        match ev {
            Ev::Story { step, action } => self.story_action(step, action)?,
            Ev::Order { order } => self.pay_order(order)?,
            Ev::Funding { order } => self.fund_order(order)?,
            Ev::Background => self.background(),
            Ev::ExchangeSweep(x) => self.exchange_sweep(x),
            Ev::ExchangeBatch(x) => self.exchange_batch(x)?,
            Ev::ExchangeRebalance(x) => self.exchange_rebalance(x),
            Ev::MarketSweep(m) => self.market_sweep(m),
            Ev::MarketOtherOrder(m) => self.market_other_order(m),
            Ev::MarketPayouts(m) => self.market_other_payouts(m),
            Ev::MixerSweep(m) => self.mixer_sweep(m),
            Ev::MixerPayout { job, part } => self.mixer_payout(job, part)?,
            Ev::CoinJoinRound(c) => self.coinjoin_round(c)?,
            Ev::OtcDeposit(o) => self.otc_deposit(o),
            Ev::GamblingSweep(g) => self.gambling_sweep(g),
            Ev::GamblingPayout { entity, wallet, value } => self.gambling_payout(entity, wallet, value),
            Ev::PoolPayouts(_) => self.pool_payouts(),
        }
        Ok(())
    }

    /// The error for a story that never completes.
    fn stuck(&self) -> GenerateError {
        let sc = self.e.sc;
        let (i, _) = self.steps.iter().enumerate().find(|(_, s)| !s.complete()).unwrap_or((0, &self.steps[0]));
        let step = &sc.story[i];
        let waiting: Vec<&str> = step
            .action
            .sources()
            .iter()
            .filter(|&&k| !self.steps[k.index()].complete())
            .map(|&k| sc.story[k].id.as_str())
            .collect();
        let why = if waiting.is_empty() {
            "its funds never arrived".to_string()
        } else {
            format!("it waits for \"{}\", which never finished", waiting.join("\", \""))
        };
        self.e.fail(
            step.loc,
            format!(
                "step \"{}\" could not finish within {} days after the scenario's end: {why}",
                step.id,
                GRACE / DAY
            ),
        )
    }
}
