//! The trainee's case on disk: resumed when a scenario opens again, saved atomically every few
//! seconds while something changed, when the screen changes and when the app closes. A case
//! file that cannot be read (corrupt, or another scenario's) is set aside under a new name
//! with a message, never overwritten.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bevy::prelude::*;
use offramp_core::board::Board;
use offramp_core::case::{self, Case as CaseData};

use super::Evidence;
use super::Screen;
use super::canvas::CanvasState;
use super::graph::Graph;
use super::legal::{Filed, Requests};
use super::panels::Panels;
use super::referee::RefereeHandle;

/// How often the case is saved while it changes.
pub const AUTOSAVE_SECS: f64 = 3.0;

/// The case being worked on and where it lives.
#[derive(Resource)]
pub struct CaseFile {
    /// Where it is saved; `None` when there is no folder to save in (said in `notice`).
    pub path: Option<PathBuf>,
    pub case: CaseData,
    /// The text last written, to save only what changed.
    saved: String,
    /// App time of the last save, and the seconds spent before this session.
    last_save: f64,
    seconds_before: u64,
    /// Seconds of investigation in this session.
    pub session_secs: f64,
    /// What the trainee should know about the case file (resumed, set aside, not saved).
    pub notice: Option<String>,
    /// The last save's error, shown until a save succeeds.
    pub error: Option<String>,
}

/// The folder case files live in (`None`: cases are not kept).
#[derive(Resource, Debug, Clone)]
pub struct CasesDir(pub Option<PathBuf>);

/// Saves the case now (Ctrl+S, leaving a screen).
#[derive(Message, Debug, Clone, Copy)]
pub struct SaveNow;

/// The folder of case files: `$OFFRAMP_CASES`, or `~/.local/share/offramp/cases`.
pub fn cases_dir() -> Option<PathBuf> {
    std::env::var_os("OFFRAMP_CASES")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share/offramp/cases")))
}

/// The case file of a scenario, seed and trainee.
pub fn case_path(dir: &Path, scenario: &str, seed: u64, trainee: &str) -> PathBuf {
    let slug: String = trainee
        .trim()
        .chars()
        .map(|c| if c.is_alphanumeric() { c.to_ascii_lowercase() } else { '-' })
        .collect::<String>()
        .trim_matches('-')
        .to_string();
    let who = if slug.is_empty() { String::new() } else { format!("-{slug}") };
    dir.join(format!("{scenario}-seed{seed}{who}.case.ron"))
}

pub fn plugin(app: &mut App) {
    app.insert_resource(CasesDir(cases_dir()))
        .add_message::<SaveNow>()
        .add_systems(Update, resume.run_if(resource_added::<Evidence>))
        .add_systems(Update, (count_time, autosave).chain().run_if(resource_exists::<CaseFile>))
        .add_systems(OnExit(Screen::Investigation), save_now)
        .add_systems(Last, save_on_exit.run_if(resource_exists::<CaseFile>));
}

/// Renames a file to a name beside it that says why (`….WHY-TIME`), keeping every byte.
/// Returns the new name.
pub fn keep_beside(path: &Path, why: &str) -> std::io::Result<PathBuf> {
    let stamp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let mut aside = path.as_os_str().to_owned();
    aside.push(format!(".{why}-{stamp}"));
    let aside = PathBuf::from(aside);
    std::fs::rename(path, &aside)?;
    Ok(aside)
}

/// Sets an unreadable case file aside. Returns the new name.
fn set_aside(path: &Path) -> std::io::Result<PathBuf> {
    keep_beside(path, "unreadable")
}

/// Opens the case of the world just generated: resumes its file, or starts a new one. This
/// begins the investigation's session: its board, requests, panels and canvas start here.
#[allow(clippy::too_many_arguments)]
pub fn resume(
    mut commands: Commands,
    evidence: Res<Evidence>,
    referee: Res<RefereeHandle>,
    dir: Res<CasesDir>,
    auto: Option<Res<super::super::auto::Auto>>,
    library: Option<ResMut<crate::app::library::Library>>,
    instructing: Option<Res<super::debrief::Instructing>>,
    class: Option<Res<super::class::ClassLink>>,
) {
    let backup = library.and_then(|mut l| l.backup.take());
    let mut board = Board::new(Arc::clone(&evidence.explorer), Arc::clone(&evidence.clusters));
    let (scenario, seed) = (evidence.scenario(), evidence.seed());
    let fresh = CaseData {
        scenario: scenario.to_string(),
        seed: Some(seed),
        trainee: evidence.trainee.clone(),
        ..CaseData::default()
    };
    // The instructor's view writes no case file: a trainee's case is only read.
    let path = dir
        .0
        .clone()
        .filter(|_| auto.is_none() && instructing.is_none())
        .map(|d| case_path(&d, scenario, seed, &evidence.trainee));
    commands.insert_resource(Panels::default());
    commands.insert_resource(super::tools::ToolResults::default());
    commands.insert_resource(CanvasState { fit: true, ..CanvasState::default() });
    let mut notice = backup;
    let mut case = fresh.clone();
    // The instructor's view starts on the trainee's case, if one was given: their board and
    // requests, over the truth.
    if let Some(i) = &instructing {
        notice = Some("The instructor's view: the truth is on, and nothing is saved.".to_string());
        if let Some(c) = &i.case {
            board.restore(&c.board);
            case = c.clone();
        }
    }
    match &path {
        None if auto.is_some() || instructing.is_some() => {}
        None => {
            notice =
                Some("There is no home folder to save the case in (set OFFRAMP_CASES): it will not be kept.".into())
        }
        Some(p) if p.exists() => match referee.read_case(p) {
            Ok(c) if c.seed.is_none_or(|s| s == seed) => {
                let unknown = board.restore(&c.board);
                notice = Some(if unknown.is_empty() {
                    format!("Resumed your case from {}.", p.display())
                } else {
                    format!(
                        "Resumed your case from {}; {} saved items name nothing in this world and were left out.",
                        p.display(),
                        unknown.len()
                    )
                });
                case = c;
            }
            other => {
                let why = match other {
                    Err(e) => e,
                    Ok(c) => format!("it is for seed {}, not {seed}", c.seed.unwrap_or_default()),
                };
                notice = Some(match set_aside(p) {
                    Ok(aside) => format!(
                        "Your earlier case file could not be read ({why}). It was set aside as {} and a new case begins.",
                        aside.display()
                    ),
                    Err(e) => format!(
                        "Your earlier case file could not be read ({why}) nor set aside ({e}); it is left as it is and this case will not be saved over it."
                    ),
                });
                if p.exists() {
                    // Never write over a file the trainee may still need.
                    commands.insert_resource(Requests::default());
                    commands.insert_resource(Graph::new(board));
                    commands.insert_resource(CaseFile::new(None, case, notice));
                    return;
                }
            }
        },
        Some(_) => {}
    }
    if let Some(p) = path.as_ref().and_then(|p| p.parent())
        && let Err(e) = std::fs::create_dir_all(p)
    {
        notice = Some(format!("Cannot create {} to save the case in: {e}", p.display()));
    }
    // Requests already filed have had their answers (in a class, as the server gave them).
    let filed = match &class {
        Some(c) => super::class::filed_from(&c.syncer.kept()),
        None => case
            .requests
            .iter()
            .map(|r| Filed {
                id: None,
                exchange: r.exchange.clone(),
                address: r.address.clone(),
                due: 0.0,
                answer: Some(referee.legal(&r.exchange, &r.address)),
            })
            .collect(),
    };
    commands.insert_resource(Requests { filed, refused: None });
    commands.insert_resource(Graph::new(board));
    commands.insert_resource(CaseFile::new(path, case, notice));
}

impl CaseFile {
    fn new(path: Option<PathBuf>, case: CaseData, notice: Option<String>) -> CaseFile {
        let seconds_before = case.seconds;
        CaseFile {
            saved: if path.as_ref().is_some_and(|p| p.exists()) { case.to_ron() } else { String::new() },
            path,
            case,
            last_save: 0.0,
            seconds_before,
            session_secs: 0.0,
            notice,
            error: None,
        }
    }

    /// Seconds spent on the case, all sessions together.
    pub fn seconds(&self) -> u64 {
        self.seconds_before + self.session_secs as u64
    }

    /// Gathers the app's state into the case (board, requests, time). Once the case is
    /// submitted only the board follows the app: what is scored (and sealed) stays as it was
    /// submitted while the trainee reviews the investigation.
    pub fn gather(&mut self, graph: &Graph, requests: &Requests) {
        self.case.board = graph.board.save();
        if self.case.submitted {
            return;
        }
        self.case.requests = requests
            .filed
            .iter()
            .filter(|f| !matches!(f.answer, Some(Err(_))))
            .map(|f| case::Request { exchange: f.exchange.clone(), address: f.address.clone() })
            .collect();
        self.case.seconds = self.seconds();
    }

    /// Writes the case if it changed since the last write.
    pub fn save(&mut self, now: f64) {
        self.last_save = now;
        let Some(path) = &self.path else { return };
        let text = self.case.to_ron();
        if text == self.saved {
            return;
        }
        match case::write_atomic(path, text.as_bytes()) {
            Ok(()) => {
                self.saved = text;
                self.error = None;
            }
            Err(e) => self.error = Some(format!("cannot save the case to {}: {e}", path.display())),
        }
    }

    /// Whether the case on disk is what the app holds.
    pub fn is_saved(&self) -> bool {
        self.path.is_none() || self.case.to_ron() == self.saved
    }
}

fn count_time(mut file: ResMut<CaseFile>, time: Res<Time>, screen: Res<State<Screen>>) {
    if *screen.get() == Screen::Investigation && !file.case.submitted {
        file.session_secs += time.delta_secs_f64();
    }
}

fn autosave(
    mut file: ResMut<CaseFile>,
    graph: Option<Res<Graph>>,
    requests: Option<Res<Requests>>,
    time: Res<Time>,
    mut now: MessageReader<SaveNow>,
) {
    let (Some(graph), Some(requests)) = (graph, requests) else { return };
    let t = time.elapsed_secs_f64();
    let asked = now.read().count() > 0;
    if asked || t - file.last_save >= AUTOSAVE_SECS {
        file.gather(&graph, &requests);
        file.save(t);
    }
}

/// Saves the open case, if any (leaving the investigation, ending the session).
pub fn save_now(
    file: Option<ResMut<CaseFile>>,
    graph: Option<Res<Graph>>,
    requests: Option<Res<Requests>>,
    time: Res<Time>,
) {
    if let (Some(mut file), Some(graph), Some(requests)) = (file, graph, requests) {
        file.gather(&graph, &requests);
        file.save(time.elapsed_secs_f64());
    }
}

fn save_on_exit(
    mut exit: MessageReader<AppExit>,
    mut file: ResMut<CaseFile>,
    graph: Option<Res<Graph>>,
    requests: Option<Res<Requests>>,
    time: Res<Time>,
) {
    if exit.read().count() > 0 {
        if let (Some(graph), Some(requests)) = (graph, requests) {
            file.gather(&graph, &requests);
        }
        file.save(time.elapsed_secs_f64());
    }
}
