//! Before the clock starts: the world's entities, their wallets, and the pre-history that
//! funds them (a treasury mined in the first blocks, matured, then distributed).

use super::engine::{Inputs, Pay, Rest, Spec, WalletId};
use super::*;
use crate::scenario::{AddrRole, Category, PREHISTORY_MAX_BLOCKS, Profile, ScriptType};
use crate::scenario::{personal_profile, service_profile};
use crate::truth::{MemberIdx, Purpose, TruthEntity};

impl Sim<'_> {
    fn implicit_entity(&mut self, id: String, name: String, kind: &str, category: Category) -> EntityIdx {
        self.e.truth.entities.push(TruthEntity { id, name, kind: kind.into(), category, implicit: true });
        EntityIdx::new(self.e.truth.entities.len() - 1)
    }

    fn pick_profile(&mut self, first: u32, n: usize) -> u32 {
        let total: f64 = (0..n).map(|k| self.e.profiles[first as usize + k].weight).sum();
        let mut x = self.e.uniform(0.0, total);
        for k in 0..n {
            let w = self.e.profiles[first as usize + k].weight;
            if x < w {
                return first + k as u32;
            }
            x -= w;
        }
        first + n as u32 - 1
    }

    fn add_profiles(&mut self, ps: &[Profile]) -> (u32, usize) {
        let first = self.e.profiles.len() as u32;
        for p in ps {
            self.e.add_profile(p.clone());
        }
        (first, ps.len())
    }

    /// The profile index each scenario entity's own wallets use.
    pub fn entity_profile(&self, entity: EntityIdx) -> u32 {
        self.entity_profiles[entity.index()]
    }

    pub fn setup(&mut self) -> Result<(), GenerateError> {
        let sc = self.e.sc;
        for ent in &sc.entities {
            self.e.truth.entities.push(TruthEntity {
                id: ent.id.clone(),
                name: ent.name.clone(),
                kind: ent.kind.word().into(),
                category: ent.category(),
                implicit: false,
            });
        }
        // The treasury: mines the first blocks and funds everybody.
        let t_ent =
            self.implicit_entity("treasury".into(), "Pre-history treasury".into(), "Treasury", Category::Unknown);
        let t_prof = self.e.add_profile(Profile {
            fee: crate::scenario::Fee::Rate { min: 1.0, max: 2.0 },
            ..service_profile(ScriptType::P2WPKH)
        });
        let treasury = self.e.new_wallet(t_ent, None, t_prof);
        self.treasury = Some(treasury);
        let a = self.e.fresh_addr(treasury, AddrRole::Treasury);
        self.e.wallets[treasury].receive.push(a);

        let mut fundings: Vec<(Pay, EntityIdx)> = Vec::new();
        let mut fund = |w: WalletId, addr: AddrIdx, value: u64, ent: EntityIdx| {
            if value > 0 {
                fundings.push((Pay { wallet: w, addr, value, flow: false }, ent));
            }
        };
        let mut has_miners = false;
        for (i, ent) in sc.entities.iter().enumerate() {
            let iu = EntityIdx::new(i);
            let rt = match &ent.kind {
                EntityKind::Market(m) => {
                    let p = self.e.add_profile(m.profile.clone());
                    self.entity_profiles.push(p);
                    let deposits = self.e.new_wallet(iu, None, p);
                    let hot = self.e.new_wallet(iu, None, p);
                    let hot_addrs: Vec<AddrIdx> = (0..2).map(|_| self.e.fresh_addr(hot, AddrRole::Hot)).collect();
                    fund(hot, hot_addrs[0], m.float_sat, iu);
                    let mut other_vendors = Vec::new();
                    if m.other_orders_per_day > 0.0 {
                        let v = self.implicit_entity(
                            format!("{}-vendors", ent.id),
                            format!("Other vendors of {}", ent.name),
                            "Vendor",
                            Category::Vendor,
                        );
                        let vp = self.e.add_profile(personal_profile());
                        for k in 0..20 {
                            other_vendors.push(self.e.new_wallet(v, Some(MemberIdx::new(k as usize)), vp));
                        }
                    }
                    Rt::Market(MarketRt {
                        deposits,
                        hot,
                        hot_addrs,
                        escrow: Vec::new(),
                        paid: HashMap::new(),
                        other_vendors,
                        other_owed: 0,
                    })
                }
                EntityKind::Exchange(x) => {
                    let p = self.e.add_profile(x.profile.clone());
                    self.entity_profiles.push(p);
                    let deposits = self.e.new_wallet(iu, None, p);
                    let hot = self.e.new_wallet(iu, None, p);
                    let cold = self.e.new_wallet(iu, None, p);
                    let hot_addrs: Vec<AddrIdx> = (0..3).map(|_| self.e.fresh_addr(hot, AddrRole::Hot)).collect();
                    let cold_addrs: Vec<AddrIdx> = (0..2).map(|_| self.e.fresh_addr(cold, AddrRole::Cold)).collect();
                    let hot_part = self.e.sats(x.reserve_sat as f64 * x.hot_fraction, "an exchange's hot reserve");
                    fund(hot, hot_addrs[0], hot_part, iu);
                    fund(cold, cold_addrs[0], x.reserve_sat.saturating_sub(hot_part), iu);
                    Rt::Exchange(ExchangeRt { deposits, hot, cold, hot_addrs, cold_addrs, queue: Vec::new() })
                }
                EntityKind::Mixer(m) => {
                    let p = self.e.add_profile(m.profile.clone());
                    self.entity_profiles.push(p);
                    let deposits = self.e.new_wallet(iu, None, p);
                    let pool = self.e.new_wallet(iu, None, p);
                    let a = self.e.fresh_addr(pool, AddrRole::Pool);
                    fund(pool, a, m.pool_sat, iu);
                    Rt::Mixer(MixerRt { deposits, pool })
                }
                EntityKind::CoinJoin(_) => {
                    let p = self.e.add_profile(service_profile(ScriptType::P2WPKH));
                    self.entity_profiles.push(p);
                    let fee_wallet = self.e.new_wallet(iu, None, p);
                    let fee_addr = self.e.fresh_addr(fee_wallet, AddrRole::Fee);
                    Rt::CoinJoin(CoinJoinRt { fee_wallet, fee_addr, story: Vec::new(), users: Vec::new() })
                }
                EntityKind::Otc(o) => {
                    let p = self.e.add_profile(o.profile.clone());
                    self.entity_profiles.push(p);
                    let wallet = self.e.new_wallet(iu, None, p);
                    let a = self.e.receive_addr(wallet, AddrRole::Receive);
                    fund(wallet, a, o.float_sat, iu);
                    Rt::Otc(OtcRt { wallet, bought: 0 })
                }
                EntityKind::Gambling(g) => {
                    let p = self.e.add_profile(g.profile.clone());
                    self.entity_profiles.push(p);
                    let deposits = self.e.new_wallet(iu, None, p);
                    let hot = self.e.new_wallet(iu, None, p);
                    let hot_addr = self.e.fresh_addr(hot, AddrRole::Hot);
                    fund(hot, hot_addr, g.bankroll_sat, iu);
                    Rt::Gambling(GamblingRt { deposits, hot, hot_addr, addr_of: HashMap::new() })
                }
                EntityKind::Miners(m) => {
                    has_miners = true;
                    let p = self.e.add_profile(m.profile.clone());
                    self.entity_profiles.push(p);
                    for k in 0..m.pools {
                        let w = self.e.new_wallet(iu, Some(MemberIdx::new(k as usize)), p);
                        let a = self.e.fresh_addr(w, AddrRole::Coinbase);
                        self.e.wallets[w].receive.push(a);
                        let share = self.e.uniform(1.0, 10.0);
                        self.pools.push((w, share));
                    }
                    Rt::None
                }
                EntityKind::Users(u) => {
                    let (first, n) = self.add_profiles(&u.profiles);
                    self.entity_profiles.push(first);
                    let mut members = Vec::with_capacity(u.count as usize);
                    for k in 0..u.count {
                        let p = self.pick_profile(first, n);
                        let w = self.e.new_wallet(iu, Some(MemberIdx::new(k as usize)), p);
                        members.push(w);
                        let draw = self.e.log_uniform(u.balance_sat.0 as f64, u.balance_sat.1 as f64);
                        let total = self.e.sats(draw, "a user's balance");
                        let pieces = 1 + self.e.index(3);
                        for part in self.e.split(total, pieces, 10_000) {
                            let a = self.e.receive_addr(w, AddrRole::Receive);
                            fund(w, a, part, iu);
                        }
                    }
                    Rt::Population(members)
                }
                EntityKind::Buyers(b) => {
                    let (first, n) = self.add_profiles(&b.profiles);
                    self.entity_profiles.push(first);
                    let mut members = Vec::with_capacity(b.count as usize);
                    let budget = if b.funded_by.is_none() {
                        let each = self.e.sats(sc.self_funded_budget(iu), "a buyer's budget");
                        self.e.add(each, 50_000, "a buyer's budget")
                    } else {
                        0
                    };
                    for k in 0..b.count {
                        let p = self.pick_profile(first, n);
                        let w = self.e.new_wallet(iu, Some(MemberIdx::new(k as usize)), p);
                        members.push(w);
                        if budget > 0 {
                            let a = self.e.receive_addr(w, AddrRole::Receive);
                            fund(w, a, budget, iu);
                        }
                    }
                    Rt::Population(members)
                }
                EntityKind::Vendor(v) => {
                    let p = self.e.add_profile(v.profile.clone());
                    self.entity_profiles.push(p);
                    Rt::Vendor
                }
            };
            self.rt.push(rt);
            if let Some(why) = self.e.trouble.take() {
                return Err(self.e.fail(ent.loc, format!("{} \"{}\": {why}", ent.kind.word(), ent.id)));
            }
        }
        if !has_miners {
            let m = self.implicit_entity("miners".into(), "Mining pools".into(), "Miners", Category::Mining);
            let p = self.e.add_profile(service_profile(ScriptType::P2WPKH));
            for k in 0..3 {
                let w = self.e.new_wallet(m, Some(MemberIdx::new(k as usize)), p);
                let a = self.e.fresh_addr(w, AddrRole::Coinbase);
                self.e.wallets[w].receive.push(a);
                self.pools.push((w, [5.0, 3.0, 2.0][k as usize]));
            }
        }
        self.prehistory(fundings)
    }

    /// Mines the treasury's coins, lets them mature, and pays every funding.
    fn prehistory(&mut self, fundings: Vec<(Pay, EntityIdx)>) -> Result<(), GenerateError> {
        let sc = self.e.sc;
        let treasury = self.treasury.expect("setup made the treasury first");
        let net = sc.meta.network;
        // In u128: amounts that add up to more than any u64 are refused, never wrapped.
        let total: u128 = fundings.iter().map(|(p, _)| u128::from(p.value)).sum();
        let fees = fundings.len() as u128 * 200 + 100_000;
        let need = total + total / 1000 + fees;
        let mut minted = 0u128;
        let mut k = 0u32;
        while minted < need {
            k += 1;
            let s = net.subsidy(k);
            if s == 0 || k > PREHISTORY_MAX_BLOCKS {
                // Name the biggest funder: that is what to lower.
                let mut by: HashMap<EntityIdx, u128> = HashMap::new();
                for (p, ent) in &fundings {
                    *by.entry(*ent).or_default() += u128::from(p.value);
                }
                let mut top: Vec<(EntityIdx, u128)> = by.into_iter().collect();
                top.sort_by_key(|(e, v)| (std::cmp::Reverse(*v), *e));
                let (big, _) = top[0];
                let list: Vec<String> = top
                    .iter()
                    .take(3)
                    .map(|(e, v)| format!("\"{}\" {:.0} BTC", sc.entities[*e].id, *v as f64 / 1e8))
                    .collect();
                // The subsidy ran out, or Offramp's own bound on the blocks mined before the
                // story did: say which, with its figure.
                let limit = if s == 0 {
                    format!("the {net:?} block subsidy can ever mint ({:.0} BTC)", minted as f64 / 1e8)
                } else {
                    format!(
                        "the {:.0} BTC Offramp mines before the story starts (at most {PREHISTORY_MAX_BLOCKS} {net:?} blocks)",
                        minted as f64 / 1e8
                    )
                };
                return Err(self.e.fail(
                    sc.entities[big].loc,
                    format!(
                        "the world needs {:.0} BTC before the story starts (largest: {}), more than {limit}; lower these amounts or use another network",
                        need as f64 / 1e8,
                        list.join(", "),
                    ),
                ));
            }
            minted += u128::from(s);
        }
        let start = sc.meta.start;
        let blocks = k + COINBASE_MATURITY_BLOCKS;
        let first_time = start - i64::from(blocks + 1) * 600;
        for h in 1..=blocks {
            if h > 1 {
                self.e.close_block();
            }
            let miner = if h <= k { treasury } else { self.pools[(h as usize) % self.pools.len()].0 };
            self.e.now = first_time + i64::from(h) * 600 - 300;
            self.e.open_block(first_time + i64::from(h) * 600, miner);
        }
        self.e.close_block();
        self.e.open_block(start - 60, self.pools[0].0);
        self.e.now = start - 120;
        let internal = |e: &super::engine::Engine<'_>, s: super::engine::Shortfall| {
            e.fail(
                sc.entities.first().map_or(Pos::default(), |e| e.loc),
                format!("internal: the treasury fell short by {} sat while funding the world", s.need - s.have),
            )
        };
        // Thousands of coinbases would make a funding transaction heavier than a block: gather
        // them first, a bounded number at a time.
        if self.e.wallets[treasury].utxos.len() > TREASURY_GATHER_INPUTS {
            let mut coins = self.e.take_all(treasury);
            coins.sort_by_key(|u| u.out);
            for chunk in coins.chunks(TREASURY_GATHER_INPUTS) {
                let addr = self.e.fresh_addr(treasury, AddrRole::Treasury);
                let spec = Spec {
                    from: treasury,
                    inputs: Inputs::Given(chunk.to_vec()),
                    pays: vec![],
                    rest: Rest::To { wallet: treasury, addr, flow: false },
                    purpose: Purpose::Setup,
                };
                self.e.transact(spec).map_err(|s| internal(&self.e, s))?;
            }
        }
        for chunk in fundings.chunks(250) {
            let pays: Vec<Pay> = chunk.iter().map(|(p, _)| *p).collect();
            let spec = Spec {
                from: treasury,
                inputs: Inputs::Select,
                pays,
                rest: Rest::Change { flow: false },
                purpose: Purpose::Setup,
            };
            self.e.transact(spec).map_err(|s| internal(&self.e, s))?;
        }
        Ok(())
    }
}

const COINBASE_MATURITY_BLOCKS: u32 = super::engine::COINBASE_MATURITY;
/// The most coinbases one transaction of the treasury gathers (about 272,000 weight units,
/// far below a block's 4,000,000).
const TREASURY_GATHER_INPUTS: usize = 1000;

use crate::locate::Pos;
