//! Legal requests: the trainee asks an exchange who is behind an address. The answer comes
//! after a short delay, as from a compliance team; each request counts against the
//! scenario's budget, and the budget is always visible.

use std::time::Duration;

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};
use offramp_core::legal::{self, Reply};

use super::Screen;
use super::loading::Case;

/// A request the trainee files.
#[derive(Message, Debug, Clone)]
pub struct FileRequest {
    pub exchange: String,
    pub address: String,
}

/// One filed request and, once it came, the exchange's answer (or why none will come).
#[derive(Debug, Clone)]
pub struct Filed {
    pub exchange: String,
    pub address: String,
    /// App time (seconds) when the answer is due.
    pub due: f64,
    pub answer: Option<Result<Reply, String>>,
}

#[derive(Resource, Default)]
pub struct Requests {
    pub filed: Vec<Filed>,
    /// Why the last request was not filed (over the budget).
    pub refused: Option<String>,
}

/// How long an exchange takes to answer.
#[derive(Resource)]
pub struct AnswerDelay(pub Duration);

impl Default for AnswerDelay {
    fn default() -> Self {
        AnswerDelay(Duration::from_secs(4))
    }
}

/// The panel's text fields.
#[derive(Resource, Default)]
struct Form {
    exchange: usize,
    address: String,
}

pub fn plugin(app: &mut App) {
    app.add_message::<FileRequest>()
        .init_resource::<Requests>()
        .init_resource::<AnswerDelay>()
        .add_systems(Update, (file, answer).chain().run_if(resource_exists::<Case>));
}

pub fn ui(app: &mut App) {
    app.init_resource::<Form>().add_systems(EguiPrimaryContextPass, panel.run_if(in_state(Screen::Investigation)));
}

fn file(
    mut incoming: MessageReader<FileRequest>,
    mut requests: ResMut<Requests>,
    case: Res<Case>,
    delay: Res<AnswerDelay>,
    time: Res<Time>,
) {
    let budget = case.world.intel.legal.budget as usize;
    for r in incoming.read() {
        if requests.filed.len() >= budget {
            requests.refused = Some(format!("the budget of {budget} legal requests is spent"));
            continue;
        }
        requests.refused = None;
        requests.filed.push(Filed {
            exchange: r.exchange.clone(),
            address: r.address.trim().to_string(),
            due: time.elapsed_secs_f64() + delay.0.as_secs_f64(),
            answer: None,
        });
    }
}

fn answer(mut requests: ResMut<Requests>, case: Res<Case>, time: Res<Time>) {
    let now = time.elapsed_secs_f64();
    for f in requests.filed.iter_mut().filter(|f| f.answer.is_none() && f.due <= now) {
        f.answer = Some(legal::request(&case.world, &f.exchange, &f.address).map_err(|e| e.to_string()));
    }
}

fn panel(
    mut contexts: EguiContexts,
    case: Option<Res<Case>>,
    requests: Res<Requests>,
    mut form: ResMut<Form>,
    mut out: MessageWriter<FileRequest>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    let Some(case) = case else { return Ok(()) };
    let intel = &case.world.intel;
    egui::Window::new("Legal requests").default_pos([900.0, 60.0]).show(ctx, |ui| {
        ui.label(format!("{} of {} requests used", requests.filed.len(), intel.legal.budget));
        let names: Vec<String> = intel.exchanges.iter().map(|x| format!("{} ({})", x.name, x.jurisdiction)).collect();
        if !names.is_empty() {
            egui::ComboBox::from_label("exchange").selected_text(&names[form.exchange.min(names.len() - 1)]).show_ui(
                ui,
                |ui| {
                    for (i, n) in names.iter().enumerate() {
                        ui.selectable_value(&mut form.exchange, i, n);
                    }
                },
            );
        }
        ui.text_edit_singleline(&mut form.address);
        if ui.button("File the request").clicked() && !form.address.trim().is_empty() && !intel.exchanges.is_empty() {
            let x = &intel.exchanges[form.exchange.min(intel.exchanges.len() - 1)];
            out.write(FileRequest { exchange: x.id.clone(), address: form.address.clone() });
        }
        if let Some(r) = &requests.refused {
            ui.colored_label(egui::Color32::LIGHT_RED, r);
        }
        ui.separator();
        for f in requests.filed.iter().rev() {
            ui.label(format!("{} — {}", f.exchange, f.address));
            ui.label(match &f.answer {
                None => "awaiting the exchange's answer…".to_string(),
                Some(Err(e)) => e.clone(),
                Some(Ok(Reply::Refused)) => "the exchange refused to answer".into(),
                Some(Ok(Reply::NoRecords)) => "no records of this address".into(),
                Some(Ok(Reply::OwnWallet)) => "one of the exchange's own wallets, not a customer's".into(),
                Some(Ok(Reply::Records(r))) => format!(
                    "account {}: {}\n{}\nbank account {}\n{} deposit addresses",
                    r.account_id,
                    r.name.as_deref().unwrap_or("(no KYC)"),
                    r.documents.join("; "),
                    r.bank_account.as_deref().unwrap_or("-"),
                    r.deposit_addresses.len()
                ),
            });
            ui.separator();
        }
    });
    Ok(())
}
