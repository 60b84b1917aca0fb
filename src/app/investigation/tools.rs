//! The tracing tab (taint and path search, drawn on the canvas), the tags list and the
//! timeline filter.

use bevy_egui::egui;
use offramp_core::board::NodeRef;
use offramp_core::forensics::path::{self, PathOptions, PathResult, Target};
use offramp_core::forensics::taint::{self, Direction, Method, TraceOptions, TraceResult};
use offramp_core::scenario::Category;
use offramp_core::time::format_instant;

use super::Evidence;
use super::graph::{Graph, GraphAction};
use super::inspector::btc;

/// The tracing tab's settings and last results.
pub struct TraceForm {
    pub method: Method,
    pub direction: Direction,
    pub depth: u32,
    pub stop_at_exchanges: bool,
    pub target: Option<Category>,
    pub target_text: String,
    pub trace: Option<Result<TraceResult, String>>,
    pub path: Option<Result<PathResult, String>>,
}

impl Default for TraceForm {
    fn default() -> Self {
        TraceForm {
            method: Method::Haircut,
            direction: Direction::Forward,
            depth: 8,
            stop_at_exchanges: true,
            target: Some(Category::Exchange),
            target_text: String::new(),
            trace: None,
            path: None,
        }
    }
}

/// The address the tools start from: the one selected address.
fn origin(graph: &Graph) -> Option<u32> {
    match graph.board.selected.iter().collect::<Vec<_>>().as_slice() {
        [NodeRef::Addr(a)] => Some(*a),
        _ => None,
    }
}

pub fn tracing(ui: &mut egui::Ui, case: &Evidence, graph: &Graph, f: &mut TraceForm, out: &mut Vec<GraphAction>) {
    let from = origin(graph);
    match from {
        Some(a) => ui.label(format!("From {}", case.explorer.chain.address_string(a))),
        None => ui.label("Select one address on the canvas to trace from it."),
    };
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
    ui.add(egui::Slider::new(&mut f.depth, 1..=16).text("hops"));
    ui.checkbox(&mut f.stop_at_exchanges, "Stop at exchanges");
    if ui.add_enabled(from.is_some(), egui::Button::new("Trace")).clicked()
        && let Some(a) = from
    {
        let opts = TraceOptions {
            method: f.method,
            direction: f.direction,
            depth: f.depth,
            stop_at: if f.stop_at_exchanges { vec![Category::Exchange] } else { Vec::new() },
        };
        f.trace = Some(taint::trace(&case.explorer, a, &opts).map_err(|e| e.to_string()));
    }
    if let Some(r) = &f.trace {
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
        let target = match f.target {
            Some(c) => Ok(Target::Category(c)),
            None => case.explorer.address(&f.target_text).map(Target::Address).map_err(|e| e.to_string()),
        };
        f.path = Some(target.and_then(|t| {
            path::find(&case.explorer, a, t, PathOptions { depth: f.depth, ..PathOptions::default() })
                .map_err(|e| e.to_string())
        }));
    }
    if let Some(r) = &f.path {
        match r {
            Err(e) => {
                ui.colored_label(egui::Color32::LIGHT_RED, e);
            }
            Ok(p) if !p.found => {
                ui.label(format!("No path within {} hops ({} transactions searched).", f.depth, p.visited));
            }
            Ok(p) => {
                ui.label(format!(
                    "{} hops{}",
                    p.hops.len(),
                    p.label.as_ref().map_or(String::new(), |l| format!(", to {l}"))
                ));
                for h in &p.hops {
                    ui.label(format!("{} → {} ({:.8})", short(&h.from), short(&h.to), h.value as f64 / 1e8));
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

/// Points as a person writes them: "5", "2.5", "0.25".
pub fn points(x: f64) -> String {
    let s = format!("{:.2}", x.abs());
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if x < 0.0 { format!("−{s}") } else { s.to_string() }
}

pub fn short(s: &str) -> String {
    if s.len() > 20 { format!("{}…{}", &s[..10], &s[s.len() - 6..]) } else { s.to_string() }
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
