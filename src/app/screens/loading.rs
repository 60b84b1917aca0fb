//! Loading a scenario: generation runs on its own thread, the window shows its progress and
//! never freezes; the world arrives as a resource and the briefing opens.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};
use offramp_core::forensics::Explorer;
use offramp_core::forensics::cluster::{ClusterOptions, Clusters};
use offramp_core::intel::Intel;
use offramp_core::pack::Pack;
use offramp_core::scenario::Scenario;
use offramp_core::sim::{self, Options, Phase};

use super::Screen;
use super::library::Library;
use super::reload::{KeepView, Reloading, Watch};
use crate::app::casefile::CasesDir;
use crate::app::investigation::Evidence;
use crate::app::investigation::class::{ClassLink, ClassNews};
use crate::app::investigation::debrief::Instructing;
use crate::app::referee::{LocalReferee, PackReferee, Referee, RefereeHandle};
use crate::app::screens::join::Classes;

/// The phase number of indexing, after the generator's own phases.
const INDEXING: u64 = 100;

/// What to open, and for whom.
#[derive(Resource, Clone)]
pub struct Request {
    pub source: Source,
    pub trainee: String,
    /// The instructor's view (`offramp instruct`): the truth on, a trainee's case laid over it.
    pub instructor: Option<Instructing>,
}

/// A scenario, generated on this machine (the truth with it: self-paced practice), or a
/// trainee's pack (no truth: a class).
#[derive(Clone)]
pub enum Source {
    /// `file`: where the scenario was read from, watched for edits while it is open
    /// ([`super::reload`]); `None` for a shipped one.
    Scenario {
        scenario: Box<Scenario>,
        seed: Option<u64>,
        file: Option<PathBuf>,
    },
    Pack(Arc<Pack>),
    /// A scenario of a class: the trainee's pack from the class server, their work synced to it.
    Class {
        membership: Box<offramp_server::client::Membership>,
        scenario: String,
    },
}

impl Request {
    /// A scenario, on `seed` (its own when `None`).
    pub fn scenario(scenario: Scenario, seed: Option<u64>, trainee: impl Into<String>) -> Request {
        Request {
            source: Source::Scenario { scenario: Box::new(scenario), seed, file: None },
            trainee: trainee.into(),
            instructor: None,
        }
    }

    /// A scenario read from `file`, which is watched while it is open: an edit reloads it.
    pub fn scenario_file(scenario: Scenario, seed: Option<u64>, trainee: impl Into<String>, file: PathBuf) -> Request {
        Request {
            source: Source::Scenario { scenario: Box::new(scenario), seed, file: Some(file) },
            trainee: trainee.into(),
            instructor: None,
        }
    }

    /// A scenario of a class this computer joined, played as the name it joined with.
    pub fn class(membership: offramp_server::client::Membership, scenario: impl Into<String>) -> Request {
        let trainee = membership.name.clone();
        Request {
            source: Source::Class { membership: Box::new(membership), scenario: scenario.into() },
            trainee,
            instructor: None,
        }
    }

    /// A trainee's pack, played as the trainee it was made for.
    pub fn pack(pack: Pack) -> Request {
        let trainee = pack.header.trainee.clone();
        Request { source: Source::Pack(Arc::new(pack)), trainee, instructor: None }
    }
}

/// The generation under way: progress as permille of the current phase, and its outcome.
#[derive(Resource)]
pub struct Job {
    pub phase: Arc<AtomicU64>,
    pub permille: Arc<AtomicU64>,
    pub outcome: Arc<Mutex<Option<Result<Loaded, String>>>>,
}

/// What the generation thread hands over.
pub struct Loaded {
    referee: Arc<dyn Referee>,
    intel: Arc<Intel>,
    explorer: Explorer,
    clusters: Clusters,
    /// A class's link to its server, and what to tell the trainee on opening.
    class: Option<(ClassLink, Option<String>)>,
}

pub fn plugin(app: &mut App) {
    app.add_systems(OnEnter(Screen::Loading), start).add_systems(Update, finish.run_if(in_state(Screen::Loading)));
}

pub fn ui(app: &mut App) {
    app.add_systems(EguiPrimaryContextPass, progress_panel.run_if(in_state(Screen::Loading)));
}

fn start(
    mut commands: Commands,
    request: Option<Res<Request>>,
    mut next: ResMut<NextState<Screen>>,
    cases: Res<CasesDir>,
    classes: Res<Classes>,
) {
    let Some(request) = request else {
        next.set(Screen::Library);
        return;
    };
    let job = Job { phase: Arc::default(), permille: Arc::default(), outcome: Arc::default() };
    let (phase, permille, outcome) = (job.phase.clone(), job.permille.clone(), job.outcome.clone());
    let source = request.source.clone();
    let (cases, packs) = (cases.0.clone(), classes.dir.clone());
    std::thread::spawn(move || {
        let mut report = |p: Phase, done: u64, total: u64| {
            phase.store(p as u64, Ordering::Relaxed);
            permille.store(done * 1000 / total.max(1), Ordering::Relaxed);
        };
        let indexing = || {
            phase.store(INDEXING, Ordering::Relaxed);
            permille.store(0, Ordering::Relaxed);
        };
        let cluster = |explorer: &Explorer| {
            permille.store(600, Ordering::Relaxed);
            Clusters::build(explorer, ClusterOptions::default())
        };
        let r = match source {
            Source::Scenario { scenario, seed, .. } => sim::generate(
                &scenario,
                &Options { seed, signed: false },
                &mut report,
            )
            .map_err(|e| e.to_string())
            .map(|world| {
                indexing();
                let explorer = offramp_core::forensics::load::explorer_of(&world);
                let clusters = cluster(&explorer);
                let intel = Arc::new(world.intel.clone());
                Loaded { referee: Arc::new(LocalReferee::new(Arc::new(world))), intel, explorer, clusters, class: None }
            }),
            Source::Pack(pack) => {
                indexing();
                pack.explorer().map_err(|e| e.to_string()).map(|explorer| {
                    let clusters = cluster(&explorer);
                    let intel = Arc::new(pack.header.intel.clone());
                    Loaded { referee: Arc::new(PackReferee::new(pack)), intel, explorer, clusters, class: None }
                })
            }
            Source::Class { membership, scenario } => {
                indexing();
                crate::app::investigation::class::open(&membership, &scenario, cases.as_deref(), packs.as_deref())
                    .and_then(|opened| {
                        let pack = Arc::new(opened.pack);
                        let explorer = pack.explorer().map_err(|e| e.to_string())?;
                        let clusters = cluster(&explorer);
                        let intel = Arc::new(pack.header.intel.clone());
                        Ok(Loaded {
                            referee: Arc::new(PackReferee::new(pack)),
                            intel,
                            explorer,
                            clusters,
                            class: Some((opened.link, opened.notice)),
                        })
                    })
            }
        };
        *outcome.lock().expect("the app never panics holding this lock") = Some(r);
    });
    commands.insert_resource(job);
}

fn finish(
    mut commands: Commands,
    job: Option<Res<Job>>,
    request: Option<Res<Request>>,
    mut library: ResMut<Library>,
    mut next: ResMut<NextState<Screen>>,
    reloading: Option<Res<Reloading>>,
) {
    let Some(job) = job else { return };
    let Some(result) = job.outcome.lock().ok().and_then(|mut o| o.take()) else { return };
    commands.remove_resource::<Job>();
    match result {
        Ok(Loaded { referee, intel, explorer, clusters, class }) => {
            if let Some((link, notice)) = class {
                commands.insert_resource(link);
                commands.insert_resource(ClassNews::default());
                library.backup = notice.or(library.backup.take());
            }
            let trainee = request.as_ref().map(|r| r.trainee.clone()).unwrap_or_default();
            match request.as_ref().map(|r| &r.source) {
                Some(Source::Scenario { file: Some(f), .. }) => commands.insert_resource(Watch::new(f.clone())),
                _ => commands.remove_resource::<Watch>(),
            }
            commands.insert_resource(RefereeHandle(referee));
            commands.insert_resource(Evidence {
                explorer: Arc::new(explorer),
                clusters: Arc::new(clusters),
                intel,
                trainee,
            });
            // The instructor's view opens on the board; a scenario edited on disk goes back to
            // the screen it was reloaded from.
            if let Some(i) = request.as_ref().and_then(|r| r.instructor.clone()) {
                commands.insert_resource(i);
                next.set(Screen::Investigation);
                return;
            }
            match reloading {
                Some(r) => {
                    commands.remove_resource::<Reloading>();
                    commands.insert_resource(KeepView);
                    next.set(r.0);
                }
                None => next.set(Screen::Briefing),
            }
        }
        Err(e) => {
            commands.remove_resource::<Reloading>();
            library.notice = Some(e);
            next.set(Screen::Library);
        }
    }
}

fn progress_panel(mut contexts: EguiContexts, job: Option<Res<Job>>) -> Result {
    let ctx = contexts.ctx_mut()?;
    let mut root = crate::app::root_ui(ctx);
    let Some(job) = job else { return Ok(()) };
    let phase = match job.phase.load(Ordering::Relaxed) {
        0 => "Simulating the market and its users…",
        1 => "Building and signing blocks…",
        INDEXING => "Indexing the chain and clustering addresses…",
        _ => "Finishing…",
    };
    let p = job.permille.load(Ordering::Relaxed) as f32 / 1000.0;
    egui::CentralPanel::default().show(&mut root, |ui| {
        ui.add_space(ui.available_height() / 3.0);
        ui.vertical_centered(|ui| {
            ui.heading(phase);
            ui.add(egui::ProgressBar::new(p).show_percentage().desired_width(400.0));
        });
    });
    ctx.request_repaint();
    Ok(())
}
