//! The classroom server, tested over HTTP against both databases.

mod common;
mod dashboard;
mod flow;
mod load;
mod security;
mod sync;
