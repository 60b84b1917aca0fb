//! Bitcoin Core's block files: `blocks/blkNNNNN.dat`, each a run of
//! `magic (4 bytes) | length (u32 little-endian) | serialized block`, written past the page
//! cache ([`crate::outfile`]).

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use bitcoin::Block;
use bitcoin::consensus::encode;
use serde::{Deserialize, Serialize};

use super::BlockRecord;
use crate::outfile::OutFile;
use crate::vocab::Network;

/// Bitcoin Core starts a new block file when the current one would pass 128 MiB.
pub const MAX_BLOCKFILE_SIZE: u64 = 0x800_0000;

/// The 4-byte message start of a network, as written before each block.
pub fn magic(network: Network) -> [u8; 4] {
    network.bitcoin().magic().to_bytes()
}

/// What identifies a block file an index was made from: its size and its last block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileStamp {
    /// `blkNNNNN.dat`.
    pub name: String,
    pub size: u64,
    /// The byte at which the last block's 80-byte header starts.
    pub last_header_at: u64,
    /// That block's hash, as explorers print it.
    pub last_hash: String,
}

impl FileStamp {
    /// Checks the file `dir/name` against the stamp: the same size, and the header at
    /// `last_header_at` hashes to `last_hash`. Reads 80 bytes.
    ///
    /// # Errors
    /// What differs, in words.
    pub fn check(&self, dir: &Path) -> Result<(), String> {
        use std::io::{Read, Seek, SeekFrom};
        let path = dir.join(&self.name);
        let mut f = std::fs::File::open(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let size = f.metadata().map_err(|e| format!("{}: {e}", path.display()))?.len();
        if size != self.size {
            return Err(format!("{} is {size} bytes, the index was made from {}", self.name, self.size));
        }
        let mut header = [0u8; 80];
        f.seek(SeekFrom::Start(self.last_header_at))
            .and_then(|_| f.read_exact(&mut header))
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let hash = encode::deserialize::<bitcoin::block::Header>(&header).map(|h| h.block_hash().to_string()).ok();
        if hash.as_deref() != Some(self.last_hash.as_str()) {
            return Err(format!("the last block of {} is not the one the index was made from", self.name));
        }
        Ok(())
    }
}

/// The file name of the `k`th block file.
fn file_name(k: usize) -> String {
    format!("blk{k:05}.dat")
}

/// Where blocks go as they are added, one after another: a new file when the current one
/// would pass `max` bytes (a block larger than that gets a file of its own), and each file's
/// stamp. Both the writer of a whole chain and the streaming writer place blocks with it.
struct Rolling {
    max: u64,
    files: Vec<FileStamp>,
}

impl Rolling {
    fn new(max: u64) -> Self {
        Rolling { max, files: Vec::new() }
    }

    /// Places a block of `len` bytes with `hash`; true when it starts a new file.
    fn add(&mut self, len: usize, hash: &bitcoin::BlockHash) -> bool {
        let need = 8 + len as u64;
        let new = self.files.last().is_none_or(|s| s.size > 0 && s.size + need > self.max);
        if new {
            let name = file_name(self.files.len());
            self.files.push(FileStamp { name, size: 0, last_header_at: 0, last_hash: String::new() });
        }
        let stamp = self.files.last_mut().expect("a file is open");
        stamp.last_header_at = stamp.size + 8;
        stamp.last_hash = hash.to_string();
        stamp.size += need;
        new
    }
}

/// How [`write_blocks`] lays `blocks` out in files: each file's blocks and its stamp.
pub fn layout(blocks: &[BlockRecord], max_file: u64) -> Vec<(std::ops::Range<usize>, FileStamp)> {
    let mut rolling = Rolling::new(max_file);
    let mut starts = Vec::new();
    for (i, b) in blocks.iter().enumerate() {
        if rolling.add(b.raw.len(), &b.hash) {
            starts.push(i);
        }
    }
    let ends = starts.iter().skip(1).copied().chain(std::iter::once(blocks.len()));
    starts.iter().zip(ends).map(|(&s, e)| s..e).zip(rolling.files).collect()
}

/// Writes the blocks into `dir/blk00000.dat`, `dir/blk00001.dat`, … and returns the files.
///
/// # Errors
/// Any I/O error of creating or writing a file.
pub fn write_blocks(dir: &Path, network: Network, blocks: &[BlockRecord], max_file: u64) -> io::Result<Vec<PathBuf>> {
    let magic = magic(network);
    let mut files = Vec::new();
    for (range, stamp) in layout(blocks, max_file) {
        let path = dir.join(&stamp.name);
        let mut w = OutFile::create(&path)?;
        for b in &blocks[range] {
            w.write_all(&magic)?;
            w.write_all(&(b.raw.len() as u32).to_le_bytes())?;
            w.write_all(&b.raw)?;
        }
        w.finish()?;
        files.push(path);
    }
    Ok(files)
}

/// Writes blocks into files as the sealer finishes them, on a thread of its own, so that a
/// large world's block bytes never all sit in memory and the writing overlaps the sealing.
/// The files are byte for byte what [`write_blocks`] writes.
pub struct BlockStream {
    to_writer: Option<std::sync::mpsc::SyncSender<(bitcoin::BlockHash, Vec<u8>)>>,
    writer: std::thread::JoinHandle<io::Result<Vec<FileStamp>>>,
}

impl BlockStream {
    /// Starts writing into `dir` (which must exist).
    pub fn start(dir: &Path, network: Network, max_file: u64) -> BlockStream {
        // A few windows of blocks in flight at most.
        let (tx, rx) = std::sync::mpsc::sync_channel::<(bitcoin::BlockHash, Vec<u8>)>(128);
        let dir = dir.to_path_buf();
        let magic = magic(network);
        let writer = std::thread::spawn(move || -> io::Result<Vec<FileStamp>> {
            let mut rolling = Rolling::new(max_file);
            let mut out: Option<OutFile> = None;
            for (hash, raw) in rx {
                if rolling.add(raw.len(), &hash) {
                    if let Some(w) = out.take() {
                        w.finish()?;
                    }
                    let path = dir.join(&rolling.files.last().expect("a file").name);
                    out = Some(OutFile::create(&path)?);
                }
                let w = out.as_mut().expect("a file is open");
                w.write_all(&magic)?;
                w.write_all(&(raw.len() as u32).to_le_bytes())?;
                w.write_all(&raw)?;
            }
            if let Some(w) = out.take() {
                w.finish()?;
            }
            Ok(rolling.files)
        });
        BlockStream { to_writer: Some(tx), writer }
    }

    /// Hands the next block (in chain order) to the writer. If the writer has stopped on an
    /// error, the block is dropped and [`BlockStream::finish`] reports the error.
    pub fn send(&self, hash: bitcoin::BlockHash, raw: Vec<u8>) {
        if let Some(tx) = &self.to_writer {
            let _ = tx.send((hash, raw));
        }
    }

    /// Waits for the writer and returns the files' stamps, in order.
    ///
    /// # Errors
    /// The first I/O error the writer met.
    pub fn finish(mut self) -> io::Result<Vec<FileStamp>> {
        drop(self.to_writer.take());
        self.writer.join().unwrap_or_else(|_| Err(io::Error::other("the block writer stopped")))
    }
}

/// Why a block file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read {path}: {source}")]
    Io { path: String, source: io::Error },
    #[error("{path}: at byte {offset}: the network magic is {found:02x?}, expected {expected:02x?}")]
    Magic { path: String, offset: usize, found: [u8; 4], expected: [u8; 4] },
    #[error("{path}: at byte {offset}: the file ends inside a block")]
    Truncated { path: String, offset: usize },
    #[error("{path}: at byte {offset}: not a valid block: {source}")]
    Decode { path: String, offset: usize, source: encode::Error },
}

/// Reads every block of one block file.
///
/// # Errors
/// A [`ReadError`] naming the file and the byte where reading stopped.
pub fn read_blocks(path: &Path, network: Network) -> Result<Vec<Block>, ReadError> {
    read_file(path, network).map(|f| f.blocks)
}

/// The blocks of one file, and its stamp.
pub struct BlockFile {
    pub blocks: Vec<Block>,
    pub stamp: FileStamp,
}

/// Reads every block of one block file, and stamps it.
///
/// # Errors
/// A [`ReadError`] naming the file and the byte where reading stopped.
pub fn read_file(path: &Path, network: Network) -> Result<BlockFile, ReadError> {
    let name = path.display().to_string();
    let data = std::fs::read(path).map_err(|source| ReadError::Io { path: name.clone(), source })?;
    let (blocks, last_header_at) = parse_blocks(&data, &name, network)?;
    let stamp = FileStamp {
        name: path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        size: data.len() as u64,
        last_header_at: last_header_at as u64,
        last_hash: blocks.last().map(|b| b.block_hash().to_string()).unwrap_or_default(),
    };
    Ok(BlockFile { blocks, stamp })
}

/// Parses blocks laid out as in a block file (network magic, little-endian length, block),
/// up to the end of `data` or the zero padding after the last one. Returns the blocks and
/// the offset of the last one. `name` names the data in errors.
///
/// # Errors
/// A [`ReadError`] naming `name` and the byte where reading stopped.
pub fn parse_blocks(data: &[u8], name: &str, network: Network) -> Result<(Vec<Block>, usize), ReadError> {
    let name = name.to_string();
    let expected = magic(network);
    let mut blocks = Vec::new();
    let mut at = 0usize;
    let mut last_header_at = 0usize;
    while at < data.len() {
        // Bitcoin Core pre-allocates files with zeros; stop at the padding.
        if data[at..].iter().all(|&b| b == 0) {
            break;
        }
        if at + 8 > data.len() {
            return Err(ReadError::Truncated { path: name, offset: at });
        }
        let found: [u8; 4] = data[at..at + 4].try_into().expect("4 bytes");
        if found != expected {
            return Err(ReadError::Magic { path: name, offset: at, found, expected });
        }
        let len = u32::from_le_bytes(data[at + 4..at + 8].try_into().expect("4 bytes")) as usize;
        let body = at + 8;
        if body + len > data.len() {
            return Err(ReadError::Truncated { path: name, offset: at });
        }
        let block: Block = encode::deserialize(&data[body..body + len]).map_err(|source| ReadError::Decode {
            path: name.clone(),
            offset: body,
            source,
        })?;
        blocks.push(block);
        last_header_at = body;
        at = body + len;
    }
    Ok((blocks, last_header_at))
}
