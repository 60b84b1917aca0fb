//! A trainee's pack: everything one trainee needs to play their variant of a scenario, and
//! nothing of its story's truth. The app opens it like a scenario.
//!
//! A pack is one file: a line of JSON (the [`Header`]: the trainee's intel and objectives
//! without answers, the hints' texts, the legal answer book, the seal key, the chain's
//! checksum), then the chain's blocks as Bitcoin Core lays them out in a block file.
//!
//! * **Legal answers.** What each cooperating exchange would answer about each address it
//!   holds, and what any exchange answers otherwise ("no records", "refused"), are in the
//!   pack: the app answers requests without the truth. Each answer is kept under an id and
//!   encrypted with a key that both derive from the exchange and the address asked about
//!   (HMAC-SHA256 with the pack's salt), so the pack does not list who holds what: an answer
//!   is read by asking for it. Whether a request was wasted (and what it costs) is decided
//!   on the instructor's side, when the case is scored.
//! * **The seal key** (see [`crate::class`]) is derived from the class key, which never
//!   enters a pack. The app seals the case with it on submission.
//! * **Versions.** The header says its format and version first; a pack of another version is
//!   refused with what to do about it, before anything else of it is read.

use std::collections::BTreeMap;
use std::io::{BufRead, Read};
use std::path::Path;
use std::sync::Arc;

use bitcoin::hashes::{Hash, HashEngine, Hmac, HmacEngine, sha256};
use bitcoin::hex::{DisplayHex, FromHex};
use serde::{Deserialize, Serialize};

use crate::class::{ClassKey, SealKey, normal_name};
use crate::forensics::Explorer;
use crate::forensics::canonical_address;
use crate::forensics::load::{ChainBuilder, explorer_of_chain, network_named};
use crate::intel::Intel;
use crate::ledger::blockfile::{magic, parse_blocks};
use crate::legal::{LegalError, Reply};
use crate::scenario::{EntityIdx, EntityKind};
use crate::vocab::Network;
use crate::world::World;

/// What a pack's header says it is.
pub const FORMAT: &str = "offramp-pack";
/// The version of pack this Offramp writes and reads.
pub const VERSION: u32 = 1;
/// The extension of a pack's file name.
pub const EXTENSION: &str = "offramp-pack";
/// The longest header Offramp reads (the intel of a large world is tens of megabytes).
const MAX_HEADER: u64 = 512 * 1024 * 1024;
/// What an address is replaced by in the answer an exchange gives about any other address.
const ANY_ADDRESS: &str = "*";

/// A pack's first line.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Header {
    /// Always [`FORMAT`].
    pub format: String,
    /// [`VERSION`] when written by this Offramp.
    pub version: u32,
    /// The scenario's id.
    pub scenario: String,
    /// The seed of the trainee's world.
    pub seed: u64,
    /// Who the pack is for: their case files carry this name.
    pub trainee: String,
    /// Whether a class key made the pack (the trainee's variant; the case is sealed).
    pub class: bool,
    /// Whether the chain carries real signatures.
    pub signed: bool,
    /// What the trainee starts from: briefing, objectives without answers, intel, exchanges.
    pub intel: Intel,
    /// The texts of each objective's hints, unlocked in the app at their cost.
    pub hints: BTreeMap<String, Vec<String>>,
    /// The legal answer book (empty when [`Header::online`]).
    pub legal: LegalBook,
    /// Whether the pack came from a class server, which answers the legal requests itself
    /// (enforcing the budget): the pack then carries no answer book at all.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub online: bool,
    /// The key the app seals a submitted case with (hex), when a class key made the pack.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seal_key: Option<String>,
    /// The chain that follows the header.
    pub chain: ChainInfo,
}

/// The exchanges' answers, each under its id, encrypted (see the module's text).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LegalBook {
    /// Hex.
    pub salt: String,
    /// Answer id (hex) to the encrypted answer (hex).
    pub answers: BTreeMap<String, String>,
}

/// The size and checksum of the blocks after the header.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChainInfo {
    pub blocks: u64,
    pub transactions: u64,
    pub bytes: u64,
    /// SHA-256 of the bytes, hex.
    pub sha256: String,
}

/// Why a pack cannot be written or read.
#[derive(Debug, thiserror::Error)]
pub enum PackError {
    #[error("{path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("{0}: not an Offramp pack (make one with `offramp pack SCENARIO --trainee NAME --out FILE`)")]
    NotAPack(String),
    #[error(
        "{path}: this pack was made by a newer Offramp (pack version {found}; this Offramp reads version {VERSION}): update Offramp to open it"
    )]
    Newer { path: String, found: u64 },
    #[error(
        "{path}: this pack was made by an older Offramp (pack version {found}; this Offramp reads version {VERSION}): ask your instructor for a new pack"
    )]
    Older { path: String, found: u64 },
    #[error("{path}: the pack is damaged ({why}); ask your instructor for a new copy")]
    Damaged { path: String, why: String },
    #[error("{0} exists and is not an Offramp pack; it was left alone (choose another --out)")]
    WouldReplace(String),
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> PackError + '_ {
    move |source| PackError::Io { path: path.display().to_string(), source }
}

/// What a written pack holds, for the instructor's terminal.
#[derive(Debug, Clone)]
pub struct Written {
    pub bytes: u64,
    pub answers: usize,
    pub sealed: bool,
}

/// Writes `trainee`'s pack of `world` to `out`, atomically (a temporary file renamed into
/// place). `key` is the class key the world's seed came from, if any: it derives the seal
/// key and never enters the pack. An existing `out` is replaced only if it is a pack.
///
/// # Errors
/// [`PackError::WouldReplace`] for an existing file that is no pack, [`PackError::Io`].
pub fn write(world: &World, trainee: &str, key: Option<&ClassKey>, out: &Path) -> Result<Written, PackError> {
    if out.exists() && !is_pack(out) {
        return Err(PackError::WouldReplace(out.display().to_string()));
    }
    let (header, blocks) = make(world, trainee, key, false);
    let bytes = join(&header, &blocks);
    crate::case::write_atomic(out, &bytes).map_err(io(out))?;
    Ok(Written { bytes: bytes.len() as u64, answers: header.legal.answers.len(), sealed: header.seal_key.is_some() })
}

/// `trainee`'s pack of `world` as a class server sends it: the same as [`write`]'s but for
/// the legal answer book, left out (the server answers legal requests; see [`Header::online`]).
pub fn online(world: &World, trainee: &str, key: Option<&ClassKey>) -> Vec<u8> {
    let (header, blocks) = make(world, trainee, key, true);
    join(&header, &blocks)
}

fn join(header: &Header, blocks: &[u8]) -> Vec<u8> {
    let mut bytes = serde_json::to_vec(header).expect("a header serializes");
    bytes.push(b'\n');
    bytes.extend_from_slice(blocks);
    bytes
}

/// The header and the blocks of `trainee`'s pack of `world`; `online` leaves the legal
/// answer book out.
fn make(world: &World, trainee: &str, key: Option<&ClassKey>, online: bool) -> (Header, Vec<u8>) {
    let sc = &world.scenario;
    let network = sc.meta.network;
    let mut blocks = Vec::with_capacity(world.chain.blocks.iter().map(|b| b.raw.len() + 8).sum());
    for b in &world.chain.blocks {
        blocks.extend_from_slice(&magic(network));
        blocks.extend_from_slice(&(b.raw.len() as u32).to_le_bytes());
        blocks.extend_from_slice(&b.raw);
    }
    let mut salt_engine = sha256::Hash::engine();
    for part in [
        b"offramp pack salt".as_slice(),
        sc.meta.id.as_bytes(),
        &world.seed.to_le_bytes(),
        normal_name(trainee).as_bytes(),
    ] {
        salt_engine.input(&(part.len() as u64).to_le_bytes());
        salt_engine.input(part);
    }
    let salt = sha256::Hash::from_engine(salt_engine).to_byte_array();
    let mut answers = BTreeMap::new();
    let mut put = |exchange: &str, address: &str, reply: &Reply| {
        let (id, sealed) = seal_answer(&salt, exchange, address, reply);
        answers.insert(id, sealed);
    };
    for (x, e) in sc.entities.iter().enumerate().filter(|_| !online) {
        let EntityKind::Exchange(ex) = &e.kind else { continue };
        if !ex.cooperates {
            put(&e.id, ANY_ADDRESS, &Reply::Refused);
            continue;
        }
        put(&e.id, ANY_ADDRESS, &Reply::NoRecords);
        for a in world.truth.addresses_of(EntityIdx::new(x)) {
            let text = world.chain.address_string(a);
            if let Ok(reply) = crate::legal::request(world, &e.id, &text) {
                put(&e.id, &text, &reply);
            }
        }
    }
    let hints =
        sc.objectives.iter().map(|o| (o.id.clone(), o.hints.iter().map(|h| h.text.clone()).collect())).collect();
    let header = Header {
        format: FORMAT.into(),
        version: VERSION,
        scenario: sc.meta.id.clone(),
        seed: world.seed,
        trainee: trainee.trim().to_string(),
        class: key.is_some(),
        signed: world.chain.signed,
        intel: world.intel.clone(),
        hints,
        legal: LegalBook { salt: salt.to_lower_hex_string(), answers },
        online,
        seal_key: key.map(|k| k.seal_key(&sc.meta.id, world.seed, trainee).to_bytes().to_lower_hex_string()),
        chain: ChainInfo {
            blocks: world.chain.blocks.len() as u64,
            transactions: world.chain.txs.len() as u64,
            bytes: blocks.len() as u64,
            sha256: sha256::Hash::hash(&blocks).to_byte_array().to_lower_hex_string(),
        },
    };
    (header, blocks)
}

fn mac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut e = HmacEngine::<sha256::Hash>::new(key);
    for p in parts {
        e.input(&(p.len() as u64).to_le_bytes());
        e.input(p);
    }
    Hmac::<sha256::Hash>::from_engine(e).to_byte_array()
}

/// The id of the answer about `address` from `exchange` (its id), and the key it is encrypted with.
fn answer_id_and_key(salt: &[u8], exchange: &str, address: &str) -> (String, [u8; 32]) {
    let id = mac(salt, &[b"answer id", exchange.as_bytes(), address.as_bytes()]);
    let key = mac(salt, &[b"answer key", exchange.as_bytes(), address.as_bytes()]);
    (id[..16].to_lower_hex_string(), key)
}

/// XORs `data` with the key stream of `key` (HMAC-SHA256 of a block counter).
fn stream(key: &[u8; 32], data: &mut [u8]) {
    for (i, chunk) in data.chunks_mut(32).enumerate() {
        let pad = mac(key, &[&(i as u64).to_le_bytes()]);
        chunk.iter_mut().zip(pad).for_each(|(b, p)| *b ^= p);
    }
}

fn seal_answer(salt: &[u8], exchange: &str, address: &str, reply: &Reply) -> (String, String) {
    let (id, key) = answer_id_and_key(salt, exchange, address);
    let mut bytes = serde_json::to_vec(reply).expect("a reply serializes");
    stream(&key, &mut bytes);
    (id, bytes.to_lower_hex_string())
}

/// Whether `path` starts as a pack does (of any version).
pub fn is_pack(path: &Path) -> bool {
    let mut start = [0u8; 32];
    let Ok(mut f) = std::fs::File::open(path) else { return false };
    let n = f.read(&mut start).unwrap_or(0);
    let want = format!("{{\"format\":\"{FORMAT}\"");
    n >= want.len() && start[..want.len()] == *want.as_bytes()
}

/// Reads a pack's header only (for a library to list packs without reading their chains).
///
/// # Errors
/// [`PackError`]: not a pack, another version, a header that does not parse.
pub fn read_header(path: &Path) -> Result<Header, PackError> {
    let f = std::fs::File::open(path).map_err(io(path))?;
    let mut line = Vec::new();
    std::io::BufReader::new(f).take(MAX_HEADER).read_until(b'\n', &mut line).map_err(io(path))?;
    parse_header(path, &line)
}

fn parse_header(path: &Path, line: &[u8]) -> Result<Header, PackError> {
    let name = || path.display().to_string();
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(line) else {
        return Err(if line.starts_with(b"{\"format\":\"offramp-pack\"") {
            PackError::Damaged { path: name(), why: "its header is cut short".into() }
        } else {
            PackError::NotAPack(name())
        });
    };
    if value.get("format").and_then(|f| f.as_str()) != Some(FORMAT) {
        return Err(PackError::NotAPack(name()));
    }
    match value.get("version").and_then(serde_json::Value::as_u64) {
        Some(v) if v == u64::from(VERSION) => {}
        Some(v) if v > u64::from(VERSION) => return Err(PackError::Newer { path: name(), found: v }),
        Some(v) => return Err(PackError::Older { path: name(), found: v }),
        None => return Err(PackError::Damaged { path: name(), why: "its header has no version".into() }),
    }
    let header: Header = serde_json::from_value(value)
        .map_err(|e| PackError::Damaged { path: name(), why: format!("its header does not read: {e}") })?;
    if network_named(&header.intel.scenario.network).is_none() {
        return Err(PackError::Damaged {
            path: name(),
            why: format!("unknown network \"{}\"", header.intel.scenario.network),
        });
    }
    Ok(header)
}

/// An opened pack: its header and its chain's bytes, checked against the header's checksum.
#[derive(Debug, Clone)]
pub struct Pack {
    pub header: Header,
    blocks: Arc<Vec<u8>>,
    network: Network,
    path: String,
    salt: Vec<u8>,
}

impl Pack {
    /// Reads and checks the pack at `path`.
    ///
    /// # Errors
    /// [`PackError`]: not a pack, another version, damaged (cut short, or its chain does not
    /// match its checksum).
    pub fn open(path: &Path) -> Result<Pack, PackError> {
        let bytes = std::fs::read(path).map_err(io(path))?;
        Pack::from_bytes(&bytes, path)
    }

    /// Reads and checks a pack held in memory (one a classroom server sent); `path` names it
    /// in errors.
    ///
    /// # Errors
    /// As [`Pack::open`].
    pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<Pack, PackError> {
        let damaged = |why: &str| PackError::Damaged { path: path.display().to_string(), why: why.into() };
        let (line, rest) = match bytes.iter().position(|&b| b == b'\n') {
            Some(i) => (&bytes[..i], &bytes[i + 1..]),
            None => (bytes, &[][..]),
        };
        let header = parse_header(path, line)?;
        if rest.len() as u64 != header.chain.bytes {
            return Err(damaged(&format!("its chain is {} bytes, not {}", rest.len(), header.chain.bytes)));
        }
        if sha256::Hash::hash(rest).to_byte_array().to_lower_hex_string() != header.chain.sha256 {
            return Err(damaged("its chain does not match its checksum"));
        }
        let salt = Vec::from_hex(&header.legal.salt).map_err(|_| damaged("its answer book has no salt"))?;
        if let Some(k) = &header.seal_key
            && <[u8; 32]>::from_hex(k).is_err()
        {
            return Err(damaged("its seal key is not 32 bytes of hex"));
        }
        let network = network_named(&header.intel.scenario.network).expect("parse_header checked it");
        Ok(Pack { header, blocks: Arc::new(rest.to_vec()), network, path: path.display().to_string(), salt })
    }

    /// The explorer over the pack's chain, labelled with its intel (what the app investigates).
    ///
    /// # Errors
    /// [`PackError::Damaged`] when the blocks do not read as a chain.
    pub fn explorer(&self) -> Result<Explorer, PackError> {
        let damaged = |why: String| PackError::Damaged { path: self.path.clone(), why };
        let (blocks, _) = parse_blocks(&self.blocks, &self.path, self.network).map_err(|e| damaged(e.to_string()))?;
        let mut builder = ChainBuilder::new(self.network, self.header.signed);
        for b in &blocks {
            builder.add(b, &self.path).map_err(|e| damaged(e.to_string()))?;
        }
        Ok(explorer_of_chain(builder.finish(), &self.header.intel))
    }

    /// The exchange's answer to a legal request about `address`, as the exchange would give it.
    ///
    /// # Errors
    /// [`LegalError::UnknownExchange`] when no exchange of the pack is called `exchange`,
    /// [`LegalError::BadAddress`] when the address is no address of the pack's network.
    pub fn legal(&self, exchange: &str, address: &str) -> Result<Reply, LegalError> {
        let x = crate::legal::find_exchange_info(&self.header.intel.exchanges, exchange)?;
        let address = canonical_address(address, self.network).map_err(LegalError::BadAddress)?;
        if self.header.online {
            return Err(LegalError::AskTheServer);
        }
        // Every exchange has an answer for any address; a book without one answers "no records".
        Ok(self.answer(&x.id, &address).or_else(|| self.answer(&x.id, ANY_ADDRESS)).unwrap_or(Reply::NoRecords))
    }

    fn answer(&self, exchange: &str, address: &str) -> Option<Reply> {
        let (id, key) = answer_id_and_key(&self.salt, exchange, address);
        let mut bytes = Vec::from_hex(self.header.legal.answers.get(&id)?).ok()?;
        stream(&key, &mut bytes);
        serde_json::from_slice(&bytes).ok()
    }

    /// The text of hint `hint` of `objective`.
    pub fn hint(&self, objective: &str, hint: u32) -> Option<String> {
        self.header.hints.get(objective)?.get(hint as usize).cloned()
    }

    /// The key the app seals a submitted case with, when a class key made the pack.
    pub fn seal_key(&self) -> Option<SealKey> {
        self.header.seal_key.as_deref().and_then(|k| <[u8; 32]>::from_hex(k).ok()).map(SealKey::from_bytes)
    }

    /// Where the pack was read from.
    pub fn path(&self) -> &str {
        &self.path
    }
}

/// The file name of `trainee`'s pack of `scenario`, in plain ASCII:
/// `beginner-careless-vendor--ana-kowalska.offramp-pack`.
pub fn file_name(scenario: &str, trainee: &str) -> String {
    let slug = crate::text::slug(&normal_name(trainee));
    format!("{scenario}--{}.{EXTENSION}", if slug.is_empty() { "trainee" } else { &slug })
}
