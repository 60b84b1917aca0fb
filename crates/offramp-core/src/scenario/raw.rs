//! The scenario file as serde reads it: names are still strings, durations still text.
//! Nothing outside `scenario` sees these types; `validate` turns them into [`super::Scenario`].

use serde::Deserialize;

use super::{AddrRole, AmountUnit, Category, ChangePosition, CoinSelection, Difficulty, ScriptType};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename = "Scenario")]
pub struct RawScenario {
    pub meta: RawMeta,
    pub entities: Vec<RawEntity>,
    #[serde(default)]
    pub background: Option<RawBackground>,
    pub story: Vec<RawStep>,
    #[serde(default)]
    pub intel: Vec<RawIntel>,
    pub objectives: Vec<RawObjective>,
    #[serde(default)]
    pub legal: RawLegal,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMeta {
    pub id: String,
    pub title: String,
    pub difficulty: Difficulty,
    pub estimated_minutes: u32,
    pub briefing: String,
    #[serde(default)]
    pub network: RawNetwork,
    #[serde(default)]
    pub seed: u64,
    pub start: String,
    pub duration: String,
    pub price: RawPrice,
}

#[derive(Debug, Deserialize, Default, Clone, Copy)]
pub enum RawNetwork {
    #[default]
    Regtest,
    Testnet,
    Signet,
    Mainnet,
}

#[derive(Debug, Deserialize)]
pub enum RawPrice {
    Fixed(f64),
    RandomWalk { start_usd: f64, daily_volatility: f64, min_usd: f64, max_usd: f64 },
}

#[derive(Debug, Deserialize, Clone, Default)]
#[serde(deny_unknown_fields)]
pub struct RawProfile {
    #[serde(default)]
    pub weight: Option<f64>,
    #[serde(default)]
    pub script: Option<ScriptType>,
    #[serde(default)]
    pub address_reuse: Option<f64>,
    #[serde(default)]
    pub change: Option<RawChange>,
    #[serde(default)]
    pub change_position: Option<ChangePosition>,
    #[serde(default)]
    pub fee: Option<RawFee>,
    #[serde(default)]
    pub version: Option<i32>,
    #[serde(default)]
    pub locktime: Option<RawLocktime>,
    #[serde(default)]
    pub rbf: Option<bool>,
    #[serde(default)]
    pub coin_selection: Option<CoinSelection>,
}

#[derive(Debug, Deserialize, Clone, Copy)]
pub enum RawChange {
    Fresh,
    ReuseInput,
    FreshOfType(ScriptType),
}

#[derive(Debug, Deserialize, Clone, Copy)]
pub enum RawFee {
    Rate(f64, f64),
    Flat(u64),
}

#[derive(Debug, Deserialize, Clone, Copy)]
pub enum RawLocktime {
    Zero,
    Height,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawIdentity {
    pub name: String,
    #[serde(default)]
    pub nationality: Option<String>,
    #[serde(default)]
    pub document: Option<String>,
    #[serde(default)]
    pub bank_account: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum RawEntity {
    Market {
        id: String,
        #[serde(default)]
        name: Option<String>,
        #[serde(default = "d_commission")]
        commission: f64,
        #[serde(default = "d_escrow")]
        escrow: String,
        #[serde(default = "d_sweep_market")]
        sweep_every: String,
        #[serde(default = "d_float_market")]
        float_btc: f64,
        #[serde(default)]
        other_orders_per_day: f64,
        #[serde(default)]
        other_buyers: Option<String>,
        #[serde(default)]
        profile: Option<RawProfile>,
    },
    Vendor {
        id: String,
        #[serde(default)]
        name: Option<String>,
        #[serde(default)]
        identity: Option<RawIdentity>,
        #[serde(default)]
        profile: Option<RawProfile>,
    },
    Buyers {
        id: String,
        #[serde(default)]
        name: Option<String>,
        count: u64,
        #[serde(default)]
        funded_by: Option<String>,
        #[serde(default)]
        profiles: Vec<RawProfile>,
    },
    Users {
        id: String,
        #[serde(default)]
        name: Option<String>,
        count: u64,
        #[serde(default = "d_balance")]
        balance_btc: (f64, f64),
        #[serde(default)]
        profiles: Vec<RawProfile>,
    },
    Mixer {
        id: String,
        #[serde(default)]
        name: Option<String>,
        #[serde(default = "d_mixer_fee")]
        fee: f64,
        #[serde(default = "d_mixer_delay")]
        delay: (String, String),
        #[serde(default = "d_mixer_outputs")]
        outputs: (u32, u32),
        #[serde(default = "d_pool")]
        pool_btc: f64,
        #[serde(default = "d_sweep_mixer")]
        sweep_every: String,
        #[serde(default)]
        profile: Option<RawProfile>,
    },
    CoinJoin {
        id: String,
        #[serde(default)]
        name: Option<String>,
        #[serde(default = "d_denomination")]
        denomination_btc: f64,
        #[serde(default = "d_participants")]
        participants: (u32, u32),
        #[serde(default = "d_round")]
        round_every: String,
        #[serde(default = "d_coordinator_fee")]
        coordinator_fee: f64,
        #[serde(default)]
        users: Option<String>,
    },
    Exchange {
        id: String,
        #[serde(default)]
        name: Option<String>,
        #[serde(default = "d_true")]
        kyc: bool,
        #[serde(default = "d_true")]
        cooperates: bool,
        #[serde(default = "d_jurisdiction")]
        jurisdiction: String,
        #[serde(default = "d_sweep_exchange")]
        sweep_every: String,
        #[serde(default = "d_batch")]
        withdrawal_batch_every: String,
        #[serde(default = "d_hot_fraction")]
        hot_fraction: f64,
        #[serde(default = "d_reserve")]
        reserve_btc: f64,
        #[serde(default = "d_share")]
        market_share: f64,
        #[serde(default)]
        profile: Option<RawProfile>,
    },
    Otc {
        id: String,
        #[serde(default)]
        name: Option<String>,
        #[serde(default = "d_otc_fee")]
        fee: f64,
        #[serde(default = "d_float_otc")]
        float_btc: f64,
        #[serde(default)]
        deposits_to: Option<String>,
        #[serde(default = "d_otc_every")]
        deposit_every: String,
        #[serde(default)]
        identity: Option<RawIdentity>,
        #[serde(default)]
        profile: Option<RawProfile>,
    },
    Gambling {
        id: String,
        #[serde(default)]
        name: Option<String>,
        #[serde(default = "d_bankroll")]
        bankroll_btc: f64,
        #[serde(default = "d_house_edge")]
        house_edge: f64,
        #[serde(default)]
        profile: Option<RawProfile>,
    },
    Miners {
        id: String,
        #[serde(default)]
        name: Option<String>,
        #[serde(default = "d_pools")]
        pools: u32,
        #[serde(default)]
        profile: Option<RawProfile>,
    },
}

fn d_commission() -> f64 {
    0.05
}
fn d_escrow() -> String {
    "3d".into()
}
fn d_sweep_market() -> String {
    "6h".into()
}
fn d_float_market() -> f64 {
    2.0
}
fn d_balance() -> (f64, f64) {
    (0.001, 0.5)
}
fn d_mixer_fee() -> f64 {
    0.02
}
fn d_mixer_delay() -> (String, String) {
    ("2h".into(), "24h".into())
}
fn d_mixer_outputs() -> (u32, u32) {
    (2, 5)
}
fn d_pool() -> f64 {
    30.0
}
fn d_sweep_mixer() -> String {
    "4h".into()
}
fn d_denomination() -> f64 {
    0.1
}
fn d_participants() -> (u32, u32) {
    (5, 20)
}
fn d_round() -> String {
    "3h".into()
}
fn d_coordinator_fee() -> f64 {
    0.003
}
fn d_true() -> bool {
    true
}
fn d_jurisdiction() -> String {
    "EU".into()
}
fn d_sweep_exchange() -> String {
    "12h".into()
}
fn d_batch() -> String {
    "1h".into()
}
fn d_hot_fraction() -> f64 {
    0.2
}
fn d_reserve() -> f64 {
    300.0
}
fn d_share() -> f64 {
    1.0
}
fn d_otc_fee() -> f64 {
    0.04
}
fn d_float_otc() -> f64 {
    10.0
}
fn d_otc_every() -> String {
    "3d".into()
}
fn d_bankroll() -> f64 {
    20.0
}
fn d_house_edge() -> f64 {
    0.02
}
fn d_pools() -> u32 {
    3
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBackground {
    pub users: String,
    pub tx_per_day: f64,
    #[serde(default)]
    pub mix: RawMix,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMix {
    #[serde(default = "d_w_pay")]
    pub payments: f64,
    #[serde(default = "d_w_dep")]
    pub exchange_deposits: f64,
    #[serde(default = "d_w_dep")]
    pub exchange_withdrawals: f64,
    #[serde(default = "d_w_cons")]
    pub consolidations: f64,
    #[serde(default)]
    pub gambling: f64,
    #[serde(default)]
    pub coinjoins: f64,
    #[serde(default)]
    pub mixer: f64,
}

impl Default for RawMix {
    fn default() -> Self {
        RawMix {
            payments: d_w_pay(),
            exchange_deposits: d_w_dep(),
            exchange_withdrawals: d_w_dep(),
            consolidations: d_w_cons(),
            gambling: 0.0,
            coinjoins: 0.0,
            mixer: 0.0,
        }
    }
}

fn d_w_pay() -> f64 {
    55.0
}
fn d_w_dep() -> f64 {
    18.0
}
fn d_w_cons() -> f64 {
    9.0
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStep {
    pub id: String,
    pub window: (String, String),
    pub action: RawAction,
}

#[derive(Debug, Deserialize, Clone, Copy, Default)]
pub enum RawAmount {
    #[default]
    All,
    Fraction(f64),
    Btc(f64),
    Usd(f64),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum RawAction {
    Purchases {
        market: String,
        vendor: String,
        buyers: String,
        orders: u64,
        usd: (f64, f64),
    },
    VendorWithdrawals {
        market: String,
        vendor: String,
        count: u32,
    },
    Hops {
        from: Vec<String>,
        hops: u32,
        #[serde(default)]
        amount: RawAmount,
    },
    PeelChain {
        from: Vec<String>,
        peels: u32,
        to: Vec<String>,
        #[serde(default = "d_peel")]
        peel_fraction: (f64, f64),
        #[serde(default)]
        amount: RawAmount,
    },
    FanOut {
        from: Vec<String>,
        outputs: u32,
        #[serde(default)]
        amount: RawAmount,
    },
    FanIn {
        from: Vec<String>,
        #[serde(default)]
        amount: RawAmount,
    },
    ScatterGather {
        from: Vec<String>,
        width: u32,
        #[serde(default = "d_one")]
        hops: u32,
        #[serde(default)]
        amount: RawAmount,
    },
    Mix {
        from: Vec<String>,
        mixer: String,
        #[serde(default)]
        amount: RawAmount,
    },
    CoinJoin {
        from: Vec<String>,
        coordinator: String,
        #[serde(default)]
        amount: RawAmount,
    },
    CashOut {
        from: Vec<String>,
        exchange: String,
        #[serde(default = "d_one")]
        deposits: u32,
        #[serde(default)]
        amount: RawAmount,
    },
    OtcCashOut {
        from: Vec<String>,
        otc: String,
        #[serde(default = "d_one")]
        payments: u32,
        #[serde(default)]
        amount: RawAmount,
    },
}

fn d_peel() -> (f64, f64) {
    (0.05, 0.2)
}
fn d_one() -> u32 {
    1
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawIntel {
    pub note: String,
    pub reveal: RawReveal,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum RawReveal {
    Addresses {
        of: String,
        role: AddrRole,
        #[serde(default)]
        first: Option<u32>,
    },
    Tag {
        of: String,
        roles: Vec<AddrRole>,
        #[serde(default)]
        label: Option<String>,
        #[serde(default)]
        category: Option<Category>,
    },
    Transaction {
        step: String,
        #[serde(default)]
        index: u32,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawObjective {
    pub id: String,
    pub prompt: String,
    pub answer: RawAnswer,
    pub rule: RawRule,
    #[serde(default)]
    pub hints: Vec<RawHint>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum RawAnswer {
    DepositAddresses {
        of: String,
        #[serde(default)]
        at: Option<String>,
    },
    CashOutServices {
        of: String,
    },
    CashedOut {
        of: String,
        #[serde(default)]
        at: Option<String>,
        #[serde(default)]
        unit: AmountUnit,
    },
    FundsPath {
        steps: Vec<String>,
    },
    Cluster {
        of: String,
    },
    Identity {
        of: String,
    },
    Addresses {
        of: String,
        role: AddrRole,
    },
    Service {
        step: String,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum RawRule {
    Exact {
        points: f64,
    },
    Set {
        points: f64,
        #[serde(default)]
        wrong_penalty: f64,
    },
    Numeric {
        points: f64,
        tolerance: RawTolerance,
    },
    Path {
        points: f64,
        #[serde(default)]
        wrong_penalty: f64,
    },
}

#[derive(Debug, Deserialize, Clone, Copy)]
pub enum RawTolerance {
    Relative(f64),
    Absolute(f64),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHint {
    pub text: String,
    pub cost: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLegal {
    #[serde(default = "d_budget")]
    pub budget: u32,
    #[serde(default = "d_wrong_req")]
    pub wrong_request_penalty: f64,
}

impl Default for RawLegal {
    fn default() -> Self {
        RawLegal { budget: d_budget(), wrong_request_penalty: d_wrong_req() }
    }
}

fn d_budget() -> u32 {
    5
}
fn d_wrong_req() -> f64 {
    2.0
}
