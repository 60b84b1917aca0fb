//! The explorer's index beside the blocks: `explorer.idx` in a generated directory holds the
//! chain's tables and the explorer's lookup tables as they are in memory, so that `offramp
//! inspect` maps the file and reads only the pages a question needs, instead of parsing every
//! block on every call.
//!
//! The file is `OFFRAMPX`, a version (u32 little-endian), the length of a JSON header (u32),
//! the header, zeros to a 64-byte boundary, then the sections, each at an 8-byte boundary.
//! The header names the block files the index was made from (size, and the byte and hash of
//! each file's last block), where each section lies, and a CRC-32 of everything after the
//! header. An index is used only when all of that still holds; otherwise the blocks are read
//! again and the index rewritten. It is written to a temporary name and renamed into place,
//! so a reader sees the old index or the new one, never half of one; the file is never
//! changed in place, which is what makes mapping it sound.

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::sync::Arc;

use bytemuck::{Pod, Zeroable};
use serde::{Deserialize, Serialize};

use super::index::Lookup;
use crate::ledger::blockfile::FileStamp;
use crate::ledger::table::{Mapping, Table};
use crate::ledger::{BlockRecord, Chain, TxIdx};
use crate::vocab::Network;

/// The index's file name in a generated directory.
pub const INDEX: &str = "explorer.idx";
const MAGIC: &[u8; 8] = b"OFFRAMPX";
/// Bumped whenever a record's layout changes; an index of another version is rebuilt.
const VERSION: u32 = 1;
const FORMAT: &str = "offramp-explorer-index";
/// No header Offramp writes comes near this (it grows with the number of block files).
const MAX_HEADER: usize = 1 << 20;

#[derive(Debug, Serialize, Deserialize)]
struct Header {
    format: String,
    network: Network,
    signed: bool,
    files: Vec<FileStamp>,
    sections: Vec<Section>,
    /// CRC-32 (IEEE) of every byte after the header's padding.
    crc32: u32,
}

/// `count` records of `record` bytes at `offset` bytes after the header's padding.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Section {
    name: String,
    record: usize,
    offset: usize,
    count: usize,
}

/// A block without its bytes, as the index stores it.
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
#[repr(C)]
struct BlockRow {
    hash: [u8; 32],
    height: u32,
    time: u32,
    first_tx: TxIdx,
    n_tx: u32,
}

/// The sections, in file order.
const SECTIONS: [&str; 9] =
    ["addresses", "transactions", "inputs", "outputs", "blocks", "addr_start", "addr_txs", "by_payload", "by_txid"];

fn align(n: usize, to: usize) -> usize {
    n.div_ceil(to) * to
}

/// Writes the index of a chain that is about to be written in `dir/blocks/` in files of at
/// most `max_file` bytes (at generate time).
///
/// # Errors
/// Any I/O error.
pub fn write_generated(dir: &Path, chain: &Chain, max_file: u64) -> io::Result<()> {
    let files = crate::ledger::blockfile::layout(&chain.blocks, max_file).into_iter().map(|(_, s)| s).collect();
    write_for(dir, chain, files)
}

/// Writes the index of `chain`, whose blocks are in the block files `files` stamps.
///
/// # Errors
/// Any I/O error.
pub fn write_for(dir: &Path, chain: &Chain, files: Vec<FileStamp>) -> io::Result<()> {
    write(dir, chain, &Lookup::build(chain), files)
}

/// Writes the index of `chain` into `dir`, made from the block files `files`.
///
/// # Errors
/// Any I/O error; nothing is then left under the index's name.
pub(super) fn write(dir: &Path, chain: &Chain, lookup: &Lookup, files: Vec<FileStamp>) -> io::Result<()> {
    use bitcoin::hashes::Hash;
    let blocks: Vec<BlockRow> = chain
        .blocks
        .iter()
        .map(|b| BlockRow {
            hash: b.hash.to_byte_array(),
            height: b.height,
            time: b.time,
            first_tx: b.first_tx,
            n_tx: b.n_tx,
        })
        .collect();
    let parts: [(&[u8], usize); 9] = [
        (chain.addresses.as_bytes(), size_of::<crate::ledger::AddrInfo>()),
        (chain.txs.as_bytes(), size_of::<crate::ledger::TxRecord>()),
        (chain.inputs.as_bytes(), size_of::<crate::ledger::InputRecord>()),
        (chain.outputs.as_bytes(), size_of::<crate::ledger::OutputRecord>()),
        (bytemuck::cast_slice(&blocks), size_of::<BlockRow>()),
        (lookup.addr_start.as_bytes(), 4),
        (lookup.addr_txs.as_bytes(), 4),
        (lookup.by_payload.as_bytes(), 4),
        (lookup.by_txid.as_bytes(), 4),
    ];
    let mut sections = Vec::new();
    let mut crc = crc32fast::Hasher::new();
    let mut at = 0usize;
    for (name, (bytes, record)) in SECTIONS.iter().zip(parts) {
        let start = align(at, 8);
        crc.update(&vec![0u8; start - at]);
        crc.update(bytes);
        sections.push(Section { name: (*name).to_string(), record, offset: start, count: bytes.len() / record });
        at = start + bytes.len();
    }
    let header = Header {
        format: FORMAT.to_string(),
        network: chain.network,
        signed: chain.signed,
        files,
        sections,
        crc32: crc.finalize(),
    };
    let json = serde_json::to_vec(&header).map_err(io::Error::other)?;
    let tmp = dir.join(format!(".{INDEX}.tmp-{}", std::process::id()));
    let result = (|| -> io::Result<()> {
        let mut w = BufWriter::with_capacity(1 << 20, fs::File::create(&tmp)?);
        w.write_all(MAGIC)?;
        w.write_all(&VERSION.to_le_bytes())?;
        w.write_all(&(json.len() as u32).to_le_bytes())?;
        w.write_all(&json)?;
        let head = 16 + json.len();
        w.write_all(&vec![0u8; align(head, 64) - head])?;
        let mut at = 0usize;
        for (bytes, _) in parts {
            let start = align(at, 8);
            w.write_all(&vec![0u8; start - at])?;
            w.write_all(bytes)?;
            at = start + bytes.len();
        }
        w.flush()?;
        drop(w);
        fs::rename(&tmp, dir.join(INDEX))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Reads the index in `dir` if it was made from the block files `files` lists (names as the
/// manifest gives them, `blocks/blk00000.dat`), on `network`.
///
/// # Errors
/// Why the index cannot be used (absent, another version, made from other blocks, damaged),
/// in words; the caller then reads the blocks.
pub(super) fn read(dir: &Path, network: Network, files: &[&String]) -> Result<(Chain, Lookup), String> {
    if cfg!(target_endian = "big") {
        return Err("the index is little-endian and this machine is not".into());
    }
    let path = dir.join(INDEX);
    let file = fs::File::open(&path).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => format!("there is no {INDEX} yet"),
        _ => format!("{}: {e}", path.display()),
    })?;
    if !file.metadata().is_ok_and(|m| m.is_file()) {
        return Err(format!("{INDEX} is not a file"));
    }
    // SAFETY: Offramp never writes an index in place (it writes a new file and renames it
    // over the old one), so the mapped bytes do not change under us; every read of them
    // goes through bounds-checked slices, and the contents are checked below.
    let map = unsafe { memmap2::Mmap::map(&file) }.map_err(|e| format!("{}: {e}", path.display()))?;
    if map.len() < 16 || &map[..8] != MAGIC {
        return Err(format!("{INDEX} is not an Offramp index"));
    }
    let version = u32::from_le_bytes(map[8..12].try_into().expect("4 bytes"));
    if version != VERSION {
        return Err(format!("{INDEX} is version {version}, this Offramp reads version {VERSION}"));
    }
    let len = u32::from_le_bytes(map[12..16].try_into().expect("4 bytes")) as usize;
    if len > MAX_HEADER || 16 + len > map.len() {
        return Err(format!("{INDEX}: its header runs past the file"));
    }
    let header: Header =
        serde_json::from_slice(&map[16..16 + len]).map_err(|e| format!("{INDEX}: its header is damaged ({e})"))?;
    if header.format != FORMAT || header.network != network {
        return Err(format!("{INDEX} is not an index of this {network:?} chain"));
    }
    let named: Vec<String> = header.files.iter().map(|f| format!("blocks/{}", f.name)).collect();
    if named.len() != files.len() || named.iter().zip(files).any(|(a, b)| a != *b) {
        return Err(format!("{INDEX} was made from other block files than the manifest lists"));
    }
    let blocks_dir = dir.join("blocks");
    for stamp in &header.files {
        stamp.check(&blocks_dir)?;
    }
    let data = align(16 + len, 64);
    if data > map.len() {
        return Err(format!("{INDEX} is cut short"));
    }
    let mut crc = crc32fast::Hasher::new();
    crc.update(&map[data..]);
    if crc.finalize() != header.crc32 {
        return Err(format!("{INDEX} is damaged (its checksum does not match)"));
    }
    let map = Arc::new(Mapping::File(map));
    let sections: Vec<&Section> = SECTIONS
        .iter()
        .map(|name| header.sections.iter().find(|s| s.name == *name).ok_or(format!("{INDEX} has no {name} section")))
        .collect::<Result<_, _>>()?;
    fn table<T: Pod>(map: &Arc<Mapping>, data: usize, s: &Section) -> Result<Table<T>, String> {
        if s.record != size_of::<T>() {
            return Err(format!("{INDEX}: {} records are {} bytes, expected {}", s.name, s.record, size_of::<T>()));
        }
        let offset = data.checked_add(s.offset).ok_or_else(|| format!("{INDEX}: {} lies past the file", s.name))?;
        Table::mapped(Arc::clone(map), offset, s.count).map_err(|e| format!("{INDEX}: {}: {e}", s.name))
    }
    let mut chain = Chain::new(network, header.signed);
    chain.addresses = table(&map, data, sections[0])?;
    chain.txs = table(&map, data, sections[1])?;
    chain.inputs = table(&map, data, sections[2])?;
    chain.outputs = table(&map, data, sections[3])?;
    let blocks: Table<BlockRow> = table(&map, data, sections[4])?;
    chain.blocks = blocks
        .iter()
        .map(|b| BlockRecord {
            height: b.height,
            time: b.time,
            first_tx: b.first_tx,
            n_tx: b.n_tx,
            hash: bitcoin::hashes::Hash::from_byte_array(b.hash),
            raw: Vec::new(),
        })
        .collect();
    let lookup = Lookup {
        addr_start: table(&map, data, sections[5])?,
        addr_txs: table(&map, data, sections[6])?,
        by_payload: table(&map, data, sections[7])?,
        by_txid: table(&map, data, sections[8])?,
    };
    if lookup.addr_start.len() != chain.addresses.len() + 1
        || lookup.by_payload.len() != chain.addresses.len()
        || lookup.by_txid.len() != chain.txs.len()
        || chain.addresses.iter().any(|a| !a.kind_is_valid())
    {
        return Err(format!("{INDEX} does not hold a consistent chain"));
    }
    Ok((chain, lookup))
}
