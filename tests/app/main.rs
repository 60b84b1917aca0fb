//! The app's tests, one binary so that Bevy is linked once: the logic frame by frame, one
//! app through many scenarios, input through the real egui context, and what the screens say.

mod common;
mod input;
mod logic;
mod screens;
mod session;
