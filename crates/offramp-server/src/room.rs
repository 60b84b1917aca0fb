//! The class's scenarios and the trainees' worlds: each trainee plays the variant the class
//! key and their name make (as `offramp pack --class-key` does), generated on the server when
//! it is first needed, kept while it is used, and generated again (byte for byte the same)
//! after it was let go.

use std::sync::{Arc, Mutex};

use offramp_core::case::Case;
use offramp_core::class::{ClassKey, trainee_seed};
use offramp_core::scenario::{Scenario, WorldSize};
use offramp_core::score::{self, Report};
use offramp_core::sim::{self, Options};
use offramp_core::world::World;

/// The memory the kept worlds may take (by [`WorldSize::memory`], which rounds up): a class
/// of a hundred on a small scenario keeps every world (generating one again for each legal
/// request or submission would take most of their time); a large scenario's worlds are big,
/// and fewer are kept, each made again (byte for byte the same) when needed.
const KEPT_BYTES: u64 = 1 << 30;
/// Worlds kept whatever their size: the two last used.
const KEPT_AT_LEAST: usize = 2;

/// About the memory `w` holds.
fn footprint(w: &World) -> u64 {
    let c = &w.chain;
    WorldSize {
        transactions: c.txs.len() as u64,
        inputs: c.inputs.len() as u64,
        outputs: c.outputs.len() as u64,
        addresses: c.addresses.len() as u64,
    }
    .memory()
}

/// The scenarios a session runs and the worlds made of them.
pub struct Room {
    pub scenarios: Vec<Arc<Scenario>>,
    pub key: ClassKey,
    worlds: Mutex<Vec<(String, u64, Arc<World>)>>,
    /// Generation takes a core; no more than the machine has run at once.
    generating: tokio::sync::Semaphore,
}

impl Room {
    pub fn new(scenarios: Vec<Scenario>, key: ClassKey) -> Room {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Room {
            scenarios: scenarios.into_iter().map(Arc::new).collect(),
            key,
            worlds: Mutex::new(Vec::new()),
            generating: tokio::sync::Semaphore::new(cores),
        }
    }

    /// The scenario `id`, if the session runs it.
    pub fn scenario(&self, id: &str) -> Option<&Arc<Scenario>> {
        self.scenarios.iter().find(|s| s.meta.id == id)
    }

    /// The seed of `trainee`'s variant of `scenario`.
    pub fn seed(&self, scenario: &str, trainee: &str) -> u64 {
        trainee_seed(Some(&self.key), scenario, trainee)
    }

    /// `trainee`'s world of `scenario`, generated off the async threads when not kept.
    ///
    /// # Errors
    /// The generator's message (a scenario the server loaded always generates; this is for
    /// the limits a huge one could pass).
    pub async fn world(&self, scenario: &Arc<Scenario>, trainee: &str) -> Result<Arc<World>, String> {
        let id = scenario.meta.id.clone();
        let seed = self.seed(&id, trainee);
        if let Some(w) = self.kept(&id, seed) {
            return Ok(w);
        }
        let _turn = self.generating.acquire().await.map_err(|e| e.to_string())?;
        // Another request may have made it while this one waited.
        if let Some(w) = self.kept(&id, seed) {
            return Ok(w);
        }
        let sc = Arc::clone(scenario);
        let world = tokio::task::spawn_blocking(move || {
            sim::generate(&sc, &Options { seed: Some(seed), signed: false }, &mut |_, _, _| {})
        })
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
        let world = Arc::new(world);
        let mut kept = self.worlds.lock().expect("worlds");
        kept.push((id, seed, Arc::clone(&world)));
        // The least recently used go first, until the rest fit.
        let mut total: u64 = kept.iter().map(|k| footprint(&k.2)).sum();
        while kept.len() > KEPT_AT_LEAST && total > KEPT_BYTES {
            total -= footprint(&kept.remove(0).2);
        }
        Ok(world)
    }

    fn kept(&self, id: &str, seed: u64) -> Option<Arc<World>> {
        let mut kept = self.worlds.lock().expect("worlds");
        let at = kept.iter().position(|(i, s, _)| i == id && *s == seed)?;
        // Most recently used last.
        let entry = kept.remove(at);
        let w = Arc::clone(&entry.2);
        kept.push(entry);
        Some(w)
    }
}

/// Scores a case the server holds: the trainee's answers and hints, with the legal
/// requests the server answered (not those the case lists: the server's record is what
/// counts) and the trainee's name and seed as the server knows them.
pub fn score_case(world: &World, mut case: Case, trainee: &str, requests: Vec<offramp_core::case::Request>) -> Report {
    case.trainee = trainee.to_string();
    case.seed = Some(world.seed);
    case.requests = requests;
    score::score(world, &case)
}
