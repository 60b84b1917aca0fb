//! What a trainee starts from: the briefing, the objectives without their answers, the
//! public intel (seized data, profile pages, public attributions) and the directory of
//! exchanges a legal request can go to. Written to `intel.json`.

use serde::{Deserialize, Serialize};

use crate::scenario::AnswerKind;
use crate::vocab::Category;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Intel {
    pub scenario: PublicMeta,
    pub seed: u64,
    pub items: Vec<IntelItem>,
    /// Public attributions: address labels a commercial tool would show.
    pub tags: Vec<Tag>,
    pub exchanges: Vec<ExchangeInfo>,
    pub objectives: Vec<ObjectiveInfo>,
    pub legal: LegalInfo,
    /// The hourly BTC/USD price over the scenario (public market data).
    pub prices: Vec<PricePoint>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PublicMeta {
    pub id: String,
    pub title: String,
    pub difficulty: String,
    pub estimated_minutes: u32,
    pub briefing: String,
    pub network: String,
    pub start: String,
    pub end: String,
}

/// One piece of intel: a note and what it points at.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct IntelItem {
    pub note: String,
    pub addresses: Vec<String>,
    pub txids: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Tag {
    pub address: String,
    pub label: String,
    pub category: Category,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ExchangeInfo {
    pub id: String,
    pub name: String,
    pub jurisdiction: String,
    pub kyc: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ObjectiveInfo {
    pub id: String,
    pub prompt: String,
    pub kind: AnswerKind,
    pub points: f64,
    pub hint_costs: Vec<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LegalInfo {
    pub budget: u32,
    pub wrong_request_penalty: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PricePoint {
    /// The start of the hour, RFC 3339.
    pub date: String,
    pub usd: f64,
}
