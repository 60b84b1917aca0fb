//! The investigation screen (first cut): search by address or txid, and an inspector with the
//! explorer's view of what was found. The graph canvas, tracing, tags, legal requests and
//! findings come next.

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

use super::Screen;
use super::loading::Case;

#[derive(Resource, Default)]
pub struct Search {
    pub text: String,
    pub result: Option<Result<String, String>>,
}

pub fn ui(app: &mut App) {
    app.init_resource::<Search>()
        .add_systems(EguiPrimaryContextPass, investigation_panel.run_if(in_state(Screen::Investigation)));
}

/// What the search box finds, as the inspector shows it.
pub fn look_up(case: &Case, text: &str) -> Result<String, String> {
    let ex = &case.explorer;
    let t = text.trim();
    if let Ok(a) = ex.address(t) {
        let v = ex.address_view(a);
        let mut s = format!(
            "{} ({})\nbalance {:.8} BTC, {} transactions\n",
            v.address,
            v.script_type,
            v.balance as f64 / 1e8,
            v.tx_count
        );
        for l in &v.labels {
            s.push_str(&format!("label: {} [{}]\n", l.label, l.category.name()));
        }
        return Ok(s);
    }
    match ex.txid(t) {
        Ok(k) => {
            let v = ex.tx_view(k);
            Ok(format!(
                "{}\nblock {}, fee {} sat ({} sat/vB), {} inputs, {} outputs",
                v.txid,
                v.height,
                v.fee,
                v.fee_rate,
                v.inputs.len(),
                v.outputs.len()
            ))
        }
        Err(_) => Err(match ex.address(t) {
            Err(e) => e.to_string(),
            Ok(_) => unreachable!("handled above"),
        }),
    }
}

fn investigation_panel(mut contexts: EguiContexts, case: Option<Res<Case>>, mut search: ResMut<Search>) -> Result {
    let ctx = contexts.ctx_mut()?;
    let mut root = super::root_ui(ctx);
    let Some(case) = case else { return Ok(()) };
    egui::Panel::left("search").min_size(320.0).show(&mut root, |ui| {
        ui.heading("Search");
        let r = ui.text_edit_singleline(&mut search.text);
        if r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) || ui.button("Find").clicked() {
            let found = look_up(&case, &search.text);
            search.result = Some(found);
        }
        ui.separator();
        ui.strong("Intel");
        for item in &case.world.intel.items {
            ui.label(&item.note);
            for a in &item.addresses {
                if ui.link(a).clicked() {
                    search.text = a.clone();
                    search.result = Some(look_up(&case, a));
                }
            }
        }
    });
    egui::CentralPanel::default().show(&mut root, |ui| match &search.result {
        Some(Ok(s)) => {
            ui.monospace(s);
        }
        Some(Err(e)) => {
            ui.colored_label(egui::Color32::LIGHT_RED, e);
        }
        None => {
            ui.label("Search for an address or a transaction, or start from the intel on the left.");
        }
    });
    Ok(())
}
