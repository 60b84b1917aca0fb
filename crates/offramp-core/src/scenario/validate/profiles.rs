//! Wallet profiles: an entity's `profile` or a population's `profiles` over the defaults
//! (scripts, address reuse, change, fees, version, locktime, RBF, coin selection), and the
//! default profiles of people, services and exchanges.

use super::*;

impl V<'_> {
    pub(super) fn profile(&mut self, raw: Option<&RawProfile>, base: Profile, path: &[Seg<'_>]) -> Profile {
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

    pub(super) fn profiles(&mut self, raw: &[RawProfile], path: &[Seg<'_>]) -> Vec<Profile> {
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

pub(super) fn exchange_profile() -> Profile {
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
