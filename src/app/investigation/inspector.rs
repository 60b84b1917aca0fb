//! The inspector: the explorer's view of the selected address, transaction or cluster, with
//! fiat values and times, the heuristics' verdicts, and the trainee's tag editor.

use bevy_egui::egui;
use offramp_core::board::{NodeRef, Side, Tag};
use offramp_core::forensics::index::Sweep;
use offramp_core::forensics::{change, coinjoin};
use offramp_core::ledger::{AddrIdx, TxIdx};
use offramp_core::scenario::Category;
use offramp_core::time::format_instant;

use super::Evidence;
use super::canvas::category_rgb;
use super::graph::{Graph, GraphAction};
use offramp_core::format::short_id as short;
pub use offramp_core::format::{btc, usd};

pub fn when(t: Option<u32>) -> String {
    t.map_or_else(|| "—".to_string(), |t| format_instant(i64::from(t)))
}

fn colour32(c: [u8; 3]) -> egui::Color32 {
    egui::Color32::from_rgb(c[0], c[1], c[2])
}

/// Rows of a name and a value.
pub fn grid(ui: &mut egui::Ui, id: impl std::hash::Hash + std::fmt::Debug, rows: &[(&str, String)]) {
    egui::Grid::new(id).num_columns(2).show(ui, |ui| {
        for (k, v) in rows {
            ui.label(*k);
            ui.label(v);
            ui.end_row();
        }
    });
}

/// The id of the tag editor's label field.
pub const TAG_LABEL: &str = "tag-label";

/// The tag editor's draft, kept while the trainee types.
#[derive(Default)]
pub struct TagDraft {
    pub key: Option<NodeRef>,
    pub tag: Tag,
}

/// Draws the inspector for the selection; actions go out through `out`.
pub fn show(ui: &mut egui::Ui, case: &Evidence, graph: &Graph, draft: &mut TagDraft, out: &mut Vec<GraphAction>) {
    let sel: Vec<NodeRef> = graph.board.selected.iter().copied().collect();
    match sel.as_slice() {
        [] => {
            ui.label("Select a node on the canvas to inspect it.");
            ui.label("Search or click the intel on the left to put something on the board.");
        }
        [k] => {
            actions(ui, *k, out);
            ui.separator();
            egui::ScrollArea::vertical().id_salt("inspector").show(ui, |ui| {
                match *k {
                    NodeRef::Addr(a) => address(ui, case, graph, a, out),
                    NodeRef::Tx(t) => transaction(ui, case, graph, t, out),
                    NodeRef::Cluster(r) => cluster(ui, case, graph, r),
                }
                ui.separator();
                tag_editor(ui, graph, *k, draft, out);
            });
        }
        many => {
            ui.strong(format!("{} nodes selected", many.len()));
            ui.horizontal_wrapped(|ui| {
                if ui.button("Expand inputs").clicked() {
                    out.push(GraphAction::Expand(Side::Inputs));
                }
                if ui.button("Expand outputs").clicked() {
                    out.push(GraphAction::Expand(Side::Outputs));
                }
                if ui.button("Fold clusters").clicked() {
                    out.push(GraphAction::ToggleFold);
                }
                if ui.button("Unpin").clicked() {
                    out.push(GraphAction::Unpin);
                }
                if ui.button("Remove").clicked() {
                    out.push(GraphAction::Remove);
                }
            });
        }
    }
}

fn actions(ui: &mut egui::Ui, k: NodeRef, out: &mut Vec<GraphAction>) {
    ui.horizontal_wrapped(|ui| {
        if ui.button("⬅ Inputs").on_hover_text("Expand where the funds came from (Shift+E)").clicked() {
            out.push(GraphAction::Expand(Side::Inputs));
        }
        if ui.button("Outputs ➡").on_hover_text("Expand where the funds went (E)").clicked() {
            out.push(GraphAction::Expand(Side::Outputs));
        }
        if ui.button("Collapse").on_hover_text("Remove the outputs that hang on this node alone (C)").clicked() {
            out.push(GraphAction::Collapse(Side::Outputs));
            out.push(GraphAction::Collapse(Side::Inputs));
        }
        let fold = match k {
            NodeRef::Cluster(_) => Some("Unfold cluster"),
            NodeRef::Addr(_) => Some("Fold cluster"),
            NodeRef::Tx(_) => None,
        };
        if let Some(f) = fold
            && ui.button(f).on_hover_text("F").clicked()
        {
            out.push(GraphAction::ToggleFold);
        }
        if ui.button("Remove").on_hover_text("Delete").clicked() {
            out.push(GraphAction::Remove);
        }
    });
}

fn address(ui: &mut egui::Ui, case: &Evidence, graph: &Graph, a: AddrIdx, out: &mut Vec<GraphAction>) {
    let ex = &case.explorer;
    let v = ex.address_view(a);
    ui.label(egui::RichText::new(&v.address).monospace().strong());
    ui.label(format!("{} address", v.script_type));
    for l in &v.labels {
        ui.colored_label(colour32(category_rgb(Some(l.category))), format!("{} — {}", l.label, l.category.name()));
    }
    let price = ex.price_at(i64::from(v.last_seen.unwrap_or(0)));
    grid(
        ui,
        "addr",
        &[
            ("Balance", format!("{} ({} at its last use)", btc(v.balance), usd(v.balance as f64 / 1e8 * price))),
            ("Received", btc(v.received)),
            ("Sent", btc(v.sent)),
            ("Transactions", v.tx_count.to_string()),
            ("First seen", when(v.first_seen)),
            ("Last seen", when(v.last_seen)),
            ("Cluster", format!("{} addresses", case.clusters.members(a).len())),
        ],
    );
    swept(ui, case, graph, a, out);
    ui.separator();
    ui.strong("History");
    for row in v.history.iter().take(200) {
        ui.horizontal(|ui| {
            let sign = if row.delta >= 0 { "+" } else { "−" };
            let amount = row.delta.unsigned_abs() as f64 / 1e8;
            ui.label(format!("{} {sign}{amount:.8}", format_instant(i64::from(row.time))));
            ui.weak(usd(amount * ex.price_at(i64::from(row.time))));
            if ui.small_button("on board").on_hover_text(&row.txid).clicked() {
                out.push(GraphAction::Add(row.txid.clone()));
            }
        });
    }
    if v.history.len() > 200 {
        ui.label(format!("… and {} more (expand on the canvas to page through them)", v.history.len() - 200));
    }
}

fn transaction(ui: &mut egui::Ui, case: &Evidence, graph: &Graph, t: TxIdx, out: &mut Vec<GraphAction>) {
    let ex = &case.explorer;
    let v = ex.tx_view(t);
    ui.label(egui::RichText::new(&v.txid).monospace().strong());
    grid(
        ui,
        "tx",
        &[
            ("Time", format_instant(i64::from(v.time))),
            ("Block", v.height.to_string()),
            ("Value", format!("{} ({})", btc(v.outputs.iter().map(|o| o.value).sum()), usd(v.usd))),
            ("Fee", format!("{} sat ({:.1} sat/vB)", v.fee, v.fee_rate)),
            ("Size", format!("{} vB, version {}, locktime {}", v.vsize, v.version, v.locktime)),
        ],
    );
    ui.separator();
    ui.strong("Heuristics");
    if let Some(e) = coinjoin::coinjoin(ex, t) {
        ui.colored_label(colour32(category_rgb(Some(Category::CoinJoin))), format!("CoinJoin: {}", e.summary));
    }
    if let Some(e) = coinjoin::mixer_payout(ex, t) {
        ui.colored_label(colour32(category_rgb(Some(Category::Mixer))), format!("Mixer payout: {}", e.summary));
    }
    let verdict = change::detect(ex, t);
    match verdict.change {
        Some(vout) => {
            ui.label(format!("Change: output {vout} (confidence {:.0}%)", verdict.confidence * 100.0));
        }
        None => {
            ui.label("Change: no verdict");
        }
    }
    for vote in &verdict.votes {
        ui.label(format!("  • {} → output {}: {}", vote.heuristic.name(), vote.vout, vote.reason));
    }
    ui.separator();
    let price = ex.price_at(i64::from(v.time));
    ui.strong(format!("{} inputs", v.inputs.len()));
    for i in &v.inputs {
        flow_row(ui, case, graph, i.address.as_deref(), i.value, price, false, out);
    }
    ui.strong(format!("{} outputs", v.outputs.len()));
    for (n, o) in v.outputs.iter().enumerate() {
        let is_change = verdict.change == Some(n as u32);
        flow_row(ui, case, graph, o.address.as_deref(), o.value, price, is_change, out);
    }
}

/// Where the coins of an address went: for a deposit address, the sweep into the service's
/// wallet ("swept into CoinBay hot wallet"), named by public label or by the trainee's tag.
fn swept(ui: &mut egui::Ui, case: &Evidence, graph: &Graph, a: AddrIdx, out: &mut Vec<GraphAction>) {
    let sweeps = case.explorer.swept_to(a);
    if sweeps.is_empty() {
        return;
    }
    ui.separator();
    ui.strong(if sweeps.len() == 1 {
        "Spent in".to_string()
    } else {
        format!("Spent in {} transactions", sweeps.len())
    });
    let own = case.explorer.chain.address_string(a);
    for sw in sweeps.iter().take(20) {
        let what = sweep_summary(case, graph, &own, sw);
        ui.horizontal_wrapped(|ui| {
            if ui.small_button("on board").on_hover_text(&sw.txid).clicked() {
                out.push(GraphAction::Add(sw.txid.clone()));
            }
            ui.label(format!("{} {}", &format_instant(i64::from(sw.time))[..10], btc(sw.spent)));
            ui.colored_label(egui::Color32::from_rgb(200, 200, 140), what);
        });
    }
    if sweeps.len() > 20 {
        ui.label(format!("… and {} more", sweeps.len() - 20));
    }
}

/// Where one spend of an address went, in words: "swept into CoinBay hot wallet" when all of
/// it went to one address that a public label or the trainee's tag names.
pub fn sweep_summary(case: &Evidence, graph: &Graph, own: &str, sw: &Sweep) -> String {
    // Payees other than the address itself, each with its public label or the trainee's tag.
    let named: Vec<(&str, Option<String>)> = sw
        .to
        .iter()
        .filter(|p| p.address != own)
        .map(|p| {
            let tag = case.explorer.address(&p.address).ok().and_then(|x| {
                graph
                    .board
                    .tag(NodeRef::Addr(x))
                    .filter(|t| !t.label.is_empty())
                    .map(|t| format!("{} (your tag)", t.label))
            });
            (p.address.as_str(), p.service().map(|l| l.label.clone()).or(tag))
        })
        .collect();
    match named.as_slice() {
        [(_, Some(name))] => format!("swept into {name}"),
        [(to, None)] => format!("all to {}", short(to)),
        many => {
            let known: Vec<&str> = many.iter().filter_map(|(_, n)| n.as_deref()).collect();
            match known.first() {
                Some(name) => format!("to {} addresses, one of them {name}", many.len()),
                None => format!("to {} addresses", many.len()),
            }
        }
    }
}

/// What is known of an address, for a transaction's rows: its public labels and the
/// trainee's own tag ("CoinBay hot wallet [exchange]; your tag: Ghost payout").
pub fn known_as(case: &Evidence, graph: &Graph, address: &str) -> Option<String> {
    let a = case.explorer.address(address).ok()?;
    let mut parts: Vec<String> =
        case.explorer.labels(a).iter().map(|l| format!("{} [{}]", l.label, l.category.name())).collect();
    if let Some(t) = graph.board.tag(NodeRef::Addr(a)).filter(|t| !t.label.is_empty()) {
        parts.push(format!("your tag: {}", t.label));
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// One input or output: value in bitcoin and in dollars at the block's time, the address
/// (a link that puts it on the board), what is known of it, and the change verdict.
#[allow(clippy::too_many_arguments)]
fn flow_row(
    ui: &mut egui::Ui,
    case: &Evidence,
    graph: &Graph,
    address: Option<&str>,
    value: u64,
    price: f64,
    change: bool,
    out: &mut Vec<GraphAction>,
) {
    ui.horizontal_wrapped(|ui| {
        ui.label(format!("{:.8}", value as f64 / 1e8));
        ui.weak(usd(value as f64 / 1e8 * price));
        match address {
            Some(a) => {
                let short = if a.len() > 22 { format!("{}…{}", &a[..12], &a[a.len() - 6..]) } else { a.to_string() };
                if ui.link(short).on_hover_text(a).clicked() {
                    out.push(GraphAction::Add(a.to_string()));
                }
                if let Some(known) = known_as(case, graph, a) {
                    ui.colored_label(egui::Color32::from_rgb(200, 200, 140), known);
                }
            }
            None => {
                ui.label("(data)");
            }
        }
        if change {
            ui.label("change?");
        }
    });
}

fn cluster(ui: &mut egui::Ui, case: &Evidence, graph: &Graph, r: AddrIdx) {
    let v = case.clusters.view(&case.explorer, r);
    ui.strong(format!("Cluster of {} addresses", v.size));
    ui.label(format!("{} of them on the board", graph.board.members_on_board(r).len()));
    grid(
        ui,
        "cluster",
        &[
            ("Balance", btc(v.balance)),
            ("Transactions", v.tx_count.to_string()),
            ("First seen", when(v.first_seen)),
            ("Last seen", when(v.last_seen)),
        ],
    );
    for l in v.labels.iter().take(20) {
        ui.label(format!("{} — {} ({})", l.label, l.category.name(), l.address));
    }
}

fn tag_editor(ui: &mut egui::Ui, graph: &Graph, k: NodeRef, draft: &mut TagDraft, out: &mut Vec<GraphAction>) {
    if draft.key != Some(k) {
        draft.key = Some(k);
        draft.tag = graph.board.tag(k).cloned().unwrap_or_default();
    }
    ui.strong("Your tag");
    let d = &mut draft.tag;
    ui.horizontal(|ui| {
        ui.label("Label");
        ui.add(egui::TextEdit::singleline(&mut d.label).id(egui::Id::new(TAG_LABEL)));
    });
    egui::ComboBox::from_label("Category").selected_text(d.category.map_or("(none)", |c| c.name())).show_ui(ui, |ui| {
        ui.selectable_value(&mut d.category, None, "(none)");
        for c in Category::ALL {
            ui.selectable_value(&mut d.category, Some(c), c.name());
        }
    });
    ui.horizontal(|ui| {
        let mut own = d.colour.is_some();
        ui.checkbox(&mut own, "Own colour");
        if own {
            let mut c = d.colour.unwrap_or(category_rgb(d.category));
            ui.color_edit_button_srgb(&mut c);
            d.colour = Some(c);
        } else {
            d.colour = None;
        }
    });
    ui.label("Notes");
    ui.text_edit_multiline(&mut d.note);
    ui.horizontal(|ui| {
        let current = graph.board.tag(k).cloned().unwrap_or_default();
        if ui.add_enabled(*d != current, egui::Button::new("Save tag")).clicked() {
            out.push(GraphAction::SetTag(k, d.clone()));
        }
        if ui.add_enabled(graph.board.tag(k).is_some(), egui::Button::new("Remove tag")).clicked() {
            *d = Tag::default();
            out.push(GraphAction::SetTag(k, Tag::default()));
        }
    });
}
