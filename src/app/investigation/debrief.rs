//! The debrief on the board: the truth laid over what is there. Every hop of the true paths
//! is put on the board; hops the trainee found are drawn green, hops they missed dashed, hops
//! they marked that are not on the path red; each address carries its owner and role and each
//! transaction its purpose; a window lists the answer key, what was right, missed and wrong
//! per objective, and where a heuristic misled. The instructor opens it with `offramp
//! instruct`; a self-paced trainee from the results screen after submission. It needs the
//! truth, so a class pack has none.

use std::sync::Arc;

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};
use offramp_core::board::NodeRef;
use offramp_core::case::Case as CaseData;
use offramp_core::debrief::{Debrief, Mark, debrief};
use offramp_core::forensics::path::Hop as PathHop;
use offramp_core::preview::KeyLine;
use offramp_core::sim::World;
use offramp_core::truth::Purpose;

use super::Evidence;
use super::Screen;
use super::canvas::{CanvasState, ScreenMap, scale_of};
use super::casefile::CaseFile;
use super::graph::{Graph, GraphAction};
use super::referee::RefereeHandle;

/// Opens the debrief of the open investigation.
#[derive(Message, Debug, Clone, Copy)]
pub struct OpenDebrief;

/// The instructor's view (`offramp instruct`): the truth on from the start, and the trainee's
/// case to lay over it, if one was given. No case file is written.
#[derive(Resource, Clone, Default)]
pub struct Instructing {
    pub case: Option<CaseData>,
}

/// The open debrief.
#[derive(Resource)]
pub struct Debriefing {
    pub debrief: Debrief,
    pub key: Vec<KeyLine>,
    /// The truth, on this machine (the instructor, self-paced practice); a class's debrief
    /// comes from the server without it.
    world: Option<Arc<World>>,
    /// Whether a trainee's case is laid over the truth (else the key alone).
    pub of_case: bool,
    pub open: bool,
}

pub fn plugin(app: &mut App) {
    app.add_message::<OpenDebrief>().add_systems(
        Update,
        (
            (auto_open.run_if(resource_exists::<Instructing>), open)
                .chain()
                .run_if(resource_exists::<CaseFile>.and_then(resource_exists::<Graph>)),
            frame.run_if(resource_added::<Debriefing>),
        ),
    );
}

pub fn ui(app: &mut App) {
    app.add_systems(
        EguiPrimaryContextPass,
        draw.after(super::panels::canvas_overlay)
            .run_if(in_state(Screen::Investigation).and_then(resource_exists::<Debriefing>)),
    );
}

/// The instructor's view opens on the debrief.
fn auto_open(debriefing: Option<Res<Debriefing>>, mut out: MessageWriter<OpenDebrief>, mut done: Local<bool>) {
    if debriefing.is_none() && !*done {
        *done = true;
        out.write(OpenDebrief);
    }
}

fn open(
    mut asked: MessageReader<OpenDebrief>,
    referee: Res<RefereeHandle>,
    evidence: Res<Evidence>,
    file: Res<CaseFile>,
    instructing: Option<Res<Instructing>>,
    mut actions: MessageWriter<GraphAction>,
    mut commands: Commands,
) {
    if asked.read().count() == 0 {
        return;
    }
    let Some(world) = referee.world() else { return };
    let case = match &instructing {
        Some(i) => i.case.as_ref(),
        None => file.case.submitted.then_some(&file.case),
    };
    let d = debrief(&world, &evidence.explorer, case);
    show_path(&d, &mut actions);
    let key = offramp_core::preview::preview(&world).key;
    commands.insert_resource(Debriefing { debrief: d, key, world: Some(world), of_case: case.is_some(), open: true });
}

impl Debriefing {
    /// A class's debrief, as the server sent it: the submitted case over the truth, without
    /// the world (owners and roles are not labelled on the board).
    pub fn from_server(debrief: Debrief, key: Vec<KeyLine>) -> Debriefing {
        Debriefing { debrief, key, world: None, of_case: true, open: true }
    }
}

/// Puts the true path on the board, left to right in time.
pub fn show_path(d: &Debrief, actions: &mut MessageWriter<GraphAction>) {
    let hops: Vec<PathHop> = d
        .hops
        .iter()
        .filter_map(|h| {
            h.txid.as_ref().map(|t| PathHop {
                from: h.from.clone(),
                txid: t.clone(),
                to: h.to.clone(),
                value: 0,
                output_value: 0,
            })
        })
        .collect();
    actions.write(GraphAction::ShowHops(hops));
    actions.write(GraphAction::TimeLayout);
}

/// Frames the whole path once it is on the board and laid out.
fn frame(canvas: Option<ResMut<CanvasState>>) {
    if let Some(mut c) = canvas {
        c.fit = true;
    }
}

fn mark_colour(m: Mark) -> egui::Color32 {
    match m {
        Mark::Found => egui::Color32::from_rgb(90, 210, 120),
        Mark::Missed => egui::Color32::from_rgb(240, 190, 80),
        Mark::Wrong => egui::Color32::from_rgb(240, 90, 90),
        Mark::Key => egui::Color32::from_rgb(120, 190, 255),
    }
}

/// What the truth says of a node: its owner and role, or a transaction's purpose.
fn truth_label(w: &World, key: NodeRef) -> Option<String> {
    match key {
        NodeRef::Addr(a) | NodeRef::Cluster(a) => {
            let t = w.truth.addresses.get(a.index())?;
            Some(format!("{} · {:?}", w.truth.entities.get(t.entity.index())?.name, t.role))
        }
        NodeRef::Tx(t) => Some(match w.truth.purposes.get(t.index())? {
            Purpose::Story(s) => format!("story: {}", w.scenario.story.get(s.index())?.id),
            Purpose::Background(a) => format!("{a:?}"),
            Purpose::Service(o) => format!("{o:?}"),
            Purpose::Setup => "setup".into(),
            Purpose::Coinbase => "coinbase".into(),
        }),
    }
}

fn draw(
    mut contexts: EguiContexts,
    mut debriefing: ResMut<Debriefing>,
    mut graph: ResMut<Graph>,
    canvas: Res<CanvasState>,
    camera: Query<(&Transform, &Projection), With<Camera2d>>,
    mut actions: MessageWriter<GraphAction>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    let Ok((tf, proj)) = camera.single() else { return Ok(()) };
    let map = ScreenMap::new(tf.translation.truncate(), scale_of(proj), ctx.content_rect(), ctx.zoom_factor());
    let ex = Arc::clone(&graph.board.explorer);
    let view = graph.bypass_change_detection().board.view();
    if let Some(area) = canvas.area.as_ref().map(|r| r.rect) {
        let painter = ctx
            .layer_painter(egui::LayerId::new(egui::Order::Background, egui::Id::new("debrief")))
            .with_clip_rect(area);
        let pos =
            |text: &str| ex.address(text).ok().and_then(|a| view.node(NodeRef::Addr(a))).map(|n| map.to_screen(n.pos));
        for h in &debriefing.debrief.hops {
            let (Some(a), Some(b)) = (pos(&h.from), pos(&h.to)) else { continue };
            let stroke = egui::Stroke::new(3.0, mark_colour(h.mark));
            if h.mark == Mark::Missed {
                painter.extend(egui::Shape::dashed_line(&[a, b], stroke, 8.0, 6.0));
            } else {
                painter.line_segment([a, b], stroke);
            }
        }
        for n in &view.nodes {
            let p = map.to_screen(n.pos);
            if !area.contains(p) {
                continue;
            }
            if let Some(label) = debriefing.world.as_ref().and_then(|w| truth_label(w, n.key)) {
                painter.text(
                    p + egui::vec2(0.0, 14.0),
                    egui::Align2::CENTER_TOP,
                    label,
                    egui::FontId::proportional(11.0),
                    egui::Color32::from_rgb(150, 200, 255),
                );
            }
        }
    }
    let mut open = debriefing.open;
    let title = if debriefing.of_case { "Debrief: the case over the truth" } else { "Answer key" };
    egui::Window::new(title)
        .open(&mut open)
        // Over the inspector, leaving the canvas free.
        .default_pos(ctx.content_rect().right_top() + egui::vec2(-345.0, 40.0))
        .default_width(330.0)
        .show(ctx, |ui| {
            let d = &debriefing.debrief;
            if debriefing.of_case {
                ui.horizontal(|ui| {
                    for (m, word) in [(Mark::Found, "found"), (Mark::Missed, "missed"), (Mark::Wrong, "wrong")] {
                        let n = d.count(m);
                        ui.colored_label(mark_colour(m), format!("{n} hop{} {word}", if n == 1 { "" } else { "s" }));
                    }
                });
                ui.label(if debriefing.world.is_some() {
                    "On the board: green found, dashed missed, red wrong; blue labels are the truth."
                } else {
                    "On the board: green found, dashed missed, red wrong (the class server's debrief)."
                });
            } else {
                ui.label("The true path is on the board; blue labels are each address's owner and role.");
            }
            egui::ScrollArea::vertical().max_height(420.0).show(ui, |ui| {
                for k in &debriefing.key {
                    ui.separator();
                    ui.strong(format!("{} ({} points)", k.prompt, k.points));
                    ui.label(egui::RichText::new(key_text(k)).monospace());
                    let items: Vec<_> = d.items.iter().filter(|i| i.objective == k.id && i.mark != Mark::Key).collect();
                    for i in items.iter().filter(|i| i.mark != Mark::Found) {
                        let word = if i.mark == Mark::Missed { "missed" } else { "wrong" };
                        ui.colored_label(mark_colour(i.mark), format!("{word}: {}", i.address));
                    }
                }
                if !d.misled.is_empty() {
                    ui.separator();
                    ui.strong("Where a heuristic misleads");
                    for m in &d.misled {
                        let colour = if m.followed { mark_colour(Mark::Wrong) } else { ui.visuals().text_color() };
                        ui.horizontal_wrapped(|ui| {
                            if ui.link(offramp_core::format::short_id(&m.txid)).clicked() {
                                actions.write(GraphAction::Add(m.txid.clone()));
                            }
                            ui.colored_label(colour, &m.what);
                            if m.followed {
                                ui.colored_label(colour, "(the answer followed it)");
                            }
                        });
                    }
                }
            });
        });
    debriefing.open = open;
    Ok(())
}

/// A key line's answer in a few words.
fn key_text(k: &KeyLine) -> String {
    use offramp_core::answer::Resolved;
    match &k.answer {
        Resolved::Addresses(a) => a.join("\n"),
        Resolved::Entities(e) => e.iter().map(|n| n.name.as_str()).collect::<Vec<_>>().join(", "),
        Resolved::Amount(v) => format!("{v} {}", k.unit.as_deref().unwrap_or("")),
        Resolved::Path(h) => format!("{} hops (on the board)", h.len()),
        Resolved::Text(t) => t.clone(),
    }
}
