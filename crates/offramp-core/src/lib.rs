//! Offramp's domain, free of any engine: scenarios, the ledger simulator, the ground truth,
//! scoring and case files. The app and the CLI are thin layers over this crate.

pub mod answer;
pub mod board;
pub mod case;
pub mod diag;
pub mod export;
pub mod forensics;
pub mod format;
pub mod intel;
pub mod ledger;
pub mod legal;
pub mod locate;
pub mod outfile;
pub mod scenario;
pub mod score;
pub mod sim;
pub mod text;
pub mod time;
pub mod truth;
pub mod vocab;
pub mod world;
