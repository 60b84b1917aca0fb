//! Offramp's binary crate, as a library so that the app-level tests can drive it: the command
//! line (`cli`), the embedded scenario library (`library`) and the investigation app (`app`).

pub mod app;
pub mod cli;
pub mod library;
