//! A case played in a class: the trainee's pack came from the class server, and their work
//! goes back to it. The case still autosaves on this computer; every change is also queued
//! for the server ([`Syncer`]), legal requests are answered by the server (which keeps the
//! budget), the submission is scored there, and results and the debrief come from it. While
//! the server is away the trainee works on; the top bar says what waits, and it goes out,
//! once each, when the server returns.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bevy::prelude::*;
use offramp_core::pack::Pack;
use offramp_server::client::{Client, Event, Kept, Link, Membership, Submission, Syncer};

use super::Screen;
use super::casefile::{AUTOSAVE_SECS, CaseFile};
use super::debrief::Debriefing;
use super::findings::Results;
use super::graph::GraphAction;
use super::legal::{Filed, Requests};

/// The class the open case belongs to.
#[derive(Resource, Clone)]
pub struct ClassLink {
    pub syncer: Arc<Syncer>,
    pub membership: Membership,
    pub scenario: String,
}

/// What the class server said that the trainee should see: their scored submission, and a
/// note (a refusal, a debrief not released yet).
#[derive(Resource, Default, Clone)]
pub struct ClassNews {
    pub result: Option<Submission>,
    pub note: Option<String>,
}

pub fn plugin(app: &mut App) {
    app.add_systems(
        Update,
        (
            show_kept.after(super::findings::show_submitted).run_if(resource_added::<CaseFile>),
            pump.after(show_kept),
            sync_case,
        )
            .run_if(resource_exists::<ClassLink>.and_then(resource_exists::<CaseFile>)),
    );
}

/// A class scenario opened: the pack, the syncer, and a notice for the trainee (working
/// offline from this computer's copy, a case brought over from the server).
pub struct Opened {
    pub pack: Pack,
    pub link: ClassLink,
    pub notice: Option<String>,
}

/// Opens `scenario` of the class `m`: the pack from the server (kept in `packs` to work
/// offline later, and read from there when the server is away), the server's case when it
/// is newer than this computer's (the trainee moved computers), and the syncer.
///
/// # Errors
/// Why it cannot open, in words for the trainee.
pub fn open(m: &Membership, scenario: &str, cases: Option<&Path>, packs: Option<&Path>) -> Result<Opened, String> {
    let client = Client::new(m);
    let cache =
        packs.map(|d| d.join(offramp_core::text::slug(&m.code)).join(offramp_core::pack::file_name(scenario, &m.name)));
    let mut notice = None;
    let bytes = match client.pack(scenario) {
        Ok(b) => {
            if let Some(c) = &cache {
                // A copy for working offline; without one the server is needed to start.
                let _ = c.parent().map(std::fs::create_dir_all);
                let _ = offramp_core::case::write_atomic(c, &b);
            }
            b
        }
        Err(e) if e.is_away() => match cache.as_ref().and_then(|c| std::fs::read(c).ok()) {
            Some(b) => {
                notice = Some(format!(
                    "The class server is away ({e}). You are working from this computer's copy; your work is kept and sent when the server returns."
                ));
                b
            }
            None => {
                return Err(format!(
                    "{e}. This computer has no copy of this scenario yet: it needs the class server once to start."
                ));
            }
        },
        Err(e) => return Err(format!("The class server says: {e}.")),
    };
    let name = cache.clone().unwrap_or_else(|| PathBuf::from(format!("{scenario} from {}", m.url)));
    let pack = Pack::from_bytes(&bytes, &name).map_err(|e| e.to_string())?;
    let case = cases.map(|d| super::casefile::case_path(d, scenario, pack.header.seed, &m.name));
    let outbox = case.as_ref().map(|p| outbox_of(p));
    // The syncer still sending what was left when the case closed stops before its file is
    // read here; what it heard is told to the new one.
    let heard = outbox.as_deref().map(offramp_server::client::take_over).unwrap_or_default();
    if notice.is_none()
        && let (Some(case), Some(outbox)) = (&case, &outbox)
        && let Ok(Some((revision, text))) = client.get_case(scenario)
    {
        let mut kept = Kept::load(outbox);
        if revision > kept.revision || !case.exists() {
            if case.exists() {
                super::casefile::keep_beside(case, "older")
                    .map_err(|e| format!("cannot keep {}: {e}", case.display()))?;
            }
            let _ = case.parent().map(std::fs::create_dir_all);
            offramp_core::case::write_atomic(case, text.as_bytes())
                .map_err(|e| format!("cannot write {}: {e}", case.display()))?;
            kept.revision = revision;
            let _ = kept.store(outbox);
            notice =
                Some("Your case was brought over from the class server (it was newer than this computer's).".into());
        }
    }
    let syncer = Arc::new(Syncer::start(client, scenario, outbox));
    syncer.tell(heard);
    Ok(Opened { pack, link: ClassLink { syncer, membership: m.clone(), scenario: scenario.to_string() }, notice })
}

/// Where the syncer keeps what waits for the server: beside the case file.
pub fn outbox_of(case: &Path) -> PathBuf {
    let mut p = case.as_os_str().to_owned();
    p.push(".class.json");
    PathBuf::from(p)
}

/// The legal requests as the server answered them, then those still waiting to be sent.
pub fn filed_from(kept: &Kept) -> Vec<Filed> {
    let answered = kept.requests.iter().map(|r| Filed {
        id: Some(r.id.clone()),
        exchange: r.exchange.clone(),
        address: r.address.clone(),
        due: 0.0,
        answer: Some(Ok(r.reply.clone())),
    });
    let waiting = kept.queued_requests().map(|(id, exchange, address)| Filed {
        id: Some(id.to_string()),
        exchange: exchange.to_string(),
        address: address.to_string(),
        due: f64::INFINITY,
        answer: None,
    });
    answered.chain(waiting).collect()
}

/// What the top bar says of the link: the words, and whether it is a warning.
pub fn link_text(link: &Link) -> (String, bool) {
    let waiting = |n: usize| format!("{n} change{} waiting", if n == 1 { "" } else { "s" });
    match link.online {
        Some(false) if link.queued == 0 => {
            ("⚠ Class server away: working offline; your work is kept here and sent when it returns".into(), true)
        }
        Some(false) => {
            (format!("⚠ Class server away: {}, kept on this computer; retrying", waiting(link.queued)), true)
        }
        None => ("Class: connecting…".into(), false),
        Some(true) if link.queued > 0 => (format!("Class: sending {}…", waiting(link.queued)), false),
        Some(true) => ("Class: ✔ synced".into(), false),
    }
}

/// What this computer kept of the server's results shows at once, online or not.
fn show_kept(link: Res<ClassLink>, file: Res<CaseFile>, mut news: ResMut<ClassNews>, mut commands: Commands) {
    if let Some(sub) = link.syncer.kept().submission
        && file.case.submitted
    {
        commands.insert_resource(Results(Some(sub.report.clone())));
        news.result = Some(sub);
    }
}

/// Applies what came back from the server.
#[allow(clippy::too_many_arguments)]
fn pump(
    link: Res<ClassLink>,
    mut requests: ResMut<Requests>,
    mut file: ResMut<CaseFile>,
    mut news: ResMut<ClassNews>,
    mut commands: Commands,
    mut actions: MessageWriter<GraphAction>,
    mut next: ResMut<NextState<Screen>>,
) {
    for e in link.syncer.events() {
        match e {
            Event::Legal { id, result } => {
                let answer = result.map(|r| r.reply);
                if let Some(f) = requests.filed.iter_mut().find(|f| f.id.as_deref() == Some(&id)) {
                    f.answer = Some(answer);
                }
            }
            Event::Requests(list) => {
                for r in list {
                    match requests.filed.iter_mut().find(|f| f.id.as_deref() == Some(&r.id)) {
                        Some(f) => f.answer = Some(Ok(r.reply)),
                        None => requests.filed.push(Filed {
                            id: Some(r.id),
                            exchange: r.exchange,
                            address: r.address,
                            due: 0.0,
                            answer: Some(Ok(r.reply)),
                        }),
                    }
                }
            }
            Event::Submitted(Ok(sub)) => {
                if !file.case.submitted {
                    // Scored by the server without this app (the session ended).
                    file.case.submitted = true;
                    news.note = Some("The session ended: the class server scored your case as last synced.".into());
                    next.set(Screen::Results);
                }
                file.case.result = Some((sub.total, sub.report.possible));
                commands.insert_resource(Results(Some(sub.report.clone())));
                news.result = Some(sub);
            }
            Event::Submitted(Err(why)) => {
                news.note = Some(format!("The class server did not take the submission: {why}"))
            }
            Event::CaseRefused(why) => news.note = Some(format!("The class server did not take your case: {why}")),
            Event::Debrief(Ok(d)) => {
                super::debrief::show_path(&d.debrief, &mut actions);
                commands.insert_resource(Debriefing::from_server(d.debrief, d.key));
                next.set(Screen::Investigation);
            }
            Event::Debrief(Err(why)) => news.note = Some(why),
        }
    }
}

/// What was last queued of a case.
#[derive(Default)]
struct Queued {
    /// The syncer it went to (another scenario opened starts afresh).
    syncer: usize,
    at: f64,
    /// The case without its time, and the time.
    content: String,
    seconds: u64,
}

/// Queues the case for the server every few seconds while it changes (the time spent alone
/// goes once a minute: a case left alone shows the instructor an idle trainee).
fn sync_case(link: Res<ClassLink>, file: Res<CaseFile>, time: Res<Time>, mut last: Local<Queued>) {
    let this = Arc::as_ptr(&link.syncer) as usize;
    if last.syncer != this {
        *last = Queued { syncer: this, at: f64::NEG_INFINITY, ..Queued::default() };
    }
    let now = time.elapsed_secs_f64();
    if now - last.at < AUTOSAVE_SECS || file.case.submitted {
        return;
    }
    last.at = now;
    let mut content = file.case.clone();
    content.seconds = 0;
    let content = content.to_ron();
    if content != last.content || file.case.seconds >= last.seconds + 60 {
        link.syncer.sync_case(file.case.to_ron());
        last.content = content;
        last.seconds = file.case.seconds;
    }
}
