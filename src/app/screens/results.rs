//! The results screen: the referee's score of the submitted case, objective by objective,
//! with what was right, what was missing and what cost points; in a class (a pack, no
//! truth on this machine) what was handed in, sealed, for the instructor to score.

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};
use offramp_core::score::Report;

use super::Screen;
use crate::app::casefile::CaseFile;
use crate::app::findings::Results;
use crate::app::investigation::Evidence;
use crate::app::investigation::class::{ClassLink, ClassNews};
use crate::app::investigation::debrief::OpenDebrief;
use crate::app::referee::RefereeHandle;

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

#[allow(clippy::too_many_arguments)]
fn results_screen(
    mut contexts: EguiContexts,
    results: Option<Res<Results>>,
    file: Option<Res<CaseFile>>,
    evidence: Option<Res<Evidence>>,
    referee: Option<Res<RefereeHandle>>,
    mut debrief: MessageWriter<OpenDebrief>,
    mut next: ResMut<NextState<Screen>>,
    (class, news): (Option<Res<ClassLink>>, Option<Res<ClassNews>>),
) -> Result {
    let ctx = contexts.ctx_mut()?;
    let mut root = crate::app::root_ui(ctx);
    let Some(results) = results else { return Ok(()) };
    let Some(r) = &results.0 else {
        egui::CentralPanel::default().show(&mut root, |ui| match &class {
            Some(c) => sent_to_class(ui, c, news.as_deref(), file.as_deref(), &mut next),
            None => handed_in(ui, file.as_deref(), evidence.as_deref(), &mut next),
        });
        return Ok(());
    };
    let r: &Report = r;
    egui::CentralPanel::default().show(&mut root, |ui| {
        if referee.as_ref().is_some_and(|r| r.world().is_some()) {
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Min), |ui| {
                if ui
                    .button("Debrief: your answers over the truth")
                    .on_hover_text("The true path on the board, what you found, missed and marked wrongly")
                    .clicked()
                {
                    debrief.write(OpenDebrief);
                    next.set(Screen::Investigation);
                }
            });
        }
        if let (Some(c), Some(n)) = (&class, &news) {
            class_debrief(ui, c, n);
        }
        ui.heading(format!("Results: {:.1} of {:.0} points", r.earned, r.possible));
        if let Some(f) = &file {
            ui.label(who_and_time(&r.trainee, f.seconds()));
        }
        if let Some(sub) = news.as_ref().and_then(|n| n.result.as_ref()) {
            ui.label(if sub.by_trainee {
                "Scored by the class server."
            } else {
                "Scored by the class server when the session ended, as your case was last synced."
            });
            for a in &sub.adjustments {
                ui.label(format!("Instructor's adjustment: {:+} points ({})", a.points, a.reason));
            }
            if !sub.adjustments.is_empty() {
                ui.strong(format!("Total: {:.1} of {:.0} points", sub.total, r.possible));
            }
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
        leave(ui, &mut next);
    });
    Ok(())
}

/// What a case submitted from a pack says: handed in (sealed in a class), where its file is,
/// and what it answers; the instructor scores it.
fn handed_in(ui: &mut egui::Ui, file: Option<&CaseFile>, evidence: Option<&Evidence>, next: &mut NextState<Screen>) {
    ui.heading("Submitted");
    let Some(f) = file else { return };
    ui.label(who_and_time(&f.case.trainee, f.seconds()));
    ui.separator();
    let place =
        f.path.as_ref().map_or_else(|| "not saved (no folder for cases)".to_string(), |p| p.display().to_string());
    if f.case.seal.is_some() {
        ui.label(format!("Your case is sealed and saved in {place}."));
        ui.strong("Your instructor scores it: hand in that file. Any change to it now shows when it is graded.");
    } else {
        ui.label(format!("Your case is saved in {place}."));
        ui.label("This pack holds no answer key, so it is scored by whoever made it: hand in that file.");
    }
    ui.add_space(8.0);
    if let Some(ev) = evidence {
        egui::ScrollArea::vertical().max_height(ui.available_height() - 50.0).show(ui, |ui| {
            for o in &ev.intel.objectives {
                let answered = f.case.answers.contains_key(&o.id);
                let hints = f.case.hints.iter().filter(|h| h.objective == o.id).count();
                ui.horizontal(|ui| {
                    let (mark, colour) = if answered {
                        ("answered", egui::Color32::from_rgb(90, 200, 120))
                    } else {
                        ("not answered", egui::Color32::from_rgb(230, 190, 80))
                    };
                    ui.label(egui::RichText::new(format!("{mark:>12}")).monospace().color(colour));
                    ui.strong(&o.prompt);
                });
                if hints > 0 {
                    ui.label(format!("    {hints} hint{} used", if hints == 1 { "" } else { "s" }));
                }
            }
            ui.separator();
            ui.strong(format!("Legal requests: {} of {} used", f.case.requests.len(), ev.intel.legal.budget));
        });
    }
    leave(ui, next);
}

/// A class's submission before the server's score came: sending, or waiting for the server.
fn sent_to_class(
    ui: &mut egui::Ui,
    class: &ClassLink,
    news: Option<&ClassNews>,
    file: Option<&CaseFile>,
    next: &mut NextState<Screen>,
) {
    ui.heading("Submitted to the class");
    if let Some(f) = file {
        ui.label(who_and_time(&f.case.trainee, f.seconds()));
    }
    ui.separator();
    let link = class.syncer.link();
    if link.online == Some(false) {
        ui.colored_label(
            egui::Color32::from_rgb(240, 200, 100),
            "The class server is away. Your submission is kept on this computer and goes out as soon as it returns; you can close the app.",
        );
    } else {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label("Sending your case to the class server for scoring…");
        });
    }
    if let Some(n) = news.and_then(|n| n.note.as_ref()) {
        ui.colored_label(egui::Color32::LIGHT_RED, n);
    }
    leave(ui, next);
}

/// The debrief of a class: opens once the instructor released it.
fn class_debrief(ui: &mut egui::Ui, class: &ClassLink, news: &ClassNews) {
    ui.with_layout(egui::Layout::right_to_left(egui::Align::Min), |ui| {
        let released = news.result.as_ref().is_some_and(|s| s.debrief_released);
        if released {
            if ui.button("Debrief: your answers over the truth").clicked() {
                class.syncer.fetch_debrief();
            }
        } else {
            if ui.button("Ask again").clicked() {
                class.syncer.refresh();
            }
            ui.label("The debrief opens when your instructor releases it.");
        }
        if let Some(n) = &news.note {
            ui.colored_label(egui::Color32::from_rgb(240, 200, 100), n);
        }
    });
}

/// The way out of the results: back to the board (read-only now) or to the library.
fn leave(ui: &mut egui::Ui, next: &mut NextState<Screen>) {
    ui.separator();
    ui.horizontal(|ui| {
        if ui.button("Review the investigation").clicked() {
            next.set(Screen::Investigation);
        }
        if ui.button("Back to the library").clicked() {
            next.set(Screen::Library);
        }
    });
}
