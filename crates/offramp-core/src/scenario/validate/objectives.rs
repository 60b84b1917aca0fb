//! The `objectives` section: unique ids, answers that name existing entities and steps and
//! that the generated world can answer, scoring rules, and hints.

use std::collections::HashSet;

use super::*;
use crate::scenario::answerable;

impl V<'_> {
    pub(super) fn objectives(
        &mut self,
        raw: Vec<RawObjective>,
        ents: &[Entity],
        story: &[Step],
        meta: &Meta,
    ) -> Vec<Objective> {
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
                    let of = self.entity_ref(&of, ents, &launderers, &ap("of")).unwrap_or(EntityIdx::new(0));
                    let at = at.and_then(|a| self.entity_ref(&a, ents, &["Exchange"], &ap("at")));
                    if !story.iter().any(|s| deposits_at(s, of, at)) {
                        self.err(
                            &ap("of"),
                            format!(
                                "no step of the story deposits funds of \"{}\" at {}",
                                ents.get(of.index()).map_or("?", |e| &e.id),
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
                    Answer::CashOutServices { of: of.unwrap_or(EntityIdx::new(0)) }
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
                    Answer::CashedOut { of: of.unwrap_or(EntityIdx::new(0)), at, unit }
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
                    Answer::Cluster { of: of.unwrap_or(EntityIdx::new(0)) }
                }
                RawAnswer::Identity { of } => {
                    let of = self.entity_ref(&of, ents, &launderers, &ap("of"));
                    if let Some(of) = of
                        && let Some(why) = answerable::identity_problem(of, ents, story, meta)
                    {
                        self.err(&ap("of"), why);
                    }
                    Answer::Identity { of: of.unwrap_or(EntityIdx::new(0)) }
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
                    Answer::Addresses { of: of.unwrap_or(EntityIdx::new(0)), role }
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
                    Answer::Service { step: k.unwrap_or(StepIdx::new(0)) }
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
