//! The investigation screen's panels around the canvas: a top bar (case, time, budget, undo,
//! layouts, help), tabs on the left (search and intel, tracing, tags and notes, legal
//! requests, findings), the inspector on the right, the timeline and messages at the bottom,
//! and the labels and selection box drawn over the canvas.

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};
use offramp_core::board::NodeRef;

use super::Evidence;
use super::Screen;
use super::canvas::{CanvasState, Drag, ScreenMap, scale_of};
use super::casefile::{CaseFile, SaveNow};
use super::findings::{FindingsForm, Submit, UnlockHint};
use super::graph::{Graph, GraphAction};
use super::inspector::{self, TagDraft};
use super::labels::{Placer, to_segment};
use super::legal::{FileRequest, LegalForm, Requests};
use super::referee::RefereeHandle;
use super::tools::{self, ToolResults, ToolRun, TraceForm};
use crate::app::help::Settings;
use offramp_core::format::{btc_short, day};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tab {
    #[default]
    Search,
    Trace,
    Tags,
    Legal,
    Findings,
}

/// The panels' own state for one investigation: the open tab and the forms' drafts.
#[derive(Resource)]
pub struct Panels {
    pub tab: Tab,
    pub search: String,
    pub found: Option<Result<Vec<(String, String)>, String>>,
    trace: TraceForm,
    findings: FindingsForm,
    legal: LegalForm,
    pub draft: TagDraft,
    pub price_date: String,
    pub price: Option<Result<String, String>>,
    /// Where the side panels were drawn last.
    pub left: egui::Rect,
    pub right: egui::Rect,
}

impl Default for Panels {
    fn default() -> Self {
        Panels {
            tab: Tab::default(),
            search: String::new(),
            found: None,
            trace: TraceForm::default(),
            findings: FindingsForm::default(),
            legal: LegalForm::default(),
            draft: TagDraft::default(),
            price_date: String::new(),
            price: None,
            left: egui::Rect::NOTHING,
            right: egui::Rect::NOTHING,
        }
    }
}

pub fn ui(app: &mut App) {
    app.init_resource::<CanvasLabels>().add_systems(
        EguiPrimaryContextPass,
        (investigation_panels, canvas_overlay).chain().run_if(
            in_state(Screen::Investigation)
                .and_then(resource_exists::<Graph>)
                .and_then(resource_exists::<CaseFile>)
                .and_then(resource_exists::<Panels>)
                .and_then(resource_exists::<ToolResults>),
        ),
    );
}

/// What the search box finds: labels match by name; an address or txid goes on the board.
pub fn search(case: &Evidence, text: &str) -> Result<Vec<(String, String)>, String> {
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

#[allow(clippy::too_many_arguments)]
pub fn investigation_panels(
    mut contexts: EguiContexts,
    case: Res<Evidence>,
    referee: Res<RefereeHandle>,
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
    (results, mut tool_runs, class): (Res<ToolResults>, MessageWriter<ToolRun>, Option<Res<super::class::ClassLink>>),
) -> Result {
    let ctx = contexts.ctx_mut()?;
    let mut root = crate::app::root_ui(ctx);
    let mut out: Vec<GraphAction> = Vec::new();
    let mut runs: Vec<ToolRun> = Vec::new();
    let p = &mut *panels;
    let intel = &case.intel;

    egui::Panel::top("bar").show(&mut root, |ui| {
        ui.horizontal_wrapped(|ui| {
            if ui.button("◀ Library").on_hover_text("The case is saved").clicked() {
                save.write(SaveNow);
                next.set(Screen::Library);
            }
            ui.strong(&intel.scenario.title);
            ui.separator();
            ui.label(format!("Time {}", offramp_core::format::clock(file.seconds())));
            ui.label(format!("Legal requests {}/{}", requests.used(), intel.legal.budget));
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
            ui.checkbox(&mut settings.show_usd, "USD").on_hover_text("Edge values in dollars at the time (U)");
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
            if let Some(c) = &class {
                let (text, warn) = super::class::link_text(&c.syncer.link());
                if warn {
                    ui.colored_label(egui::Color32::from_rgb(240, 200, 100), text);
                } else {
                    ui.label(text);
                }
            }
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

    p.left = egui::Panel::left("tools")
        .resizable(true)
        .default_size(340.0)
        .min_size(260.0)
        .show(&mut root, |ui| {
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
                    ui.separator();
                    ui.strong("BTC/USD price");
                    let r = ui.add(
                        egui::TextEdit::singleline(&mut p.price_date)
                            .hint_text("a date: 2025-03-05 or 2025-03-05 14:00")
                            .desired_width(f32::INFINITY),
                    );
                    let enter = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                    if enter || ui.button("Look up").clicked() {
                        p.price = Some(tools::price_lookup(&case, &p.price_date));
                    }
                    match &p.price {
                        Some(Ok(t)) => {
                            ui.label(t);
                        }
                        Some(Err(e)) => {
                            ui.colored_label(egui::Color32::LIGHT_RED, e);
                        }
                        None => {}
                    }
                }
                Tab::Trace => tools::tracing(ui, &graph, &mut p.trace, &results, &mut runs, &mut out),
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
                    super::findings::tab(
                        ui,
                        &case,
                        &referee,
                        &mut file,
                        &mut graph,
                        &mut p.findings,
                        &mut unlock,
                        &mut go,
                    );
                    for h in unlock {
                        hints.write(h);
                    }
                    if go {
                        submit.write(Submit);
                    }
                }
            });
        })
        .response
        .rect;

    p.right = egui::Panel::right("inspector")
        .resizable(true)
        .default_size(360.0)
        .min_size(260.0)
        .show(&mut root, |ui| {
            ui.heading("Inspector");
            inspector::show(ui, &case, &graph, &mut p.draft, &mut out);
        })
        .response
        .rect;

    // What is left between the panels is the canvas: egui tells it where the pointer is
    // when no panel, window or popup has it.
    canvas.area = Some(
        egui::CentralPanel::default()
            .frame(egui::Frame::NONE)
            .show(&mut root, |ui| ui.allocate_rect(ui.max_rect(), egui::Sense::click_and_drag()))
            .inner,
    );

    for a in out {
        actions.write(a);
    }
    tool_runs.write_batch(runs);
    Ok(())
}

/// The labels placed on the canvas in the last frame, with their text (for the tests, and
/// for anyone who needs to know what the trainee can read).
#[derive(Resource, Debug, Default, Clone)]
pub struct CanvasLabels {
    pub nodes: Vec<(egui::Rect, String)>,
    pub edges: Vec<(egui::Rect, String)>,
    /// What was painted, and for which board, camera and pointer: a frame where none of
    /// that changed paints the same shapes again instead of ranking and placing thousands
    /// of labels.
    painted: Vec<Painted>,
    key: Option<LabelKey>,
    /// Laid-out label texts of the board as it is (content revision, dollars or bitcoin,
    /// zoom): a panning camera or a running layout places labels again each frame but lays no
    /// text out again.
    texts: LabelTexts,
}

#[derive(Debug, Clone, Default)]
struct LabelTexts {
    key: (u64, bool, u32),
    nodes: std::collections::HashMap<usize, std::sync::Arc<egui::Galley>>,
    edges: std::collections::HashMap<usize, (String, std::sync::Arc<egui::Galley>)>,
}

/// One placed label: its dark backing and its text.
#[derive(Debug, Clone)]
struct Painted {
    backing: egui::Rect,
    corner: f32,
    shade: egui::Color32,
    at: egui::Pos2,
    galley: std::sync::Arc<egui::Galley>,
    colour: egui::Color32,
}

/// Everything the placement of labels depends on.
#[derive(Debug, Clone, PartialEq)]
struct LabelKey {
    revision: u64,
    camera: [u32; 3],
    area: [u32; 4],
    zoom: u32,
    hovered: Option<NodeRef>,
    selected: Vec<NodeRef>,
    usd: bool,
}

/// Labels over the canvas, never over the panels and never over each other: a short name
/// beside the nodes, each edge's value and date; details of what the pointer rests on; the
/// selection box.
#[allow(clippy::too_many_arguments)]
pub fn canvas_overlay(
    mut contexts: EguiContexts,
    mut graph: ResMut<Graph>,
    canvas: Res<CanvasState>,
    evidence: Res<Evidence>,
    settings: Res<Settings>,
    mut labels: ResMut<CanvasLabels>,
    camera: Query<(&Transform, &Projection), With<Camera2d>>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    let Ok((tf, proj)) = camera.single() else { return Ok(()) };
    let Some(response) = canvas.area.clone() else { return Ok(()) };
    let area = response.rect;
    let map = ScreenMap::new(tf.translation.truncate(), scale_of(proj), ctx.content_rect(), ctx.zoom_factor());
    let painter = ctx
        .layer_painter(egui::LayerId::new(egui::Order::Background, egui::Id::new("canvas-labels")))
        .with_clip_rect(area);
    let hovered = canvas.hovered;
    let selected = graph.board.selected.clone();
    let (revision, content) = (graph.board.revision(), graph.board.content_revision());
    let view = graph.board.view();
    if view.nodes.is_empty() {
        painter.text(
            area.center(),
            egui::Align2::CENTER_CENTER,
            "The board is empty.\nClick an address or transaction in the intel, or search, to put it here.\nF1 lists the shortcuts.",
            egui::FontId::proportional(15.0),
            egui::Color32::from_gray(150),
        );
    }
    let key = LabelKey {
        revision,
        camera: [tf.translation.x.to_bits(), tf.translation.y.to_bits(), scale_of(proj).to_bits()],
        area: [area.min.x.to_bits(), area.min.y.to_bits(), area.max.x.to_bits(), area.max.y.to_bits()],
        zoom: ctx.zoom_factor().to_bits(),
        hovered,
        selected: selected.iter().copied().collect(),
        usd: settings.show_usd,
    };
    let texts_key = (content, key.usd, key.zoom);
    if labels.texts.key != texts_key {
        labels.texts = LabelTexts { key: texts_key, ..LabelTexts::default() };
    }
    if labels.key.as_ref() != Some(&key) {
        place_labels(&mut labels, &painter, view, &map, area, &selected, hovered, &evidence, settings.show_usd);
        labels.key = Some(key);
    }
    for p in &labels.painted {
        painter.rect_filled(p.backing, p.corner, p.shade);
        painter.galley(p.at, p.galley.clone(), p.colour);
    }
    // Details of what the pointer rests on: a node, else the nearest edge.
    if let Some(p) = response.hover_pos() {
        let details = match hovered.and_then(|k| view.node(k)) {
            Some(n) => Some(node_details(n, &evidence, &n.label)),
            None => view
                .edges
                .iter()
                .filter(|e| !e.hidden)
                .map(|e| {
                    let (a, b) = (&view.nodes[e.from as usize], &view.nodes[e.to as usize]);
                    (to_segment(p, map.to_screen(a.pos), map.to_screen(b.pos)), e, a, b)
                })
                .filter(|(d, ..)| *d < 6.0)
                .min_by(|x, y| x.0.total_cmp(&y.0))
                .map(|(_, e, a, b)| edge_details(&evidence, e.value, a, b)),
        };
        if let Some(lines) = details {
            response.on_hover_ui_at_pointer(|ui| {
                for l in lines {
                    ui.label(l);
                }
            });
        }
    }
    if let Drag::Box { start, now } = canvas.drag {
        let r = egui::Rect::from_two_pos(map.to_screen(start.into()), map.to_screen(now.into()));
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

/// Ranks and places the labels of the nodes and edges in view, most important first, where
/// they overlap no node, no other label and no panel; records what to paint in `labels`.
#[allow(clippy::too_many_arguments)]
fn place_labels(
    labels: &mut CanvasLabels,
    painter: &egui::Painter,
    view: &offramp_core::board::View,
    map: &ScreenMap,
    area: egui::Rect,
    selected: &std::collections::BTreeSet<NodeRef>,
    hovered: Option<NodeRef>,
    evidence: &Evidence,
    usd: bool,
) {
    labels.nodes.clear();
    labels.edges.clear();
    labels.painted.clear();
    let upp = map.units_per_point();
    let font = egui::FontId::proportional(11.0);
    let mut placer = Placer::new(area);
    let shown: Vec<usize> = (0..view.nodes.len())
        .filter(|&i| !view.nodes[i].hidden && area.contains(map.to_screen(view.nodes[i].pos)))
        .collect();
    // Labels go around the nodes, never over one.
    if shown.len() <= 5_000 {
        for &i in &shown {
            let n = &view.nodes[i];
            let r = (n.radius / upp).max(2.0);
            placer.block(egui::Rect::from_center_size(map.to_screen(n.pos), egui::vec2(2.0 * r, 2.0 * r)));
        }
    }
    // Node labels, the most important first: selected, under the pointer, tagged or named
    // by intel, then the rest while there is room.
    let zoomed_in = upp < 2.0;
    let important = |i: usize| {
        let n = &view.nodes[i];
        n.labelled || selected.contains(&n.key) || hovered == Some(n.key)
    };
    // Zoomed out, only the important nodes are named: rank just those.
    let mut order: Vec<usize> = shown.iter().copied().filter(|&i| zoomed_in || important(i)).collect();
    order.sort_by_key(|&i| {
        let n = &view.nodes[i];
        (!selected.contains(&n.key), hovered != Some(n.key), !n.labelled)
    });
    for &i in order.iter().take(1_500) {
        let n = &view.nodes[i];
        let colour = if n.labelled { egui::Color32::from_gray(235) } else { egui::Color32::from_gray(175) };
        let galley = labels
            .texts
            .nodes
            .entry(i)
            .or_insert_with(|| painter.layout_no_wrap(n.label.clone(), font.clone(), colour))
            .clone();
        let c = map.to_screen(n.pos);
        // Clear of the selection and highlight rings (1.5 radii).
        let r = (1.7 * n.radius / upp).max(2.0) + 3.0;
        // Right of the node, else left, above, below; a long name shortened if it fits
        // nowhere whole.
        let spots = |size: egui::Vec2| {
            [
                egui::pos2(c.x + r, c.y - size.y / 2.0),
                egui::pos2(c.x - r - size.x, c.y - size.y / 2.0),
                egui::pos2(c.x - size.x / 2.0, c.y - r - size.y),
                egui::pos2(c.x - size.x / 2.0, c.y + r),
                egui::pos2(c.x - r, c.y - r - size.y),
                egui::pos2(c.x - r, c.y + r),
            ]
            .map(|p| egui::Rect::from_min_size(p, size))
        };
        let mut found =
            spots(galley.size()).into_iter().find(|r| placer.fits(*r)).map(|r| (r, galley, n.label.clone()));
        if found.is_none() && n.label.chars().count() > 24 {
            let short: String = n.label.chars().take(22).collect::<String>() + "…";
            let g = painter.layout_no_wrap(short.clone(), font.clone(), colour);
            found = spots(g.size()).into_iter().find(|r| placer.fits(*r)).map(|r| (r, g, short));
        }
        if let Some((rect, galley, text)) = found {
            placer.place(rect);
            // A dark backing keeps the name legible over a thick or lit edge.
            labels.painted.push(Painted {
                backing: rect.expand(1.0),
                corner: 2.0,
                shade: egui::Color32::from_rgba_unmultiplied(20, 22, 28, 150),
                at: rect.min,
                galley,
                colour,
            });
            labels.nodes.push((rect, text));
        }
    }
    // Edge labels: value and day at the middle, the largest amounts first.
    // Only edges long enough on screen to carry a label, and seen, are ranked.
    let mut edges: Vec<(usize, egui::Pos2, egui::Pos2)> = (0..view.edges.len())
        .filter(|&e| !view.edges[e].hidden)
        .filter_map(|e| {
            let edge = &view.edges[e];
            let (pa, pb) =
                (map.to_screen(view.nodes[edge.from as usize].pos), map.to_screen(view.nodes[edge.to as usize].pos));
            ((pb - pa).length() >= 70.0 && (area.contains(pa) || area.contains(pb))).then_some((e, pa, pb))
        })
        .collect();
    edges.sort_by_key(|&(e, ..)| std::cmp::Reverse(view.edges[e].value));
    for &(e, pa, pb) in edges.iter().take(1_500) {
        let edge = &view.edges[e];
        let (a, b) = (&view.nodes[edge.from as usize], &view.nodes[edge.to as usize]);
        let colour =
            if edge.highlighted { egui::Color32::from_rgb(255, 220, 110) } else { egui::Color32::from_gray(200) };
        let (text, galley) = labels
            .texts
            .edges
            .entry(e)
            .or_insert_with(|| {
                let text = edge_label(evidence, edge.value, a.time.or(b.time), usd);
                let galley = painter.layout_no_wrap(text.clone(), egui::FontId::proportional(10.0), colour);
                (text, galley)
            })
            .clone();
        let rect = egui::Rect::from_center_size(pa + (pb - pa) * 0.5, galley.size() + egui::vec2(4.0, 2.0));
        if placer.place(rect) {
            labels.painted.push(Painted {
                backing: rect,
                corner: 2.0,
                shade: egui::Color32::from_rgba_unmultiplied(20, 22, 28, 200),
                at: rect.min + egui::vec2(2.0, 1.0),
                galley,
                colour,
            });
            labels.edges.push((rect, text));
        }
    }
}

/// An edge's label: its value (bitcoin, or dollars at the time) and the day it moved.
pub fn edge_label(evidence: &Evidence, value: u64, time: Option<u32>, usd: bool) -> String {
    let amount = match (usd, time) {
        (true, Some(t)) => inspector::usd(value as f64 / 1e8 * evidence.explorer.price_at(i64::from(t))),
        _ => btc_short(value),
    };
    match time {
        Some(t) => format!("{amount} · {}", day(t)),
        None => amount,
    }
}

fn node_details(n: &offramp_core::board::ViewNode, evidence: &Evidence, name: &str) -> Vec<String> {
    let what = match n.key {
        NodeRef::Addr(_) => "Address",
        NodeRef::Tx(_) => "Transaction",
        NodeRef::Cluster(_) => "Cluster",
    };
    let mut lines = vec![format!("{what} {name}")];
    if let Some(t) = n.time {
        lines.push(format!(
            "{} · BTC/USD {}",
            inspector::when(Some(t)),
            inspector::usd(evidence.explorer.price_at(i64::from(t)))
        ));
    }
    if n.members > 1 {
        lines.push(format!("{} addresses on the board", n.members));
    }
    lines.push("Click to inspect, double-click to expand".into());
    lines
}

fn edge_details(
    evidence: &Evidence,
    value: u64,
    a: &offramp_core::board::ViewNode,
    b: &offramp_core::board::ViewNode,
) -> Vec<String> {
    let time = a.time.or(b.time);
    let mut lines = vec![format!("{} → {}", a.label, b.label), btc_short(value)];
    if let Some(t) = time {
        let usd = value as f64 / 1e8 * evidence.explorer.price_at(i64::from(t));
        lines.push(format!("{} at the time", inspector::usd(usd)));
        lines.push(inspector::when(Some(t)));
    }
    lines
}
