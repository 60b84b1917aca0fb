//! How well the heuristics do, measured against the truth: what `offramp heuristics-report`
//! prints and the tests hold to floors. The heuristics never see the truth; only this
//! measurement does.

use std::collections::HashMap;

use serde::Serialize;

use super::change::{self, Heuristic};
use super::cluster::{ClusterOptions, Clusters};
use super::coinjoin;
use super::index::Explorer;
use crate::ledger::{AddrIdx, OutputRecord};
use crate::scenario::{Action, EntityIdx, EntityKind};
use crate::truth::{MemberIdx, Operation, Purpose};
use crate::world::World;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Score {
    pub name: String,
    /// How many calls the heuristic made, and how many were right.
    pub calls: usize,
    pub correct: usize,
    /// How many cases there were to find.
    pub cases: usize,
    pub precision: f64,
    pub recall: f64,
}

impl Score {
    fn new(name: &str, calls: usize, correct: usize, cases: usize) -> Score {
        let r = |x: f64| (x * 1000.0).round() / 1000.0;
        Score {
            name: name.to_string(),
            calls,
            correct,
            cases,
            precision: if calls == 0 { 0.0 } else { r(correct as f64 / calls as f64) },
            recall: if cases == 0 { 0.0 } else { r(correct as f64 / cases as f64) },
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ClusterScore {
    pub name: String,
    pub clusters: usize,
    /// Share of clustered addresses that belong to their cluster's main owner.
    pub purity: f64,
    /// Share of each owner's addresses found in that owner's largest cluster.
    pub completeness: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Report {
    pub scenario: String,
    pub seed: u64,
    pub transactions: usize,
    pub change: Vec<Score>,
    pub clusters: Vec<ClusterScore>,
    pub coinjoin: Score,
    pub mixer: Score,
}

/// Measures every heuristic on `world`.
pub fn report(world: &World, ex: &Explorer) -> Report {
    let c = &ex.chain;
    let t = &world.truth;
    let owner = |a: AddrIdx| {
        let x = t.addresses[a];
        (x.entity, x.member)
    };
    let sc = &world.scenario;
    let is_coinjoin = |p: Purpose| match p {
        Purpose::Service(Operation::CoinJoinRound) => true,
        Purpose::Story(s) => matches!(sc.story[s].action, Action::CoinJoin { .. }),
        _ => false,
    };
    let is_mixer_entity =
        |e: EntityIdx| matches!(sc.entities.get(e.index()).map(|x| &x.kind), Some(EntityKind::Mixer(_)));
    // Change.
    let mut calls: HashMap<Option<Heuristic>, (usize, usize)> = HashMap::new();
    let mut cases = 0usize;
    let (mut cj_calls, mut cj_right, mut cj_cases) = (0, 0, 0);
    let (mut mx_calls, mut mx_right, mut mx_cases) = (0, 0, 0);
    for (tx, r) in c.txs.iter_ids() {
        if r.is_coinbase(&c.inputs) {
            continue;
        }
        let purpose = t.purposes[tx];
        let truly_cj = is_coinjoin(purpose);
        let detected_cj = coinjoin::coinjoin(ex, tx).is_some();
        cj_cases += truly_cj as usize;
        cj_calls += detected_cj as usize;
        cj_right += (truly_cj && detected_cj) as usize;
        let paid_from = c.inputs[r.first_input].prev().expect("not a coinbase");
        let payer = owner(c.outputs[paid_from].addr().expect("a spent output pays an address"));
        let truly_mx =
            is_mixer_entity(payer.0) && matches!(purpose, Purpose::Service(Operation::MixerPayout) | Purpose::Story(_));
        let detected_mx = coinjoin::mixer_payout(ex, tx).is_some();
        mx_cases += truly_mx as usize;
        mx_calls += detected_mx as usize;
        mx_right += (truly_mx && detected_mx) as usize;
        if truly_cj {
            continue;
        }
        let outs: Vec<(u32, AddrIdx)> =
            c.outputs[r.outputs()].iter().enumerate().filter_map(|(k, o)| o.addr().map(|a| (k as u32, a))).collect();
        if outs.len() < 2 {
            continue;
        }
        let own: Vec<u32> = outs.iter().filter(|(_, a)| owner(*a) == payer).map(|(k, _)| *k).collect();
        let truth_change = (own.len() == 1 && outs.len() > 1).then(|| own[0]);
        cases += truth_change.is_some() as usize;
        let v = change::detect(ex, tx);
        for vote in &v.votes {
            let e = calls.entry(Some(vote.heuristic)).or_default();
            e.0 += 1;
            e.1 += (truth_change == Some(vote.vout)) as usize;
        }
        if let Some(ch) = v.change {
            let e = calls.entry(None).or_default();
            e.0 += 1;
            e.1 += (truth_change == Some(ch)) as usize;
        }
    }
    let mut change_scores: Vec<Score> = Heuristic::ALL
        .iter()
        .map(|h| {
            let (n, k) = calls.get(&Some(*h)).copied().unwrap_or_default();
            Score::new(h.name(), n, k, cases)
        })
        .collect();
    let (n, k) = calls.get(&None).copied().unwrap_or_default();
    change_scores.push(Score::new("combined", n, k, cases));
    // Clusters.
    let mut used = vec![false; c.addresses.len()];
    for a in c.outputs.iter().filter_map(OutputRecord::addr) {
        used[a.index()] = true;
    }
    let cluster_score = |name: &str, cl: &Clusters| {
        let mut clusters = 0;
        let (mut pure, mut clustered) = (0usize, 0usize);
        let mut best_of_owner: HashMap<(EntityIdx, Option<MemberIdx>), usize> = HashMap::new();
        let mut size_of_owner: HashMap<(EntityIdx, Option<MemberIdx>), usize> = HashMap::new();
        for a in c.addresses.ids() {
            if used[a.index()] {
                *size_of_owner.entry(owner(a)).or_default() += 1;
            }
            if cl.root[a.index()] != a {
                continue;
            }
            let members: Vec<AddrIdx> = cl.members(a).iter().copied().filter(|&m| used[m.index()]).collect();
            let mut by_owner: HashMap<(EntityIdx, Option<MemberIdx>), usize> = HashMap::new();
            for &m in &members {
                *by_owner.entry(owner(m)).or_default() += 1;
            }
            for (o, n) in &by_owner {
                let b = best_of_owner.entry(*o).or_default();
                *b = (*b).max(*n);
            }
            if members.len() > 1 {
                clusters += 1;
                clustered += members.len();
                pure += by_owner.values().max().copied().unwrap_or(0);
            }
        }
        let (mut found, mut total) = (0usize, 0usize);
        for (o, n) in &size_of_owner {
            if *n > 1 {
                total += n;
                found += best_of_owner.get(o).copied().unwrap_or(0);
            }
        }
        let r = |x: f64| (x * 1000.0).round() / 1000.0;
        ClusterScore {
            name: name.to_string(),
            clusters,
            purity: if clustered == 0 { 0.0 } else { r(pure as f64 / clustered as f64) },
            completeness: if total == 0 { 0.0 } else { r(found as f64 / total as f64) },
        }
    };
    let plain = Clusters::build(ex, ClusterOptions::default());
    let merged = Clusters::build(ex, ClusterOptions { merge_change: Some(0.5) });
    Report {
        scenario: sc.meta.id.clone(),
        seed: world.seed,
        transactions: c.txs.len(),
        change: change_scores,
        clusters: vec![cluster_score("common inputs", &plain), cluster_score("common inputs + change", &merged)],
        coinjoin: Score::new("coinjoin", cj_calls, cj_right, cj_cases),
        mixer: Score::new("mixer payout", mx_calls, mx_right, mx_cases),
    }
}

impl Report {
    pub fn to_text(&self) -> String {
        let mut s = format!("{} (seed {}), {} transactions\n\n", self.scenario, self.seed, self.transactions);
        s.push_str(&format!(
            "{:<26} {:>8} {:>8} {:>8} {:>10} {:>8}\n",
            "change detection", "calls", "right", "cases", "precision", "recall"
        ));
        for x in &self.change {
            s.push_str(&format!(
                "  {:<24} {:>8} {:>8} {:>8} {:>10.3} {:>8.3}\n",
                x.name, x.calls, x.correct, x.cases, x.precision, x.recall
            ));
        }
        s.push_str(&format!("\n{:<26} {:>8} {:>10} {:>13}\n", "clustering", "clusters", "purity", "completeness"));
        for x in &self.clusters {
            s.push_str(&format!("  {:<24} {:>8} {:>10.3} {:>13.3}\n", x.name, x.clusters, x.purity, x.completeness));
        }
        s.push_str(&format!(
            "\n{:<26} {:>8} {:>8} {:>8} {:>10} {:>8}\n",
            "detection", "calls", "right", "cases", "precision", "recall"
        ));
        for x in [&self.coinjoin, &self.mixer] {
            s.push_str(&format!(
                "  {:<24} {:>8} {:>8} {:>8} {:>10.3} {:>8.3}\n",
                x.name, x.calls, x.correct, x.cases, x.precision, x.recall
            ));
        }
        s
    }
}
