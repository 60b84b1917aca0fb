//! The referee: the one party of an investigation that knows the truth. The panels see the
//! explorer and the intel (what a trainee may see) and ask the referee for the rest: a legal
//! request's answer, a hint's text, a case file checked against the objectives, a score. In
//! self-paced practice the referee runs in-process over the generated world; in a class it is
//! the trainee's pack (no truth: legal answers and hints from the pack, the case sealed on
//! submission, scored by the instructor). In a live class the pack comes from the class
//! server and its referee is the same; legal requests and the submission go to the server
//! through the class link (`class.rs`), which answers and scores them.

use std::path::Path;
use std::sync::Arc;

use bevy::prelude::*;
use offramp_core::case::Case as CaseData;
use offramp_core::class::SealKey;
use offramp_core::legal::{self, Reply};
use offramp_core::pack::Pack;
use offramp_core::score::{self, Report};
use offramp_core::sim::World;

/// What the trainee's app may ask of whoever holds the truth.
pub trait Referee: Send + Sync + 'static {
    /// Reads a case file of this investigation, checked against its objectives.
    ///
    /// # Errors
    /// Why it cannot be read, with file, line and column where there is one.
    fn read_case(&self, path: &Path) -> Result<CaseData, String>;
    /// The exchange's answer to a legal request about `address`.
    ///
    /// # Errors
    /// When no exchange of the scenario is called `exchange`.
    fn legal(&self, exchange: &str, address: &str) -> Result<Reply, String>;
    /// The text of hint `hint` of objective `objective`, once the trainee unlocked it.
    fn hint(&self, objective: &str, hint: u32) -> Option<String>;
    /// Scores a case; `None` where scoring is the instructor's (a class pack).
    fn score(&self, case: &CaseData) -> Option<Report>;
    /// The seal of a case submitted in a class (see `offramp_core::class`), if this
    /// investigation is one.
    fn seal(&self, _case: &CaseData) -> Option<String> {
        None
    }
    /// The whole world, truth included, where this referee holds it (self-paced practice and
    /// the instructor's view; never a class pack): what the debrief needs.
    fn world(&self) -> Option<Arc<World>> {
        None
    }
}

/// The referee of the open investigation.
#[derive(Resource, Clone)]
pub struct RefereeHandle(pub Arc<dyn Referee>);

impl std::ops::Deref for RefereeHandle {
    type Target = dyn Referee;
    fn deref(&self) -> &Self::Target {
        &*self.0
    }
}

/// The referee of self-paced practice: the world generated on this machine.
pub struct LocalReferee {
    world: Arc<World>,
}

impl LocalReferee {
    pub fn new(world: Arc<World>) -> LocalReferee {
        LocalReferee { world }
    }
}

impl Referee for LocalReferee {
    fn read_case(&self, path: &Path) -> Result<CaseData, String> {
        CaseData::load(path, &self.world.scenario)
            .map_err(|d| d.0.first().map_or_else(|| "unreadable".to_string(), ToString::to_string))
    }

    fn legal(&self, exchange: &str, address: &str) -> Result<Reply, String> {
        legal::request(&self.world, exchange, address).map_err(|e| e.to_string())
    }

    fn hint(&self, objective: &str, hint: u32) -> Option<String> {
        let o = self.world.scenario.objectives.iter().find(|o| o.id == objective)?;
        o.hints.get(hint as usize).map(|h| h.text.clone())
    }

    fn score(&self, case: &CaseData) -> Option<Report> {
        Some(score::score(&self.world, case))
    }

    fn world(&self) -> Option<Arc<World>> {
        Some(Arc::clone(&self.world))
    }
}

/// The referee of a class: a trainee's pack. It answers legal requests and hints from the
/// pack and seals the submitted case; it holds no truth, so scoring is the instructor's.
pub struct PackReferee {
    pack: Arc<Pack>,
    seal: Option<SealKey>,
}

impl PackReferee {
    pub fn new(pack: Arc<Pack>) -> PackReferee {
        let seal = pack.seal_key();
        PackReferee { pack, seal }
    }
}

impl Referee for PackReferee {
    fn read_case(&self, path: &Path) -> Result<CaseData, String> {
        CaseData::load(path, &self.pack.header.intel)
            .map_err(|d| d.0.first().map_or_else(|| "unreadable".to_string(), ToString::to_string))
    }

    fn legal(&self, exchange: &str, address: &str) -> Result<Reply, String> {
        self.pack.legal(exchange, address).map_err(|e| e.to_string())
    }

    fn hint(&self, objective: &str, hint: u32) -> Option<String> {
        self.pack.hint(objective, hint)
    }

    fn score(&self, _case: &CaseData) -> Option<Report> {
        None
    }

    fn seal(&self, case: &CaseData) -> Option<String> {
        self.seal.as_ref().map(|k| k.seal(case))
    }
}
