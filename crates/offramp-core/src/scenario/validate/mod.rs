//! Turns a [`RawScenario`] into a [`Scenario`], collecting every problem with its place.
//!
//! This file holds the entry point (`parse`), the checking context `V` with the checks every
//! section shares (numbers, durations, prices, dollar amounts, references to entities and
//! steps), and the order in which the sections are checked (`V::scenario`). Each section of
//! a scenario file has a file of its own:
//!
//! - `meta`: the id, title, clock, network and price;
//! - `profiles`: wallet profiles, and the defaults entities start from;
//! - `entities`: every entity and its parameters;
//! - `background`: the ordinary traffic around the story;
//! - `story`: the steps, their windows, amounts and sources;
//! - `intel`: what trainees are told at the start;
//! - `objectives`: the questions, their answers and scoring;
//! - `funds`: whether the pre-history can mint the coins the world needs;
//! - `sizes`: whether the world fits Offramp's limits on size and memory.

use super::raw::*;
use super::*;
use crate::diag::{Diagnostic, Diagnostics, suggestion};
use crate::ledger::DUST;
use crate::locate::{Locator, Seg};
use crate::time::{DAY, parse_duration};

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

mod background;
mod entities;
mod funds;
mod intel;
mod meta;
mod objectives;
mod profiles;
mod sizes;
mod story;

pub use profiles::{default_population_profiles, personal_profile, service_profile};

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
            Some(i) if want.contains(&kinds[i]) => Some(EntityIdx::new(i)),
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

    fn step_ref(&mut self, name: &str, story: &[Step], path: &[Seg<'_>]) -> Option<StepIdx> {
        match story.iter().position(|s| s.id == name) {
            Some(k) => Some(StepIdx::new(k)),
            None => {
                let hint = suggestion(name, story.iter().map(|s| s.id.as_str()));
                self.err(path, format!("step \"{name}\" is not defined{hint}"));
                None
            }
        }
    }
}

fn one_of(want: &[&str]) -> String {
    match want {
        [one] => crate::diag::with_article(one),
        _ => format!("one of {}", want.join(", ")),
    }
}
