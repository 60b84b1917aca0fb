//! After sealing: every intel reference and every objective's symbolic answer, resolved
//! against the truth into addresses, txids, names and amounts.

use std::collections::BTreeSet;

use super::GenerateError;
use super::price::PriceSeries;
use crate::answer::{Named, Resolved};
use crate::intel::*;
use crate::ledger::{AddrIdx, Chain, InputRecord, OutIdx, OutputRecord};
use crate::scenario::{Action, AmountUnit, Answer, EntityIdx, EntityKind, Reveal, Scenario};
use crate::time::{DAY, format_instant};
use crate::truth::Truth;

/// Which addresses ever received an output.
fn used(chain: &Chain) -> Vec<bool> {
    let mut u = vec![false; chain.addresses.len()];
    for a in chain.outputs.iter().filter_map(OutputRecord::addr) {
        u[a.index()] = true;
    }
    u
}

/// The address an output of the story pays (every output but a coinbase's data pays one).
fn paid(chain: &Chain, o: OutIdx) -> AddrIdx {
    chain.outputs[o].addr().expect("an output of the story pays an address")
}

fn fail(sc: &Scenario, at: crate::locate::Pos, msg: String) -> GenerateError {
    GenerateError::Scenario(sc.diagnostic(at, msg))
}

pub fn intel(
    sc: &Scenario,
    chain: &Chain,
    truth: &Truth,
    prices: &PriceSeries,
    seed: u64,
) -> Result<Intel, GenerateError> {
    let used = used(chain);
    let mut items = Vec::new();
    let mut tags = Vec::new();
    for it in &sc.intel {
        let mut item = IntelItem { note: it.note.clone(), addresses: Vec::new(), txids: Vec::new() };
        match &it.reveal {
            Reveal::Addresses { of, role, first } => {
                let all = truth
                    .addresses
                    .iter()
                    .enumerate()
                    .filter(|(i, a)| a.entity == *of && a.role == *role && used[*i])
                    .map(|(i, _)| chain.address_string(AddrIdx::new(i)));
                let mut seen = BTreeSet::new();
                item.addresses =
                    all.filter(|a| seen.insert(a.clone())).take(first.map_or(usize::MAX, |n| n as usize)).collect();
                if item.addresses.is_empty() {
                    return Err(fail(
                        sc,
                        it.loc,
                        format!(
                            "this intel reveals {:?} addresses of \"{}\", but the generated world has none",
                            role, sc.entities[*of].id
                        ),
                    ));
                }
            }
            Reveal::Tag { of, roles, label, category } => {
                for (i, a) in truth.addresses.iter().enumerate() {
                    if a.entity == *of && roles.contains(&a.role) && used[i] {
                        tags.push(Tag {
                            address: chain.address_string(AddrIdx::new(i)),
                            label: label.clone(),
                            category: *category,
                        });
                    }
                }
            }
            Reveal::Transaction { step, index } => {
                let txs = &truth.step_txs[step.index()];
                let Some(&t) = txs.get(*index as usize) else {
                    return Err(fail(
                        sc,
                        it.loc,
                        format!(
                            "step \"{}\" made {} transactions; there is no transaction {index}",
                            sc.story[*step].id,
                            txs.len()
                        ),
                    ));
                };
                item.txids.push(chain.txs[t].txid().to_string());
            }
        }
        items.push(item);
    }
    let exchanges = sc
        .entities
        .iter()
        .filter_map(|e| match &e.kind {
            EntityKind::Exchange(x) => Some(ExchangeInfo {
                id: e.id.clone(),
                name: e.name.clone(),
                jurisdiction: x.jurisdiction.clone(),
                kyc: x.kyc,
            }),
            _ => None,
        })
        .collect();
    let objectives = sc
        .objectives
        .iter()
        .map(|o| ObjectiveInfo {
            id: o.id.clone(),
            prompt: o.prompt.clone(),
            kind: o.answer.kind(),
            points: o.rule.points(),
            hint_costs: o.hints.iter().map(|h| h.cost).collect(),
        })
        .collect();
    // Hourly, as an exchange's public ticker gives it, from a week before the start.
    let mut daily = Vec::new();
    let mut t = sc.meta.start - 7 * DAY;
    while t <= sc.end() + super::GRACE {
        daily.push(PricePoint { date: format_instant(t), usd: prices.at(t) });
        t += 3600;
    }
    Ok(Intel {
        scenario: PublicMeta {
            id: sc.meta.id.clone(),
            title: sc.meta.title.clone(),
            difficulty: format!("{:?}", sc.meta.difficulty),
            estimated_minutes: sc.meta.estimated_minutes,
            briefing: sc.meta.briefing.clone(),
            network: format!("{:?}", sc.meta.network),
            start: format_instant(sc.meta.start),
            end: format_instant(sc.end()),
        },
        seed,
        items,
        tags,
        exchanges,
        objectives,
        legal: LegalInfo { budget: sc.legal.budget, wrong_request_penalty: sc.legal.wrong_request_penalty },
        prices: daily,
    })
}

fn named(truth: &Truth, e: EntityIdx) -> Named {
    let t = &truth.entities[e];
    Named { id: t.id.clone(), name: t.name.clone() }
}

pub fn answers(sc: &Scenario, chain: &Chain, truth: &Truth) -> Result<Vec<Resolved>, GenerateError> {
    let used = used(chain);
    let addr_set = |it: &mut dyn Iterator<Item = AddrIdx>| -> Vec<String> {
        let s: BTreeSet<String> = it.map(|a| chain.address_string(a)).collect();
        s.into_iter().collect()
    };
    let mut out = Vec::new();
    for o in &sc.objectives {
        let r = match &o.answer {
            Answer::DepositAddresses { of, at } => Resolved::Addresses(addr_set(
                &mut truth
                    .cashouts
                    .iter()
                    .filter(|c| c.holder == *of && at.is_none_or(|x| c.service == x))
                    .filter(|c| matches!(sc.entities[c.service].kind, EntityKind::Exchange(_)))
                    .map(|c| paid(chain, c.output)),
            )),
            Answer::CashOutServices { of } => {
                let s: BTreeSet<EntityIdx> =
                    truth.cashouts.iter().filter(|c| c.holder == *of).map(|c| c.service).collect();
                Resolved::Entities(s.into_iter().map(|e| named(truth, e)).collect())
            }
            Answer::CashedOut { of, at, unit } => {
                let it = truth.cashouts.iter().filter(|c| c.holder == *of && at.is_none_or(|x| c.service == x));
                Resolved::Amount(match unit {
                    // Cash-outs are outputs of a chain that conserves value; in u128 their sum
                    // cannot wrap whatever they are.
                    AmountUnit::Btc => it.map(|c| u128::from(c.value)).sum::<u128>() as f64 / 1e8,
                    AmountUnit::Usd => (it.map(|c| c.usd).sum::<f64>() * 100.0).round() / 100.0,
                })
            }
            Answer::FundsPath { steps } => {
                let mut hops = BTreeSet::new();
                for &s in steps {
                    for &t in &truth.step_txs[s.index()] {
                        let r = &chain.txs[t];
                        // Only inputs that carried story funds: in a CoinJoin the other
                        // participants' coins are not the launderer's path.
                        let ins: BTreeSet<AddrIdx> = chain.inputs[r.inputs()]
                            .iter()
                            .filter_map(InputRecord::prev)
                            .filter(|p| truth.flow[p.index()])
                            .map(|p| paid(chain, p))
                            .collect();
                        let outs: BTreeSet<AddrIdx> =
                            r.outputs().filter(|k| truth.flow[k.index()]).map(|k| paid(chain, k)).collect();
                        for a in &ins {
                            for b in &outs {
                                if a != b {
                                    hops.insert((chain.address_string(*a), chain.address_string(*b)));
                                }
                            }
                        }
                    }
                }
                Resolved::Path(hops.into_iter().collect())
            }
            Answer::Cluster { of } => {
                Resolved::Addresses(addr_set(&mut truth.addresses_of(*of).filter(|a| used[a.index()])))
            }
            Answer::Addresses { of, role } => Resolved::Addresses(addr_set(
                &mut truth.addresses_of(*of).filter(|a| used[a.index()] && truth.addresses[*a].role == *role),
            )),
            Answer::Identity { of } => {
                let cooperating =
                    |s: EntityIdx| matches!(&sc.entities[s].kind, EntityKind::Exchange(x) if x.cooperates);
                let name = truth
                    .accounts
                    .iter()
                    .filter(|a| a.holder == *of && cooperating(a.service))
                    .find_map(|a| a.identity.as_ref().map(|i| i.name.clone()));
                Resolved::Text(name.unwrap_or_default())
            }
            Answer::Service { step } => {
                let ents: Vec<EntityIdx> = match &sc.story[*step].action {
                    Action::Mix { mixer, .. } => vec![*mixer],
                    Action::CoinJoin { coordinator, .. } => vec![*coordinator],
                    Action::CashOut { exchange, .. } => vec![*exchange],
                    Action::OtcCashOut { otc, .. } => vec![*otc],
                    _ => {
                        let s: BTreeSet<EntityIdx> =
                            truth.cashouts.iter().filter(|c| c.step == *step).map(|c| c.service).collect();
                        s.into_iter().collect()
                    }
                };
                Resolved::Entities(ents.into_iter().map(|e| named(truth, e)).collect())
            }
        };
        let empty = match &r {
            Resolved::Addresses(a) => a.is_empty(),
            Resolved::Entities(e) => e.is_empty(),
            Resolved::Path(p) => p.is_empty(),
            Resolved::Text(t) => t.is_empty(),
            Resolved::Amount(x) => *x <= 0.0,
        };
        if empty {
            return Err(fail(
                sc,
                o.loc,
                format!(
                    "objective \"{}\" has no answer in the generated world: what it asks about never happened",
                    o.id
                ),
            ));
        }
        out.push(r);
    }
    Ok(out)
}
