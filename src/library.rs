//! The shipped scenarios, embedded in the binary so that Offramp works from any directory.

/// (file name, RON text) of every shipped scenario, in file-name order (see build.rs).
pub const SHIPPED: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/library.rs"));
