//! The briefing: what the trainee is told, the objectives and their points.

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

use super::Screen;
use crate::app::investigation::Evidence;

pub fn ui(app: &mut App) {
    app.add_systems(EguiPrimaryContextPass, briefing_panel.run_if(in_state(Screen::Briefing)));
}

fn briefing_panel(
    mut contexts: EguiContexts,
    evidence: Option<Res<Evidence>>,
    mut next: ResMut<NextState<Screen>>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    let mut root = crate::app::root_ui(ctx);
    let Some(evidence) = evidence else { return Ok(()) };
    let intel = &evidence.intel;
    egui::CentralPanel::default().show(&mut root, |ui| {
        ui.heading(&intel.scenario.title);
        ui.label(format!("{} · about {} minutes", intel.scenario.difficulty, intel.scenario.estimated_minutes));
        ui.separator();
        egui::ScrollArea::vertical().max_height(ui.available_height() - 60.0).show(ui, |ui| {
            ui.label(&intel.scenario.briefing);
            ui.add_space(12.0);
            ui.strong("Intel");
            for item in &intel.items {
                ui.label(format!("• {}", item.note));
            }
            ui.add_space(12.0);
            ui.strong("Objectives");
            for o in &intel.objectives {
                ui.label(format!("• {} ({} points)", o.prompt, crate::app::tools::points(o.points)));
            }
            ui.add_space(12.0);
            ui.strong("Legal requests");
            ui.label(legal_terms(intel.legal.budget, intel.legal.wrong_request_penalty));
        });
        ui.separator();
        ui.horizontal(|ui| {
            if ui.button("Start the investigation").clicked() {
                next.set(Screen::Investigation);
            }
            if ui.button("Back to the library").clicked() {
                next.set(Screen::Library);
            }
        });
    });
    Ok(())
}

/// The legal budget and the price of a wasted request, as the briefing says them.
pub fn legal_terms(budget: u32, penalty: f64) -> String {
    let requests = if budget == 1 { "1 legal request".to_string() } else { format!("{budget} legal requests") };
    if penalty > 0.0 {
        format!(
            "You may file {requests} to exchanges. A request about an address the exchange does not hold costs {} points (its answer is \"no records\", or a refusal).",
            crate::app::tools::points(penalty)
        )
    } else {
        format!("You may file {requests} to exchanges.")
    }
}
