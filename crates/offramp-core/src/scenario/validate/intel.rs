//! The `intel` section: what trainees are told at the start (addresses, tags, transactions)
//! names entities, roles and steps that exist, and transactions a step can make.

use super::*;
use crate::scenario::answerable;

impl V<'_> {
    pub(super) fn intel(&mut self, raw: Vec<RawIntel>, ents: &[Entity], story: &[Step]) -> Vec<Intel> {
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
                    Reveal::Addresses { of: of.unwrap_or(EntityIdx::new(0)), role, first }
                }
                RawReveal::Tag { of, roles, label, category } => {
                    let of_idx = self.entity_ref(&of, ents, &all, &rp("of")).unwrap_or(EntityIdx::new(0));
                    if roles.is_empty() {
                        self.err(
                            &rp("roles"),
                            "roles is empty: name the roles of the addresses to tag (e.g. [Hot, Cold])",
                        );
                    }
                    let e = ents.get(of_idx.index());
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
                    Reveal::Transaction { step: k.unwrap_or(StepIdx::new(0)), index }
                }
            };
            out.push(Intel { note: it.note, reveal, loc: self.at(p!["intel", i]) });
        }
        out
    }
}
