//! Findings: an answer per objective, hints unlocked at their cost, the submission, and the
//! results screen with what was right and what was not.

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};
use offramp_core::case::HintUse;
use offramp_core::score::{self, Report};

use super::Screen;
use super::casefile::{CaseFile, SaveNow};
use super::graph::Graph;
use super::legal::Requests;
use super::loading::Case;

/// Unlocks a hint (its cost comes off the objective's points).
#[derive(Message, Debug, Clone)]
pub struct UnlockHint {
    pub objective: String,
    pub hint: u32,
}

/// Submits the case for scoring.
#[derive(Message, Debug, Clone, Copy)]
pub struct Submit;

/// The scored case.
#[derive(Resource, Debug, Clone)]
pub struct Results(pub Report);

pub fn plugin(app: &mut App) {
    app.add_message::<UnlockHint>()
        .add_message::<Submit>()
        .add_systems(Update, (unlock, submit).run_if(resource_exists::<CaseFile>))
        .add_systems(Update, show_submitted.run_if(resource_added::<CaseFile>));
}

pub fn ui(app: &mut App) {
    app.add_systems(EguiPrimaryContextPass, results_screen.run_if(in_state(Screen::Results)));
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
    loaded: Res<Case>,
    graph: Res<Graph>,
    requests: Res<Requests>,
    time: Res<Time>,
    mut commands: Commands,
    mut next: ResMut<NextState<Screen>>,
) {
    if asked.read().count() == 0 {
        return;
    }
    file.gather(&graph, &requests);
    file.case.submitted = true;
    file.save(time.elapsed_secs_f64());
    commands.insert_resource(Results(score::score(&loaded.world, &file.case)));
    next.set(Screen::Results);
}

/// A case submitted earlier opens on its results.
fn show_submitted(file: Res<CaseFile>, loaded: Res<Case>, mut commands: Commands, mut next: ResMut<NextState<Screen>>) {
    if file.case.submitted {
        commands.insert_resource(Results(score::score(&loaded.world, &file.case)));
        next.set(Screen::Results);
    }
}

/// Hints of an objective: (text, cost, unlocked).
pub fn hints_of(loaded: &Case, file: &CaseFile, objective: &str) -> Vec<(String, f64, bool)> {
    let Some(o) = loaded.world.scenario.objectives.iter().find(|o| o.id == objective) else { return Vec::new() };
    o.hints
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let used = file.case.hints.iter().any(|u| u.objective == objective && u.hint as usize == i);
            (h.text.clone(), h.cost, used)
        })
        .collect()
}

fn results_screen(
    mut contexts: EguiContexts,
    results: Option<Res<Results>>,
    file: Option<Res<CaseFile>>,
    mut next: ResMut<NextState<Screen>>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    let mut root = super::root_ui(ctx);
    let Some(results) = results else { return Ok(()) };
    let r = &results.0;
    egui::CentralPanel::default().show(&mut root, |ui| {
        ui.heading(format!("Results: {:.1} of {:.0} points", r.earned, r.possible));
        if let Some(f) = &file {
            let s = f.seconds();
            ui.label(format!("{} · {} min {:02} s on the case", r.trainee, s / 60, s % 60));
        }
        ui.separator();
        egui::ScrollArea::vertical().max_height(ui.available_height() - 50.0).show(ui, |ui| {
            for o in &r.objectives {
                let full = o.earned + 1e-9 >= o.possible;
                let colour = if full {
                    egui::Color32::from_rgb(90, 200, 120)
                } else if o.earned > 0.0 {
                    egui::Color32::from_rgb(230, 190, 80)
                } else {
                    egui::Color32::from_rgb(230, 100, 100)
                };
                ui.horizontal(|ui| {
                    ui.colored_label(colour, format!("{:>5.1} / {:<3.0}", o.earned, o.possible));
                    ui.strong(&o.prompt);
                });
                if let (Some(p), Some(rc)) = (o.precision, o.recall) {
                    ui.label(format!("    precision {:.0}% · recall {:.0}%", p * 100.0, rc * 100.0));
                }
                for d in &o.deductions {
                    ui.label(format!("    − {d}"));
                }
                if full && o.deductions.is_empty() {
                    ui.label("    right");
                }
                ui.add_space(6.0);
            }
            ui.separator();
            ui.strong(format!("Legal requests: {} of {} used", r.legal.requests, r.legal.budget));
            if r.legal.penalty > 0.0 {
                ui.label(format!("    − {:.1} points", r.legal.penalty));
            }
            for d in &r.legal.deductions {
                ui.label(format!("    − {d}"));
            }
        });
        ui.separator();
        ui.horizontal(|ui| {
            if ui.button("Review the investigation").clicked() {
                next.set(Screen::Investigation);
            }
            if ui.button("Back to the library").clicked() {
                next.set(Screen::Library);
            }
        });
    });
    Ok(())
}

/// The findings tab's inputs.
#[derive(Default)]
pub struct FindingsForm {
    pub paste: std::collections::HashMap<String, String>,
    pub confirm: bool,
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

fn split_list(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || c == ',' || c == ';')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// The findings tab: an input per objective that fits its answer, hints, and the submission.
pub fn tab(
    ui: &mut egui::Ui,
    loaded: &Case,
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
    let intel = loaded.world.intel.clone();
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
                        let mut on = list.iter().any(|x| x.eq_ignore_ascii_case(n));
                        if ui.checkbox(&mut on, n).changed() {
                            if on {
                                list.push(n.clone());
                            } else {
                                list.retain(|x| !x.eq_ignore_ascii_case(n));
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
                for extra in list.clone().iter().filter(|x| !entity_names.iter().any(|n| n.eq_ignore_ascii_case(x))) {
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
                let hops = given.as_ref().map(Given::hops).unwrap_or_default();
                ui.label(format!("{} hops marked", hops.len()));
                for (a, b) in hops.iter().take(8) {
                    ui.label(format!("{} → {}", super::tools::short(a), super::tools::short(b)));
                }
                if hops.len() > 8 {
                    ui.label(format!("… and {} more", hops.len() - 8));
                }
                ui.horizontal(|ui| {
                    if ui
                        .button("Use the highlighted path")
                        .on_hover_text("Show a path or trace on the canvas (Tracing tab), then take it as the answer")
                        .clicked()
                    {
                        let h = highlighted_hops(graph);
                        given = (!h.is_empty()).then_some(Given::Hops(h));
                    }
                    if ui.button("Clear").clicked() {
                        given = None;
                    }
                });
                let paste = form.paste.entry(o.id.clone()).or_default();
                ui.add(
                    egui::TextEdit::multiline(paste)
                        .hint_text("or paste addresses in the order the funds went")
                        .desired_rows(2),
                );
                if ui.button("Use these addresses").clicked() {
                    let list = split_list(paste);
                    if list.len() >= 2 {
                        given = Some(Given::Path(list));
                    }
                }
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
        for (i, (text, cost, used)) in hints_of(loaded, file, &o.id).into_iter().enumerate() {
            if used {
                ui.label(format!("Hint {}: {text}", i + 1));
            } else if ui
                .add_enabled(!done, egui::Button::new(format!("Unlock hint {} (−{cost} points)", i + 1)))
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
