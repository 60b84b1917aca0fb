//! One open investigation: what the trainee may see (`Evidence`), the referee that knows the
//! rest, the board, the case file, the legal requests, and the panels and canvas around them.
//!
//! An investigation is a session: everything in it is created when a scenario opens and
//! removed, saved first, when the trainee goes back to the library, so that the next scenario
//! starts clean and the last one's case file is never written again.

pub mod canvas;
pub mod casefile;
pub mod class;
pub mod debrief;
pub mod findings;
pub mod graph;
pub mod inspector;
pub mod labels;
pub mod legal;
pub mod panels;
pub mod referee;
pub mod tools;

use std::sync::Arc;

use bevy::prelude::*;
use offramp_core::forensics::Explorer;
use offramp_core::forensics::cluster::Clusters;
use offramp_core::intel::Intel;

use super::Screen;

/// What the trainee may see of the world: the public chain (through the explorer), the
/// clusters a tool computes from it, and the intel. Never the truth.
#[derive(Resource, Clone)]
pub struct Evidence {
    pub explorer: Arc<Explorer>,
    pub clusters: Arc<Clusters>,
    pub intel: Arc<Intel>,
    pub trainee: String,
}

impl Evidence {
    /// The scenario's id.
    pub fn scenario(&self) -> &str {
        &self.intel.scenario.id
    }

    /// The seed of this trainee's world.
    pub fn seed(&self) -> u64 {
        self.intel.seed
    }
}

/// The investigation's logic: board actions, case file, legal requests, findings, and the
/// session's end.
pub fn plugin(app: &mut App) {
    app.add_plugins((
        graph::plugin,
        casefile::plugin,
        legal::plugin,
        findings::plugin,
        tools::plugin,
        debrief::plugin,
        class::plugin,
    ))
    .add_systems(OnEnter(Screen::Library), (casefile::save_now, end).chain());
}

/// The investigation's panels and the canvas's input.
pub fn ui(app: &mut App) {
    app.add_plugins((panels::ui, canvas::input_plugin, debrief::ui));
}

/// Ends the open investigation, if any: every resource that belongs to it goes.
fn end(mut commands: Commands) {
    commands.remove_resource::<Evidence>();
    commands.remove_resource::<referee::RefereeHandle>();
    commands.remove_resource::<graph::Graph>();
    commands.remove_resource::<casefile::CaseFile>();
    commands.remove_resource::<legal::Requests>();
    commands.remove_resource::<findings::Results>();
    commands.remove_resource::<panels::Panels>();
    commands.remove_resource::<canvas::CanvasState>();
    commands.remove_resource::<tools::ToolResults>();
    commands.remove_resource::<debrief::Debriefing>();
    commands.remove_resource::<debrief::Instructing>();
    // The class's syncer goes on sending what still waits, in the background (it is on disk
    // too, and sent when the case opens again if the app closes first).
    commands.remove_resource::<class::ClassLink>();
    commands.remove_resource::<class::ClassNews>();
}
