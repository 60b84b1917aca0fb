//! Turns a [`RawScenario`] into a [`Scenario`], collecting every problem with its place.

use std::collections::{HashMap, HashSet};

use super::answerable;
use super::raw::*;
use super::*;
use crate::diag::{Diagnostic, Diagnostics, suggestion};
use crate::ledger::DUST;
use crate::locate::{Locator, Seg};
use crate::time::{DAY, format_duration, parse_duration, parse_instant};

/// The most people (buyers and users together) one scenario may have.
pub const MAX_PEOPLE: u64 = 2_000_000;
/// The longest scenario clock.
pub const MAX_DURATION: i64 = 400 * DAY;
/// No more bitcoin can exist.
const MAX_BTC: f64 = 21_000_000.0;
/// The lowest BTC/USD price: prices are kept to the cent, so a lower one would be nothing.
pub const MIN_PRICE_USD: f64 = 0.01;
/// The highest BTC/USD price.
pub const MAX_PRICE_USD: f64 = 1e9;
/// The smallest amount a step may move: less cannot pay its own fees.
const MIN_STEP_SAT: u64 = 10_000;

macro_rules! p {
    ($($x:expr),* $(,)?) => { &[$(Seg::from($x)),*][..] };
}

pub(super) fn parse(text: &str, file: &str) -> Result<Scenario, Diagnostics> {
    let raw: RawScenario = crate::diag::parse_ron(text, file)?;
    let mut v = V { file, loc: Locator::new(text), diags: Vec::new(), price: (1.0, 1.0) };
    let scenario = v.scenario(raw);
    if v.diags.is_empty() {
        Ok(scenario)
    } else {
        let mut d = Diagnostics(v.diags);
        d.sort();
        Err(d)
    }
}

struct V<'a> {
    file: &'a str,
    loc: Locator,
    diags: Vec<Diagnostic>,
    /// The lowest and highest price the scenario's price can take, once `meta` is read.
    price: (f64, f64),
}

impl V<'_> {
    fn at(&self, path: &[Seg<'_>]) -> Pos {
        self.loc.find(path)
    }

    fn err(&mut self, path: &[Seg<'_>], message: impl Into<String>) {
        let pos = self.at(path);
        self.diags.push(Diagnostic {
            file: self.file.to_string(),
            line: pos.line,
            col: pos.col,
            message: message.into(),
        });
    }

    fn duration(&mut self, text: &str, path: &[Seg<'_>], what: &str) -> i64 {
        match parse_duration(text) {
            Ok(0) => {
                self.err(path, format!("{what} must be longer than zero"));
                0
            }
            Ok(d) if d > MAX_DURATION => {
                self.err(path, format!("{what} \"{text}\" is longer than the longest scenario (400d)"));
                d
            }
            Ok(d) => d,
            Err(m) => {
                self.err(path, format!("{what}: {m}"));
                0
            }
        }
    }

    fn fraction(&mut self, x: f64, path: &[Seg<'_>], what: &str) -> f64 {
        if !(0.0..=1.0).contains(&x) {
            self.err(path, format!("{what} is {x}; it must be between 0 and 1 (0.05 means 5%)"));
            return 0.0;
        }
        x
    }

    fn btc(&mut self, x: f64, path: &[Seg<'_>], what: &str) -> u64 {
        if !x.is_finite() || !(0.0..=MAX_BTC).contains(&x) {
            self.err(path, format!("{what} is {x} BTC; it must be between 0 and 21,000,000"));
            return 0;
        }
        (x * 1e8).round() as u64
    }

    fn count(&mut self, n: u64, min: u64, max: u64, path: &[Seg<'_>], what: &str) -> u32 {
        if n < min || n > max {
            self.err(path, format!("{what} is {n}; it must be between {min} and {max}"));
            return min as u32;
        }
        n as u32
    }

    /// A BTC/USD price, from a cent to a billion dollars.
    fn price(&mut self, x: f64, path: &[Seg<'_>], what: &str) -> f64 {
        if !x.is_finite() || !(MIN_PRICE_USD..=MAX_PRICE_USD).contains(&x) {
            self.err(
                path,
                format!(
                    "{what} is {x}; a bitcoin's price is between ${MIN_PRICE_USD} and $1,000,000,000 (prices are kept to the cent: below one, a bitcoin would cost nothing and dollar amounts no number of satoshis)"
                ),
            );
            return 1.0;
        }
        x
    }

    /// Checks that `usd` dollars make a sensible number of satoshis at every price the
    /// scenario's price can take: at least `least` at the highest, at most 21,000,000 BTC at the
    /// lowest. `what` names the amount ("the cheapest order, $40,").
    fn usd_in_range(&mut self, usd: f64, least: u64, path: &[Seg<'_>], what: &str) -> bool {
        let (lo, hi) = self.price;
        let fewest = usd / hi * 1e8;
        let most = usd / lo;
        if fewest < least as f64 {
            let why = if least <= DUST {
                format!("below the {DUST}-sat dust limit, which no output may pay")
            } else {
                format!("below {:.4} BTC, which cannot pay its own fees", least as f64 / 1e8)
            };
            self.err(
                path,
                format!(
                    "{what} comes to {fewest:.0} sat at the highest price (${hi}), {why}; raise it or lower the price"
                ),
            );
            return false;
        }
        if most > MAX_BTC {
            self.err(
                path,
                format!(
                    "{what} comes to {most:.0} BTC at the lowest price (${lo}), more than the 21,000,000 BTC there can be; lower it or raise the price"
                ),
            );
            return false;
        }
        true
    }

    fn positive(&mut self, x: f64, max: f64, path: &[Seg<'_>], what: &str) -> f64 {
        if !x.is_finite() || x <= 0.0 || x > max {
            self.err(path, format!("{what} is {x}; it must be above 0 and at most {max}"));
            return 1.0;
        }
        x
    }

    fn scenario(&mut self, raw: RawScenario) -> Scenario {
        let meta = self.meta(raw.meta);
        let entities = self.entities(raw.entities);
        let background = raw.background.map(|b| self.background(b, &entities));
        let story = self.story(raw.story, &entities, &meta);
        let intel = self.intel(raw.intel, &entities, &story);
        let objectives = self.objectives(raw.objectives, &entities, &story, &meta);
        if raw.legal.budget > 1000 {
            self.err(p!["legal", "budget"], "a legal-request budget above 1000 is not a budget");
        }
        if !(0.0..=1000.0).contains(&raw.legal.wrong_request_penalty) {
            self.err(p!["legal", "wrong_request_penalty"], "the penalty must be between 0 and 1000 points");
        }
        let legal = Legal { budget: raw.legal.budget, wrong_request_penalty: raw.legal.wrong_request_penalty };
        let s = Scenario { file: self.file.to_string(), meta, entities, background, story, intel, objectives, legal };
        if self.diags.is_empty() {
            let funding = self.funds(&s);
            if self.diags.is_empty() {
                self.sizes(&s, funding);
            }
        }
        s
    }

    fn meta(&mut self, m: RawMeta) -> Meta {
        if m.id.is_empty() || !m.id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            self.err(p!["meta", "id"], "the id must be letters, digits, - and _ only (it names files)");
        }
        if m.title.trim().is_empty() {
            self.err(p!["meta", "title"], "the title is empty");
        }
        if m.briefing.trim().is_empty() {
            self.err(p!["meta", "briefing"], "the briefing is empty; trainees start from it");
        }
        if m.estimated_minutes == 0 || m.estimated_minutes > 2000 {
            self.err(p!["meta", "estimated_minutes"], "estimated_minutes must be between 1 and 2000");
        }
        let start = match parse_instant(&m.start) {
            Ok(t) if (1_231_006_505..4_102_444_800).contains(&t) => t,
            Ok(_) => {
                self.err(p!["meta", "start"], "the start must lie between 2009-01-03 and 2100-01-01");
                1_700_000_000
            }
            Err(e) => {
                self.err(p!["meta", "start"], e);
                1_700_000_000
            }
        };
        let mut duration = self.duration(&m.duration, p!["meta", "duration"], "the duration");
        if duration > 0 && duration < 3600 {
            self.err(p!["meta", "duration"], "the duration must be at least one hour");
        }
        if duration == 0 {
            duration = DAY;
        }
        let price = match m.price {
            RawPrice::Fixed(usd) => PricePath::Fixed(self.price(usd, p!["meta", "price"], "the price")),
            RawPrice::RandomWalk { start_usd, daily_volatility, min_usd, max_usd } => {
                let path = p!["meta", "price"];
                let start = self.price(start_usd, p!["meta", "price", "start_usd"], "start_usd");
                let min = self.price(min_usd, p!["meta", "price", "min_usd"], "min_usd");
                let max = self.price(max_usd, p!["meta", "price", "max_usd"], "max_usd");
                if !(0.0..=0.5).contains(&daily_volatility) {
                    self.err(
                        p!["meta", "price", "daily_volatility"],
                        "daily_volatility must be between 0 and 0.5 (0.03 means 3% a day)",
                    );
                }
                if !(min <= start && start <= max) {
                    self.err(path, format!("the price must start between min_usd ({min}) and max_usd ({max})"));
                }
                PricePath::RandomWalk { start, daily_volatility, min, max }
            }
        };
        self.price = price.bounds();
        let network = match m.network {
            RawNetwork::Regtest => Network::Regtest,
            RawNetwork::Testnet => Network::Testnet,
            RawNetwork::Signet => Network::Signet,
            RawNetwork::Mainnet => Network::Mainnet,
        };
        Meta {
            id: m.id,
            title: m.title,
            difficulty: m.difficulty,
            estimated_minutes: m.estimated_minutes,
            briefing: m.briefing,
            network,
            seed: m.seed,
            start,
            duration,
            price,
        }
    }

    fn profile(&mut self, raw: Option<&RawProfile>, base: Profile, path: &[Seg<'_>]) -> Profile {
        let Some(r) = raw else { return base };
        let mut p = base;
        let field = |f: &'static str| -> Vec<Seg<'static>> { vec![Seg::Field(f)] };
        let sub = |f: &'static str| -> Vec<Seg<'_>> { path.iter().copied().chain(field(f)).collect() };
        if let Some(w) = r.weight {
            p.weight = self.positive(w, 1e6, &sub("weight"), "weight");
        }
        if let Some(s) = r.script {
            p.script = s;
        }
        if let Some(x) = r.address_reuse {
            p.address_reuse = self.fraction(x, &sub("address_reuse"), "address_reuse");
        }
        if let Some(c) = r.change {
            p.change = match c {
                RawChange::Fresh => Change::Fresh,
                RawChange::ReuseInput => Change::ReuseInput,
                RawChange::FreshOfType(t) => Change::FreshOfType(t),
            };
        }
        if let Some(c) = r.change_position {
            p.change_position = c;
        }
        if let Some(f) = r.fee {
            p.fee = match f {
                RawFee::Rate(min, max) => {
                    if !(1.0..=2000.0).contains(&min) || !(1.0..=2000.0).contains(&max) || min > max {
                        self.err(
                            &sub("fee"),
                            format!("fee rates are sat/vB between 1 and 2000, lowest first; got ({min}, {max})"),
                        );
                    }
                    Fee::Rate { min, max: max.max(min) }
                }
                RawFee::Flat(sat) => {
                    if !(100..=10_000_000).contains(&sat) {
                        self.err(&sub("fee"), "a flat fee must be between 100 and 10,000,000 satoshis");
                    }
                    Fee::Flat(sat)
                }
            };
        }
        if let Some(v) = r.version {
            if v != 1 && v != 2 {
                self.err(&sub("version"), format!("transaction version {v}: wallets use 1 or 2"));
            }
            p.version = v;
        }
        if let Some(l) = r.locktime {
            p.locktime = match l {
                RawLocktime::Zero => Locktime::Zero,
                RawLocktime::Height => Locktime::Height,
            };
        }
        if let Some(b) = r.rbf {
            p.rbf = b;
        }
        if let Some(c) = r.coin_selection {
            p.coin_selection = c;
        }
        p
    }

    fn profiles(&mut self, raw: &[RawProfile], path: &[Seg<'_>]) -> Vec<Profile> {
        if raw.is_empty() {
            return default_population_profiles();
        }
        let mut out = Vec::new();
        for (i, r) in raw.iter().enumerate() {
            let sub: Vec<Seg<'_>> = path.iter().copied().chain([Seg::Index(i)]).collect();
            out.push(self.profile(Some(r), personal_profile(), &sub));
        }
        out
    }

    fn identity(&mut self, raw: Option<RawIdentity>, path: &[Seg<'_>]) -> Option<Identity> {
        let r = raw?;
        if r.name.trim().is_empty() {
            self.err(path, "an identity needs a name");
        }
        Some(Identity { name: r.name, nationality: r.nationality, document: r.document, bank_account: r.bank_account })
    }

    fn entities(&mut self, raw: Vec<RawEntity>) -> Vec<Entity> {
        let ids: Vec<String> = raw.iter().map(|e| entity_id(e).to_string()).collect();
        let kinds: Vec<&'static str> = raw.iter().map(raw_kind_word).collect();
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut people: u64 = 0;
        let mut out = Vec::new();
        for (i, e) in raw.into_iter().enumerate() {
            let id = ids[i].clone();
            if id.is_empty() {
                self.err(p!["entities", i, "id"], "the id is empty");
            } else if let Some(first) = seen.get(&id) {
                let at = self.at(p!["entities", *first, "id"]);
                self.err(
                    p!["entities", i, "id"],
                    format!("duplicate entity id \"{id}\" (first defined at line {})", at.line),
                );
            } else {
                seen.insert(id.clone(), i);
            }
            let resolve = |v: &mut Self, name: &Option<String>, want: &[&str], field: &'static str| {
                name.as_ref().and_then(|n| v.reference(n, &ids, &kinds, want, p!["entities", i, field]))
            };
            let pf = |v: &mut Self, raw: &Option<RawProfile>, base: Profile| {
                v.profile(raw.as_ref(), base, p!["entities", i, "profile"])
            };
            let (name, kind) = match e {
                RawEntity::Market {
                    name,
                    commission,
                    escrow,
                    sweep_every,
                    float_btc,
                    other_orders_per_day,
                    other_buyers,
                    profile,
                    ..
                } => {
                    let k = Market {
                        commission: self.fraction(commission, p!["entities", i, "commission"], "commission"),
                        escrow: self.duration(&escrow, p!["entities", i, "escrow"], "escrow"),
                        sweep_every: self.duration(&sweep_every, p!["entities", i, "sweep_every"], "sweep_every"),
                        float_sat: self.btc(float_btc, p!["entities", i, "float_btc"], "float_btc"),
                        other_orders_per_day: self
                            .rate(other_orders_per_day, p!["entities", i, "other_orders_per_day"]),
                        other_buyers: resolve(self, &other_buyers, &["Buyers"], "other_buyers"),
                        profile: pf(self, &profile, service_profile(ScriptType::P2WPKH)),
                    };
                    if k.other_orders_per_day > 0.0 && k.other_buyers.is_none() {
                        self.err(
                            p!["entities", i, "other_orders_per_day"],
                            "other orders need buyers: name a Buyers population in other_buyers",
                        );
                    }
                    (name, EntityKind::Market(k))
                }
                RawEntity::Vendor { name, identity, profile, .. } => (
                    name,
                    EntityKind::Vendor(Vendor {
                        identity: self.identity(identity, p!["entities", i, "identity"]),
                        profile: pf(self, &profile, personal_profile()),
                    }),
                ),
                RawEntity::Buyers { name, count, funded_by, profiles, .. } => {
                    people += count;
                    let count = self.count(count, 1, 1_000_000, p!["entities", i, "count"], "the number of buyers");
                    (
                        name,
                        EntityKind::Buyers(Buyers {
                            count,
                            funded_by: resolve(self, &funded_by, &["Exchange", "Otc"], "funded_by"),
                            profiles: self.profiles(&profiles, p!["entities", i, "profiles"]),
                        }),
                    )
                }
                RawEntity::Users { name, count, balance_btc, profiles, .. } => {
                    people += count;
                    let count = self.count(count, 1, MAX_PEOPLE, p!["entities", i, "count"], "the number of users");
                    let lo = self.btc(balance_btc.0, p!["entities", i, "balance_btc"], "the lowest balance");
                    let hi = self.btc(balance_btc.1, p!["entities", i, "balance_btc"], "the highest balance");
                    if lo > hi || lo < 10_000 || hi > 100_000_000_000 {
                        self.err(
                            p!["entities", i, "balance_btc"],
                            "balance_btc is (lowest, highest), from 0.0001 to 1000 BTC, lowest first",
                        );
                    }
                    (
                        name,
                        EntityKind::Users(Users {
                            count,
                            balance_sat: (lo.max(10_000), hi.max(lo).max(10_000)),
                            profiles: self.profiles(&profiles, p!["entities", i, "profiles"]),
                        }),
                    )
                }
                RawEntity::Mixer { name, fee, delay, outputs, pool_btc, sweep_every, profile, .. } => {
                    let d0 = self.duration(&delay.0, p!["entities", i, "delay"], "the shortest delay");
                    let d1 = self.duration(&delay.1, p!["entities", i, "delay"], "the longest delay");
                    if d0 > d1 {
                        self.err(p!["entities", i, "delay"], "delay is (shortest, longest); the shortest comes first");
                    }
                    if outputs.0 == 0 || outputs.0 > outputs.1 || outputs.1 > 50 {
                        self.err(p!["entities", i, "outputs"], "outputs is (fewest, most), between 1 and 50");
                    }
                    (
                        name,
                        EntityKind::Mixer(Mixer {
                            fee: self.fraction(fee, p!["entities", i, "fee"], "fee"),
                            delay: (d0, d1.max(d0)),
                            outputs: (outputs.0.clamp(1, 50), outputs.1.clamp(outputs.0.clamp(1, 50), 50)),
                            pool_sat: self.btc(pool_btc, p!["entities", i, "pool_btc"], "pool_btc"),
                            sweep_every: self.duration(&sweep_every, p!["entities", i, "sweep_every"], "sweep_every"),
                            profile: pf(self, &profile, service_profile(ScriptType::P2WPKH)),
                        }),
                    )
                }
                RawEntity::CoinJoin {
                    name,
                    denomination_btc,
                    participants,
                    round_every,
                    coordinator_fee,
                    users,
                    ..
                } => {
                    let denomination_sat =
                        self.btc(denomination_btc, p!["entities", i, "denomination_btc"], "denomination");
                    if denomination_sat < 100_000 {
                        self.err(p!["entities", i, "denomination_btc"], "the denomination must be at least 0.001 BTC");
                    }
                    if participants.0 < 2 || participants.0 > participants.1 || participants.1 > 500 {
                        self.err(
                            p!["entities", i, "participants"],
                            "participants is (fewest, most), between 2 and 500",
                        );
                    }
                    (
                        name,
                        EntityKind::CoinJoin(CoinJoin {
                            denomination_sat: denomination_sat.max(100_000),
                            participants: (
                                participants.0.clamp(2, 500),
                                participants.1.clamp(participants.0.clamp(2, 500), 500),
                            ),
                            round_every: self.duration(&round_every, p!["entities", i, "round_every"], "round_every"),
                            coordinator_fee: self.fraction(
                                coordinator_fee,
                                p!["entities", i, "coordinator_fee"],
                                "coordinator_fee",
                            ),
                            users: resolve(self, &users, &["Users"], "users"),
                        }),
                    )
                }
                RawEntity::Exchange {
                    name,
                    kyc,
                    cooperates,
                    jurisdiction,
                    sweep_every,
                    withdrawal_batch_every,
                    hot_fraction,
                    reserve_btc,
                    market_share,
                    profile,
                    ..
                } => (
                    name,
                    EntityKind::Exchange(Exchange {
                        kyc,
                        cooperates,
                        jurisdiction,
                        sweep_every: self.duration(&sweep_every, p!["entities", i, "sweep_every"], "sweep_every"),
                        withdrawal_batch_every: self.duration(
                            &withdrawal_batch_every,
                            p!["entities", i, "withdrawal_batch_every"],
                            "withdrawal_batch_every",
                        ),
                        hot_fraction: self.fraction(hot_fraction, p!["entities", i, "hot_fraction"], "hot_fraction"),
                        reserve_sat: self.btc(reserve_btc, p!["entities", i, "reserve_btc"], "reserve_btc"),
                        market_share: self.positive(
                            market_share,
                            1e6,
                            p!["entities", i, "market_share"],
                            "market_share",
                        ),
                        profile: pf(self, &profile, exchange_profile()),
                    }),
                ),
                RawEntity::Otc { name, fee, float_btc, deposits_to, deposit_every, identity, profile, .. } => (
                    name,
                    EntityKind::Otc(Otc {
                        fee: self.fraction(fee, p!["entities", i, "fee"], "fee"),
                        float_sat: self.btc(float_btc, p!["entities", i, "float_btc"], "float_btc"),
                        deposits_to: resolve(self, &deposits_to, &["Exchange"], "deposits_to"),
                        deposit_every: self.duration(
                            &deposit_every,
                            p!["entities", i, "deposit_every"],
                            "deposit_every",
                        ),
                        identity: self.identity(identity, p!["entities", i, "identity"]),
                        profile: pf(self, &profile, Profile { address_reuse: 0.8, ..personal_profile() }),
                    }),
                ),
                RawEntity::Gambling { name, bankroll_btc, house_edge, profile, .. } => (
                    name,
                    EntityKind::Gambling(Gambling {
                        bankroll_sat: self.btc(bankroll_btc, p!["entities", i, "bankroll_btc"], "bankroll_btc"),
                        house_edge: self.fraction(house_edge, p!["entities", i, "house_edge"], "house_edge"),
                        profile: pf(self, &profile, service_profile(ScriptType::P2SH_P2WPKH)),
                    }),
                ),
                RawEntity::Miners { name, pools, profile, .. } => (
                    name,
                    EntityKind::Miners(Miners {
                        pools: self.count(pools as u64, 1, 100, p!["entities", i, "pools"], "pools"),
                        profile: pf(self, &profile, service_profile(ScriptType::P2WPKH)),
                    }),
                ),
            };
            let loc = self.at(p!["entities", i]);
            out.push(Entity { name: name.unwrap_or_else(|| id.clone()), id, kind, loc });
        }
        if people > MAX_PEOPLE {
            self.err(
                p!["entities"],
                format!("the scenario has {people} buyers and users; the most Offramp simulates is {MAX_PEOPLE}"),
            );
        }
        out
    }

    fn rate(&mut self, x: f64, path: &[Seg<'_>]) -> f64 {
        if !x.is_finite() || !(0.0..=200_000.0).contains(&x) {
            self.err(path, format!("{x} a day is out of range (0 to 200,000)"));
            return 0.0;
        }
        x
    }

    /// Resolves a reference to an entity of one of the `want` kinds.
    fn reference(
        &mut self,
        name: &str,
        ids: &[String],
        kinds: &[&str],
        want: &[&str],
        path: &[Seg<'_>],
    ) -> Option<EntityIdx> {
        match ids.iter().position(|id| id == name) {
            Some(i) if want.contains(&kinds[i]) => Some(i),
            Some(i) => {
                self.err(
                    path,
                    format!(
                        "entity \"{name}\" is {}, but this needs {}",
                        crate::diag::with_article(kinds[i]),
                        one_of(want)
                    ),
                );
                None
            }
            None => {
                let fitting = ids.iter().zip(kinds).filter(|(_, k)| want.contains(k)).map(|(id, _)| id.as_str());
                let mut hint = suggestion(name, fitting);
                if hint.is_empty() {
                    hint = suggestion(name, ids.iter().map(String::as_str));
                }
                self.err(path, format!("entity \"{name}\" is not defined{hint}"));
                None
            }
        }
    }

    fn entity_ref(&mut self, name: &str, ents: &[Entity], want: &[&str], path: &[Seg<'_>]) -> Option<EntityIdx> {
        let ids: Vec<String> = ents.iter().map(|e| e.id.clone()).collect();
        let kinds: Vec<&str> = ents.iter().map(|e| e.kind.word()).collect();
        self.reference(name, &ids, &kinds, want, path)
    }

    fn background(&mut self, b: RawBackground, ents: &[Entity]) -> Background {
        let users = self.entity_ref(&b.users, ents, &["Users"], p!["background", "users"]).unwrap_or(0);
        let tx_per_day = self.rate(b.tx_per_day, p!["background", "tx_per_day"]);
        let m = b.mix;
        let weights = [
            m.payments,
            m.exchange_deposits,
            m.exchange_withdrawals,
            m.consolidations,
            m.gambling,
            m.coinjoins,
            m.mixer,
        ];
        if weights.iter().any(|w| !w.is_finite() || *w < 0.0) || weights.iter().sum::<f64>() <= 0.0 {
            self.err(p!["background", "mix"], "the mix weights must be zero or more, and not all zero");
        }
        let has = |w: &str| ents.iter().any(|e| e.kind.word() == w);
        for (w, field, kind) in [
            (m.exchange_deposits, "exchange_deposits", "Exchange"),
            (m.exchange_withdrawals, "exchange_withdrawals", "Exchange"),
            (m.gambling, "gambling", "Gambling"),
            (m.coinjoins, "coinjoins", "CoinJoin"),
            (m.mixer, "mixer", "Mixer"),
        ] {
            if w > 0.0 && !has(kind) {
                self.err(
                    p!["background", "mix", field],
                    format!("{field} needs an entity of kind {kind}; the scenario has none"),
                );
            }
        }
        Background {
            loc: self.at(p!["background"]),
            users,
            tx_per_day,
            mix: Mix {
                payments: m.payments,
                exchange_deposits: m.exchange_deposits,
                exchange_withdrawals: m.exchange_withdrawals,
                consolidations: m.consolidations,
                gambling: m.gambling,
                coinjoins: m.coinjoins,
                mixer: m.mixer,
            },
        }
    }

    fn amount(&mut self, a: RawAmount, path: &[Seg<'_>]) -> Amount {
        match a {
            RawAmount::All => Amount::All,
            RawAmount::Fraction(f) => {
                if !(f > 0.0 && f <= 1.0) {
                    self.err(path, format!("Fraction({f}) must be above 0 and at most 1"));
                }
                Amount::Fraction(f.clamp(0.0001, 1.0))
            }
            RawAmount::Btc(b) => {
                let s = self.btc(b, path, "the amount");
                if s < MIN_STEP_SAT {
                    self.err(path, "an amount below 0.0001 BTC cannot pay its own fees");
                }
                Amount::Sat(s.max(MIN_STEP_SAT))
            }
            RawAmount::Usd(u) => {
                let u = self.positive(u, 1e12, path, "the USD amount");
                self.usd_in_range(u, MIN_STEP_SAT, path, &format!("Usd({u})"));
                Amount::Usd(u)
            }
        }
    }

    fn story(&mut self, raw: Vec<RawStep>, ents: &[Entity], meta: &Meta) -> Vec<Step> {
        if raw.is_empty() {
            self.err(p!["story"], "the story is empty; a scenario needs at least one step");
        }
        let ids: Vec<String> = raw.iter().map(|s| s.id.clone()).collect();
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (i, id) in ids.iter().enumerate() {
            if id.is_empty() {
                self.err(p!["story", i, "id"], "the step id is empty");
            } else if let Some(first) = seen.get(id.as_str()) {
                let line = self.at(p!["story", *first, "id"]).line;
                self.err(p!["story", i, "id"], format!("duplicate step id \"{id}\" (first defined at line {line})"));
            } else {
                seen.insert(id, i);
            }
        }
        let (price_lo, price_hi) = meta.price.bounds();
        let mut out: Vec<Step> = Vec::new();
        // The most BTC each step can leave to the steps after it, and how much of it fixed
        // amounts have already claimed.
        let mut most: Vec<f64> = Vec::new();
        let mut claimed: Vec<f64> = Vec::new();
        for (i, s) in raw.into_iter().enumerate() {
            let w0 = match parse_duration(&s.window.0) {
                Ok(t) => t,
                Err(m) => {
                    self.err(p!["story", i, "window"], format!("window start: {m}"));
                    0
                }
            };
            let w1 = match parse_duration(&s.window.1) {
                Ok(t) => t,
                Err(m) => {
                    self.err(p!["story", i, "window"], format!("window end: {m}"));
                    w0 + 1
                }
            };
            if w1 == w0 {
                self.err(
                    p!["story", i, "window"],
                    format!("the window of \"{}\" is empty: it starts and ends at {}", s.id, format_duration(w0)),
                );
            } else if w1 < w0 {
                self.err(
                    p!["story", i, "window"],
                    format!(
                        "the window of \"{}\" is inverted: it ends ({}) before it starts ({})",
                        s.id,
                        format_duration(w1),
                        format_duration(w0)
                    ),
                );
            } else if w1 > meta.duration {
                self.err(
                    p!["story", i, "window"],
                    format!(
                        "the window of \"{}\" ends at {}, after the scenario ends ({})",
                        s.id,
                        format_duration(w1),
                        format_duration(meta.duration)
                    ),
                );
            }
            let ap = |f: &'static str| -> Vec<Seg<'static>> {
                vec![Seg::Field("story"), Seg::Index(i), Seg::Field("action"), Seg::Field(f)]
            };
            // Resolve `from`.
            let resolve_from = |v: &mut Self, from: &[String]| -> Vec<StepIdx> {
                let mut srcs = Vec::new();
                if from.is_empty() {
                    v.err(&ap("from"), "`from` is empty: name the step whose funds this step moves");
                }
                for (j, name) in from.iter().enumerate() {
                    let path =
                        [Seg::Field("story"), Seg::Index(i), Seg::Field("action"), Seg::Field("from"), Seg::Index(j)];
                    match ids.iter().position(|x| x == name) {
                        Some(k) if k >= i => v.err(
                            &path,
                            format!(
                                "step \"{name}\" comes later in the story; a step can only move funds of earlier steps"
                            ),
                        ),
                        Some(k) if !out[k].action.leaves_movable_funds() => v.err(
                            &path,
                            format!(
                                "step \"{name}\" is {}: its funds {}, so no later step can move them",
                                out[k].action.word(),
                                match out[k].action {
                                    Action::Purchases { .. } => "belong to the market (use VendorWithdrawals)",
                                    _ => "have left the launderer's hands",
                                }
                            ),
                        ),
                        Some(k) => {
                            if out[k].window.0 >= w1 {
                                v.err(
                                    &path,
                                    format!(
                                        "step \"{}\" ends at {} but its source \"{name}\" only starts at {}",
                                        s.id,
                                        format_duration(w1),
                                        format_duration(out[k].window.0)
                                    ),
                                );
                            }
                            srcs.push(k);
                        }
                        None => {
                            let hint = suggestion(name, ids[..i].iter().map(String::as_str));
                            v.err(&path, format!("step \"{name}\" is not defined{hint}"));
                        }
                    }
                }
                srcs
            };
            let e = |v: &mut Self, name: &str, want: &[&str], f: &'static str| v.entity_ref(name, ents, want, &ap(f));
            let action = match s.action {
                RawAction::Purchases { market, vendor, buyers, orders, usd } => {
                    let market = e(self, &market, &["Market"], "market");
                    let vendor = e(self, &vendor, &["Vendor"], "vendor");
                    let buyers = e(self, &buyers, &["Buyers"], "buyers");
                    let orders = self.count(orders, 1, 200_000, &ap("orders"), "the number of orders");
                    if !(usd.0 > 0.0 && usd.0 <= usd.1 && usd.1 <= 1e7) {
                        self.err(&ap("usd"), "usd is (cheapest, dearest) order in US dollars, cheapest first, above 0");
                    } else {
                        // Orders are whole dollars, at least one.
                        let (cheapest, dearest) = (usd.0.max(1.0), usd.1.max(1.0));
                        // One problem at a time: a range that fails at both ends is one mistake.
                        if self.usd_in_range(cheapest, DUST, &ap("usd"), &format!("the cheapest order, ${cheapest},")) {
                            self.usd_in_range(dearest, DUST, &ap("usd"), &format!("the dearest order, ${dearest},"));
                        }
                    }
                    Action::Purchases {
                        market: market.unwrap_or(0),
                        vendor: vendor.unwrap_or(0),
                        buyers: buyers.unwrap_or(0),
                        orders,
                        usd: (usd.0.max(1.0), usd.1.max(usd.0).max(1.0)),
                    }
                }
                RawAction::VendorWithdrawals { market, vendor, count } => {
                    let market = e(self, &market, &["Market"], "market").unwrap_or(usize::MAX);
                    let vendor = e(self, &vendor, &["Vendor"], "vendor").unwrap_or(usize::MAX);
                    let count = self.count(count as u64, 1, 1000, &ap("count"), "the number of withdrawals");
                    let sales: Vec<&Step> = out
                        .iter()
                        .filter(|st| matches!(st.action, Action::Purchases { market: m, vendor: v, .. } if m == market && v == vendor))
                        .collect();
                    if market != usize::MAX && vendor != usize::MAX {
                        if sales.is_empty() {
                            self.err(
                                &ap("vendor"),
                                format!(
                                    "no earlier Purchases step sells for \"{}\" at \"{}\", so there is nothing to withdraw",
                                    ents[vendor].id, ents[market].id
                                ),
                            );
                        } else if let EntityKind::Market(m) = &ents[market].kind {
                            let first = sales.iter().map(|st| st.window.0).min().unwrap_or(0) + m.escrow;
                            if first >= w1 {
                                self.err(
                                    p!["story", i, "window"],
                                    format!(
                                        "the withdrawals end at {}, before any order leaves escrow ({} after the first sale, at {})",
                                        format_duration(w1),
                                        format_duration(m.escrow),
                                        format_duration(first)
                                    ),
                                );
                            }
                        }
                    }
                    Action::VendorWithdrawals {
                        market: market.min(ents.len().saturating_sub(1)),
                        vendor: vendor.min(ents.len().saturating_sub(1)),
                        count,
                    }
                }
                RawAction::Hops { from, hops, amount } => Action::Hops {
                    from: resolve_from(self, &from),
                    hops: self.count(hops as u64, 1, 100, &ap("hops"), "the number of hops"),
                    amount: self.amount(amount, &ap("amount")),
                },
                RawAction::PeelChain { from, peels, to, peel_fraction, amount } => {
                    let from = resolve_from(self, &from);
                    if to.is_empty() {
                        self.err(&ap("to"), "`to` is empty: name the exchanges the peels go to");
                    }
                    let mut dest = Vec::new();
                    for (j, x) in to.iter().enumerate() {
                        let path =
                            [Seg::Field("story"), Seg::Index(i), Seg::Field("action"), Seg::Field("to"), Seg::Index(j)];
                        if let Some(k) = self.entity_ref(x, ents, &["Exchange"], &path) {
                            dest.push(k);
                        }
                    }
                    if !(peel_fraction.0 > 0.0 && peel_fraction.0 <= peel_fraction.1 && peel_fraction.1 < 1.0) {
                        self.err(
                            &ap("peel_fraction"),
                            "peel_fraction is (smallest, largest) share peeled each time, above 0 and below 1",
                        );
                    }
                    Action::PeelChain {
                        from,
                        peels: self.count(peels as u64, 1, 500, &ap("peels"), "the number of peels"),
                        to: dest,
                        peel_fraction: (
                            peel_fraction.0.clamp(0.001, 0.99),
                            peel_fraction.1.clamp(peel_fraction.0.clamp(0.001, 0.99), 0.99),
                        ),
                        amount: self.amount(amount, &ap("amount")),
                    }
                }
                RawAction::FanOut { from, outputs, amount } => Action::FanOut {
                    from: resolve_from(self, &from),
                    outputs: self.count(outputs as u64, 2, 500, &ap("outputs"), "the number of outputs"),
                    amount: self.amount(amount, &ap("amount")),
                },
                RawAction::FanIn { from, amount } => {
                    Action::FanIn { from: resolve_from(self, &from), amount: self.amount(amount, &ap("amount")) }
                }
                RawAction::ScatterGather { from, width, hops, amount } => Action::ScatterGather {
                    from: resolve_from(self, &from),
                    width: self.count(width as u64, 2, 100, &ap("width"), "the width"),
                    hops: self.count(hops as u64, 0, 20, &ap("hops"), "the number of hops per branch"),
                    amount: self.amount(amount, &ap("amount")),
                },
                RawAction::Mix { from, mixer, amount } => Action::Mix {
                    from: resolve_from(self, &from),
                    mixer: e(self, &mixer, &["Mixer"], "mixer").unwrap_or(0),
                    amount: self.amount(amount, &ap("amount")),
                },
                RawAction::CoinJoin { from, coordinator, amount } => Action::CoinJoin {
                    from: resolve_from(self, &from),
                    coordinator: e(self, &coordinator, &["CoinJoin"], "coordinator").unwrap_or(0),
                    amount: self.amount(amount, &ap("amount")),
                },
                RawAction::CashOut { from, exchange, deposits, amount } => Action::CashOut {
                    from: resolve_from(self, &from),
                    exchange: e(self, &exchange, &["Exchange"], "exchange").unwrap_or(0),
                    deposits: self.count(deposits as u64, 1, 100, &ap("deposits"), "the number of deposits"),
                    amount: self.amount(amount, &ap("amount")),
                },
                RawAction::OtcCashOut { from, otc, payments, amount } => Action::OtcCashOut {
                    from: resolve_from(self, &from),
                    otc: e(self, &otc, &["Otc"], "otc").unwrap_or(0),
                    payments: self.count(payments as u64, 1, 100, &ap("payments"), "the number of payments"),
                    amount: self.amount(amount, &ap("amount")),
                },
            };
            // Who holds what this step produces.
            let holder = match &action {
                Action::Purchases { market, .. } => *market,
                Action::VendorWithdrawals { vendor, .. } => *vendor,
                a => {
                    let holders: Vec<EntityIdx> = a.sources().iter().map(|&k| out[k].holder).collect();
                    if let Some(&h) = holders.first() {
                        if let Some(&other) = holders.iter().find(|&&x| x != h) {
                            self.err(
                                &ap("from"),
                                format!(
                                    "the sources are held by \"{}\" and by \"{}\"; one step moves one holder's funds",
                                    ents.get(h).map_or("?", |e| &e.id),
                                    ents.get(other).map_or("?", |e| &e.id)
                                ),
                            );
                        }
                        h
                    } else {
                        0
                    }
                }
            };
            // Bounds: the most BTC this step can receive and pass on.
            let commission = |m: EntityIdx| match ents.get(m).map(|e| &e.kind) {
                Some(EntityKind::Market(k)) => k.commission,
                _ => 0.0,
            };
            let available: f64 = action.sources().iter().map(|&k| (most[k] - claimed[k]).max(0.0)).sum();
            let moved = match &action {
                Action::Purchases { market, orders, usd, .. } => *orders as f64 * usd.1 / price_lo * (1.0 - commission(*market)),
                Action::VendorWithdrawals { market, vendor, .. } => out
                    .iter()
                    .zip(&most)
                    .filter(|(st, _)| matches!(st.action, Action::Purchases { market: m, vendor: v, .. } if m == *market && v == *vendor))
                    .map(|(_, b)| *b)
                    .sum(),
                a => {
                    let (wanted, fixed) = match a.amount() {
                        Amount::All => (available, None),
                        Amount::Fraction(f) => (available * f, None),
                        Amount::Sat(s) => (s as f64 / 1e8, Some(s as f64 / 1e8)),
                        Amount::Usd(u) => (u / price_lo, Some(u / price_hi)),
                    };
                    if let Some(need) = fixed {
                        if need > available * 1.000_001 {
                            let src: Vec<String> = a.sources().iter().map(|&k| format!("\"{}\"", out[k].id)).collect();
                            self.err(
                                &ap("amount"),
                                format!(
                                    "\"{}\" asks to move {need:.8} BTC, but at most {available:.8} BTC can have reached {} from {}",
                                    s.id,
                                    ents.get(holder).map_or("?", |e| e.id.as_str()),
                                    src.join(", ")
                                ),
                            );
                        }
                        // Claim it from the sources in order.
                        let mut left = need;
                        for &k in a.sources() {
                            let take = left.min((most[k] - claimed[k]).max(0.0));
                            claimed[k] += take;
                            left -= take;
                        }
                    }
                    let wanted = wanted.min(available);
                    match a {
                        Action::Mix { mixer, .. } => match ents.get(*mixer).map(|e| &e.kind) {
                            Some(EntityKind::Mixer(m)) => wanted * (1.0 - m.fee),
                            _ => wanted,
                        },
                        _ => wanted,
                    }
                }
            };
            out.push(Step { id: s.id, window: (w0, w1), action, holder, loc: self.at(p!["story", i]) });
            most.push(moved);
            claimed.push(0.0);
        }
        out
    }

    fn intel(&mut self, raw: Vec<RawIntel>, ents: &[Entity], story: &[Step]) -> Vec<Intel> {
        let mut out = Vec::new();
        for (i, it) in raw.into_iter().enumerate() {
            let rp = |f: &'static str| -> Vec<Seg<'static>> {
                vec![Seg::Field("intel"), Seg::Index(i), Seg::Field("reveal"), Seg::Field(f)]
            };
            let all =
                ["Market", "Vendor", "Buyers", "Users", "Mixer", "CoinJoin", "Exchange", "Otc", "Gambling", "Miners"];
            let reveal = match it.reveal {
                RawReveal::Addresses { of, role, first } => {
                    if first == Some(0) {
                        self.err(&rp("first"), "first must be at least 1");
                    }
                    let of = self.entity_ref(&of, ents, &all, &rp("of"));
                    if let Some(of) = of
                        && let Some(why) = answerable::role_problem(of, Some(role), ents, story)
                    {
                        self.err(&rp("role"), why);
                    }
                    Reveal::Addresses { of: of.unwrap_or(0), role, first }
                }
                RawReveal::Tag { of, roles, label, category } => {
                    let of_idx = self.entity_ref(&of, ents, &all, &rp("of")).unwrap_or(0);
                    if roles.is_empty() {
                        self.err(
                            &rp("roles"),
                            "roles is empty: name the roles of the addresses to tag (e.g. [Hot, Cold])",
                        );
                    }
                    let e = ents.get(of_idx);
                    Reveal::Tag {
                        of: of_idx,
                        roles,
                        label: label.unwrap_or_else(|| e.map_or(String::new(), |e| e.name.clone())),
                        category: category.unwrap_or_else(|| e.map_or(Category::Unknown, |e| e.category())),
                    }
                }
                RawReveal::Transaction { step, index } => {
                    let k = self.step_ref(&step, story, &rp("step"));
                    if let Some(k) = k {
                        let most = answerable::most_transactions(k, ents, story);
                        if u64::from(index) >= most {
                            self.err(
                                &rp("index"),
                                format!(
                                    "step \"{}\" makes at most {most} transactions, so there is no transaction {index} (index counts from 0: 0 to {})",
                                    story[k].id,
                                    most - 1
                                ),
                            );
                        }
                    }
                    Reveal::Transaction { step: k.unwrap_or(0), index }
                }
            };
            out.push(Intel { note: it.note, reveal, loc: self.at(p!["intel", i]) });
        }
        out
    }

    fn step_ref(&mut self, name: &str, story: &[Step], path: &[Seg<'_>]) -> Option<StepIdx> {
        match story.iter().position(|s| s.id == name) {
            Some(k) => Some(k),
            None => {
                let hint = suggestion(name, story.iter().map(|s| s.id.as_str()));
                self.err(path, format!("step \"{name}\" is not defined{hint}"));
                None
            }
        }
    }

    fn objectives(&mut self, raw: Vec<RawObjective>, ents: &[Entity], story: &[Step], meta: &Meta) -> Vec<Objective> {
        if raw.is_empty() {
            self.err(p!["objectives"], "there are no objectives; trainees need something to find");
        }
        let mut seen: HashSet<String> = HashSet::new();
        let mut out = Vec::new();
        let all = ["Market", "Vendor", "Buyers", "Users", "Mixer", "CoinJoin", "Exchange", "Otc", "Gambling", "Miners"];
        let launderers = ["Vendor", "Otc", "Market"];
        for (i, o) in raw.into_iter().enumerate() {
            if o.id.is_empty() {
                self.err(p!["objectives", i, "id"], "the objective id is empty");
            } else if !seen.insert(o.id.clone()) {
                self.err(p!["objectives", i, "id"], format!("duplicate objective id \"{}\"", o.id));
            }
            if o.prompt.trim().is_empty() {
                self.err(p!["objectives", i, "prompt"], "the prompt is empty");
            }
            let ap = |f: &'static str| -> Vec<Seg<'static>> {
                vec![Seg::Field("objectives"), Seg::Index(i), Seg::Field("answer"), Seg::Field(f)]
            };
            let answer = match o.answer {
                RawAnswer::DepositAddresses { of, at } => {
                    let of = self.entity_ref(&of, ents, &launderers, &ap("of")).unwrap_or(0);
                    let at = at.and_then(|a| self.entity_ref(&a, ents, &["Exchange"], &ap("at")));
                    if !story.iter().any(|s| deposits_at(s, of, at)) {
                        self.err(
                            &ap("of"),
                            format!(
                                "no step of the story deposits funds of \"{}\" at {}",
                                ents.get(of).map_or("?", |e| &e.id),
                                at.map_or("any exchange".to_string(), |a| format!("\"{}\"", ents[a].id))
                            ),
                        );
                    }
                    Answer::DepositAddresses { of, at }
                }
                RawAnswer::CashOutServices { of } => {
                    let of = self.entity_ref(&of, ents, &launderers, &ap("of"));
                    if let Some(of) = of
                        && let Some(why) = answerable::cash_out_problem(of, None, ents, story)
                    {
                        self.err(&ap("of"), why);
                    }
                    Answer::CashOutServices { of: of.unwrap_or(0) }
                }
                RawAnswer::CashedOut { of, at, unit } => {
                    let at_given = at.is_some();
                    let of = self.entity_ref(&of, ents, &launderers, &ap("of"));
                    let at = at.and_then(|a| self.entity_ref(&a, ents, &["Exchange", "Otc"], &ap("at")));
                    if let Some(of) = of
                        && at.is_some() == at_given
                        && let Some(why) = answerable::cash_out_problem(of, at, ents, story)
                    {
                        let place = if at.is_some() && !answerable::cash_out_services(of, story).is_empty() {
                            ap("at")
                        } else {
                            ap("of")
                        };
                        self.err(&place, why);
                    }
                    Answer::CashedOut { of: of.unwrap_or(0), at, unit }
                }
                RawAnswer::FundsPath { steps } => {
                    if steps.is_empty() {
                        self.err(&ap("steps"), "steps is empty: name the story steps the path runs through");
                    }
                    let mut ks = Vec::new();
                    for (j, st) in steps.iter().enumerate() {
                        let path = [
                            Seg::Field("objectives"),
                            Seg::Index(i),
                            Seg::Field("answer"),
                            Seg::Field("steps"),
                            Seg::Index(j),
                        ];
                        if let Some(k) = self.step_ref(st, story, &path) {
                            ks.push(k);
                        }
                    }
                    if ks.len() == steps.len()
                        && let Some(why) = answerable::path_problem(&ks, story)
                    {
                        self.err(&ap("steps"), why);
                    }
                    Answer::FundsPath { steps: ks }
                }
                RawAnswer::Cluster { of } => {
                    let of = self.entity_ref(&of, ents, &all, &ap("of"));
                    if let Some(of) = of
                        && let Some(why) = answerable::role_problem(of, None, ents, story)
                    {
                        self.err(&ap("of"), why);
                    }
                    Answer::Cluster { of: of.unwrap_or(0) }
                }
                RawAnswer::Identity { of } => {
                    let of = self.entity_ref(&of, ents, &launderers, &ap("of"));
                    if let Some(of) = of
                        && let Some(why) = answerable::identity_problem(of, ents, story, meta)
                    {
                        self.err(&ap("of"), why);
                    }
                    Answer::Identity { of: of.unwrap_or(0) }
                }
                RawAnswer::Addresses { of, role } => {
                    let of = self.entity_ref(&of, ents, &all, &ap("of"));
                    if let Some(of) = of
                        && let Some(why) = answerable::role_problem(of, Some(role), ents, story)
                    {
                        let place =
                            if answerable::possible_roles(of, ents, story).is_empty() { ap("of") } else { ap("role") };
                        self.err(&place, why);
                    }
                    Answer::Addresses { of: of.unwrap_or(0), role }
                }
                RawAnswer::Service { step } => {
                    let k = self.step_ref(&step, story, &ap("step"));
                    if let Some(k) = k
                        && !matches!(
                            story[k].action,
                            Action::Mix { .. }
                                | Action::CoinJoin { .. }
                                | Action::CashOut { .. }
                                | Action::OtcCashOut { .. }
                                | Action::PeelChain { .. }
                        )
                    {
                        self.err(
                            &ap("step"),
                            format!(
                                "step \"{}\" is {}, which goes through no service",
                                story[k].id,
                                story[k].action.word()
                            ),
                        );
                    }
                    Answer::Service { step: k.unwrap_or(0) }
                }
            };
            let rp = |f: &'static str| -> Vec<Seg<'static>> {
                vec![Seg::Field("objectives"), Seg::Index(i), Seg::Field("rule"), Seg::Field(f)]
            };
            let rule = match o.rule {
                RawRule::Exact { points } => Rule::Exact { points },
                RawRule::Set { points, wrong_penalty } => Rule::Set { points, wrong_penalty },
                RawRule::Numeric { points, tolerance } => Rule::Numeric {
                    points,
                    tolerance: match tolerance {
                        RawTolerance::Relative(x) => {
                            if !(x > 0.0 && x <= 1.0) {
                                self.err(
                                    &rp("tolerance"),
                                    "a relative tolerance is above 0 and at most 1 (0.02 means 2%)",
                                );
                            }
                            Tolerance::Relative(x)
                        }
                        RawTolerance::Absolute(x) => {
                            if !(x > 0.0 && x.is_finite()) {
                                self.err(&rp("tolerance"), "an absolute tolerance must be above 0");
                            }
                            Tolerance::Absolute(x)
                        }
                    },
                },
                RawRule::Path { points, wrong_penalty } => Rule::Path { points, wrong_penalty },
            };
            let pts = rule.points();
            if !(pts > 0.0 && pts <= 1000.0) {
                self.err(&rp("points"), format!("points is {pts}; it must be above 0 and at most 1000"));
            }
            if let Rule::Set { wrong_penalty, .. } | Rule::Path { wrong_penalty, .. } = rule
                && !(0.0..=pts.max(0.0)).contains(&wrong_penalty)
            {
                self.err(&rp("wrong_penalty"), "wrong_penalty must be between 0 and the objective's points");
            }
            let fits = matches!(
                (answer.kind(), &rule),
                (AnswerKind::Addresses | AnswerKind::Entities, Rule::Exact { .. } | Rule::Set { .. })
                    | (AnswerKind::Amount, Rule::Numeric { .. })
                    | (AnswerKind::Path, Rule::Path { .. })
                    | (AnswerKind::Text, Rule::Exact { .. })
            );
            if !fits {
                let want = match answer.kind() {
                    AnswerKind::Addresses | AnswerKind::Entities => "Set or Exact",
                    AnswerKind::Amount => "Numeric",
                    AnswerKind::Path => "Path",
                    AnswerKind::Text => "Exact",
                };
                self.err(p!["objectives", i, "rule"], format!("this answer is scored with {want}, not with this rule"));
            }
            let mut hints = Vec::new();
            for (j, h) in o.hints.into_iter().enumerate() {
                if !(0.0..=pts.max(0.0)).contains(&h.cost) {
                    self.err(
                        p!["objectives", i, "hints", j, "cost"],
                        "a hint costs between 0 and the objective's points",
                    );
                }
                hints.push(Hint { text: h.text, cost: h.cost });
            }
            out.push(Objective { id: o.id, prompt: o.prompt, answer, rule, hints, loc: self.at(p!["objectives", i]) });
        }
        out
    }

    /// Refuses a world whose pre-history needs more coins than the network's subsidy can mint
    /// in the blocks Offramp mines before the story ([`PREHISTORY_MAX_BLOCKS`]), naming the
    /// largest funders at the amount to lower. Users' balances are random: their expected sum
    /// counts here, and generation still refuses the rare draw that goes past the bound.
    fn funds(&mut self, s: &Scenario) -> Funding {
        // (satoshis, how many payments, entity, field to point at)
        let mut funders: Vec<(f64, f64, usize, &'static str)> = Vec::new();
        for (i, e) in s.entities.iter().enumerate() {
            let (sat, n, field) = match &e.kind {
                EntityKind::Market(m) => (m.float_sat as f64, 1.0, "float_btc"),
                EntityKind::Exchange(x) => (x.reserve_sat as f64, 2.0, "reserve_btc"),
                EntityKind::Mixer(m) => (m.pool_sat as f64, 1.0, "pool_btc"),
                EntityKind::Otc(o) => (o.float_sat as f64, 1.0, "float_btc"),
                EntityKind::Gambling(g) => (g.bankroll_sat as f64, 1.0, "bankroll_btc"),
                EntityKind::Users(u) => {
                    let (lo, hi) = (u.balance_sat.0 as f64, u.balance_sat.1 as f64);
                    // The mean of a log-uniform draw between lo and hi.
                    let mean = if hi > lo { (hi - lo) / (hi / lo).ln() } else { lo };
                    (f64::from(u.count) * mean, 3.0 * f64::from(u.count), "balance_btc")
                }
                EntityKind::Buyers(b) if b.funded_by.is_none() => {
                    let each = s.self_funded_budget(i) + 50_000.0;
                    (f64::from(b.count) * each, f64::from(b.count), "count")
                }
                _ => continue,
            };
            if sat > 0.0 {
                funders.push((sat, n, i, field));
            }
        }
        let total: f64 = funders.iter().map(|f| f.0).sum();
        let payments: f64 = funders.iter().map(|f| f.1).sum();
        let need = total + total / 1000.0 + payments * 200.0 + 100_000.0;
        let net = s.meta.network;
        let can = net.mintable(PREHISTORY_MAX_BLOCKS) as f64;
        let funding = Funding { need, payments };
        if need <= can {
            return funding;
        }
        funders.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.2.cmp(&b.2)));
        // The three largest, leaving out what would not change the answer.
        let list: Vec<String> = funders
            .iter()
            .enumerate()
            .filter(|(k, f)| *k == 0 || f.0 >= funders[0].0 / 100.0)
            .map(|(_, f)| f)
            .take(3)
            .map(|&(sat, _, i, _)| {
                let e = &s.entities[i];
                let what = match e.kind {
                    EntityKind::Users(_) => " (expected balances)",
                    EntityKind::Buyers(_) => " (self-funded buyers' budgets)",
                    _ => "",
                };
                format!("\"{}\" {:.0} BTC{what}", e.id, sat / 1e8)
            })
            .collect();
        let (_, _, big, field) = funders[0];
        // Either the subsidy runs out within Offramp's pre-history, or Offramp's own bound on
        // the blocks it mines before the story is what stops it: say which.
        let subsidy_ends = net.subsidy(PREHISTORY_MAX_BLOCKS + 1) == 0;
        let limit = if subsidy_ends {
            format!("the {net:?} block subsidy can ever mint ({:.0} BTC)", can / 1e8)
        } else {
            format!(
                "the {:.0} BTC Offramp mines before the story starts (at most {PREHISTORY_MAX_BLOCKS} {net:?} blocks)",
                can / 1e8
            )
        };
        self.err(
            p!["entities", big, field],
            format!(
                "the world needs about {:.0} BTC before the story starts (largest: {}), more than {limit}; lower these amounts or use another network",
                need / 1e8,
                list.join(", "),
            ),
        );
        funding
    }

    /// Refuses scenarios whose world would be too big, before anything is allocated for
    /// them: an estimate of its transactions, inputs, outputs and addresses, and of the
    /// memory they need ([`WorldSize`]). Every part of the scenario that makes transactions
    /// adds its share; a refusal points at the largest share of what is over the limit.
    fn sizes(&mut self, s: &Scenario, funding: Funding) {
        let days = s.meta.duration as f64 / DAY as f64;
        let per = |every: i64| {
            if every > 0 { days * DAY as f64 / every as f64 } else { 0.0 }
        };
        // (where, who, transactions, inputs, outputs, addresses)
        let mut parts: Vec<(Vec<Seg<'static>>, String, [f64; 4])> = Vec::new();
        // Ordinary transactions: an input or two, a payment and change to fresh addresses.
        let plain = |txs: f64| [txs, 2.0 * txs, 2.0 * txs, 2.0 * txs];
        // The pre-history: the blocks that mint the world's coins, their maturing, and the
        // payments that fund everybody.
        let mut mined = 0.0;
        let mut blocks = 0u32;
        while mined < funding.need && blocks < PREHISTORY_MAX_BLOCKS {
            blocks += 1;
            mined += s.meta.network.subsidy(blocks) as f64;
        }
        let pre = f64::from(blocks) + 100.0;
        let fund_txs = funding.payments / 250.0 + pre / 1000.0 + 1.0;
        parts.push((
            vec![Seg::Field("entities")],
            "the pre-history that funds the entities".into(),
            [pre + fund_txs, pre + fund_txs, 2.0 * pre + funding.payments + fund_txs, funding.payments + fund_txs],
        ));
        // A block every ten minutes, with its coinbase, for the duration and what runs late.
        let blocks = s.meta.duration as f64 / 600.0 + 200.0;
        parts.push((
            vec![Seg::Field("meta"), Seg::Field("duration")],
            "the blocks".into(),
            [blocks, blocks, 2.0 * blocks, 0.0],
        ));
        for (i, e) in s.entities.iter().enumerate() {
            let size = match &e.kind {
                EntityKind::Market(m) => {
                    // Sweeps, and the other orders: a buyer funded, a payment with change
                    // into a fresh deposit address; and the daily payouts to other vendors.
                    let others = m.other_orders_per_day * days;
                    [
                        per(m.sweep_every) + others * 2.5 + days,
                        3.0 * others,
                        3.0 * others + 5.0 * days,
                        3.0 * others + 4.0 * days,
                    ]
                }
                EntityKind::Exchange(x) => plain(per(x.sweep_every) + per(x.withdrawal_batch_every) + per(DAY)),
                EntityKind::Mixer(m) => plain(per(m.sweep_every)),
                EntityKind::Otc(o) => plain(per(o.deposit_every)),
                EntityKind::Gambling(_) => plain(days),
                EntityKind::CoinJoin(c) => {
                    // A round is one transaction of every participant's coins, equal outputs
                    // and change; it needs enough users who can join.
                    let pool =
                        c.users.or(s.background.as_ref().map(|b| b.users)).map_or(0, |u| match &s.entities[u].kind {
                            EntityKind::Users(u) => u.count,
                            _ => 0,
                        });
                    let joining = f64::from(c.participants.1.min(pool));
                    if pool < c.participants.0 {
                        [0.0; 4]
                    } else {
                        let rounds = per(c.round_every);
                        [rounds, rounds * joining * 2.0, rounds * (joining * 2.0 + 1.0), rounds * joining * 2.0]
                    }
                }
                _ => [0.0; 4],
            };
            parts.push((vec![Seg::Field("entities"), Seg::Index(i)], format!("{} \"{}\"", e.kind.word(), e.id), size));
        }
        for (i, st) in s.story.iter().enumerate() {
            let txs = match &st.action {
                Action::Purchases { orders, .. } => *orders as f64 * 2.0,
                Action::VendorWithdrawals { count, .. } => *count as f64,
                Action::Hops { hops, .. } => *hops as f64,
                Action::PeelChain { peels, .. } => *peels as f64 + 1.0,
                Action::ScatterGather { width, hops, .. } => (*width * (*hops + 1) + 2) as f64,
                Action::Mix { .. } => 10.0,
                Action::CashOut { deposits, .. } => *deposits as f64,
                Action::OtcCashOut { payments, .. } => *payments as f64,
                _ => 2.0,
            };
            let outputs = match &st.action {
                Action::FanOut { outputs, .. } => f64::from(*outputs) + 1.0,
                Action::ScatterGather { width, .. } => 2.0 * txs + f64::from(*width),
                _ => 2.0 * txs,
            };
            parts.push((
                vec![Seg::Field("story"), Seg::Index(i)],
                format!("step \"{}\"", st.id),
                [txs, outputs, outputs, outputs],
            ));
        }
        if let Some(b) = &s.background {
            parts.push((
                vec![Seg::Field("background"), Seg::Field("tx_per_day")],
                "the background".into(),
                plain(b.tx_per_day * days),
            ));
        }
        let mut total = [0.0f64; 4];
        for (_, _, size) in &parts {
            for k in 0..4 {
                total[k] += size[k];
            }
        }
        // Every input spends an output of its own.
        total[1] = total[1].min(total[2]);
        let whole = |x: f64| if x.is_finite() && x >= 0.0 { x.ceil().min(u64::MAX as f64) as u64 } else { u64::MAX };
        let est = WorldSize {
            transactions: whole(total[0]),
            inputs: whole(total[1]),
            outputs: whole(total[2]),
            addresses: whole(total[3]),
        };
        let memory = est.memory();
        let over = est.above(&WorldSize::MAX).map(|(what, ..)| what);
        if over.is_none() && memory <= WorldSize::MAX_MEMORY {
            return;
        }
        // Point at the largest share of what is over (the memory follows the outputs).
        let k = match over {
            Some("transactions") => 0,
            Some("inputs") => 1,
            Some("addresses") => 3,
            _ => 2,
        };
        let (path, who, size) = parts
            .iter()
            .max_by(|a, b| a.2[k].total_cmp(&b.2[k]))
            .map(|(p, w, size)| (p.clone(), w.clone(), *size))
            .expect("the blocks are always a part");
        let max = WorldSize::MAX;
        self.err(
            &path,
            format!(
                "this scenario would make about {} transactions, {} inputs, {} outputs and {} addresses, about {:.1} GiB of memory ({who} alone: about {} {}); the most Offramp generates is {} transactions, {} inputs, {} outputs, {} addresses and {} GiB",
                est.transactions,
                est.inputs,
                est.outputs,
                est.addresses,
                memory as f64 / f64::from(1u32 << 30),
                whole(size[k]),
                ["transactions", "inputs", "outputs", "addresses"][k],
                max.transactions,
                max.inputs,
                max.outputs,
                max.addresses,
                WorldSize::MAX_MEMORY >> 30
            ),
        );
    }
}

/// What the pre-history must mint (satoshis) and how many payments fund the world.
#[derive(Debug, Clone, Copy)]
struct Funding {
    need: f64,
    payments: f64,
}

fn deposits_at(s: &Step, of: EntityIdx, at: Option<EntityIdx>) -> bool {
    if s.holder != of {
        return false;
    }
    match &s.action {
        Action::CashOut { exchange, .. } => at.is_none_or(|a| a == *exchange),
        Action::PeelChain { to, .. } => at.is_none_or(|a| to.contains(&a)),
        _ => false,
    }
}

fn one_of(want: &[&str]) -> String {
    match want {
        [one] => crate::diag::with_article(one),
        _ => format!("one of {}", want.join(", ")),
    }
}

fn entity_id(e: &RawEntity) -> &str {
    match e {
        RawEntity::Market { id, .. }
        | RawEntity::Vendor { id, .. }
        | RawEntity::Buyers { id, .. }
        | RawEntity::Users { id, .. }
        | RawEntity::Mixer { id, .. }
        | RawEntity::CoinJoin { id, .. }
        | RawEntity::Exchange { id, .. }
        | RawEntity::Otc { id, .. }
        | RawEntity::Gambling { id, .. }
        | RawEntity::Miners { id, .. } => id,
    }
}

fn raw_kind_word(e: &RawEntity) -> &'static str {
    match e {
        RawEntity::Market { .. } => "Market",
        RawEntity::Vendor { .. } => "Vendor",
        RawEntity::Buyers { .. } => "Buyers",
        RawEntity::Users { .. } => "Users",
        RawEntity::Mixer { .. } => "Mixer",
        RawEntity::CoinJoin { .. } => "CoinJoin",
        RawEntity::Exchange { .. } => "Exchange",
        RawEntity::Otc { .. } => "Otc",
        RawEntity::Gambling { .. } => "Gambling",
        RawEntity::Miners { .. } => "Miners",
    }
}

/// A person's wallet as a modern desktop wallet builds it.
pub fn personal_profile() -> Profile {
    Profile {
        weight: 1.0,
        script: ScriptType::P2WPKH,
        address_reuse: 0.05,
        change: Change::Fresh,
        change_position: ChangePosition::Random,
        fee: Fee::Rate { min: 2.0, max: 15.0 },
        version: 2,
        locktime: Locktime::Height,
        rbf: true,
        coin_selection: CoinSelection::Random,
    }
}

/// A service's wallet: fresh deposit addresses, no RBF, change last.
pub fn service_profile(script: ScriptType) -> Profile {
    Profile {
        weight: 1.0,
        script,
        address_reuse: 0.0,
        change: Change::Fresh,
        change_position: ChangePosition::Last,
        fee: Fee::Rate { min: 3.0, max: 12.0 },
        version: 2,
        locktime: Locktime::Zero,
        rbf: false,
        coin_selection: CoinSelection::Largest,
    }
}

fn exchange_profile() -> Profile {
    Profile { version: 1, fee: Fee::Rate { min: 4.0, max: 20.0 }, ..service_profile(ScriptType::P2WPKH) }
}

/// The wallets of ordinary people, by era: the default mix of a population.
pub fn default_population_profiles() -> Vec<Profile> {
    let p = personal_profile();
    vec![
        Profile { weight: 45.0, ..p.clone() },
        Profile {
            weight: 20.0,
            script: ScriptType::P2SH_P2WPKH,
            address_reuse: 0.15,
            locktime: Locktime::Zero,
            rbf: false,
            change_position: ChangePosition::Last,
            coin_selection: CoinSelection::Oldest,
            ..p.clone()
        },
        Profile {
            weight: 15.0,
            script: ScriptType::P2PKH,
            address_reuse: 0.5,
            change: Change::ReuseInput,
            version: 1,
            locktime: Locktime::Zero,
            rbf: false,
            fee: Fee::Flat(2_000),
            coin_selection: CoinSelection::Largest,
            ..p.clone()
        },
        Profile { weight: 20.0, script: ScriptType::P2TR, address_reuse: 0.0, ..p },
    ]
}
