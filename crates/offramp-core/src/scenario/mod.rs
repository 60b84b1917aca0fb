//! Scenarios: what an instructor writes, checked and typed.
//!
//! A scenario file is read in two stages: serde reads the RON text into the raw types of
//! [`raw`], then [`validate`] checks every name, number and time window and builds the
//! [`Scenario`] the rest of Offramp uses. Every problem is reported as
//! `FILE:LINE:COL: message`.

mod answerable;
pub mod raw;
mod validate;
pub use validate::{default_population_profiles, personal_profile, service_profile};

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::diag::{Diagnostic, Diagnostics};
pub use crate::locate::Pos;
use crate::time::DAY;
// The chain's vocabulary lives in `crate::vocab`; re-exported so that `scenario::Network` and the
// like still name it.
pub use crate::vocab::{AddrRole, Category, Network, ScriptType};

/// An entity of the world: its place in [`Scenario::entities`] and in the truth's entities
/// (which list the scenario's first, then the ones Offramp adds), both of which it indexes.
/// A u32 like the chain's other record numbers, written out as that number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
#[repr(transparent)]
pub struct EntityIdx(u32);

impl EntityIdx {
    /// The entity at place `k` of the entities.
    pub fn new(k: usize) -> EntityIdx {
        EntityIdx(u32::try_from(k).expect("fewer than 2^32 entities"))
    }

    /// Its place in [`Scenario::entities`] (and in anything kept per entity).
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A step of the story: its place in [`Scenario::story`], which it indexes. A u32 like the
/// other record numbers (a transaction's purpose names its step), written out as that number
/// (in the truth).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
#[repr(transparent)]
pub struct StepIdx(u32);

impl StepIdx {
    /// The step at place `k` of the story.
    pub fn new(k: usize) -> StepIdx {
        StepIdx(u32::try_from(k).expect("fewer than 2^32 steps"))
    }

    /// Its place in [`Scenario::story`] (and in anything kept per step).
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

indexed_by!(EntityIdx => Entity);
indexed_by!(StepIdx => Step);

/// The most blocks the pre-history mines to fund the world before the story starts; what
/// their subsidies add up to ([`Network::mintable`]) is all the money a world can have.
pub const PREHISTORY_MAX_BLOCKS: u32 = 50_000;

/// The largest scenario file Offramp reads; anything larger is refused before it is read.
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;
/// The price range, in US dollars, of a market's orders other than the story's.
pub const MARKET_OTHER_ORDER_USD: (f64, f64) = (20.0, 400.0);
/// The most transactions one scenario may ask for.
pub const MAX_TRANSACTIONS: u64 = 5_000_000;

/// How big a world is: what its tables hold. Validation estimates it before anything is
/// allocated; the generator counts it as it goes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WorldSize {
    pub transactions: u64,
    pub inputs: u64,
    pub outputs: u64,
    pub addresses: u64,
}

impl WorldSize {
    /// The largest world a scenario may ask for: validation refuses an estimate above any of
    /// these, or above [`WorldSize::MAX_MEMORY`].
    pub const MAX: WorldSize =
        WorldSize { transactions: MAX_TRANSACTIONS, inputs: 20_000_000, outputs: 20_000_000, addresses: 20_000_000 };
    /// The largest world the generator makes: a quarter above [`WorldSize::MAX`], since an
    /// estimate is only an estimate. Past it, generation stops with an error instead of
    /// running out of memory.
    pub const GENERATED_MAX: WorldSize =
        WorldSize { transactions: 6_250_000, inputs: 25_000_000, outputs: 25_000_000, addresses: 25_000_000 };
    /// The most memory a world may need by [`WorldSize::memory`]: 8 GiB.
    pub const MAX_MEMORY: u64 = 8 << 30;

    /// About how many bytes generating and writing a world this big holds at its peak: the
    /// tables, the blocks' bytes, the truth, the address text (measured on fast-mode worlds
    /// of 100,000 to 1,000,000 transactions, and rounded up).
    pub fn memory(&self) -> u64 {
        self.transactions
            .saturating_mul(100)
            .saturating_add(self.inputs.saturating_mul(150))
            .saturating_add(self.outputs.saturating_mul(90))
            .saturating_add(self.addresses.saturating_mul(200))
    }

    /// The first count in which `self` is above `limit`: its name, its value and the limit.
    pub fn above(&self, limit: &WorldSize) -> Option<(&'static str, u64, u64)> {
        [
            ("transactions", self.transactions, limit.transactions),
            ("inputs", self.inputs, limit.inputs),
            ("outputs", self.outputs, limit.outputs),
            ("addresses", self.addresses, limit.addresses),
        ]
        .into_iter()
        .find(|(_, n, most)| n > most)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChangePosition {
    Last,
    First,
    Random,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CoinSelection {
    /// Largest coins first (fewest inputs).
    Largest,
    /// Oldest coins first.
    Oldest,
    /// Random order.
    Random,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Difficulty {
    Beginner,
    Intermediate,
    Advanced,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum AmountUnit {
    #[default]
    Btc,
    Usd,
}

/// Where a wallet puts its change.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Change {
    /// A fresh address of the wallet's own type.
    Fresh,
    /// Back to the address of the first input (old web wallets).
    ReuseInput,
    /// A fresh address of another type (a wallet that migrated, or mixes types).
    FreshOfType(ScriptType),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fee {
    /// A fee rate drawn uniformly in [min, max] sat/vB for each transaction.
    Rate { min: f64, max: f64 },
    /// The same absolute fee in satoshis for every transaction.
    Flat(u64),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Locktime {
    Zero,
    /// Anti-fee-sniping: the current block height, as Bitcoin Core sets it.
    Height,
}

/// How one wallet software builds its transactions: the fingerprint heuristics read.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub weight: f64,
    pub script: ScriptType,
    pub address_reuse: f64,
    pub change: Change,
    pub change_position: ChangePosition,
    pub fee: Fee,
    pub version: i32,
    pub locktime: Locktime,
    pub rbf: bool,
    pub coin_selection: CoinSelection,
}

/// A person's identity as an exchange's KYC file holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Identity {
    pub name: String,
    pub nationality: Option<String>,
    pub document: Option<String>,
    pub bank_account: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PricePath {
    Fixed(f64),
    RandomWalk { start: f64, daily_volatility: f64, min: f64, max: f64 },
}

impl PricePath {
    /// The lowest and highest USD price the path can take.
    pub fn bounds(&self) -> (f64, f64) {
        match *self {
            PricePath::Fixed(p) => (p, p),
            PricePath::RandomWalk { min, max, .. } => (min, max),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Meta {
    pub id: String,
    pub title: String,
    pub difficulty: Difficulty,
    pub estimated_minutes: u32,
    pub briefing: String,
    pub network: Network,
    pub seed: u64,
    /// Unix seconds.
    pub start: i64,
    /// Seconds.
    pub duration: i64,
    pub price: PricePath,
}

#[derive(Debug, Clone)]
pub struct Entity {
    pub id: String,
    pub name: String,
    pub kind: EntityKind,
    pub loc: Pos,
}

impl Entity {
    pub fn category(&self) -> Category {
        self.kind.category()
    }
}

#[derive(Debug, Clone)]
pub enum EntityKind {
    Market(Market),
    Vendor(Vendor),
    Buyers(Buyers),
    Users(Users),
    Mixer(Mixer),
    CoinJoin(CoinJoin),
    Exchange(Exchange),
    Otc(Otc),
    Gambling(Gambling),
    Miners(Miners),
}

impl EntityKind {
    pub fn category(&self) -> Category {
        match self {
            EntityKind::Market(_) => Category::Market,
            EntityKind::Vendor(_) => Category::Vendor,
            EntityKind::Buyers(_) | EntityKind::Users(_) => Category::User,
            EntityKind::Mixer(_) => Category::Mixer,
            EntityKind::CoinJoin(_) => Category::CoinJoin,
            EntityKind::Exchange(_) => Category::Exchange,
            EntityKind::Otc(_) => Category::Otc,
            EntityKind::Gambling(_) => Category::Gambling,
            EntityKind::Miners(_) => Category::Mining,
        }
    }

    /// The word used for this kind in files and messages.
    pub fn word(&self) -> &'static str {
        match self {
            EntityKind::Market(_) => "Market",
            EntityKind::Vendor(_) => "Vendor",
            EntityKind::Buyers(_) => "Buyers",
            EntityKind::Users(_) => "Users",
            EntityKind::Mixer(_) => "Mixer",
            EntityKind::CoinJoin(_) => "CoinJoin",
            EntityKind::Exchange(_) => "Exchange",
            EntityKind::Otc(_) => "Otc",
            EntityKind::Gambling(_) => "Gambling",
            EntityKind::Miners(_) => "Miners",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Market {
    pub commission: f64,
    pub escrow: i64,
    pub sweep_every: i64,
    pub float_sat: u64,
    pub other_orders_per_day: f64,
    pub other_buyers: Option<EntityIdx>,
    pub profile: Profile,
}

#[derive(Debug, Clone)]
pub struct Vendor {
    pub identity: Option<Identity>,
    pub profile: Profile,
}

#[derive(Debug, Clone)]
pub struct Buyers {
    pub count: u32,
    pub funded_by: Option<EntityIdx>,
    pub profiles: Vec<Profile>,
}

#[derive(Debug, Clone)]
pub struct Users {
    pub count: u32,
    pub balance_sat: (u64, u64),
    pub profiles: Vec<Profile>,
}

#[derive(Debug, Clone)]
pub struct Mixer {
    pub fee: f64,
    pub delay: (i64, i64),
    pub outputs: (u32, u32),
    pub pool_sat: u64,
    pub sweep_every: i64,
    pub profile: Profile,
}

#[derive(Debug, Clone)]
pub struct CoinJoin {
    pub denomination_sat: u64,
    pub participants: (u32, u32),
    pub round_every: i64,
    pub coordinator_fee: f64,
    pub users: Option<EntityIdx>,
}

#[derive(Debug, Clone)]
pub struct Exchange {
    pub kyc: bool,
    pub cooperates: bool,
    pub jurisdiction: String,
    pub sweep_every: i64,
    pub withdrawal_batch_every: i64,
    pub hot_fraction: f64,
    pub reserve_sat: u64,
    pub market_share: f64,
    pub profile: Profile,
}

#[derive(Debug, Clone)]
pub struct Otc {
    pub fee: f64,
    pub float_sat: u64,
    pub deposits_to: Option<EntityIdx>,
    pub deposit_every: i64,
    pub identity: Option<Identity>,
    pub profile: Profile,
}

#[derive(Debug, Clone)]
pub struct Gambling {
    pub bankroll_sat: u64,
    pub house_edge: f64,
    pub profile: Profile,
}

#[derive(Debug, Clone)]
pub struct Miners {
    pub pools: u32,
    pub profile: Profile,
}

/// Relative weights of the kinds of background transactions.
#[derive(Debug, Clone)]
pub struct Mix {
    pub payments: f64,
    pub exchange_deposits: f64,
    pub exchange_withdrawals: f64,
    pub consolidations: f64,
    pub gambling: f64,
    pub coinjoins: f64,
    pub mixer: f64,
}

#[derive(Debug, Clone)]
pub struct Background {
    pub users: EntityIdx,
    pub tx_per_day: f64,
    pub mix: Mix,
    /// Where `background` is written.
    pub loc: Pos,
}

/// How much of its source a step moves.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Amount {
    All,
    Fraction(f64),
    Sat(u64),
    Usd(f64),
}

#[derive(Debug, Clone)]
pub enum Action {
    Purchases { market: EntityIdx, vendor: EntityIdx, buyers: EntityIdx, orders: u32, usd: (f64, f64) },
    VendorWithdrawals { market: EntityIdx, vendor: EntityIdx, count: u32 },
    Hops { from: Vec<StepIdx>, hops: u32, amount: Amount },
    PeelChain { from: Vec<StepIdx>, peels: u32, to: Vec<EntityIdx>, peel_fraction: (f64, f64), amount: Amount },
    FanOut { from: Vec<StepIdx>, outputs: u32, amount: Amount },
    FanIn { from: Vec<StepIdx>, amount: Amount },
    ScatterGather { from: Vec<StepIdx>, width: u32, hops: u32, amount: Amount },
    Mix { from: Vec<StepIdx>, mixer: EntityIdx, amount: Amount },
    CoinJoin { from: Vec<StepIdx>, coordinator: EntityIdx, amount: Amount },
    CashOut { from: Vec<StepIdx>, exchange: EntityIdx, deposits: u32, amount: Amount },
    OtcCashOut { from: Vec<StepIdx>, otc: EntityIdx, payments: u32, amount: Amount },
}

impl Action {
    /// The steps whose funds this step moves.
    pub fn sources(&self) -> &[StepIdx] {
        match self {
            Action::Purchases { .. } | Action::VendorWithdrawals { .. } => &[],
            Action::Hops { from, .. }
            | Action::PeelChain { from, .. }
            | Action::FanOut { from, .. }
            | Action::FanIn { from, .. }
            | Action::ScatterGather { from, .. }
            | Action::Mix { from, .. }
            | Action::CoinJoin { from, .. }
            | Action::CashOut { from, .. }
            | Action::OtcCashOut { from, .. } => from,
        }
    }

    /// How much of its sources the step moves.
    pub fn amount(&self) -> Amount {
        match self {
            Action::Purchases { .. } | Action::VendorWithdrawals { .. } => Amount::All,
            Action::Hops { amount, .. }
            | Action::PeelChain { amount, .. }
            | Action::FanOut { amount, .. }
            | Action::FanIn { amount, .. }
            | Action::ScatterGather { amount, .. }
            | Action::Mix { amount, .. }
            | Action::CoinJoin { amount, .. }
            | Action::CashOut { amount, .. }
            | Action::OtcCashOut { amount, .. } => *amount,
        }
    }

    /// Whether the funds this step produces stay with a launderer who can move them again.
    pub fn leaves_movable_funds(&self) -> bool {
        !matches!(self, Action::Purchases { .. } | Action::CashOut { .. } | Action::OtcCashOut { .. })
    }

    /// The word used for this action in files and messages.
    pub fn word(&self) -> &'static str {
        match self {
            Action::Purchases { .. } => "Purchases",
            Action::VendorWithdrawals { .. } => "VendorWithdrawals",
            Action::Hops { .. } => "Hops",
            Action::PeelChain { .. } => "PeelChain",
            Action::FanOut { .. } => "FanOut",
            Action::FanIn { .. } => "FanIn",
            Action::ScatterGather { .. } => "ScatterGather",
            Action::Mix { .. } => "Mix",
            Action::CoinJoin { .. } => "CoinJoin",
            Action::CashOut { .. } => "CashOut",
            Action::OtcCashOut { .. } => "OtcCashOut",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Step {
    pub id: String,
    /// Seconds after the scenario start.
    pub window: (i64, i64),
    pub action: Action,
    /// The entity whose wallet holds what this step produces (the launderer, or the market
    /// for purchases).
    pub holder: EntityIdx,
    pub loc: Pos,
}

#[derive(Debug, Clone)]
pub enum Reveal {
    Addresses { of: EntityIdx, role: AddrRole, first: Option<u32> },
    Tag { of: EntityIdx, roles: Vec<AddrRole>, label: String, category: Category },
    Transaction { step: StepIdx, index: u32 },
}

#[derive(Debug, Clone)]
pub struct Intel {
    pub note: String,
    pub reveal: Reveal,
    pub loc: Pos,
}

/// The symbolic answer of an objective, resolved from the truth at generation.
#[derive(Debug, Clone)]
pub enum Answer {
    /// The deposit addresses `of` used at exchange `at` (or at any exchange).
    DepositAddresses { of: EntityIdx, at: Option<EntityIdx> },
    /// The services (exchanges, OTC traders) where `of` cashed out.
    CashOutServices { of: EntityIdx },
    /// How much `of` cashed out, at `at` or in all.
    CashedOut { of: EntityIdx, at: Option<EntityIdx>, unit: AmountUnit },
    /// The hops the funds took through these steps.
    FundsPath { steps: Vec<StepIdx> },
    /// Every address of `of`.
    Cluster { of: EntityIdx },
    /// The name on the KYC file of `of`.
    Identity { of: EntityIdx },
    /// The addresses of `of` with a role.
    Addresses { of: EntityIdx, role: AddrRole },
    /// The service a step sent its funds through.
    Service { step: StepIdx },
}

impl Answer {
    /// What kind of value a trainee gives for this answer.
    pub fn kind(&self) -> AnswerKind {
        match self {
            Answer::DepositAddresses { .. } | Answer::Cluster { .. } | Answer::Addresses { .. } => {
                AnswerKind::Addresses
            }
            Answer::CashOutServices { .. } | Answer::Service { .. } => AnswerKind::Entities,
            Answer::CashedOut { .. } => AnswerKind::Amount,
            Answer::FundsPath { .. } => AnswerKind::Path,
            Answer::Identity { .. } => AnswerKind::Text,
        }
    }
}

/// The shape of a trainee's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AnswerKind {
    Addresses,
    Entities,
    Amount,
    Path,
    Text,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Tolerance {
    Relative(f64),
    Absolute(f64),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Rule {
    Exact { points: f64 },
    Set { points: f64, wrong_penalty: f64 },
    Numeric { points: f64, tolerance: Tolerance },
    Path { points: f64, wrong_penalty: f64 },
}

impl Rule {
    pub fn points(&self) -> f64 {
        match *self {
            Rule::Exact { points }
            | Rule::Set { points, .. }
            | Rule::Numeric { points, .. }
            | Rule::Path { points, .. } => points,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Hint {
    pub text: String,
    pub cost: f64,
}

#[derive(Debug, Clone)]
pub struct Objective {
    pub id: String,
    pub prompt: String,
    pub answer: Answer,
    pub rule: Rule,
    pub hints: Vec<Hint>,
    pub loc: Pos,
}

#[derive(Debug, Clone)]
pub struct Legal {
    pub budget: u32,
    pub wrong_request_penalty: f64,
}

/// A checked scenario: every reference resolved, every number in range.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// The file it was read from, as given (used in messages).
    pub file: String,
    pub meta: Meta,
    pub entities: Vec<Entity>,
    pub background: Option<Background>,
    pub story: Vec<Step>,
    pub intel: Vec<Intel>,
    pub objectives: Vec<Objective>,
    pub legal: Legal,
}

impl Scenario {
    /// Reads and checks a scenario file.
    ///
    /// # Errors
    /// Every problem found, each with the file, line and column.
    pub fn load(path: &Path) -> Result<Scenario, Diagnostics> {
        let file = path.display().to_string();
        let one = |message: String| Diagnostics(vec![Diagnostic { file: file.clone(), line: 1, col: 1, message }]);
        let meta = std::fs::metadata(path).map_err(|e| one(format!("cannot read the file: {e}")))?;
        if meta.is_dir() {
            return Err(one("is a directory, not a scenario file".into()));
        }
        if meta.len() > MAX_FILE_BYTES {
            return Err(one(format!(
                "the file is {} bytes; scenario files are at most {} bytes",
                meta.len(),
                MAX_FILE_BYTES
            )));
        }
        let bytes = std::fs::read(path).map_err(|e| one(format!("cannot read the file: {e}")))?;
        let text = crate::diag::utf8_text(bytes, &file).map_err(|d| Diagnostics(vec![d]))?;
        Scenario::parse(&text, &file)
    }

    /// Checks a scenario from its text; `file` names it in messages.
    ///
    /// # Errors
    /// Every problem found, each with the file, line and column.
    pub fn parse(text: &str, file: &str) -> Result<Scenario, Diagnostics> {
        validate::parse(text, file)
    }

    /// The entity with this id.
    pub fn entity(&self, id: &str) -> Option<EntityIdx> {
        self.entities.iter().position(|e| e.id == id).map(EntityIdx::new)
    }

    /// The end of the scenario clock, in Unix seconds.
    pub fn end(&self) -> i64 {
        self.meta.start + self.meta.duration
    }

    /// What each member of the self-funded `buyers` population is given before the story
    /// starts, in satoshis, before the 50,000 added for fees: enough for its share of the
    /// orders at the scenario's lowest price, with a margin.
    pub fn self_funded_budget(&self, buyers: EntityIdx) -> f64 {
        let (lo, _) = self.meta.price.bounds();
        let mut orders = 0.0;
        let mut dearest: f64 = 0.0;
        for s in &self.story {
            if let Action::Purchases { buyers: b, orders: n, usd, .. } = &s.action
                && *b == buyers
            {
                orders += *n as f64;
                dearest = dearest.max(usd.1);
            }
        }
        for e in &self.entities {
            if let EntityKind::Market(m) = &e.kind
                && m.other_buyers == Some(buyers)
            {
                orders += m.other_orders_per_day * self.meta.duration as f64 / DAY as f64;
                dearest = dearest.max(MARKET_OTHER_ORDER_USD.1);
            }
        }
        let count = match &self.entities[buyers].kind {
            EntityKind::Buyers(b) => f64::from(b.count),
            _ => 1.0,
        };
        let per_buyer = (orders / count).ceil() + 2.0;
        per_buyer * dearest / lo * 1.3 * 1e8
    }

    /// A diagnostic at a place in this scenario's file.
    pub fn diagnostic(&self, at: Pos, message: impl Into<String>) -> Diagnostic {
        Diagnostic { file: self.file.clone(), line: at.line, col: at.col, message: message.into() }
    }
}

/// A new scenario's text, as `offramp new` writes it: a small complete story that validates
/// and generates, with `id` and `title` filled in.
pub fn template(id: &str, title: &str) -> String {
    let quoted = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
    include_str!("template.ron").replace("{{ID}}", &quoted(id)).replace("{{TITLE}}", &quoted(title))
}
