//! The `entities` section: unique ids, every kind's parameters (markets, vendors, buyers,
//! users, mixers, CoinJoins, exchanges, OTC traders, casinos, miners), the references between
//! entities, identities, and the limit on how many people a scenario may have.

use std::collections::HashMap;

use super::profiles::exchange_profile;
use super::*;

impl V<'_> {
    fn identity(&mut self, raw: Option<RawIdentity>, path: &[Seg<'_>]) -> Option<Identity> {
        let r = raw?;
        if r.name.trim().is_empty() {
            self.err(path, "an identity needs a name");
        }
        Some(Identity { name: r.name, nationality: r.nationality, document: r.document, bank_account: r.bank_account })
    }

    pub(super) fn entities(&mut self, raw: Vec<RawEntity>) -> Vec<Entity> {
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
