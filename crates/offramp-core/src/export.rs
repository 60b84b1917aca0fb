//! Writes a generated world to a directory: Bitcoin Core block files, CSV tables, the
//! trainee's intel and the instructor's truth. Everything is written to a staging
//! directory beside the target and moved into place at the end, so that a failure never
//! leaves a half-written output.

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::ledger::{NONE, blockfile};
use crate::sim::{Phase, Progress, World};
use crate::truth::{Account, CashOut, Purpose, TruthEntity};

/// The file that marks a directory as an Offramp output (and says what is in it).
pub const MANIFEST: &str = "manifest.json";

/// Why an output directory could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("{path}: exists and is not a directory")]
    NotADirectory { path: String },
    #[error(
        "{path}: the directory is not empty and holds no {MANIFEST}; refusing to overwrite what is not an Offramp output"
    )]
    Foreign { path: String },
    #[error("{path}: {source}")]
    Io { path: String, source: io::Error },
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> ExportError + '_ {
    move |source| ExportError::Io { path: path.display().to_string(), source }
}

/// What was written, for the command's summary.
#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    pub offramp: String,
    pub scenario: String,
    pub seed: u64,
    pub signed: bool,
    pub network: String,
    pub blocks: usize,
    pub transactions: usize,
    pub inputs: usize,
    pub outputs: usize,
    pub addresses: usize,
    pub files: Vec<String>,
}

/// Writes `world` into `dir`, replacing an earlier Offramp output there.
///
/// # Errors
/// An [`ExportError`]; `dir` is then as it was before.
pub fn export(world: &World, dir: &Path, progress: Progress<'_>) -> Result<Manifest, ExportError> {
    let target = dir.to_path_buf();
    if target.exists() {
        if !target.is_dir() {
            return Err(ExportError::NotADirectory { path: target.display().to_string() });
        }
        let mut entries = fs::read_dir(&target).map_err(io_err(&target))?;
        if entries.next().is_some() && !target.join(MANIFEST).is_file() {
            return Err(ExportError::Foreign { path: target.display().to_string() });
        }
    }
    let name = target.file_name().map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
    let parent = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).map_err(io_err(&parent))?;
    let staging = parent.join(format!(".{name}.offramp-staging-{}", std::process::id()));
    if staging.exists() {
        fs::remove_dir_all(&staging).map_err(io_err(&staging))?;
    }
    fs::create_dir(&staging).map_err(io_err(&staging))?;
    let result = write_all(world, &staging, progress);
    let manifest = match result {
        Ok(m) => m,
        Err(e) => {
            let _ = fs::remove_dir_all(&staging);
            return Err(e);
        }
    };
    // Swap into place: the old output moves aside first and goes only once the new one is in.
    let old = parent.join(format!(".{name}.offramp-old-{}", std::process::id()));
    if target.exists() {
        if let Err(e) = fs::rename(&target, &old) {
            let _ = fs::remove_dir_all(&staging);
            return Err(io_err(&target)(e));
        }
    }
    if let Err(e) = fs::rename(&staging, &target) {
        if old.exists() {
            let _ = fs::rename(&old, &target);
        }
        let _ = fs::remove_dir_all(&staging);
        return Err(io_err(&target)(e));
    }
    if old.exists() {
        let _ = fs::remove_dir_all(&old);
    }
    Ok(manifest)
}

fn create(path: &Path) -> Result<BufWriter<fs::File>, ExportError> {
    Ok(BufWriter::with_capacity(1 << 20, fs::File::create(path).map_err(io_err(path))?))
}

fn write_all(world: &World, dir: &Path, progress: Progress<'_>) -> Result<Manifest, ExportError> {
    let chain = &world.chain;
    let steps = 6;
    progress(Phase::Writing, 0, steps);
    let blocks_dir = dir.join("blocks");
    fs::create_dir(&blocks_dir).map_err(io_err(&blocks_dir))?;
    let block_files = blockfile::write_blocks(&blocks_dir, chain.network, &chain.blocks, blockfile::MAX_BLOCKFILE_SIZE)
        .map_err(io_err(&blocks_dir))?;
    progress(Phase::Writing, 1, steps);
    let addrs: Vec<String> = (0..chain.addresses.len() as u32).map(|a| chain.address_string(a)).collect();
    let txids: Vec<String> = chain.txs.iter().map(|t| t.txid.to_string()).collect();
    let addr_of = |out: u32| -> &str {
        let a = chain.outputs[out as usize].addr;
        if a == NONE { "" } else { &addrs[a as usize] }
    };

    let path = dir.join("transactions.csv");
    let mut w = create(&path)?;
    let e = io_err(&path);
    (|| -> io::Result<()> {
        writeln!(w, "txid,block_height,block_hash,block_time,position,version,locktime,size,vsize,weight,fee_sat,fee_rate_sat_vb,input_count,output_count,coinbase")?;
        for b in &chain.blocks {
            let hash = b.hash.to_string();
            for (pos, t) in (b.first_tx..b.first_tx + b.n_tx).enumerate() {
                let r = &chain.txs[t as usize];
                let rate = if r.vsize > 0 { r.fee as f64 / r.vsize as f64 } else { 0.0 };
                writeln!(
                    w,
                    "{},{},{},{},{},{},{},{},{},{},{},{:.2},{},{},{}",
                    txids[t as usize], b.height, hash, b.time, pos, r.version, r.locktime, r.size, r.vsize, r.weight, r.fee, rate,
                    r.n_inputs, r.n_outputs, pos == 0
                )?;
            }
        }
        w.flush()
    })()
    .map_err(e)?;
    progress(Phase::Writing, 2, steps);

    let path = dir.join("inputs.csv");
    let mut w = create(&path)?;
    let e = io_err(&path);
    (|| -> io::Result<()> {
        writeln!(w, "txid,input_index,prev_txid,prev_vout,address,value_sat,sequence")?;
        for (t, r) in chain.txs.iter().enumerate() {
            for (k, i) in chain.inputs[r.inputs()].iter().enumerate() {
                if i.prev == NONE {
                    writeln!(w, "{},{k},{},{},,0,{}", txids[t], "0".repeat(64), u32::MAX, i.sequence)?;
                } else {
                    let (ptx, vout) = chain.outpoint(i.prev);
                    let v = chain.outputs[i.prev as usize].value;
                    writeln!(
                        w,
                        "{},{k},{},{vout},{},{v},{}",
                        txids[t],
                        txids[ptx as usize],
                        addr_of(i.prev),
                        i.sequence
                    )?;
                }
            }
        }
        w.flush()
    })()
    .map_err(e)?;
    progress(Phase::Writing, 3, steps);

    let path = dir.join("outputs.csv");
    let mut w = create(&path)?;
    let e = io_err(&path);
    (|| -> io::Result<()> {
        writeln!(w, "txid,vout,address,value_sat,script_type,spent_by_txid,spent_by_input")?;
        for (t, r) in chain.txs.iter().enumerate() {
            for (k, o) in chain.outputs[r.outputs()].iter().enumerate() {
                let out = r.first_output + k as u32;
                let kind = if o.addr == NONE { "nulldata" } else { chain.addresses[o.addr as usize].kind.name() };
                if o.spent_by == NONE {
                    writeln!(w, "{},{k},{},{},{kind},,", txids[t], addr_of(out), o.value)?;
                } else {
                    let sp = chain.inputs[o.spent_by as usize];
                    let idx = o.spent_by - chain.txs[sp.tx as usize].first_input;
                    writeln!(
                        w,
                        "{},{k},{},{},{kind},{},{idx}",
                        txids[t],
                        addr_of(out),
                        o.value,
                        txids[sp.tx as usize]
                    )?;
                }
            }
        }
        w.flush()
    })()
    .map_err(e)?;
    progress(Phase::Writing, 4, steps);

    write_json(&dir.join("intel.json"), &world.intel)?;
    write_json(&dir.join("truth.json"), &TruthFile::new(world, &addrs, &txids))?;
    progress(Phase::Writing, 5, steps);

    let mut files: Vec<String> = block_files
        .iter()
        .map(|p| format!("blocks/{}", p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()))
        .collect();
    files.extend(["transactions.csv", "inputs.csv", "outputs.csv", "intel.json", "truth.json"].map(String::from));
    let manifest = Manifest {
        offramp: env!("CARGO_PKG_VERSION").to_string(),
        scenario: world.scenario.meta.id.clone(),
        seed: world.seed,
        signed: chain.signed,
        network: format!("{:?}", chain.network),
        blocks: chain.blocks.len(),
        transactions: chain.txs.len(),
        inputs: chain.inputs.len(),
        outputs: chain.outputs.len(),
        addresses: chain.addresses.len(),
        files,
    };
    write_json(&dir.join(MANIFEST), &manifest)?;
    progress(Phase::Writing, steps, steps);
    Ok(manifest)
}

fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), ExportError> {
    let mut w = create(path)?;
    serde_json::to_writer_pretty(&mut w, value).map_err(|e| io_err(path)(e.into()))?;
    w.write_all(b"\n").and_then(|_| w.flush()).map_err(io_err(path))
}

/// truth.json: the instructor's key.
#[derive(Serialize)]
struct TruthFile<'a> {
    scenario: &'a str,
    seed: u64,
    signed: bool,
    entities: &'a [TruthEntity],
    addresses: Vec<AddressRow<'a>>,
    transactions: Vec<TxRow<'a>>,
    accounts: Vec<AccountRow<'a>>,
    cashouts: Vec<CashOutRow<'a>>,
    answers: Vec<AnswerRow<'a>>,
}

#[derive(Serialize)]
struct AddressRow<'a> {
    address: &'a str,
    entity: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    member: Option<u32>,
    role: crate::scenario::AddrRole,
    #[serde(skip_serializing_if = "Option::is_none")]
    account: Option<&'a str>,
}

#[derive(Serialize)]
struct TxRow<'a> {
    txid: &'a str,
    #[serde(flatten)]
    purpose: PurposeRow<'a>,
}

#[derive(Serialize)]
struct PurposeRow<'a> {
    purpose: Purpose,
    #[serde(skip_serializing_if = "Option::is_none")]
    step: Option<&'a str>,
}

#[derive(Serialize)]
struct AccountRow<'a> {
    #[serde(flatten)]
    account: &'a Account,
    service_id: &'a str,
    holder_id: &'a str,
    deposit_addresses: Vec<&'a str>,
}

#[derive(Serialize)]
struct CashOutRow<'a> {
    #[serde(flatten)]
    cashout: &'a CashOut,
    step_id: &'a str,
    service_id: &'a str,
    address: &'a str,
    txid: &'a str,
}

#[derive(Serialize)]
struct AnswerRow<'a> {
    objective: &'a str,
    answer: &'a crate::answer::Resolved,
}

impl<'a> TruthFile<'a> {
    fn new(world: &'a World, addrs: &'a [String], txids: &'a [String]) -> Self {
        let t = &world.truth;
        let sc = &world.scenario;
        let ent = |e: u32| t.entities[e as usize].id.as_str();
        TruthFile {
            scenario: &sc.meta.id,
            seed: world.seed,
            signed: world.chain.signed,
            entities: &t.entities,
            addresses: t
                .addresses
                .iter()
                .enumerate()
                .map(|(i, a)| AddressRow {
                    address: &addrs[i],
                    entity: ent(a.entity),
                    member: (a.member != NONE).then_some(a.member),
                    role: a.role,
                    account: (a.account != NONE).then(|| t.accounts[a.account as usize].account_id.as_str()),
                })
                .collect(),
            transactions: t
                .purposes
                .iter()
                .enumerate()
                .map(|(i, p)| TxRow {
                    txid: &txids[i],
                    purpose: PurposeRow {
                        purpose: *p,
                        step: match p {
                            Purpose::Story(s) => Some(sc.story[*s as usize].id.as_str()),
                            _ => None,
                        },
                    },
                })
                .collect(),
            accounts: t
                .accounts
                .iter()
                .map(|a| AccountRow {
                    account: a,
                    service_id: ent(a.service),
                    holder_id: ent(a.holder),
                    deposit_addresses: a.addresses.iter().map(|x| addrs[*x as usize].as_str()).collect(),
                })
                .collect(),
            cashouts: t
                .cashouts
                .iter()
                .map(|c| CashOutRow {
                    cashout: c,
                    step_id: &sc.story[c.step as usize].id,
                    service_id: ent(c.service),
                    address: &addrs[world.chain.outputs[c.output as usize].addr as usize],
                    txid: &txids[world.chain.outputs[c.output as usize].tx as usize],
                })
                .collect(),
            answers: sc
                .objectives
                .iter()
                .zip(&t.answers)
                .map(|(o, a)| AnswerRow { objective: &o.id, answer: a })
                .collect(),
        }
    }
}
