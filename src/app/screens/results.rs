//! The results screen: the referee's score of the submitted case, objective by objective,
//! with what was right, what was missing and what cost points.

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};
use offramp_core::score::Report;

use super::Screen;
use crate::app::casefile::CaseFile;
use crate::app::findings::Results;

pub fn ui(app: &mut App) {
    app.add_systems(EguiPrimaryContextPass, results_screen.run_if(in_state(Screen::Results)));
}

/// The line under the heading: who, and how long the case took ("Sam · 14 min 03 s on the case").
pub fn who_and_time(trainee: &str, seconds: u64) -> String {
    let time = format!("{} min {:02} s on the case", seconds / 60, seconds % 60);
    if trainee.trim().is_empty() { time } else { format!("{} · {time}", trainee.trim()) }
}

/// A deduction as the score gives it ("-5 for hint 1") with a typographic minus, never two signs.
pub fn deduction(text: &str) -> String {
    match text.strip_prefix('-') {
        Some(rest) => format!("−{rest}"),
        None => text.to_string(),
    }
}

fn results_screen(
    mut contexts: EguiContexts,
    results: Option<Res<Results>>,
    file: Option<Res<CaseFile>>,
    mut next: ResMut<NextState<Screen>>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    let mut root = crate::app::root_ui(ctx);
    let Some(results) = results else { return Ok(()) };
    let r: &Report = &results.0;
    egui::CentralPanel::default().show(&mut root, |ui| {
        ui.heading(format!("Results: {:.1} of {:.0} points", r.earned, r.possible));
        if let Some(f) = &file {
            ui.label(who_and_time(&r.trainee, f.seconds()));
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
                    ui.label(format!("    {}", deduction(d)));
                }
                if full && o.deductions.is_empty() {
                    ui.label("    right");
                }
                ui.add_space(6.0);
            }
            ui.separator();
            ui.strong(format!("Legal requests: {} of {} used", r.legal.requests, r.legal.budget));
            if r.legal.penalty > 0.0 {
                ui.label(format!("    −{} points", crate::app::tools::points(r.legal.penalty)));
            }
            for d in &r.legal.deductions {
                ui.label(format!("    {}", deduction(d)));
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
