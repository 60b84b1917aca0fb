//! The shipped scenarios, embedded in the binary so that Offramp works from any directory.

/// (file name, RON text) of every shipped scenario.
pub const SHIPPED: &[(&str, &str)] =
    &[("beginner-careless-vendor.ron", include_str!("../scenarios/beginner-careless-vendor.ron"))];
