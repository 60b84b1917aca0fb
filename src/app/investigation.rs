//! The investigation screen's panels around the canvas: a top bar (case, time, budget, undo,
//! layouts, help), tabs on the left (search and intel, tracing, tags and notes, legal
//! requests, findings), the inspector on the right, the timeline and messages at the bottom,
//! and the labels and selection box drawn over the canvas.

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};
use offramp_core::board::NodeRef;

use super::Screen;
use super::canvas::{CanvasState, Drag};
use super::casefile::{CaseFile, SaveNow};
use super::findings::{FindingsForm, Submit, UnlockHint};
use super::graph::{Graph, GraphAction};
use super::help::Settings;
use super::inspector::{self, TagDraft};
use super::legal::{FileRequest, LegalForm, Requests};
use super::loading::Case;
use super::tools::{self, TraceForm};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tab {
    #[default]
    Search,
    Trace,
    Tags,
    Legal,
    Findings,
}

/// The panels' own state: the open tab and the forms' drafts.
#[derive(Resource, Default)]
pub struct Panels {
    pub tab: Tab,
    pub search: String,
    pub found: Option<Result<Vec<(String, String)>, String>>,
    trace: TraceForm,
    findings: FindingsForm,
    legal: LegalForm,
    draft: TagDraft,
}

pub fn ui(app: &mut App) {
    app.init_resource::<Panels>().add_systems(
        EguiPrimaryContextPass,
        (investigation_panels, canvas_overlay).chain().run_if(
            in_state(Screen::Investigation).and_then(resource_exists::<Graph>).and_then(resource_exists::<CaseFile>),
        ),
    );
}

/// What the search box finds: labels match by name; an address or txid goes on the board.
pub fn search(case: &Case, text: &str) -> Result<Vec<(String, String)>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(Vec::new());
    }
    let ex = &case.explorer;
    if ex.address(t).is_ok() || ex.txid(t).is_ok() {
        return Ok(vec![(t.to_string(), t.to_string())]);
    }
    let by_label = ex.by_label(t);
    if by_label.is_empty() {
        // Say why the text is not an address or a txid.
        return Err(match (ex.address(t), ex.txid(t)) {
            (Err(e), _) if t.len() != 64 => format!("{e}, nor a label on any address"),
            (_, Err(e)) => e.to_string(),
            _ => "nothing found".into(),
        });
    }
    Ok(by_label
        .into_iter()
        .take(200)
        .map(|a| {
            let label = ex.labels(a).first().map_or_else(String::new, |l| l.label.clone());
            (ex.chain.address_string(a), label)
        })
        .collect())
}

fn mmss(s: u64) -> String {
    format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

#[allow(clippy::too_many_arguments)]
fn investigation_panels(
    mut contexts: EguiContexts,
    case: Res<Case>,
    mut graph: ResMut<Graph>,
    mut file: ResMut<CaseFile>,
    requests: Res<Requests>,
    mut panels: ResMut<Panels>,
    mut settings: ResMut<Settings>,
    mut canvas: ResMut<CanvasState>,
    mut actions: MessageWriter<GraphAction>,
    mut legal: MessageWriter<FileRequest>,
    mut hints: MessageWriter<UnlockHint>,
    mut submit: MessageWriter<Submit>,
    mut save: MessageWriter<SaveNow>,
    mut next: ResMut<NextState<Screen>>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    let mut root = super::root_ui(ctx);
    let mut out: Vec<GraphAction> = Vec::new();
    let p = &mut *panels;
    let intel = &case.world.intel;

    egui::Panel::top("bar").show(&mut root, |ui| {
        ui.horizontal_wrapped(|ui| {
            if ui.button("◀ Library").on_hover_text("The case is saved").clicked() {
                save.write(SaveNow);
                next.set(Screen::Library);
            }
            ui.strong(&intel.scenario.title);
            ui.separator();
            ui.label(format!("Time {}", mmss(file.seconds())));
            ui.label(format!("Legal requests {}/{}", requests.filed.len(), intel.legal.budget));
            ui.separator();
            let b = &graph.board;
            if ui.add_enabled(b.can_undo(), egui::Button::new("Undo")).on_hover_text("Ctrl+Z").clicked() {
                out.push(GraphAction::Undo);
            }
            if ui.add_enabled(b.can_redo(), egui::Button::new("Redo")).on_hover_text("Ctrl+Y").clicked() {
                out.push(GraphAction::Redo);
            }
            let force = if b.settling() { "■ Stop layout" } else { "Force layout" };
            if ui.button(force).on_hover_text("L").clicked() {
                out.push(if b.settling() { GraphAction::StopLayout } else { GraphAction::ForceLayout });
            }
            if ui.button("Time layout").on_hover_text("T").clicked() {
                out.push(GraphAction::TimeLayout);
                canvas.fit = true;
            }
            if ui.button("Fit").on_hover_text("Home").clicked() {
                canvas.fit = true;
            }
            ui.separator();
            if ui.button("? Help").on_hover_text("F1").clicked() {
                settings.show_help = !settings.show_help;
            }
            ui.label(if file.error.is_some() {
                "⚠ not saved"
            } else if file.path.is_none() {
                "not saved"
            } else if file.is_saved() {
                "✔ saved"
            } else {
                "saving…"
            });
        });
    });

    egui::Panel::bottom("status").show(&mut root, |ui| {
        tools::timeline(ui, &case, &graph, &mut out);
        let view = graph.board.cached_view();
        let shown = view.nodes.iter().filter(|n| !n.hidden).count();
        ui.horizontal_wrapped(|ui| {
            ui.label(format!("{shown} nodes, {} edges", view.edges.iter().filter(|e| !e.hidden).count()));
            if let Some(n) = &graph.notice {
                ui.separator();
                ui.label(n);
            }
            if let Some(e) = &file.error {
                ui.separator();
                ui.colored_label(egui::Color32::LIGHT_RED, e);
            }
        });
        let mut dismiss = false;
        if let Some(n) = &file.notice {
            ui.horizontal_wrapped(|ui| {
                ui.colored_label(egui::Color32::from_rgb(240, 200, 100), n);
                dismiss = ui.small_button("OK").clicked();
            });
        }
        if dismiss {
            file.notice = None;
        }
    });

    egui::Panel::left("tools").resizable(true).default_size(340.0).min_size(260.0).show(&mut root, |ui| {
        ui.horizontal_wrapped(|ui| {
            for (t, name) in [
                (Tab::Search, "Search"),
                (Tab::Trace, "Tracing"),
                (Tab::Tags, "Tags & notes"),
                (Tab::Legal, "Legal"),
                (Tab::Findings, "Findings"),
            ] {
                ui.selectable_value(&mut p.tab, t, name);
            }
        });
        ui.separator();
        egui::ScrollArea::vertical().id_salt("tab").show(ui, |ui| match p.tab {
            Tab::Search => {
                let r = ui.add(
                    egui::TextEdit::singleline(&mut p.search)
                        .hint_text("address, txid or label")
                        .desired_width(f32::INFINITY),
                );
                if settings.focus_search {
                    r.request_focus();
                    settings.focus_search = false;
                }
                let enter = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                if enter || ui.button("Find").clicked() {
                    let found = search(&case, &p.search);
                    if let Ok(v) = &found
                        && v.len() == 1
                        && v[0].0 == v[0].1
                    {
                        out.push(GraphAction::Add(v[0].0.clone()));
                    }
                    p.found = Some(found);
                }
                match &p.found {
                    Some(Ok(v)) => {
                        for (a, label) in v {
                            if ui.link(format!("{label} {}", tools::short(a))).on_hover_text(a).clicked() {
                                out.push(GraphAction::Add(a.clone()));
                            }
                        }
                    }
                    Some(Err(e)) => {
                        ui.colored_label(egui::Color32::LIGHT_RED, e);
                    }
                    None => {}
                }
                ui.separator();
                ui.strong("Intel");
                for item in &intel.items {
                    ui.label(&item.note);
                    for a in item.addresses.iter().chain(&item.txids) {
                        if ui.link(tools::short(a)).on_hover_text(a).clicked() {
                            out.push(GraphAction::Add(a.clone()));
                        }
                    }
                }
                if !intel.tags.is_empty() {
                    ui.label(format!("{} addresses carry public labels (search their names).", intel.tags.len()));
                }
            }
            Tab::Trace => tools::tracing(ui, &case, &graph, &mut p.trace, &mut out),
            Tab::Tags => tools::tags(ui, &graph, &mut file.case.notes, &mut out),
            Tab::Legal => {
                let selected = match graph.board.selected.iter().collect::<Vec<_>>().as_slice() {
                    [NodeRef::Addr(a)] => Some(graph.board.name(NodeRef::Addr(*a))),
                    _ => None,
                };
                let mut filed = Vec::new();
                super::legal::tab(ui, &case, &requests, &mut p.legal, selected, &mut filed);
                for f in filed {
                    legal.write(f);
                }
            }
            Tab::Findings => {
                let (mut unlock, mut go) = (Vec::new(), false);
                super::findings::tab(ui, &case, &mut file, &mut graph, &mut p.findings, &mut unlock, &mut go);
                for h in unlock {
                    hints.write(h);
                }
                if go {
                    submit.write(Submit);
                }
            }
        });
    });

    egui::Panel::right("inspector").resizable(true).default_size(360.0).min_size(260.0).show(&mut root, |ui| {
        ui.heading("Inspector");
        inspector::show(ui, &case, &graph, &mut p.draft, &mut out);
    });

    for a in out {
        actions.write(a);
    }
    Ok(())
}

/// Labels beside the nodes worth naming, and the selection box, over the canvas.
fn canvas_overlay(
    mut contexts: EguiContexts,
    mut graph: ResMut<Graph>,
    canvas: Res<CanvasState>,
    settings: Res<Settings>,
    camera: Query<(&Camera, &GlobalTransform, &Projection), With<Camera2d>>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    let Ok((cam, gt, proj)) = camera.single() else { return Ok(()) };
    let scale = match proj {
        Projection::Orthographic(o) => o.scale,
        _ => 1.0,
    };
    let zoom = settings.ui_scale.max(0.1);
    let to_screen = |p: [f32; 2]| {
        cam.world_to_viewport(gt, Vec3::new(p[0], p[1], 0.0)).ok().map(|v| egui::pos2(v.x / zoom, v.y / zoom))
    };
    let painter = ctx.layer_painter(egui::LayerId::new(egui::Order::Background, egui::Id::new("canvas-labels")));
    let screen = ctx.content_rect();
    let hovered = canvas.hovered;
    let selected = graph.board.selected.clone();
    let view = graph.board.view();
    let font = egui::FontId::proportional(11.0);
    if view.nodes.is_empty() {
        painter.text(
            screen.center(),
            egui::Align2::CENTER_CENTER,
            "The board is empty.\nClick an address or transaction in the intel, or search, to put it here.\nF1 lists the shortcuts.",
            egui::FontId::proportional(15.0),
            egui::Color32::from_gray(150),
        );
    }
    let mut drawn = 0;
    for n in view.nodes.iter().filter(|n| !n.hidden) {
        let wanted = n.labelled || selected.contains(&n.key) || hovered == Some(n.key) || (scale < 0.5 && drawn < 400);
        if !wanted || drawn >= 800 {
            continue;
        }
        let Some(pos) = to_screen([n.pos[0] + n.radius, n.pos[1]]) else { continue };
        if !screen.contains(pos) {
            continue;
        }
        drawn += 1;
        let colour = if n.labelled { egui::Color32::from_gray(235) } else { egui::Color32::from_gray(170) };
        painter.text(pos + egui::vec2(4.0, 0.0), egui::Align2::LEFT_CENTER, &n.label, font.clone(), colour);
    }
    if let Some(k) = hovered
        && let (Some(n), Some(pos)) = (view.node(k), view.node(k).and_then(|n| to_screen(n.pos)))
    {
        let what = match k {
            NodeRef::Addr(_) => "address",
            NodeRef::Tx(_) => "transaction",
            NodeRef::Cluster(_) => "cluster",
        };
        let text = match n.time {
            Some(t) => format!("{what} · {}", inspector::when(Some(t))),
            None if n.members > 1 => format!("{what} · {} addresses on the board", n.members),
            None => what.to_string(),
        };
        painter.text(pos + egui::vec2(0.0, -16.0), egui::Align2::CENTER_BOTTOM, text, font, egui::Color32::WHITE);
    }
    if let Drag::Box { start, now } = canvas.drag
        && let (Some(a), Some(b)) = (to_screen([start.x, start.y]), to_screen([now.x, now.y]))
    {
        let r = egui::Rect::from_two_pos(a, b);
        painter.rect_filled(r, 0.0, egui::Color32::from_rgba_unmultiplied(120, 170, 255, 30));
        painter.rect_stroke(
            r,
            0.0,
            egui::Stroke::new(1.0, egui::Color32::from_rgb(120, 170, 255)),
            egui::StrokeKind::Inside,
        );
    }
    Ok(())
}
