//! The root package's tests, one binary so that Bevy is linked once: the command line, the
//! app's logic frame by frame, one app through many scenarios, input through the real egui
//! context, and what the screens say.

mod authoring;
mod class;
mod classroom;
mod cli;
mod common;
mod debrief;
mod input;
mod logic;
mod pack;
mod render;
mod screens;
mod serve;
mod session;
