//! The tracing tab (taint, path search, following a peel chain: run by a system, drawn on
//! the canvas), the tags list, the timeline filter and the price lookup.

use bevy::prelude::*;
use bevy_egui::egui;
use offramp_core::board::NodeRef;
use offramp_core::forensics::follow::{self, FollowOptions, FollowResult, Start};
use offramp_core::forensics::path::{self, Hop, PathOptions, PathResult, Target};
use offramp_core::forensics::taint::{self, Direction, Method, TraceOptions, TraceResult};
use offramp_core::ledger::AddrIdx;
use offramp_core::scenario::Category;
use offramp_core::time::format_instant;

use super::Evidence;
use super::graph::{Graph, GraphAction};
use offramp_core::format::btc;
pub use offramp_core::format::{points, short_id as short};

/// A tool the trainee runs from the tracing tab; [`run`] carries it out.
#[derive(Message, Debug, Clone)]
pub enum ToolRun {
    Trace {
        from: AddrIdx,
        opts: TraceOptions,
    },
    /// A path to an address given as text, or to the nearest address of a category.
    Path {
        from: AddrIdx,
        to: Result<Category, String>,
        opts: PathOptions,
    },
    Follow {
        start: Start,
        opts: FollowOptions,
    },
}

/// The tools' last results, for the open investigation.
#[derive(Resource, Default)]
pub struct ToolResults {
    pub trace: Option<Result<TraceResult, String>>,
    pub path: Option<Result<PathResult, String>>,
    pub follow: Option<Result<FollowResult, String>>,
}

pub fn plugin(app: &mut App) {
    app.add_message::<ToolRun>().add_systems(Update, run.run_if(resource_exists::<ToolResults>));
}

/// Runs the tools asked for this frame.
fn run(mut asked: MessageReader<ToolRun>, evidence: Res<Evidence>, mut results: ResMut<ToolResults>) {
    let ex = &evidence.explorer;
    for r in asked.read() {
        match r {
            ToolRun::Trace { from, opts } => {
                results.trace = Some(taint::trace(ex, *from, opts).map_err(|e| e.to_string()));
            }
            ToolRun::Path { from, to, opts } => {
                let target = match to {
                    Ok(c) => Ok(Target::Category(*c)),
                    Err(text) => ex.address(text).map(Target::Address).map_err(|e| e.to_string()),
                };
                results.path = Some(target.and_then(|t| path::find(ex, *from, t, *opts).map_err(|e| e.to_string())));
            }
            ToolRun::Follow { start, opts } => {
                results.follow = Some(follow::follow_change(ex, *start, *opts).map_err(|e| e.to_string()));
            }
        }
    }
}

/// The hops of a followed chain, as the canvas draws a path: each spend into its change.
pub fn follow_hops(f: &FollowResult) -> Vec<Hop> {
    f.hops
        .iter()
        .map(|h| Hop {
            from: h.from.clone(),
            txid: h.txid.clone(),
            to: h.change_address.clone(),
            value: h.change_value,
            output_value: h.change_value,
        })
        .collect()
}

/// The tracing tab's settings.
pub struct TraceForm {
    pub method: Method,
    pub direction: Direction,
    /// A limit on the hops of a trace or a path, when `limited`.
    pub depth: u32,
    pub limited: bool,
    pub stop_at_exchanges: bool,
    pub target: Option<Category>,
    pub target_text: String,
    pub min_confidence: f64,
}

impl Default for TraceForm {
    fn default() -> Self {
        TraceForm {
            method: Method::Haircut,
            direction: Direction::Forward,
            depth: 8,
            limited: false,
            stop_at_exchanges: true,
            target: Some(Category::Exchange),
            target_text: String::new(),
            min_confidence: follow::DEFAULT_MIN_CONFIDENCE,
        }
    }
}

/// The one selected node, when it is an address or a transaction.
fn origin(graph: &Graph) -> Option<NodeRef> {
    match graph.board.selected.iter().collect::<Vec<_>>().as_slice() {
        [k @ (NodeRef::Addr(_) | NodeRef::Tx(_))] => Some(**k),
        _ => None,
    }
}

#[allow(clippy::too_many_arguments)]
pub fn tracing(
    ui: &mut egui::Ui,
    graph: &Graph,
    f: &mut TraceForm,
    results: &ToolResults,
    runs: &mut Vec<ToolRun>,
    out: &mut Vec<GraphAction>,
) {
    let selected = origin(graph);
    let from = match selected {
        Some(NodeRef::Addr(a)) => Some(a),
        _ => None,
    };
    match selected {
        Some(k) => ui.label(format!("From {}", graph.board.name(k))),
        None => ui.label("Select one address (or, to follow change, a transaction) on the canvas."),
    };
    ui.horizontal(|ui| {
        ui.checkbox(&mut f.limited, "Limit the hops");
        if f.limited {
            ui.add(egui::Slider::new(&mut f.depth, 1..=500).logarithmic(true));
        } else {
            ui.weak("no limit but the work done");
        }
    });
    let depth = if f.limited { f.depth } else { taint::NO_DEPTH_LIMIT };

    ui.separator();
    ui.strong("Follow the change");
    ui.label("Repeats the change heuristic hop by hop along a peel chain, until a labelled service, an unspent coin or an unsure verdict.");
    ui.add(egui::Slider::new(&mut f.min_confidence, 0.3..=1.0).text("minimum confidence"));
    if ui.add_enabled(selected.is_some(), egui::Button::new("Follow change")).clicked() {
        let start = match selected {
            Some(NodeRef::Tx(t)) => Some(Start::Tx(t)),
            Some(NodeRef::Addr(a)) => Some(Start::Address(a)),
            _ => None,
        };
        if let Some(start) = start {
            runs.push(ToolRun::Follow {
                start,
                opts: FollowOptions { min_confidence: f.min_confidence, ..FollowOptions::default() },
            });
        }
    }
    match &results.follow {
        Some(Err(e)) => {
            ui.colored_label(egui::Color32::LIGHT_RED, e);
        }
        Some(Ok(r)) => {
            ui.label(format!("{} hops, {} peeled off; {}.", r.hops.len(), btc(r.peeled), r.stop.describe()));
            egui::ScrollArea::vertical().id_salt("follow").max_height(200.0).show(ui, |ui| {
                for (i, h) in r.hops.iter().enumerate() {
                    ui.label(format!(
                        "{:>3}. {} change {} ({:.0}%), peeled {}",
                        i + 1,
                        short(&h.txid),
                        btc(h.change_value),
                        h.confidence * 100.0,
                        btc(h.peeled)
                    ))
                    .on_hover_text(format!(
                        "{}\n{} → {}",
                        format_instant(i64::from(h.time)),
                        h.from,
                        h.change_address
                    ));
                }
            });
            if !r.hops.is_empty() && ui.button("Show on the canvas").clicked() {
                out.push(GraphAction::ShowHops(follow_hops(r)));
            }
        }
        None => {}
    }

    ui.separator();
    ui.strong("Taint");
    ui.horizontal(|ui| {
        ui.selectable_value(&mut f.method, Method::Haircut, "Haircut");
        ui.selectable_value(&mut f.method, Method::Poison, "Poison");
        ui.selectable_value(&mut f.method, Method::Fifo, "FIFO");
    });
    ui.horizontal(|ui| {
        ui.selectable_value(&mut f.direction, Direction::Forward, "Forward");
        ui.selectable_value(&mut f.direction, Direction::Backward, "Backward");
    });
    ui.checkbox(&mut f.stop_at_exchanges, "Stop at exchanges");
    if ui.add_enabled(from.is_some(), egui::Button::new("Trace")).clicked()
        && let Some(a) = from
    {
        let opts = TraceOptions {
            method: f.method,
            direction: f.direction,
            depth,
            stop_at: if f.stop_at_exchanges { vec![Category::Exchange] } else { Vec::new() },
        };
        runs.push(ToolRun::Trace { from: a, opts });
    }
    if let Some(r) = &results.trace {
        match r {
            Err(e) => {
                ui.colored_label(egui::Color32::LIGHT_RED, e);
            }
            Ok(t) => {
                ui.label(format!("{} of {} reached {} addresses", btc(t.start_amount), t.origin, t.reached.len()));
                if t.truncated {
                    ui.label("(stopped at the size limit)");
                }
                let mut top: Vec<_> = t.reached.iter().collect();
                top.sort_by_key(|r| std::cmp::Reverse(r.amount));
                for r in top.iter().take(12) {
                    let cat = r.category.map_or(String::new(), |c| format!(" [{}]", c.name()));
                    ui.horizontal(|ui| {
                        ui.label(format!("{:.8} in {} hops{cat}", r.amount as f64 / 1e8, r.hops));
                        if ui.link(short(&r.address)).on_hover_text(&r.address).clicked() {
                            out.push(GraphAction::Add(r.address.clone()));
                        }
                    });
                }
                if ui.button("Show on the canvas").clicked() {
                    out.push(GraphAction::ShowTrace(Box::new(t.clone())));
                }
            }
        }
    }
    ui.separator();
    ui.strong("Path search");
    egui::ComboBox::from_label("to").selected_text(f.target.map_or("an address", |c| c.name())).show_ui(ui, |ui| {
        ui.selectable_value(&mut f.target, None, "an address");
        for c in Category::ALL {
            ui.selectable_value(&mut f.target, Some(c), c.name());
        }
    });
    if f.target.is_none() {
        ui.text_edit_singleline(&mut f.target_text);
    }
    if ui.add_enabled(from.is_some(), egui::Button::new("Find a path")).clicked()
        && let Some(a) = from
    {
        let to = f.target.ok_or_else(|| f.target_text.trim().to_string());
        runs.push(ToolRun::Path { from: a, to, opts: PathOptions { depth, ..PathOptions::default() } });
    }
    if let Some(r) = &results.path {
        match r {
            Err(e) => {
                ui.colored_label(egui::Color32::LIGHT_RED, e);
            }
            Ok(p) if !p.found => {
                ui.label(format!("No path found ({} transactions searched).", p.visited));
            }
            Ok(p) => {
                ui.label(format!(
                    "{} hops{}",
                    p.hops.len(),
                    p.label.as_ref().map_or(String::new(), |l| format!(", to {l}"))
                ));
                for h in &p.hops {
                    ui.label(format!("{} → {} ({:.8})", short(&h.from), short(&h.to), h.value as f64 / 1e8))
                        .on_hover_text(format!(
                            "{:.8} BTC can have come along the path; the output is {:.8} BTC",
                            h.value as f64 / 1e8,
                            h.output_value as f64 / 1e8
                        ));
                }
                if ui.button("Show on the canvas").clicked() {
                    out.push(GraphAction::ShowHops(p.hops.clone()));
                }
            }
        }
    }
    if !graph.board.highlighted().is_empty() && ui.button("Clear the highlight").clicked() {
        out.push(GraphAction::ClearHighlight);
    }
}

/// The BTC/USD price at a date or date-time the trainee types ("2025-03-05", "2025-03-05
/// 14:00"), from the scenario's public market data.
///
/// # Errors
/// Why the text is not a date, or that the date is outside the scenario's market data.
pub fn price_lookup(case: &Evidence, text: &str) -> Result<String, String> {
    let t = text.trim();
    let with_seconds = if t.len() == 16 { format!("{t}:00Z") } else { t.to_string() };
    let at = offramp_core::time::parse_instant(&with_seconds)
        .map_err(|_| format!("\"{t}\" is not a date: write it as 2025-03-05 or 2025-03-05 14:00 (UTC)"))?;
    let prices = &case.intel.prices;
    let span =
        |p: Option<&offramp_core::intel::PricePoint>| p.and_then(|p| offramp_core::time::parse_instant(&p.date).ok());
    if let (Some(first), Some(last)) = (span(prices.first()), span(prices.last()))
        && (at < first - 86_400 || at > last + 86_400)
    {
        return Err(format!(
            "the market data of this case runs from {} to {}",
            &prices[0].date[..10],
            &prices[prices.len() - 1].date[..10]
        ));
    }
    let usd = case.explorer.price_at(at);
    Ok(format!("1 BTC = {} on {}", super::inspector::usd(usd), &format_instant(at)[..16].replace('T', " ")))
}

/// Every tag on the board, click to select; and the case's free notes.
pub fn tags(ui: &mut egui::Ui, graph: &Graph, notes: &mut String, out: &mut Vec<GraphAction>) {
    ui.strong("Your tags");
    let mut any = false;
    for (k, t) in graph.board.tags() {
        any = true;
        let cat = t.category.map_or(String::new(), |c| format!(" [{}]", c.name()));
        let text = format!("{}{cat}", if t.label.is_empty() { "(no label)" } else { &t.label });
        if ui.link(text).on_hover_text(graph.board.name(*k)).clicked() {
            if graph.board.holds(*k) {
                out.push(GraphAction::Select { keys: vec![*k], add: false });
            } else {
                out.push(GraphAction::Add(graph.board.name(*k)));
            }
        }
        if !t.note.is_empty() {
            ui.label(format!("    {}", t.note.lines().next().unwrap_or("")));
        }
    }
    if !any {
        ui.label("Select a node and fill in \"Your tag\" in the inspector to list it here.");
    }
    ui.separator();
    ui.strong("Case notes");
    ui.add(egui::TextEdit::multiline(notes).desired_rows(10).desired_width(f32::INFINITY));
}

/// The timeline filter: a date range over the world's span.
pub fn timeline(ui: &mut egui::Ui, case: &Evidence, graph: &Graph, out: &mut Vec<GraphAction>) {
    let c = &case.explorer.chain;
    let (Some(first), Some(last)) = (c.blocks.first(), c.blocks.last()) else { return };
    let (lo, hi) = (first.time, last.time);
    let current = graph.board.filter();
    ui.horizontal(|ui| {
        let mut on = current.is_some();
        if ui.checkbox(&mut on, "Timeline filter").changed() {
            out.push(GraphAction::Filter(on.then_some((lo, hi))));
        }
        if let Some((mut a, mut b)) = current {
            let w = (ui.available_width() / 2.0 - 120.0).max(80.0);
            ui.spacing_mut().slider_width = w;
            let ra = ui.add(egui::Slider::new(&mut a, lo..=hi).show_value(false));
            ui.label(format_instant(i64::from(a)));
            ui.label("to");
            let rb = ui.add(egui::Slider::new(&mut b, lo..=hi).show_value(false));
            ui.label(format_instant(i64::from(b)));
            if ra.changed() || rb.changed() {
                out.push(GraphAction::Filter(Some((a.min(b), a.max(b)))));
            }
        } else {
            ui.label(format!("{} to {}", format_instant(i64::from(lo)), format_instant(i64::from(hi))));
        }
    });
}
