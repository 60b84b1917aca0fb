//! A scenario's story as its author checks it: the steps as a timeline (who paid whom, when,
//! how much, which objectives each step answers), the counts of what was generated, and the
//! answer key. `offramp preview` prints it; it reads the truth, so it is the instructor's.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::answer::Resolved;
use crate::format::{btc, usd};
use crate::scenario::{Answer, EntityIdx, StepIdx};
use crate::time::format_instant;
use crate::world::World;

/// The payee of money that went to its payer's own addresses.
const OWN: &str = "its own addresses";

/// Money one step moved from one party to another.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Flow {
    pub from: String,
    pub to: String,
    pub transactions: usize,
    pub sats: u64,
    /// Dollars at the time of each transaction, summed.
    pub usd: f64,
}

/// One story step as it happened.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StepView {
    pub id: String,
    /// What the step does, as the scenario names its action ("PeelChain").
    pub action: String,
    pub transactions: usize,
    /// The first and last transaction's time, RFC 3339 (absent for a step that made none).
    pub first: Option<String>,
    pub last: Option<String>,
    /// Between parties, largest first, then what went to the payer's own addresses (its own
    /// hops, and change), whose `to` is "its own addresses".
    pub flows: Vec<Flow>,
    /// The objectives whose answers this step makes (their ids).
    pub answers: Vec<String>,
}

/// One objective and its answer in this world.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct KeyLine {
    pub id: String,
    pub prompt: String,
    pub points: f64,
    pub answer: Resolved,
    /// "BTC" or "USD" for an amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

/// Everything `offramp preview` says.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Preview {
    pub scenario: String,
    pub title: String,
    pub seed: u64,
    pub network: String,
    pub start: String,
    pub end: String,
    pub steps: Vec<StepView>,
    pub blocks: usize,
    pub transactions: usize,
    pub inputs: usize,
    pub outputs: usize,
    pub addresses: usize,
    /// Transactions of ordinary life and services around the story.
    pub background: usize,
    pub key: Vec<KeyLine>,
}

/// The preview of a generated world.
pub fn preview(w: &World) -> Preview {
    let sc = &w.scenario;
    let chain = &w.chain;
    let name = |e: EntityIdx| w.truth.entities.get(e.index()).map_or_else(|| "?".to_string(), |t| t.name.clone());
    let mut story_txs = 0;
    let steps = sc
        .story
        .iter()
        .enumerate()
        .map(|(i, step)| {
            let txs = w.truth.step_txs.get(i).map_or(&[][..], Vec::as_slice);
            story_txs += txs.len();
            let mut flows: BTreeMap<(String, String), Flow> = BTreeMap::new();
            for &t in txs {
                let tx = &chain.txs[t];
                let payer = tx
                    .inputs()
                    .find_map(|i| chain.inputs[i].prev().and_then(|o| chain.outputs[o].addr()))
                    .map(|a| w.truth.addresses[a].entity);
                for o in tx.outputs() {
                    let out = &chain.outputs[o];
                    let Some(a) = out.addr() else { continue };
                    let payee = w.truth.addresses[a].entity;
                    let from = payer.map_or_else(|| "newly mined coins".to_string(), name);
                    // Money that stays with its owner: the hops of their own wallet, and change.
                    let to = if Some(payee) == payer { OWN.to_string() } else { name(payee) };
                    let f = flows.entry((from.clone(), to.clone())).or_insert(Flow {
                        from,
                        to,
                        transactions: 0,
                        sats: 0,
                        usd: 0.0,
                    });
                    f.sats += out.value;
                    f.usd += w.prices.usd_for_sats(out.value, tx.created);
                    f.transactions += 1;
                }
            }
            let mut flows: Vec<Flow> = flows.into_values().collect();
            // Between parties first, largest first; then what stayed with its owner.
            flows.sort_by(|a, b| {
                (a.to == OWN).cmp(&(b.to == OWN)).then(b.sats.cmp(&a.sats)).then_with(|| a.from.cmp(&b.from))
            });
            let times: Vec<i64> = txs.iter().map(|&t| chain.txs[t].created).collect();
            StepView {
                id: step.id.clone(),
                action: action_name(&step.action),
                transactions: txs.len(),
                first: times.iter().min().map(|&t| format_instant(t)),
                last: times.iter().max().map(|&t| format_instant(t)),
                flows,
                answers: answered_by(w, StepIdx::new(i)),
            }
        })
        .collect();
    let key = key_lines(w);
    Preview {
        scenario: sc.meta.id.clone(),
        title: sc.meta.title.clone(),
        seed: w.seed,
        network: format!("{:?}", sc.meta.network),
        start: format_instant(sc.meta.start),
        end: format_instant(sc.meta.start + sc.meta.duration),
        steps,
        blocks: chain.blocks.len(),
        transactions: chain.txs.len(),
        inputs: chain.inputs.len(),
        outputs: chain.outputs.len(),
        addresses: chain.addresses.len(),
        background: chain.txs.len() - story_txs,
        key,
    }
}

/// The objectives a step's transactions answer: a path through it, the service it used, or
/// an answer about a party it paid or was paid by.
fn answered_by(w: &World, step: StepIdx) -> Vec<String> {
    use crate::scenario::Action;
    let sc = &w.scenario;
    let s = &sc.story[step.index()];
    let cash_out = matches!(s.action, Action::CashOut { .. } | Action::OtcCashOut { .. } | Action::PeelChain { .. });
    sc.objectives
        .iter()
        .filter(|o| match &o.answer {
            Answer::FundsPath { steps } => steps.contains(&step),
            Answer::Service { step: of } => *of == step,
            Answer::CashedOut { of, at, .. } | Answer::DepositAddresses { of, at } => {
                cash_out && *of == s.holder && at.is_none_or(|x| step_pays(s, x))
            }
            Answer::CashOutServices { of } => cash_out && *of == s.holder,
            Answer::Cluster { .. } | Answer::Identity { .. } | Answer::Addresses { .. } => false,
        })
        .map(|o| o.id.clone())
        .collect()
}

/// Whether a step sends money to `x` by its definition.
fn step_pays(s: &crate::scenario::Step, x: EntityIdx) -> bool {
    use crate::scenario::Action;
    match &s.action {
        Action::CashOut { exchange, .. } => *exchange == x,
        Action::OtcCashOut { otc, .. } => *otc == x,
        Action::PeelChain { to, .. } => to.contains(&x),
        _ => false,
    }
}

fn action_name(a: &crate::scenario::Action) -> String {
    let debug = format!("{a:?}");
    debug.split([' ', '{', '(']).next().unwrap_or("").to_string()
}

impl Preview {
    /// The preview as the terminal shows it.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "{} ({}), seed {}, {}", self.title, self.scenario, self.seed, self.network);
        let _ = writeln!(s, "{} to {}", self.start, self.end);
        let _ = writeln!(s, "\nStory");
        for st in &self.steps {
            let when = match (&st.first, &st.last) {
                (Some(a), Some(b)) if a == b => a.clone(),
                (Some(a), Some(b)) => format!("{a} to {b}"),
                _ => "no transactions".into(),
            };
            let plural = if st.transactions == 1 { "" } else { "s" };
            let _ = writeln!(s, "  {} ({}): {} transaction{plural}, {when}", st.id, st.action, st.transactions);
            for f in st.flows.iter().take(4) {
                let _ = writeln!(
                    s,
                    "      {} -> {}: {} ({}) in {} output{}",
                    f.from,
                    f.to,
                    btc(f.sats),
                    usd(f.usd),
                    f.transactions,
                    if f.transactions == 1 { "" } else { "s" }
                );
            }
            if st.flows.len() > 4 {
                let _ = writeln!(s, "      … and {} more", st.flows.len() - 4);
            }
            if !st.answers.is_empty() {
                let _ = writeln!(s, "      answers: {}", st.answers.join(", "));
            }
        }
        let _ = writeln!(s, "\nGenerated");
        let _ = writeln!(
            s,
            "  {} blocks, {} transactions ({} of the story, {} around it), {} inputs, {} outputs, {} addresses",
            self.blocks,
            self.transactions,
            self.transactions - self.background,
            self.background,
            self.inputs,
            self.outputs,
            self.addresses
        );
        let _ = writeln!(s, "\nAnswer key");
        for k in &self.key {
            let _ = writeln!(s, "  {} ({} points): {}", k.id, k.points, k.prompt);
            let _ = match &k.answer {
                Resolved::Addresses(a) => {
                    writeln!(s, "      {} address{}: {}", a.len(), if a.len() == 1 { "" } else { "es" }, a.join(", "))
                }
                Resolved::Entities(e) => {
                    writeln!(s, "      {}", e.iter().map(|n| n.name.as_str()).collect::<Vec<_>>().join(", "))
                }
                Resolved::Amount(v) if k.unit.as_deref() == Some("USD") => writeln!(s, "      {}", usd(*v)),
                Resolved::Amount(v) => writeln!(s, "      {v} {}", k.unit.as_deref().unwrap_or("")),
                Resolved::Path(hops) => {
                    let _ = writeln!(s, "      {} hops (sorted by address):", hops.len());
                    for (a, b) in hops {
                        let _ = writeln!(s, "        {a} -> {b}");
                    }
                    Ok(())
                }
                Resolved::Text(t) => writeln!(s, "      {t}"),
            };
        }
        s
    }
}

/// The answer key of a world: each objective with its true answer there.
pub fn key_lines(w: &World) -> Vec<KeyLine> {
    w.scenario
        .objectives
        .iter()
        .zip(&w.truth.answers)
        .map(|(o, a)| KeyLine {
            id: o.id.clone(),
            prompt: o.prompt.clone(),
            points: o.rule.points(),
            answer: a.clone(),
            unit: match &o.answer {
                Answer::CashedOut { unit, .. } => Some(format!("{unit:?}").to_uppercase()),
                _ => None,
            },
        })
        .collect()
}
