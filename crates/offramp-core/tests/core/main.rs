//! Integration tests of the core: every shipped scenario loaded, generated (fast and signed),
//! checked block by block, and scored; bad input of every kind; determinism; exports.

mod common;

mod addresses;
mod answers;
mod blockfiles;
mod board;
mod chain;
mod debrief;
mod determinism;
mod export;
mod follow;
mod forensics;
mod forensics_output;
mod funds;
mod index;
mod kyc;
mod legal;
mod naive;
mod pack;
mod positions;
mod scoring;
mod signed;
mod sizes;
mod validation;
mod values;
