//! Findings: an answer per objective, hints unlocked at their cost, and the submission,
//! which the referee scores.

use bevy::prelude::*;
use bevy_egui::egui;
use offramp_core::case::HintUse;
use offramp_core::forensics::Explorer;
use offramp_core::ledger::AddrIdx;
use offramp_core::score::Report;
use offramp_core::text::same;

use super::Evidence;
use super::Screen;
use super::casefile::{CaseFile, SaveNow};
use super::graph::Graph;
use super::legal::Requests;
use super::referee::RefereeHandle;

/// Unlocks a hint (its cost comes off the objective's points).
#[derive(Message, Debug, Clone)]
pub struct UnlockHint {
    pub objective: String,
    pub hint: u32,
}

/// Submits the case for scoring.
#[derive(Message, Debug, Clone, Copy)]
pub struct Submit;

/// The submitted case's score, or `None` where the instructor scores it (a class pack).
#[derive(Resource, Debug, Clone)]
pub struct Results(pub Option<Report>);

pub fn plugin(app: &mut App) {
    app.add_message::<UnlockHint>()
        .add_message::<Submit>()
        .add_systems(Update, (unlock, submit).run_if(resource_exists::<CaseFile>))
        .add_systems(Update, show_submitted.run_if(resource_added::<CaseFile>));
}

fn unlock(mut asked: MessageReader<UnlockHint>, mut file: ResMut<CaseFile>, mut save: MessageWriter<SaveNow>) {
    for h in asked.read() {
        let used = HintUse { objective: h.objective.clone(), hint: h.hint };
        if !file.case.hints.contains(&used) && !file.case.submitted {
            file.case.hints.push(used);
            save.write(SaveNow);
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn submit(
    mut asked: MessageReader<Submit>,
    mut file: ResMut<CaseFile>,
    referee: Res<RefereeHandle>,
    graph: Res<Graph>,
    requests: Res<Requests>,
    time: Res<Time>,
    mut commands: Commands,
    mut next: ResMut<NextState<Screen>>,
    class: Option<Res<super::class::ClassLink>>,
) {
    if asked.read().count() == 0 {
        return;
    }
    file.gather(&graph, &requests);
    file.case.submitted = true;
    // Sealed as submitted: what is scored is frozen from here on (see `CaseFile::gather`).
    file.case.seal = referee.seal(&file.case);
    let report = referee.score(&file.case);
    file.case.result = report.as_ref().map(|r| (r.earned, r.possible));
    file.save(time.elapsed_secs_f64());
    // In a class the server scores it: the results come back from there.
    if let Some(c) = class {
        c.syncer.submit(file.case.to_ron());
    }
    commands.insert_resource(Results(report));
    next.set(Screen::Results);
}

/// A case submitted earlier opens on its results (in the instructor's view, on the board
/// with the debrief).
pub fn show_submitted(
    file: Res<CaseFile>,
    referee: Res<RefereeHandle>,
    instructing: Option<Res<super::debrief::Instructing>>,
    mut commands: Commands,
    mut next: ResMut<NextState<Screen>>,
) {
    if file.case.submitted && instructing.is_none() {
        commands.insert_resource(Results(referee.score(&file.case)));
        next.set(Screen::Results);
    }
}

/// Hints of an objective: (cost, the text once unlocked).
pub fn hints_of(
    evidence: &Evidence,
    referee: &RefereeHandle,
    file: &CaseFile,
    objective: &str,
) -> Vec<(f64, Option<String>)> {
    let Some(o) = evidence.intel.objectives.iter().find(|o| o.id == objective) else { return Vec::new() };
    o.hint_costs
        .iter()
        .enumerate()
        .map(|(i, cost)| {
            let used = file.case.hints.iter().any(|u| u.objective == objective && u.hint as usize == i);
            (*cost, used.then(|| referee.hint(objective, i as u32)).flatten())
        })
        .collect()
}

/// The findings tab's inputs.
#[derive(Default)]
pub struct FindingsForm {
    pub paste: std::collections::HashMap<String, String>,
    pub confirm: bool,
    /// What the last path edit did ("3 hops added").
    pub said: Option<String>,
}

/// The hops of the highlighted path on the board: each lit transaction joins every lit
/// address paying into it to every lit address it pays.
pub fn highlighted_hops(graph: &mut Graph) -> Vec<(String, String)> {
    let b = &mut graph.board;
    let view = b.view().clone();
    let mut hops = Vec::new();
    for (i, n) in view.nodes.iter().enumerate() {
        if !n.highlighted || n.time.is_none() {
            continue;
        }
        let i = i as u32;
        let ins: Vec<u32> = view.edges.iter().filter(|e| e.to == i && e.highlighted).map(|e| e.from).collect();
        let outs: Vec<u32> = view.edges.iter().filter(|e| e.from == i && e.highlighted).map(|e| e.to).collect();
        for a in &ins {
            for o in &outs {
                hops.push((b.name(view.nodes[*a as usize].key), b.name(view.nodes[*o as usize].key)));
            }
        }
    }
    hops.sort();
    hops.dedup();
    hops
}

/// Every hop between the given addresses: `a → b` wherever a transaction spends from `a` and
/// pays `b`. Selecting the addresses of a path, branches and all, gives its hops.
pub fn hops_between(explorer: &Explorer, addresses: &[AddrIdx]) -> Vec<(String, String)> {
    let set: std::collections::BTreeSet<AddrIdx> = addresses.iter().copied().collect();
    let c = &explorer.chain;
    let mut hops = Vec::new();
    for &a in &set {
        for &t in explorer.txs_of(a) {
            if explorer.flows(a, t).1 == 0 {
                continue;
            }
            let r = &c.txs[t];
            for b in c.outputs[r.outputs()].iter().filter_map(|o| o.addr()) {
                if b != a && set.contains(&b) {
                    hops.push((c.address_string(a), c.address_string(b)));
                }
            }
        }
    }
    hops.sort();
    hops.dedup();
    hops
}

/// The addresses the selection stands for (a folded cluster: its members on the board).
fn selected_addresses(graph: &Graph) -> Vec<AddrIdx> {
    use offramp_core::board::NodeRef;
    let mut out = Vec::new();
    for k in &graph.board.selected {
        match *k {
            NodeRef::Addr(a) => out.push(a),
            NodeRef::Cluster(r) => out.extend(graph.board.members_on_board(r)),
            NodeRef::Tx(_) => {}
        }
    }
    out
}

/// Adds hops to a list, once each, keeping its order.
fn merge_hops(list: &mut Vec<(String, String)>, more: Vec<(String, String)>) -> usize {
    let before = list.len();
    for h in more {
        if !list.contains(&h) {
            list.push(h);
        }
    }
    list.len() - before
}

fn split_list(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || c == ',' || c == ';')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// The findings tab: an input per objective that fits its answer, hints, and the submission.
#[allow(clippy::too_many_arguments)]
pub fn tab(
    ui: &mut egui::Ui,
    evidence: &Evidence,
    referee: &RefereeHandle,
    file: &mut CaseFile,
    graph: &mut Graph,
    form: &mut FindingsForm,
    hints: &mut Vec<UnlockHint>,
    submit: &mut bool,
) {
    use offramp_core::answer::Given;
    use offramp_core::board::NodeRef;
    use offramp_core::scenario::AnswerKind;

    let done = file.case.submitted;
    if done {
        ui.label("This case was submitted; its answers can be read but not changed.");
    }
    let intel = &evidence.intel;
    let mut entity_names: Vec<String> = intel.exchanges.iter().map(|x| x.name.clone()).collect();
    for t in &intel.tags {
        if !entity_names.contains(&t.label) {
            entity_names.push(t.label.clone());
        }
    }
    for o in &intel.objectives {
        ui.add_space(4.0);
        ui.strong(format!("{} ({} points)", o.prompt, o.points));
        let mut given = file.case.answers.get(&o.id).cloned();
        ui.add_enabled_ui(!done, |ui| match o.kind {
            AnswerKind::Addresses => {
                let mut list = match &given {
                    Some(Given::Addresses(v)) => v.clone(),
                    _ => Vec::new(),
                };
                let mut remove = None;
                for (i, a) in list.iter().enumerate() {
                    ui.horizontal(|ui| {
                        if ui.small_button("✕").clicked() {
                            remove = Some(i);
                        }
                        ui.monospace(super::tools::short(a)).on_hover_text(a);
                    });
                }
                if let Some(i) = remove {
                    list.remove(i);
                }
                ui.horizontal(|ui| {
                    if ui.button("Add the selected addresses").clicked() {
                        for k in graph.board.selected.clone() {
                            let names: Vec<String> = match k {
                                NodeRef::Addr(_) => vec![graph.board.name(k)],
                                NodeRef::Cluster(r) => graph
                                    .board
                                    .members_on_board(r)
                                    .into_iter()
                                    .map(|m| graph.board.name(NodeRef::Addr(m)))
                                    .collect(),
                                NodeRef::Tx(_) => Vec::new(),
                            };
                            for n in names {
                                if !list.contains(&n) {
                                    list.push(n);
                                }
                            }
                        }
                    }
                });
                let paste = form.paste.entry(o.id.clone()).or_default();
                ui.horizontal(|ui| {
                    ui.add(egui::TextEdit::singleline(paste).hint_text("paste addresses").desired_width(180.0));
                    if ui.button("Add").clicked() {
                        for a in split_list(paste) {
                            if !list.contains(&a) {
                                list.push(a);
                            }
                        }
                        paste.clear();
                    }
                });
                given = (!list.is_empty()).then_some(Given::Addresses(list));
            }
            AnswerKind::Entities => {
                let mut list = match &given {
                    Some(Given::Entities(v)) => v.clone(),
                    _ => Vec::new(),
                };
                ui.horizontal_wrapped(|ui| {
                    for n in &entity_names {
                        let mut on = list.iter().any(|x| same(x, n));
                        if ui.checkbox(&mut on, n).changed() {
                            if on {
                                list.push(n.clone());
                            } else {
                                list.retain(|x| !same(x, n));
                            }
                        }
                    }
                });
                let paste = form.paste.entry(o.id.clone()).or_default();
                ui.horizontal(|ui| {
                    ui.add(egui::TextEdit::singleline(paste).hint_text("another name").desired_width(180.0));
                    if ui.button("Add").clicked() && !paste.trim().is_empty() {
                        list.push(paste.trim().to_string());
                        paste.clear();
                    }
                });
                for extra in list.clone().iter().filter(|x| !entity_names.iter().any(|n| same(n, x))) {
                    ui.horizontal(|ui| {
                        if ui.small_button("✕").clicked() {
                            list.retain(|x| x != extra);
                        }
                        ui.label(extra);
                    });
                }
                given = (!list.is_empty()).then_some(Given::Entities(list));
            }
            AnswerKind::Amount => {
                let mut x = match &given {
                    Some(Given::Amount(x)) => *x,
                    _ => 0.0,
                };
                let mut set = given.is_some();
                ui.horizontal(|ui| {
                    ui.checkbox(&mut set, "Answer");
                    if ui.add(egui::DragValue::new(&mut x).speed(0.01).max_decimals(8).range(0.0..=f64::MAX)).changed()
                    {
                        set = true;
                    }
                });
                given = set.then_some(Given::Amount(x));
            }
            AnswerKind::Path => {
                let mut hops = given.as_ref().map(Given::hops).unwrap_or_default();
                ui.label(format!("{} hops in your answer", hops.len()));
                let mut remove = None;
                egui::ScrollArea::vertical().id_salt(("hops", &o.id)).max_height(180.0).show(ui, |ui| {
                    for (i, (a, b)) in hops.iter().enumerate() {
                        ui.horizontal(|ui| {
                            if ui.small_button("✕").on_hover_text("Remove this hop").clicked() {
                                remove = Some(i);
                            }
                            ui.monospace(format!("{} → {}", super::tools::short(a), super::tools::short(b)))
                                .on_hover_text(format!("{a}\n→ {b}"));
                        });
                    }
                });
                if let Some(i) = remove {
                    hops.remove(i);
                }
                ui.horizontal_wrapped(|ui| {
                    if ui
                        .button("Add the selected hops")
                        .on_hover_text(
                            "Every hop between the selected addresses: select the addresses of the path (branches too) and add",
                        )
                        .clicked()
                    {
                        let found = hops_between(&evidence.explorer, &selected_addresses(graph));
                        form.said = Some(match merge_hops(&mut hops, found) {
                            0 => "No hop joins the selected addresses: select at least two, one paying the other.".into(),
                            n => format!("{n} hops added."),
                        });
                    }
                    if ui
                        .button("Add the highlighted path")
                        .on_hover_text("Show a path or trace on the canvas (Tracing tab), then take its hops")
                        .clicked()
                    {
                        let n = merge_hops(&mut hops, highlighted_hops(graph));
                        form.said = Some(format!("{n} hops added."));
                    }
                    if ui.add_enabled(!hops.is_empty(), egui::Button::new("Clear")).clicked() {
                        hops.clear();
                    }
                });
                let paste = form.paste.entry(o.id.clone()).or_default();
                ui.add(
                    egui::TextEdit::multiline(paste)
                        .hint_text("or paste addresses in the order the funds went")
                        .desired_rows(2),
                );
                if ui.button("Add these addresses as hops").clicked() {
                    let list = split_list(paste);
                    let n = merge_hops(&mut hops, list.windows(2).map(|w| (w[0].clone(), w[1].clone())).collect());
                    form.said = Some(format!("{n} hops added."));
                    paste.clear();
                }
                if let Some(said) = &form.said {
                    ui.label(said);
                }
                given = (!hops.is_empty()).then_some(Given::Hops(hops));
            }
            AnswerKind::Text => {
                let mut t = match &given {
                    Some(Given::Text(t)) => t.clone(),
                    _ => String::new(),
                };
                ui.text_edit_singleline(&mut t);
                given = (!t.trim().is_empty()).then_some(Given::Text(t));
            }
        });
        if !done {
            match given {
                Some(g) => {
                    if file.case.answers.get(&o.id) != Some(&g) {
                        file.case.answers.insert(o.id.clone(), g);
                    }
                }
                None => {
                    file.case.answers.remove(&o.id);
                }
            }
        }
        for (i, (cost, text)) in hints_of(evidence, referee, file, &o.id).into_iter().enumerate() {
            if let Some(text) = text {
                ui.label(format!("Hint {}: {text}", i + 1));
            } else if ui
                .add_enabled(
                    !done,
                    egui::Button::new(format!(
                        "Unlock hint {} (−{} points)",
                        i + 1,
                        offramp_core::format::points(cost)
                    )),
                )
                .clicked()
            {
                hints.push(UnlockHint { objective: o.id.clone(), hint: i as u32 });
            }
        }
        ui.separator();
    }
    if !done {
        let answered = intel.objectives.iter().filter(|o| file.case.answers.contains_key(&o.id)).count();
        ui.label(format!("{answered} of {} objectives answered", intel.objectives.len()));
        if ui.button("Submit the case…").clicked() {
            form.confirm = true;
        }
        if form.confirm {
            ui.colored_label(egui::Color32::YELLOW, "Submit now? The answers can no longer be changed.");
            ui.horizontal(|ui| {
                if ui.button("Submit").clicked() {
                    *submit = true;
                    form.confirm = false;
                }
                if ui.button("Not yet").clicked() {
                    form.confirm = false;
                }
            });
        }
    }
}
