//! The investigator's tools, over the public chain and the trainee's labels only: the
//! explorer index, clustering, change and CoinJoin heuristics, following change along a peel
//! chain, taint tracing and path search.
//! The truth is read only by [`accuracy`], to measure them.

pub mod accuracy;
pub mod change;
pub mod cluster;
pub mod coinjoin;
pub mod follow;
pub mod index;
pub mod load;
pub mod path;
pub mod store;
pub mod taint;

pub use index::{Explorer, Label, LookupError, Payee, PriceError, Sweep, canonical_address, parse_address};
