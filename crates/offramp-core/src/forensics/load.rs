//! Reads a generated directory back as an investigator's tool would: the block files, the
//! trainee's intel and the manifest. The truth is never read.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use bitcoin::Txid;
use bitcoin::hashes::Hash;

use super::index::Explorer;
use super::index::Lookup;
use super::store::{self, INDEX};
use crate::export::{MANIFEST, Manifest};
use crate::intel::{Intel, Tag};
use crate::ledger::blockfile::{FileStamp, ReadError, read_file};
use crate::ledger::{AddrIdx, AddrInfo, BlockRecord, Chain, InputRecord, OutputRecord, TxIdx, TxRecord};
use crate::vocab::{Category, Network, ScriptType};

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{0}: not a generated chain (no {MANIFEST}); make one with `offramp generate SCENARIO --out DIR`")]
    NotGenerated(String),
    #[error("{path}: {message}")]
    Bad { path: String, message: String },
    #[error(transparent)]
    Blocks(#[from] ReadError),
}

fn bad(path: &Path, message: impl Into<String>) -> LoadError {
    LoadError::Bad { path: path.display().to_string(), message: message.into() }
}

/// Reads `dir` into an explorer with the intel's labels, and returns the intel too.
///
/// # Errors
/// A [`LoadError`] naming the file at fault.
pub fn load_dir(dir: &Path) -> Result<(Explorer, Intel), LoadError> {
    open_dir(dir).map(|o| (o.explorer, o.intel))
}

/// A generated directory, opened.
pub struct Opened {
    pub explorer: Explorer,
    pub intel: Intel,
    pub index: IndexUse,
}

/// Whether the explorer came from the index beside the blocks ([`store`]) or from the blocks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexUse {
    /// Mapped from the index: only what a question needs is read.
    Read,
    /// The blocks were read (the index was absent, old or not of these blocks: `why`) and a
    /// new index written for the next time.
    Written { why: String },
    /// The blocks were read and no index could be written (a read-only directory: `error`).
    NotWritten { why: String, error: String },
}

/// Reads `dir` into an explorer: from its index when the index is of these blocks, otherwise
/// from the blocks, writing a new index beside them.
///
/// # Errors
/// A [`LoadError`] naming the file at fault.
pub fn open_dir(dir: &Path) -> Result<Opened, LoadError> {
    let manifest_path = dir.join(MANIFEST);
    if !manifest_path.is_file() {
        return Err(LoadError::NotGenerated(dir.display().to_string()));
    }
    let text = std::fs::read_to_string(&manifest_path).map_err(|e| bad(&manifest_path, e.to_string()))?;
    let manifest: Manifest = serde_json::from_str(&text).map_err(|e| bad(&manifest_path, e.to_string()))?;
    let Some(network) = network_named(&manifest.network) else {
        return Err(bad(&manifest_path, format!("unknown network \"{}\"", manifest.network)));
    };
    let intel_path = dir.join("intel.json");
    let text = std::fs::read_to_string(&intel_path).map_err(|e| bad(&intel_path, e.to_string()))?;
    let intel: Intel = serde_json::from_str(&text).map_err(|e| bad(&intel_path, e.to_string()))?;
    let files: Vec<&String> = manifest.files.iter().filter(|f| f.starts_with("blocks/")).collect();
    if files.is_empty() {
        return Err(bad(&manifest_path, "lists no block files"));
    }
    let (tags, prices) = labels_and_prices(&intel);
    let why = match store::read(dir, network, &files) {
        Ok((chain, lookup)) if chain.txs.len() == manifest.transactions && chain.blocks.len() == manifest.blocks => {
            let explorer = Explorer::with_lookup(Arc::new(chain), lookup, &tags, prices);
            return Ok(Opened { explorer, intel, index: IndexUse::Read });
        }
        Ok(_) => format!("{INDEX} does not hold as many blocks and transactions as {MANIFEST} says"),
        Err(why) => why,
    };
    let (chain, stamps) = read_chain(dir, network, manifest.signed, &files)?;
    let lookup = Lookup::build(&chain);
    let index = match store::write(dir, &chain, &lookup, stamps) {
        Ok(()) => IndexUse::Written { why },
        Err(e) => IndexUse::NotWritten { why, error: e.to_string() },
    };
    let explorer = Explorer::with_lookup(Arc::new(chain), lookup, &tags, prices);
    Ok(Opened { explorer, intel, index })
}

/// Parses the block files into a chain, and stamps each file.
fn read_chain(
    dir: &Path,
    network: Network,
    signed: bool,
    files: &[&String],
) -> Result<(Chain, Vec<FileStamp>), LoadError> {
    let mut builder = ChainBuilder::new(network, signed);
    let mut stamps = Vec::with_capacity(files.len());
    for f in files {
        let path = dir.join(f);
        let file = read_file(&path, network)?;
        stamps.push(file.stamp);
        let name = path.display().to_string();
        for block in &file.blocks {
            builder.add(block, &name)?;
        }
    }
    Ok((builder.finish(), stamps))
}

/// Builds a chain's tables from its blocks, in order, as an explorer reads them.
pub struct ChainBuilder {
    chain: Chain,
    txids: HashMap<Txid, TxIdx>,
    addrs: HashMap<(ScriptType, [u8; 32]), AddrIdx>,
}

impl ChainBuilder {
    pub fn new(network: Network, signed: bool) -> ChainBuilder {
        ChainBuilder { chain: Chain::new(network, signed), txids: HashMap::new(), addrs: HashMap::new() }
    }

    /// Adds the next block; `name` names where it came from in errors.
    ///
    /// # Errors
    /// [`LoadError::Bad`] when a transaction spends what no earlier block created.
    pub fn add(&mut self, block: &bitcoin::Block, name: &str) -> Result<(), LoadError> {
        let bad = |message: String| LoadError::Bad { path: name.to_string(), message };
        let ChainBuilder { chain, txids, addrs } = self;
        let height = chain.blocks.len() as u32 + 1;
        let first_tx = chain.txs.next_id();
        for tx in &block.txdata {
            let t = chain.txs.next_id();
            let first_input = chain.inputs.next_id();
            let mut value_in = 0u64;
            for input in &tx.input {
                if input.previous_output.is_null() {
                    chain.inputs.push(InputRecord::new(None, input.sequence.0, t));
                    continue;
                }
                let op = input.previous_output;
                let ptx = *txids.get(&op.txid).ok_or_else(|| {
                    bad(format!("block {height}: {} spends unknown transaction {}", tx.compute_txid(), op.txid))
                })?;
                let p = &chain.txs[ptx];
                let Some(prev) = p.outputs().at(op.vout) else {
                    return Err(bad(format!("block {height}: {} spends a missing output {op}", tx.compute_txid())));
                };
                let spender = chain.inputs.next_id();
                chain.outputs[prev].set_spent_by(Some(spender));
                value_in += chain.outputs[prev].value;
                chain.inputs.push(InputRecord::new(Some(prev), input.sequence.0, t));
            }
            let first_output = chain.outputs.next_id();
            let mut value_out = 0u64;
            for o in &tx.output {
                let addr = AddrInfo::from_script(&o.script_pubkey).map(|info| {
                    *addrs.entry((info.kind(), info.payload)).or_insert_with(|| {
                        let a = chain.addresses.next_id();
                        chain.addresses.push(info);
                        a
                    })
                });
                value_out += o.value.to_sat();
                chain.outputs.push(OutputRecord::new(o.value.to_sat(), addr, t));
            }
            let weight = tx.weight().to_wu() as u32;
            let coinbase = tx.is_coinbase();
            chain.txs.push(TxRecord {
                txid_raw: tx.compute_txid().to_byte_array(),
                height,
                created: i64::from(block.header.time),
                first_input,
                n_inputs: tx.input.len() as u32,
                first_output,
                n_outputs: tx.output.len() as u32,
                version: tx.version.0,
                locktime: tx.lock_time.to_consensus_u32(),
                fee: if coinbase { 0 } else { value_in.saturating_sub(value_out) },
                size: tx.total_size() as u32,
                vsize: weight.div_ceil(4),
                weight,
            });
            txids.insert(chain.txs[t].txid(), t);
        }
        chain.blocks.push(BlockRecord {
            height,
            time: block.header.time,
            first_tx,
            n_tx: block.txdata.len() as u32,
            hash: block.block_hash(),
            raw: Vec::new(),
        });
        Ok(())
    }

    pub fn finish(self) -> Chain {
        self.chain
    }
}

/// The network a manifest or the intel names ("Regtest", "Testnet", "Signet", "Mainnet").
pub fn network_named(name: &str) -> Option<Network> {
    match name {
        "Regtest" => Some(Network::Regtest),
        "Testnet" => Some(Network::Testnet),
        "Signet" => Some(Network::Signet),
        "Mainnet" => Some(Network::Mainnet),
        _ => None,
    }
}

/// What the intel lets a trainee label (public attributions, and the addresses of each piece
/// of intel, labelled with its note) and the daily prices.
pub fn labels_and_prices(intel: &Intel) -> (Vec<Tag>, Vec<(i64, f64)>) {
    let prices =
        intel.prices.iter().filter_map(|p| crate::time::parse_instant(&p.date).ok().map(|t| (t, p.usd))).collect();
    let mut tags: Vec<Tag> = intel.tags.clone();
    for item in &intel.items {
        let label: String = item.note.chars().take(60).collect();
        tags.extend(item.addresses.iter().map(|a| Tag {
            address: a.clone(),
            label: label.clone(),
            category: Category::Unknown,
        }));
    }
    (tags, prices)
}

/// An explorer over a chain read from blocks, labelled with `intel`.
pub fn explorer_of_chain(chain: Chain, intel: &Intel) -> Explorer {
    let lookup = Lookup::build(&chain);
    let (tags, prices) = labels_and_prices(intel);
    Explorer::with_lookup(Arc::new(chain), lookup, &tags, prices)
}

/// An explorer over a world generated in memory, labelled with its intel only.
pub fn explorer_of(world: &crate::world::World) -> Explorer {
    let (tags, prices) = labels_and_prices(&world.intel);
    Explorer::new(Arc::new(world.chain.public_tables()), &tags, prices)
}
