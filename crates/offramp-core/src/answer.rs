//! Resolved answers: what each objective's symbolic answer means in one generated world,
//! and the answers a trainee gives.

use serde::{Deserialize, Serialize};

/// An entity named in an answer: its id and its display name (either is accepted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Named {
    pub id: String,
    pub name: String,
}

/// The true answer of an objective in one world.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Resolved {
    /// Addresses, sorted.
    Addresses(Vec<String>),
    Entities(Vec<Named>),
    /// In BTC or USD, as the objective asks.
    Amount(f64),
    /// Hops from one address to the next, sorted.
    Path(Vec<(String, String)>),
    Text(String),
}

/// A trainee's answer to one objective, as a case file holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Given {
    Addresses(Vec<String>),
    Entities(Vec<String>),
    Amount(f64),
    /// Addresses in the order the funds went through them.
    Path(Vec<String>),
    /// Hops given one by one, for paths that branch.
    Hops(Vec<(String, String)>),
    Text(String),
}

impl Given {
    /// The kind of answer this is.
    pub fn kind(&self) -> crate::scenario::AnswerKind {
        use crate::scenario::AnswerKind as K;
        match self {
            Given::Addresses(_) => K::Addresses,
            Given::Entities(_) => K::Entities,
            Given::Amount(_) => K::Amount,
            Given::Path(_) | Given::Hops(_) => K::Path,
            Given::Text(_) => K::Text,
        }
    }

    /// Whether nothing was given: an empty list, blank text (an amount is always an answer).
    pub fn is_blank(&self) -> bool {
        match self {
            Given::Addresses(v) | Given::Entities(v) | Given::Path(v) => v.iter().all(|s| s.trim().is_empty()),
            Given::Hops(h) => h.is_empty(),
            Given::Amount(_) => false,
            Given::Text(t) => t.trim().is_empty(),
        }
    }

    /// The hops of a path answer.
    pub fn hops(&self) -> Vec<(String, String)> {
        match self {
            Given::Path(p) => p.windows(2).map(|w| (w[0].clone(), w[1].clone())).collect(),
            Given::Hops(h) => h.clone(),
            _ => Vec::new(),
        }
    }
}

impl Resolved {
    /// This true answer written as a trainee would give it (used for reference solutions).
    pub fn as_given(&self) -> Given {
        match self {
            Resolved::Addresses(a) => Given::Addresses(a.clone()),
            Resolved::Entities(e) => Given::Entities(e.iter().map(|n| n.name.clone()).collect()),
            Resolved::Amount(x) => Given::Amount(*x),
            Resolved::Path(h) => Given::Hops(h.clone()),
            Resolved::Text(t) => Given::Text(t.clone()),
        }
    }
}
