//! The briefing: what the trainee is told, the objectives and their points.

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

use super::Screen;
use super::loading::Case;

pub fn ui(app: &mut App) {
    app.add_systems(EguiPrimaryContextPass, briefing_panel.run_if(in_state(Screen::Briefing)));
}

fn briefing_panel(mut contexts: EguiContexts, case: Option<Res<Case>>, mut next: ResMut<NextState<Screen>>) -> Result {
    let ctx = contexts.ctx_mut()?;
    let mut root = super::root_ui(ctx);
    let Some(case) = case else { return Ok(()) };
    let intel = &case.world.intel;
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
                ui.label(format!("• {} ({} points)", o.prompt, o.points));
            }
        });
        ui.separator();
        if ui.button("Start the investigation").clicked() {
            next.set(Screen::Investigation);
        }
    });
    Ok(())
}
