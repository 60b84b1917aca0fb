//! Writes a generated world to a directory: Bitcoin Core block files, CSV tables, the
//! trainee's intel and the instructor's truth. Everything is written to a staging
//! directory beside the target and moved into place at the end, so that a failure never
//! leaves a half-written output.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;

use crate::forensics::store::INDEX;
use crate::ledger::{AddrIdx, InIdx, OutIdx, OutputRecord, TxIdx, blockfile};
use crate::outfile::OutFile;
use crate::scenario::EntityIdx;
use crate::sim::{Phase, Progress};
use crate::truth::{Account, CashOut, Purpose};
use crate::world::World;

/// The file that marks a directory as an Offramp output (and says what is in it).
pub const MANIFEST: &str = "manifest.json";
/// What the `format` field of every manifest Offramp writes says: how Offramp knows its own
/// output from a `manifest.json` of another program.
pub const FORMAT: &str = "offramp-world";
/// The tables an output holds beside `blocks/` and the manifest.
/// (`truth.json` is among them because outputs before `--key` held the key too.)
const TABLES: [&str; 5] = ["transactions.csv", "inputs.csv", "outputs.csv", "intel.json", "truth.json"];
/// No manifest Offramp writes comes near this size; a larger one is not read.
const MAX_MANIFEST_BYTES: u64 = 4 << 20;

/// Why an output directory could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("{path}: exists and is not a directory")]
    NotADirectory { path: String },
    /// The directory holds something Offramp did not write; nothing in it was touched.
    #[error(
        "{path}: {why}; it is not an earlier Offramp output, so it is left as it is (choose another directory, or empty it yourself)"
    )]
    Foreign { path: String, why: String },
    #[error("{path}: {source}")]
    Io { path: String, source: io::Error },
    /// The world's block bytes went to files while it was generated ([`generate_to`]) and
    /// are not in it to write again.
    #[error("{path}: this world's blocks were written while it was generated; generate it again to write it elsewhere")]
    BlocksWritten { path: String },
    /// The key was asked for a place where a trainee would find it, or where it would
    /// overwrite a file that is not an earlier key.
    #[error("{path}: {why}")]
    Key { path: String, why: String },
}

/// What the first line of every key (`truth.json`) says, so that Offramp knows its own key
/// from someone else's file before replacing it.
pub const KEY_FORMAT: &str = "offramp-key";

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> ExportError + '_ {
    move |source| ExportError::Io { path: path.display().to_string(), source }
}

/// What was written, for the command's summary.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Manifest {
    /// Always [`FORMAT`]; empty when read from a manifest written before the field existed.
    #[serde(default)]
    pub format: String,
    /// The version of Offramp that wrote it.
    pub offramp: String,
    pub scenario: String,
    pub seed: u64,
    pub signed: bool,
    pub network: String,
    pub blocks: usize,
    pub transactions: usize,
    pub inputs: usize,
    pub outputs: usize,
    /// Addresses that appear in some output (and so in any input that spends one).
    pub addresses: usize,
    pub files: Vec<String>,
}

/// Writes `world` into `dir`. An existing `dir` is replaced only when it is empty or holds an
/// earlier Offramp output and nothing else (see [`check_replaceable`]).
///
/// # Errors
/// An [`ExportError`]; `dir` is then as it was before.
pub fn export(world: &World, dir: &Path, progress: Progress<'_>) -> Result<Manifest, ExportError> {
    export_with_key(world, dir, None, progress)
}

/// [`export`], and the key (the world's truth) to the file `key` when given: never into
/// `dir`, which is what a trainee gets (see [`check_key_place`]).
///
/// # Errors
/// An [`ExportError`]; `dir` and `key` are then as they were before.
pub fn export_with_key(
    world: &World,
    dir: &Path,
    key: Option<&Path>,
    progress: Progress<'_>,
) -> Result<Manifest, ExportError> {
    if world.chain.blocks.iter().any(|b| b.raw.is_empty()) {
        return Err(ExportError::BlocksWritten { path: dir.display().to_string() });
    }
    staged(dir, key, |staging, key| write_all(world, staging, None, key, progress))
}

/// Why [`generate_to`] failed.
#[derive(Debug, thiserror::Error)]
pub enum GenerateToError {
    #[error(transparent)]
    Generate(#[from] crate::sim::GenerateError),
    #[error(transparent)]
    Export(#[from] ExportError),
}

/// Generates `sc` straight into `dir`: the block files are written while the blocks are
/// sealed (their bytes never all sit in memory), then the tables, intel, truth and index.
/// The output is byte for byte what [`export`] writes of the same world; `dir` is checked
/// before anything is generated and, on any error, is as it was.
///
/// # Errors
/// The generator's error, or an [`ExportError`].
pub fn generate_to(
    sc: &crate::scenario::Scenario,
    opts: &crate::sim::Options,
    dir: &Path,
    key: Option<&Path>,
    progress: Progress<'_>,
) -> Result<(World, Manifest), GenerateToError> {
    let mut world = None;
    let manifest = staged(dir, key, |staging, key| -> Result<Manifest, GenerateToError> {
        let blocks_dir = staging.join("blocks");
        fs::create_dir(&blocks_dir).map_err(io_err(&blocks_dir))?;
        let stream = blockfile::BlockStream::start(&blocks_dir, sc.meta.network, blockfile::MAX_BLOCKFILE_SIZE);
        let mut send = |hash, raw| stream.send(hash, raw);
        let limits = crate::sim::Limits::default();
        let generated = crate::sim::generate_into(sc, opts, &limits, &mut *progress, Some(&mut send));
        let stamps = stream.finish().map_err(io_err(&blocks_dir));
        crate::timing::mark("block files closed");
        let w = generated?;
        let m = write_all(&w, staging, Some(stamps?), key, progress)?;
        world = Some(w);
        Ok(m)
    })?;
    Ok((world.expect("written"), manifest))
}

/// Checks, before anything is generated, that the key may go to `key`: not inside `dir` (or
/// where `dir` is), not a directory, and, if a file is there, an earlier Offramp key.
///
/// # Errors
/// [`ExportError::Key`] saying why.
pub fn check_key_place(dir: &Path, key: &Path) -> Result<(), ExportError> {
    let fail = |why: &str| Err(ExportError::Key { path: key.display().to_string(), why: why.to_string() });
    // Compare where the two really are: symbolic links resolved where the paths exist.
    let real = |p: &Path| -> PathBuf {
        use std::path::Component;
        let abs = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
        let parts: Vec<Component<'_>> = abs.components().collect();
        let mut k = parts.len();
        while k > 0 && !parts[..k].iter().collect::<PathBuf>().exists() {
            k -= 1;
        }
        let existing: PathBuf = parts[..k].iter().collect();
        let mut out = fs::canonicalize(&existing).unwrap_or(existing);
        // What does not exist yet cannot be a link: its `..` are taken as written.
        for part in &parts[k..] {
            match part {
                Component::ParentDir => {
                    out.pop();
                }
                Component::Normal(n) => out.push(n),
                _ => {}
            }
        }
        out
    };
    let (dir, key_at) = (real(dir), real(key));
    if key_at.starts_with(&dir) {
        return fail(
            "the key would sit inside the trainee's output directory; write it somewhere the trainee does not get (e.g. --key ~/keys/NAME.truth.json)",
        );
    }
    if key.is_dir() {
        return fail("is a directory; --key takes the path of a file");
    }
    if key.exists() {
        let mut head = [0u8; 256];
        let n = fs::File::open(key).and_then(|mut f| io::Read::read(&mut f, &mut head)).unwrap_or(0);
        let text = String::from_utf8_lossy(&head[..n]);
        if !text.contains(&format!("\"format\": \"{KEY_FORMAT}\"")) {
            return fail("exists and is not an earlier Offramp key, so it is left as it is (choose another file name)");
        }
    }
    Ok(())
}

/// Writes through `write` into a staging directory beside `dir` and swaps it into place;
/// an existing `dir` is checked first ([`check_replaceable`]) and kept until the new one is in.
fn staged<E: From<ExportError>>(
    dir: &Path,
    key: Option<&Path>,
    write: impl FnOnce(&Path, Option<&Path>) -> Result<Manifest, E>,
) -> Result<Manifest, E> {
    let target = dir.to_path_buf();
    if let Some(key) = key {
        check_key_place(dir, key)?;
    }
    if target.exists() {
        if !target.is_dir() {
            return Err(ExportError::NotADirectory { path: target.display().to_string() }.into());
        }
        check_replaceable(&target)?;
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
    // The key is written beside its place under a temporary name and renamed last.
    let key_staging = match key {
        Some(k) => {
            let kname = k.file_name().map_or_else(|| "key".into(), |n| n.to_string_lossy().into_owned());
            let kparent = match k.parent() {
                Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                _ => PathBuf::from("."),
            };
            if let Err(e) = fs::create_dir_all(&kparent) {
                let _ = fs::remove_dir_all(&staging);
                return Err(io_err(&kparent)(e).into());
            }
            Some(kparent.join(format!(".{kname}.offramp-staging-{}", std::process::id())))
        }
        None => None,
    };
    let drop_key = || {
        if let Some(k) = &key_staging {
            let _ = fs::remove_file(k);
        }
    };
    let manifest = match write(&staging, key_staging.as_deref()) {
        Ok(m) => m,
        Err(e) => {
            let _ = fs::remove_dir_all(&staging);
            drop_key();
            return Err(e);
        }
    };
    // Swap into place: the old output moves aside first and goes only once the new one is in.
    let old = parent.join(format!(".{name}.offramp-old-{}", std::process::id()));
    if target.exists()
        && let Err(e) = fs::rename(&target, &old)
    {
        let _ = fs::remove_dir_all(&staging);
        drop_key();
        return Err(io_err(&target)(e).into());
    }
    if let Err(e) = fs::rename(&staging, &target) {
        if old.exists() {
            let _ = fs::rename(&old, &target);
        }
        let _ = fs::remove_dir_all(&staging);
        drop_key();
        return Err(io_err(&target)(e).into());
    }
    if old.exists() {
        let _ = fs::remove_dir_all(&old);
    }
    if let (Some(from), Some(to)) = (&key_staging, key)
        && let Err(e) = fs::rename(from, to)
    {
        drop_key();
        return Err(io_err(to)(e).into());
    }
    Ok(manifest)
}

/// Checks that replacing the existing directory `dir` loses nothing of anybody's: it is empty,
/// or it holds an Offramp manifest (its `format` is [`FORMAT`]) and otherwise only what
/// Offramp writes: the tables, and `blocks/` with the block files that manifest lists.
/// Symbolic links and files of any other name are foreign.
///
/// # Errors
/// [`ExportError::Foreign`] naming what is foreign, or an I/O error reading the directory.
pub fn check_replaceable(dir: &Path) -> Result<(), ExportError> {
    let mut foreign: Vec<String> = Vec::new();
    let mut block_files: Vec<String> = Vec::new();
    let mut has_manifest = false;
    let mut empty = true;
    for entry in fs::read_dir(dir).map_err(io_err(dir))? {
        let entry = entry.map_err(io_err(dir))?;
        empty = false;
        // The entry itself, not what a link points to.
        let kind = entry.file_type().map_err(io_err(&entry.path()))?;
        let name = entry.file_name();
        match name.to_str() {
            Some(MANIFEST) if kind.is_file() => has_manifest = true,
            Some(n) if (TABLES.contains(&n) || n == INDEX || is_index_leftover(n)) && kind.is_file() => {}
            Some("blocks") if kind.is_dir() => {
                let blocks = entry.path();
                for e in fs::read_dir(&blocks).map_err(io_err(&blocks))? {
                    let e = e.map_err(io_err(&blocks))?;
                    let kind = e.file_type().map_err(io_err(&e.path()))?;
                    let name = e.file_name().to_string_lossy().into_owned();
                    if kind.is_file() && is_block_file(&name) {
                        block_files.push(format!("blocks/{name}"));
                    } else {
                        foreign.push(format!("blocks/{name}"));
                    }
                }
            }
            _ => foreign.push(name.to_string_lossy().into_owned() + if kind.is_dir() { "/" } else { "" }),
        }
    }
    if empty {
        return Ok(());
    }
    let mut why: Vec<String> = Vec::new();
    if !foreign.is_empty() {
        foreign.sort();
        let shown: Vec<String> = foreign.iter().take(5).map(|f| format!("\"{f}\"")).collect();
        let more = if foreign.len() > 5 { format!(" and {} more", foreign.len() - 5) } else { String::new() };
        let verb = if foreign.len() == 1 { "is not a file" } else { "are not files" };
        why.push(format!("it holds {}{more}, which {verb} Offramp writes", shown.join(", ")));
    }
    if has_manifest {
        match read_manifest(&dir.join(MANIFEST)) {
            Ok(m) => {
                let mut unlisted: Vec<&String> = block_files.iter().filter(|f| !m.files.contains(f)).collect();
                unlisted.sort();
                if let Some(f) = unlisted.first() {
                    why.push(format!("\"{f}\" is not among the block files its {MANIFEST} lists"));
                }
            }
            Err(e) => why.push(format!("its {MANIFEST} is not an Offramp manifest ({e})")),
        }
    } else {
        why.push(format!("it holds no {MANIFEST}"));
    }
    if why.is_empty() {
        Ok(())
    } else {
        Err(ExportError::Foreign { path: dir.display().to_string(), why: why.join("; ") })
    }
}

/// A temporary index that an interrupted `offramp inspect` left behind.
fn is_index_leftover(name: &str) -> bool {
    name.strip_prefix('.')
        .and_then(|n| n.strip_prefix(INDEX))
        .and_then(|n| n.strip_prefix(".tmp-"))
        .is_some_and(|pid| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
}

/// `blkNNNNN.dat`, as [`blockfile::write_blocks`] names its files.
fn is_block_file(name: &str) -> bool {
    name.strip_prefix("blk")
        .and_then(|n| n.strip_suffix(".dat"))
        .is_some_and(|n| n.len() >= 5 && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Reads a manifest that Offramp wrote, or says why `path` is not one.
fn read_manifest(path: &Path) -> Result<Manifest, String> {
    let size = fs::metadata(path).map_err(|e| e.to_string())?.len();
    if size > MAX_MANIFEST_BYTES {
        return Err(format!("{size} bytes, more than Offramp ever writes there"));
    }
    let bytes = fs::read(path).map_err(|e| e.to_string())?;
    let m: Manifest = serde_json::from_slice(&bytes).map_err(|e| e.to_string())?;
    match m.format.as_str() {
        FORMAT => Ok(m),
        "" => Err(format!("it has no \"format\": \"{FORMAT}\"")),
        other => Err(format!("its format is \"{other}\", not \"{FORMAT}\"")),
    }
}

/// The tables and the key are written past the page cache ([`crate::outfile`]): nothing
/// here reads them again, and at a million transactions they are 1.5 GB.
fn create(path: &Path) -> Result<OutFile, ExportError> {
    OutFile::create(path).map_err(io_err(path))
}

/// Every address as text, computed once (in parallel) and kept in one buffer.
struct AddressText {
    text: String,
    ends: Vec<u32>,
}

impl AddressText {
    fn new(chain: &crate::ledger::Chain) -> Self {
        use rayon::prelude::*;
        let parts: Vec<(String, Vec<u32>)> = (0..chain.addresses.len())
            .into_par_iter()
            .chunks(4096)
            .map(|chunk| {
                let mut text = String::new();
                let mut lens = Vec::with_capacity(chunk.len());
                for a in chunk {
                    let before = text.len();
                    chain.addresses[AddrIdx::new(a)]
                        .write_address(chain.network, &mut text)
                        .expect("writing to a string");
                    lens.push((text.len() - before) as u32);
                }
                (text, lens)
            })
            .collect();
        let mut text = String::with_capacity(parts.iter().map(|p| p.0.len()).sum());
        let mut ends = Vec::with_capacity(chain.addresses.len());
        for (t, lens) in &parts {
            let base = text.len() as u32;
            let mut at = base;
            for l in lens {
                at += l;
                ends.push(at);
            }
            text.push_str(t);
        }
        AddressText { text, ends }
    }

    fn get(&self, a: AddrIdx) -> &str {
        let a = a.index();
        let end = self.ends[a] as usize;
        let start = if a == 0 { 0 } else { self.ends[a - 1] as usize };
        &self.text[start..end]
    }

    /// The address an output pays, empty for a data output.
    fn paid_by(&self, o: &OutputRecord) -> &str {
        o.addr().map_or("", |a| self.get(a))
    }
}

/// A txid as the usual (reversed) hex, without allocating.
fn hex_txid<'o>(t: &bitcoin::Txid, out: &'o mut [u8; 64]) -> &'o str {
    use bitcoin::hashes::Hash;
    hex_reversed(&t.to_byte_array(), out);
    std::str::from_utf8(out).expect("hex is ASCII")
}

fn hex_reversed(bytes: &[u8; 32], out: &mut [u8; 64]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for (i, b) in bytes.iter().rev().enumerate() {
        out[2 * i] = HEX[(b >> 4) as usize];
        out[2 * i + 1] = HEX[(b & 15) as usize];
    }
}

/// Rows of a table built as bytes, without `fmt` (a million transactions make five million
/// rows), and handed to the file 64 KiB at a time.
struct Rows<'w> {
    out: &'w mut OutFile,
    buf: Vec<u8>,
}

impl<'w> Rows<'w> {
    fn new(out: &'w mut OutFile) -> Self {
        Rows { out, buf: Vec::with_capacity(1 << 17) }
    }

    fn str(&mut self, s: &str) -> &mut Self {
        self.buf.extend_from_slice(s.as_bytes());
        self
    }

    fn num(&mut self, v: u64) -> &mut Self {
        let mut digits = [0u8; 20];
        let mut at = digits.len();
        let mut v = v;
        loop {
            at -= 1;
            digits[at] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        self.buf.extend_from_slice(&digits[at..]);
        self
    }

    fn int(&mut self, v: i64) -> &mut Self {
        if v < 0 {
            self.buf.push(b'-');
        }
        self.num(v.unsigned_abs())
    }

    /// A number with two decimals, as `{:.2}` writes it.
    fn fixed2(&mut self, v: f64) -> &mut Self {
        write!(self.buf, "{v:.2}").expect("writing to memory");
        self
    }

    /// A txid (or block hash) as explorers print it: its bytes reversed, in hex.
    fn txid(&mut self, raw: &[u8; 32]) -> &mut Self {
        let mut h = [0u8; 64];
        hex_reversed(raw, &mut h);
        self.buf.extend_from_slice(&h);
        self
    }

    fn comma(&mut self) -> &mut Self {
        self.buf.push(b',');
        self
    }

    /// Ends the row, and passes the rows on once enough have gathered.
    fn end(&mut self) -> io::Result<()> {
        self.buf.push(b'\n');
        if self.buf.len() >= 1 << 16 {
            self.out.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.write_all(&self.buf)?;
        self.buf.clear();
        Ok(())
    }
}

/// Writes everything of `world` into `dir`; `streamed` are the stamps of block files already
/// written there (by [`generate_to`]), else the blocks are written from the world.
fn write_all(
    world: &World,
    dir: &Path,
    streamed: Option<Vec<blockfile::FileStamp>>,
    key: Option<&Path>,
    progress: Progress<'_>,
) -> Result<Manifest, ExportError> {
    let chain = &world.chain;
    progress(Phase::Writing, 0, 3);
    let blocks_dir = dir.join("blocks");
    // Blocks not already streamed into their files are written here, from the world.
    let write_blocks = streamed.is_none();
    let stamps = match streamed {
        Some(stamps) => stamps,
        None => {
            fs::create_dir(&blocks_dir).map_err(io_err(&blocks_dir))?;
            blockfile::layout(&chain.blocks, blockfile::MAX_BLOCKFILE_SIZE).into_iter().map(|(_, s)| s).collect()
        }
    };
    let timing = crate::timing::on();
    let t = std::time::Instant::now();
    let addrs = AddressText::new(chain);
    if timing {
        eprintln!("timing: address text {:.2}s", t.elapsed().as_secs_f64());
    }
    progress(Phase::Writing, 1, 3);
    // The files are independent: write them side by side. Rayon gives the first half of the
    // list to one core and the rest to the other: the index (the longest, through the page
    // cache) and the small files on one, the tables on the other.
    type Job<'a> = Box<dyn FnOnce() -> Result<(), ExportError> + Send + 'a>;
    let addrs = &addrs;
    let mut jobs: Vec<(&str, Job<'_>)> = vec![
        (
            INDEX,
            Box::new(|| {
                crate::forensics::store::write_for(dir, chain, stamps.clone()).map_err(io_err(&dir.join(INDEX)))
            }),
        ),
        ("intel.json", Box::new(|| write_json(&dir.join("intel.json"), &world.intel))),
        (
            "blocks",
            Box::new(|| {
                if write_blocks {
                    blockfile::write_blocks(&blocks_dir, chain.network, &chain.blocks, blockfile::MAX_BLOCKFILE_SIZE)
                        .map_err(io_err(&blocks_dir))?;
                }
                Ok(())
            }),
        ),
        ("transactions.csv", Box::new(|| write_transactions(world, &dir.join("transactions.csv")))),
        ("inputs.csv", Box::new(|| write_inputs(world, addrs, &dir.join("inputs.csv")))),
        ("outputs.csv", Box::new(|| write_outputs(world, addrs, &dir.join("outputs.csv")))),
    ];
    if let Some(key) = key {
        jobs.push(("key", Box::new(move || write_truth(world, addrs, key))));
    }
    let results: Vec<Result<(), ExportError>> = jobs
        .into_par_iter()
        .map(|(name, job)| {
            let t = std::time::Instant::now();
            let r = job();
            if timing {
                eprintln!("timing: {name} {:.2}s", t.elapsed().as_secs_f64());
            }
            r
        })
        .collect();
    for r in results {
        r?;
    }
    progress(Phase::Writing, 2, 3);
    let mut files: Vec<String> = stamps.iter().map(|s| format!("blocks/{}", s.name)).collect();
    files.extend(["transactions.csv", "inputs.csv", "outputs.csv", "intel.json", INDEX].map(String::from));
    let manifest = Manifest {
        format: FORMAT.to_string(),
        offramp: env!("CARGO_PKG_VERSION").to_string(),
        scenario: world.scenario.meta.id.clone(),
        seed: world.seed,
        signed: chain.signed,
        network: format!("{:?}", chain.network),
        blocks: chain.blocks.len(),
        transactions: chain.txs.len(),
        inputs: chain.inputs.len(),
        outputs: chain.outputs.len(),
        addresses: chain.addresses_on_chain(),
        files,
    };
    write_json(&dir.join(MANIFEST), &manifest)?;
    crate::timing::mark("files written");
    progress(Phase::Writing, 3, 3);
    Ok(manifest)
}

fn finish(w: OutFile, path: &Path, r: io::Result<()>) -> Result<(), ExportError> {
    r.and_then(|_| w.finish()).map_err(io_err(path))
}

fn write_transactions(world: &World, path: &Path) -> Result<(), ExportError> {
    let chain = &world.chain;
    let mut w = create(path)?;
    let r = (|| -> io::Result<()> {
        let mut rows = Rows::new(&mut w);
        rows.str(
            "txid,block_height,block_hash,block_time,position,version,locktime,size,vsize,weight,fee_sat,fee_rate_sat_vb,input_count,output_count,coinbase",
        )
        .end()?;
        for b in &chain.blocks {
            use bitcoin::hashes::Hash;
            let hash = b.hash.to_byte_array();
            for (pos, t) in b.txs().enumerate() {
                let r = &chain.txs[t];
                let rate = if r.vsize > 0 { r.fee as f64 / r.vsize as f64 } else { 0.0 };
                rows.txid(&r.txid_raw).comma().num(b.height.into()).comma().txid(&hash).comma();
                rows.num(b.time.into()).comma().num(pos as u64).comma().int(r.version.into()).comma();
                rows.num(r.locktime.into()).comma().num(r.size.into()).comma().num(r.vsize.into()).comma();
                rows.num(r.weight.into()).comma().num(r.fee).comma().fixed2(rate).comma();
                rows.num(r.n_inputs.into()).comma().num(r.n_outputs.into()).comma();
                rows.str(if pos == 0 { "true" } else { "false" }).end()?;
            }
        }
        rows.flush()
    })();
    finish(w, path, r)
}

/// Rows gathered this many at a time: each table row reads records scattered over a
/// gigabyte (the output an input spends, that output's transaction, its address's text),
/// and reading a batch's records one kind at a time lets the processor wait for many of
/// those cache misses at once instead of one after another.
const GATHER: usize = 256;

fn write_inputs(world: &World, addrs: &AddressText, path: &Path) -> Result<(), ExportError> {
    let chain = &world.chain;
    let mut w = create(path)?;
    let r = (|| -> io::Result<()> {
        let mut rows = Rows::new(&mut w);
        rows.str("txid,input_index,prev_txid,prev_vout,address,value_sat,sequence").end()?;
        let mut spent: Vec<Option<(OutIdx, OutputRecord)>> = Vec::with_capacity(GATHER);
        let mut prev_tx: Vec<(&[u8; 32], u32)> = Vec::with_capacity(GATHER);
        let mut paid: Vec<&str> = Vec::with_capacity(GATHER);
        for (first, batch) in (0..).step_by(GATHER).zip(chain.inputs.as_slice().chunks(GATHER)) {
            spent.clear();
            spent.extend(batch.iter().map(|i| i.prev().map(|p| (p, chain.outputs[p]))));
            prev_tx.clear();
            prev_tx.extend(spent.iter().map(|s| match s {
                Some((p, o)) => {
                    let t = &chain.txs[o.tx];
                    (&t.txid_raw, t.vout(*p))
                }
                None => (&[0; 32], u32::MAX),
            }));
            paid.clear();
            paid.extend(spent.iter().map(|s| s.as_ref().map_or("", |(_, o)| addrs.paid_by(o))));
            for (k, i) in batch.iter().enumerate() {
                let t = &chain.txs[i.tx];
                let number = t.input_number(InIdx::new(first + k));
                let (prev_txid, vout) = prev_tx[k];
                rows.txid(&t.txid_raw).comma().num(number.into()).comma();
                // A coinbase's input spends the null outpoint (vout 0xffffffff).
                rows.txid(prev_txid).comma().num(vout.into()).comma().str(paid[k]).comma();
                rows.num(spent[k].map_or(0, |(_, o)| o.value)).comma().num(i.sequence.into()).end()?;
            }
        }
        rows.flush()
    })();
    finish(w, path, r)
}

fn write_outputs(world: &World, addrs: &AddressText, path: &Path) -> Result<(), ExportError> {
    let chain = &world.chain;
    let mut w = create(path)?;
    let r = (|| -> io::Result<()> {
        let mut rows = Rows::new(&mut w);
        rows.str("txid,vout,address,value_sat,script_type,spent_by_txid,spent_by_input").end()?;
        let mut spender: Vec<Option<(InIdx, TxIdx)>> = Vec::with_capacity(GATHER);
        let mut spender_tx: Vec<Option<(&[u8; 32], u32)>> = Vec::with_capacity(GATHER);
        let mut paid: Vec<(&str, &str)> = Vec::with_capacity(GATHER);
        for (first, batch) in (0..).step_by(GATHER).zip(chain.outputs.as_slice().chunks(GATHER)) {
            spender.clear();
            spender.extend(batch.iter().map(|o| o.spent_by().map(|sp| (sp, chain.inputs[sp].tx))));
            spender_tx.clear();
            spender_tx.extend(spender.iter().map(|s| {
                s.map(|(sp, stx)| {
                    let t = &chain.txs[stx];
                    (&t.txid_raw, t.input_number(sp))
                })
            }));
            paid.clear();
            paid.extend(batch.iter().map(|o| {
                let kind = o.addr().map_or("nulldata", |a| chain.addresses[a].kind().name());
                (addrs.paid_by(o), kind)
            }));
            for (k, o) in batch.iter().enumerate() {
                let t = &chain.txs[o.tx];
                let (address, kind) = paid[k];
                rows.txid(&t.txid_raw).comma().num(t.vout(OutIdx::new(first + k)).into()).comma();
                rows.str(address).comma().num(o.value).comma().str(kind).comma();
                if let Some((txid, number)) = spender_tx[k] {
                    rows.txid(txid).comma().num(number.into());
                } else {
                    rows.comma();
                }
                rows.end()?;
            }
        }
        rows.flush()
    })();
    finish(w, path, r)
}

/// truth.json: the instructor's key. The answers come first and pretty; the long tables
/// follow with one record per line, so that the file stays readable and streams out
/// without building it in memory.
fn write_truth(world: &World, addrs: &AddressText, path: &Path) -> Result<(), ExportError> {
    let t = &world.truth;
    let sc = &world.scenario;
    let chain = &world.chain;
    let ent = |e: EntityIdx| t.entities[e].id.as_str();
    let mut w = create(path)?;
    let json = |e: serde_json::Error| io::Error::other(e);
    let r = (|| -> io::Result<()> {
        writeln!(w, "{{")?;
        writeln!(w, "  \"format\": \"{KEY_FORMAT}\",")?;
        writeln!(w, "  \"scenario\": {},", serde_json::to_string(&sc.meta.id).map_err(json)?)?;
        writeln!(w, "  \"seed\": {},", world.seed)?;
        writeln!(w, "  \"signed\": {},", chain.signed)?;
        let answers: Vec<AnswerRow<'_>> =
            sc.objectives.iter().zip(&t.answers).map(|(o, a)| AnswerRow { objective: &o.id, answer: a }).collect();
        writeln!(w, "  \"answers\": {},", indent(&serde_json::to_string_pretty(&answers).map_err(json)?))?;
        writeln!(w, "  \"entities\": {},", indent(&serde_json::to_string_pretty(&t.entities).map_err(json)?))?;
        let accounts: Vec<AccountRow<'_>> = t
            .accounts
            .iter()
            .map(|a| AccountRow {
                account: a,
                service_id: ent(a.service),
                holder_id: ent(a.holder),
                deposit_addresses: a.addresses.iter().map(|x| addrs.get(*x)).collect(),
            })
            .collect();
        writeln!(w, "  \"accounts\": {},", indent(&serde_json::to_string_pretty(&accounts).map_err(json)?))?;
        let cashouts: Vec<CashOutRow<'_>> = t
            .cashouts
            .iter()
            .map(|c| {
                let o = &chain.outputs[c.output];
                CashOutRow {
                    cashout: c,
                    step_id: &sc.story[c.step].id,
                    service_id: ent(c.service),
                    address: addrs.paid_by(o),
                    txid: chain.txs[o.tx].txid().to_string(),
                }
            })
            .collect();
        writeln!(w, "  \"cashouts\": {},", indent(&serde_json::to_string_pretty(&cashouts).map_err(json)?))?;
        writeln!(w, "  \"addresses\": [")?;
        // One record per line, each serialized into the same buffer (no string per row).
        let mut line = Vec::with_capacity(256);
        for (i, a) in t.addresses.iter().enumerate() {
            let row = AddressRow {
                address: addrs.get(AddrIdx::new(i)),
                entity: ent(a.entity),
                member: a.member,
                role: a.role,
                account: a.account.map(|k| t.accounts[k].account_id.as_str()),
            };
            record_line(&mut w, &mut line, &row, i + 1 < t.addresses.len())?;
        }
        writeln!(w, "  ],")?;
        writeln!(w, "  \"transactions\": [")?;
        let mut h = [0u8; 64];
        for (i, p) in t.purposes.iter().enumerate() {
            let row = TxRow {
                txid: hex_txid(&chain.txs[TxIdx::new(i)].txid(), &mut h),
                purpose: PurposeRow {
                    purpose: *p,
                    step: match p {
                        Purpose::Story(s) => Some(sc.story[*s].id.as_str()),
                        _ => None,
                    },
                },
            };
            record_line(&mut w, &mut line, &row, i + 1 < t.purposes.len())?;
        }
        writeln!(w, "  ]")?;
        writeln!(w, "}}")?;
        Ok(())
    })();
    finish(w, path, r)
}

/// Writes `row` as one line of a JSON array four spaces in, with a comma unless it is the last.
fn record_line(w: &mut OutFile, line: &mut Vec<u8>, row: &impl Serialize, more: bool) -> io::Result<()> {
    line.clear();
    line.extend_from_slice(b"    ");
    serde_json::to_writer(&mut *line, row).map_err(io::Error::other)?;
    line.extend_from_slice(if more { b",\n" } else { b"\n" });
    w.write_all(line)
}

/// Indents every line but the first by two spaces, to nest pretty JSON one level down.
fn indent(s: &str) -> String {
    s.replace('\n', "\n  ")
}

fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), ExportError> {
    let mut w = create(path)?;
    serde_json::to_writer_pretty(&mut w, value).map_err(|e| io_err(path)(e.into()))?;
    w.write_all(b"\n").and_then(|_| w.finish()).map_err(io_err(path))
}

#[derive(Serialize)]
struct AddressRow<'a> {
    address: &'a str,
    entity: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    member: Option<crate::truth::MemberIdx>,
    role: crate::vocab::AddrRole,
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
    txid: String,
}

#[derive(Serialize)]
struct AnswerRow<'a> {
    objective: &'a str,
    answer: &'a crate::answer::Resolved,
}
