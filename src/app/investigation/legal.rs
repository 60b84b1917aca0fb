//! Legal requests: the trainee asks an exchange who is behind an address. The answer comes
//! after a short delay, as from a compliance team; each request counts against the
//! scenario's budget, and the budget is always visible.

use std::time::Duration;

use bevy::prelude::*;
use bevy_egui::egui;
use offramp_core::legal::Reply;

use super::Evidence;
use super::referee::RefereeHandle;

/// A request the trainee files.
#[derive(Message, Debug, Clone)]
pub struct FileRequest {
    pub exchange: String,
    pub address: String,
}

/// One filed request and, once it came, the exchange's answer (or why none will come).
#[derive(Debug, Clone)]
pub struct Filed {
    /// The app's id of a request sent to a class server (it answers by this id).
    pub id: Option<String>,
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

impl Requests {
    /// The requests that count against the budget: all but those refused as malformed (an
    /// exchange of no such name, an address of no network).
    pub fn used(&self) -> usize {
        self.filed.iter().filter(|f| !matches!(f.answer, Some(Err(_)))).count()
    }
}

/// How long an exchange takes to answer.
#[derive(Resource)]
pub struct AnswerDelay(pub Duration);

impl Default for AnswerDelay {
    fn default() -> Self {
        AnswerDelay(Duration::from_secs(4))
    }
}

/// The legal tab's fields.
#[derive(Default)]
pub struct LegalForm {
    exchange: usize,
    address: String,
}

pub fn plugin(app: &mut App) {
    app.add_message::<FileRequest>()
        .init_resource::<AnswerDelay>()
        .add_systems(Update, (file, answer).chain().run_if(resource_exists::<Requests>));
}

fn file(
    mut incoming: MessageReader<FileRequest>,
    mut requests: ResMut<Requests>,
    evidence: Res<Evidence>,
    delay: Res<AnswerDelay>,
    time: Res<Time>,
    case: Option<Res<super::casefile::CaseFile>>,
    (class, referee): (Option<Res<super::class::ClassLink>>, Res<RefereeHandle>),
) {
    let budget = evidence.intel.legal.budget as usize;
    let submitted = case.is_some_and(|c| c.case.submitted);
    for r in incoming.read() {
        if submitted {
            requests.refused = Some("the case is submitted: no more requests".into());
            continue;
        }
        if requests.used() >= budget {
            requests.refused = Some(format!("the budget of {budget} legal requests is spent"));
            continue;
        }
        let address = r.address.trim().to_string();
        if let Some(class) = &class {
            // The class server answers; a request it could only refuse is not sent.
            if let Err(e) = referee.legal(&r.exchange, &address)
                && !e.contains("class server")
            {
                requests.refused = Some(e);
                continue;
            }
            requests.refused = None;
            let id = class.syncer.legal(&r.exchange, &address);
            requests.filed.push(Filed {
                id: Some(id),
                exchange: r.exchange.clone(),
                address,
                due: f64::INFINITY,
                answer: None,
            });
            continue;
        }
        requests.refused = None;
        requests.filed.push(Filed {
            id: None,
            exchange: r.exchange.clone(),
            address,
            due: time.elapsed_secs_f64() + delay.0.as_secs_f64(),
            answer: None,
        });
    }
}

fn answer(mut requests: ResMut<Requests>, referee: Res<RefereeHandle>, time: Res<Time>) {
    let now = time.elapsed_secs_f64();
    // A class server's answers come by their id (see `class`).
    for f in requests.filed.iter_mut().filter(|f| f.answer.is_none() && f.id.is_none() && f.due <= now) {
        f.answer = Some(referee.legal(&f.exchange, &f.address));
    }
}

/// The legal tab: pick an exchange and an address, file, and read the answers.
pub fn tab(
    ui: &mut egui::Ui,
    evidence: &Evidence,
    requests: &Requests,
    form: &mut LegalForm,
    selected: Option<String>,
    out: &mut Vec<FileRequest>,
) {
    let intel = &evidence.intel;
    ui.strong(format!("{} of {} requests used", requests.used(), intel.legal.budget));
    ui.label("An exchange that holds an address answers with the customer's record.");
    if intel.legal.wrong_request_penalty > 0.0 {
        ui.label(format!(
            "A request about an address the exchange does not hold costs {} points.",
            super::tools::points(intel.legal.wrong_request_penalty)
        ));
    }
    let names: Vec<String> = intel
        .exchanges
        .iter()
        .map(|x| format!("{} ({}{})", x.name, x.jurisdiction, if x.kyc { "" } else { ", no KYC" }))
        .collect();
    if names.is_empty() {
        ui.label("No exchange in this scenario takes legal requests.");
        return;
    }
    egui::ComboBox::from_label("exchange").selected_text(&names[form.exchange.min(names.len() - 1)]).show_ui(
        ui,
        |ui| {
            for (i, n) in names.iter().enumerate() {
                ui.selectable_value(&mut form.exchange, i, n);
            }
        },
    );
    ui.add(egui::TextEdit::singleline(&mut form.address).hint_text("address").desired_width(f32::INFINITY));
    ui.horizontal(|ui| {
        if let Some(a) = selected
            && ui.button("Use the selected address").clicked()
        {
            form.address = a;
        }
        let spent = requests.used() >= intel.legal.budget as usize;
        if ui.add_enabled(!form.address.trim().is_empty() && !spent, egui::Button::new("File the request")).clicked() {
            let x = &intel.exchanges[form.exchange.min(intel.exchanges.len() - 1)];
            out.push(FileRequest { exchange: x.id.clone(), address: form.address.clone() });
        }
    });
    if let Some(r) = &requests.refused {
        ui.colored_label(egui::Color32::LIGHT_RED, r);
    }
    ui.separator();
    for f in requests.filed.iter().rev() {
        ui.label(egui::RichText::new(format!("{} — {}", f.exchange, super::tools::short(&f.address))).strong())
            .on_hover_text(&f.address);
        match &f.answer {
            None => {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label(if f.id.is_some() {
                        "sent through the class server; awaiting the exchange's answer…"
                    } else {
                        "awaiting the exchange's answer…"
                    });
                });
            }
            Some(Err(e)) => {
                ui.colored_label(egui::Color32::LIGHT_RED, e);
            }
            Some(Ok(Reply::Refused)) => {
                ui.label("The exchange refused to answer.");
            }
            Some(Ok(Reply::NoRecords)) => {
                ui.label("No records of this address.");
            }
            Some(Ok(Reply::OwnWallet)) => {
                ui.label("One of the exchange's own wallets, not a customer's.");
            }
            Some(Ok(Reply::Records(r))) => {
                super::inspector::grid(
                    ui,
                    ("kyc", &f.address, &f.exchange),
                    &[
                        ("Account", r.account_id.clone()),
                        ("Name", r.name.clone().unwrap_or_else(|| "(no KYC)".into())),
                        ("Nationality", r.nationality.clone().unwrap_or_else(|| "—".into())),
                        ("Documents", r.documents.join("; ")),
                        ("Bank account", r.bank_account.clone().unwrap_or_else(|| "—".into())),
                        ("E-mail", r.email.clone()),
                        ("Opened", r.opened.clone()),
                    ],
                );
                ui.label(format!("{} deposit addresses:", r.deposit_addresses.len()));
                for a in &r.deposit_addresses {
                    ui.monospace(super::tools::short(a)).on_hover_text(a);
                }
            }
        }
        ui.separator();
    }
}
