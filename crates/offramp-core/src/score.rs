//! Scoring a case against the truth, objective by objective, with the reason for every
//! point not earned.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::answer::{Given, Named, Resolved};
use crate::case::Case;
use crate::forensics::canonical_address;
use crate::format::points as fmt_pts;
use crate::legal;
use crate::scenario::{Answer, EntityIdx, EntityKind, Objective, Rule, Tolerance};
use crate::text;
use crate::vocab::Network;
use crate::world::World;

#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct Report {
    pub scenario: String,
    pub trainee: String,
    pub earned: f64,
    pub possible: f64,
    pub objectives: Vec<ObjectiveScore>,
    pub legal: LegalScore,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct ObjectiveScore {
    pub id: String,
    pub prompt: String,
    pub earned: f64,
    pub possible: f64,
    /// Why points were not earned, one line each.
    pub deductions: Vec<String>,
    /// For set and path answers: how much of the truth was found, how much given was right.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub precision: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recall: Option<f64>,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct LegalScore {
    pub requests: usize,
    pub budget: u32,
    pub penalty: f64,
    pub deductions: Vec<String>,
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Scores `case` in `world`.
pub fn score(world: &World, case: &Case) -> Report {
    let sc = &world.scenario;
    let mut objectives = Vec::new();
    // A hint listed twice was unlocked once: it is charged once.
    let hints: BTreeSet<(&str, u32)> = case.hints.iter().map(|h| (h.objective.as_str(), h.hint)).collect();
    for (o, truth) in sc.objectives.iter().zip(&world.truth.answers) {
        let mut s = score_objective(o, truth, &also_true(world, o), sc.meta.network, case.answers.get(&o.id));
        for &(_, h) in hints.iter().filter(|(id, _)| *id == o.id) {
            if let Some(hint) = o.hints.get(h as usize)
                && hint.cost > 0.0
            {
                s.deductions.push(format!("-{} for hint {}", fmt_pts(hint.cost), h + 1));
                s.earned -= hint.cost;
            }
        }
        s.earned = round2(s.earned.max(0.0));
        objectives.push(s);
    }
    let legal = score_legal(world, case);
    let possible: f64 = objectives.iter().map(|o| o.possible).sum();
    let earned = round2((objectives.iter().map(|o| o.earned).sum::<f64>() - legal.penalty).max(0.0));
    Report {
        scenario: sc.meta.id.clone(),
        trainee: case.trainee.clone(),
        earned,
        possible: round2(possible),
        objectives,
        legal,
    }
}

fn score_legal(world: &World, case: &Case) -> LegalScore {
    let sc = &world.scenario;
    let per = sc.legal.wrong_request_penalty;
    let mut penalty = 0.0;
    let mut deductions = Vec::new();
    // A scenario may charge nothing for a wrong request: then there is nothing to deduct,
    // and no "-0" line to explain.
    let charges = fmt_pts(per) != "0";
    for (i, r) in case.requests.iter().enumerate().filter(|_| charges) {
        let n = i + 1;
        if n > sc.legal.budget as usize {
            penalty += per;
            deductions.push(format!(
                "-{} request {n} about {} went over the budget of {}",
                fmt_pts(per),
                r.address,
                sc.legal.budget
            ));
            continue;
        }
        if let Some(why) = wrong_request(world, &r.exchange, &r.address) {
            penalty += per;
            deductions.push(format!("-{} request {n}: {why}", fmt_pts(per)));
        }
    }
    LegalScore { requests: case.requests.len(), budget: sc.legal.budget, penalty: round2(penalty), deductions }
}

/// Why a request costs the scenario's wrong-request penalty (`legal.wrong_request_penalty`),
/// budget aside: no exchange has that name, or the exchange does not hold the address (so
/// its answer is "no records", or a refusal from an exchange that would have had none). A
/// request about an exchange's own wallet costs nothing: the exchange holds it. `None` for
/// a request the scoring accepts.
pub fn wrong_request(world: &World, exchange: &str, address: &str) -> Option<String> {
    match legal::find_exchange(world, exchange) {
        Ok(x) if legal::holds(world, x, address) => None,
        Ok(x) => Some(format!("{} does not hold {address}", world.scenario.entities[x].name)),
        Err(e) => Some(e.to_string()),
    }
}

/// Text answers that are as right as the resolved one. An identity is "the name on the
/// holder's KYC file at a cooperating exchange": a holder with files at two such exchanges
/// (a made-up person at each, when the scenario names none) has every one of those names
/// accepted, not only the first.
fn also_true(world: &World, o: &Objective) -> Vec<String> {
    let Answer::Identity { of } = o.answer else { return Vec::new() };
    let cooperating = |x: EntityIdx| matches!(world.scenario.entities.get(x.index()).map(|e| &e.kind), Some(EntityKind::Exchange(e)) if e.cooperates);
    world
        .truth
        .accounts
        .iter()
        .filter(|a| a.holder == of && cooperating(a.service))
        .filter_map(|a| a.identity.as_ref().map(|i| i.name.clone()))
        .collect()
}

/// An entity named by its id or its name, as people write them ([`text::same`]).
fn entity_matches(given: &str, e: &Named) -> bool {
    text::same(given, &e.id) || text::same(given, &e.name)
}

/// Per-item credit and per-wrong-item penalty over sets of strings.
struct SetResult {
    correct: usize,
    wrong: Vec<String>,
    missed: usize,
    truth: usize,
    given: usize,
}

fn compare(truth: &[String], given: &[String]) -> SetResult {
    let t: BTreeSet<&str> = truth.iter().map(String::as_str).collect();
    let g: BTreeSet<&str> = given.iter().map(String::as_str).collect();
    let correct = g.intersection(&t).count();
    SetResult {
        correct,
        wrong: g.difference(&t).map(|s| s.to_string()).collect(),
        missed: t.len() - correct,
        truth: t.len(),
        given: g.len(),
    }
}

/// An address given in an answer as the chain writes it, read by the explorer's parser; text
/// that is no address of the network is kept (trimmed) and is simply not in the answer.
fn address(text: &str, network: Network) -> String {
    canonical_address(text, network).unwrap_or_else(|_| text.trim().to_string())
}

fn score_objective(
    o: &Objective,
    truth: &Resolved,
    also_true: &[String],
    network: Network,
    given: Option<&Given>,
) -> ObjectiveScore {
    let possible = o.rule.points();
    let mut s = ObjectiveScore {
        id: o.id.clone(),
        prompt: o.prompt.clone(),
        earned: 0.0,
        possible,
        deductions: Vec::new(),
        precision: None,
        recall: None,
    };
    let Some(given) = given else {
        s.deductions.push(format!("-{} no answer given", fmt_pts(possible)));
        return s;
    };
    // Bring both sides to comparable strings.
    let (t_items, g_items): (Vec<String>, Vec<String>) = match (truth, given) {
        (Resolved::Addresses(t), Given::Addresses(g)) => (t.clone(), g.iter().map(|a| address(a, network)).collect()),
        (Resolved::Entities(t), Given::Entities(g)) => {
            let ids: Vec<String> = t.iter().map(|n| n.id.clone()).collect();
            let mapped = g
                .iter()
                .map(|x| t.iter().find(|n| entity_matches(x, n)).map_or_else(|| x.trim().to_string(), |n| n.id.clone()))
                .collect();
            (ids, mapped)
        }
        (Resolved::Path(t), g) => {
            let hop = |(a, b): &(String, String)| format!("{} -> {}", address(a, network), address(b, network));
            (t.iter().map(hop).collect(), g.hops().iter().map(hop).collect())
        }
        (Resolved::Amount(t), Given::Amount(g)) => {
            let Rule::Numeric { tolerance, .. } = o.rule else {
                return s;
            };
            let allowed = match tolerance {
                Tolerance::Relative(r) => t.abs() * r,
                Tolerance::Absolute(a) => a,
            };
            let off = (g - t).abs();
            if off <= allowed + 1e-12 {
                s.earned = possible;
            } else {
                s.deductions.push(format!(
                    "-{} {g} is off by {:.8} (the tolerance is {:.8})",
                    fmt_pts(possible),
                    off,
                    allowed
                ));
            }
            return s;
        }
        (Resolved::Text(t), Given::Text(g)) => {
            if text::same(t, g) || also_true.iter().any(|a| text::same(a, g)) {
                s.earned = possible;
            } else {
                s.deductions.push(format!("-{} \"{g}\" is not the answer", fmt_pts(possible)));
            }
            return s;
        }
        _ => {
            s.deductions.push(format!("-{} the answer is of the wrong kind", fmt_pts(possible)));
            return s;
        }
    };
    let r = compare(&t_items, &g_items);
    s.recall = Some(if r.truth == 0 { 0.0 } else { round2(r.correct as f64 / r.truth as f64) });
    s.precision = Some(if r.given == 0 { 0.0 } else { round2(r.correct as f64 / r.given as f64) });
    let noun = if matches!(truth, Resolved::Path(_)) { "hop" } else { "item" };
    match o.rule {
        Rule::Exact { .. } => {
            if r.wrong.is_empty() && r.missed == 0 {
                s.earned = possible;
            } else {
                s.deductions.push(format!(
                    "-{} not exactly the answer: {} right, {} wrong, {} missing",
                    fmt_pts(possible),
                    r.correct,
                    r.wrong.len(),
                    r.missed
                ));
            }
        }
        Rule::Set { wrong_penalty, .. } | Rule::Path { wrong_penalty, .. } => {
            let credit = possible / r.truth.max(1) as f64;
            s.earned = credit * r.correct as f64;
            if r.missed > 0 {
                s.deductions.push(format!(
                    "-{} {} of {} {noun}s missing",
                    fmt_pts(credit * r.missed as f64),
                    r.missed,
                    r.truth
                ));
            }
            for w in &r.wrong {
                if wrong_penalty > 0.0 {
                    s.deductions.push(format!("-{} {w} is not part of the answer", fmt_pts(wrong_penalty)));
                }
                s.earned -= wrong_penalty;
            }
            if s.earned < 0.0 {
                s.earned = 0.0;
            }
        }
        Rule::Numeric { .. } => {}
    }
    s.earned = round2(s.earned);
    s
}

impl Report {
    /// The report as text for a terminal: one line per objective, its deductions under it, the
    /// legal requests and the total, with the points in one column however long the ids are.
    pub fn to_text(&self) -> String {
        let w = self.objectives.iter().map(|o| o.id.chars().count()).max().unwrap_or(0).max(14);
        let mut out = String::new();
        let who = if self.trainee.is_empty() { String::new() } else { format!(" — {}", self.trainee) };
        out.push_str(&format!("{}{who}\n", self.scenario));
        for o in &self.objectives {
            out.push_str(&format!(
                "  {:<w$} {:>6} / {:<6} {}\n",
                o.id,
                fmt_pts(o.earned),
                fmt_pts(o.possible),
                o.prompt
            ));
            if let (Some(p), Some(r)) = (o.precision, o.recall) {
                out.push_str(&format!("  {:<w$} precision {:.0}%, recall {:.0}%\n", "", p * 100.0, r * 100.0));
            }
            for d in &o.deductions {
                out.push_str(&format!("  {:<w$}   {d}\n", ""));
            }
        }
        let penalty = match fmt_pts(self.legal.penalty) {
            zero if zero == "0" => zero,
            p => format!("-{p}"),
        };
        out.push_str(&format!(
            "  {:<w$} {penalty:>6}          {} of {} requests used\n",
            "legal", self.legal.requests, self.legal.budget
        ));
        for d in &self.legal.deductions {
            out.push_str(&format!("  {:<w$}   {d}\n", ""));
        }
        out.push_str(&format!("  {:<w$} {:>6} / {}\n", "total", fmt_pts(self.earned), fmt_pts(self.possible)));
        out
    }
}
