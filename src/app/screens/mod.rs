//! The app's screens: the library, loading, the briefing and the results. The investigation
//! screen is big enough to have its own folder (`../investigation`).

pub mod briefing;
pub mod join;
pub mod library;
pub mod loading;
pub mod reload;
pub mod results;

use bevy::prelude::*;

/// Which screen the app shows.
#[derive(States, Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Screen {
    #[default]
    Library,
    Loading,
    Briefing,
    Investigation,
    Results,
}

/// The screens' logic.
pub fn plugin(app: &mut App) {
    app.add_plugins((library::plugin, loading::plugin, reload::plugin, join::plugin));
}

/// The screens' panels.
pub fn ui(app: &mut App) {
    app.add_plugins((library::ui, loading::ui, briefing::ui, results::ui, reload::ui));
}
