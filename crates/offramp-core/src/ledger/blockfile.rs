//! Bitcoin Core's block files: `blocks/blkNNNNN.dat`, each a run of
//! `magic (4 bytes) | length (u32 little-endian) | serialized block`.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use bitcoin::Block;
use bitcoin::consensus::encode;

use super::BlockRecord;
use crate::scenario::Network;

/// Bitcoin Core starts a new block file when the current one would pass 128 MiB.
pub const MAX_BLOCKFILE_SIZE: u64 = 0x800_0000;

/// The 4-byte message start of a network, as written before each block.
pub fn magic(network: Network) -> [u8; 4] {
    network.bitcoin().magic().to_bytes()
}

/// Writes the blocks into `dir/blk00000.dat`, `dir/blk00001.dat`, … and returns the files.
///
/// # Errors
/// Any I/O error of creating or writing a file.
pub fn write_blocks(dir: &Path, network: Network, blocks: &[BlockRecord], max_file: u64) -> io::Result<Vec<PathBuf>> {
    let magic = magic(network);
    let mut files = Vec::new();
    let mut current: Option<(io::BufWriter<std::fs::File>, u64)> = None;
    for b in blocks {
        let need = 8 + b.raw.len() as u64;
        if current.as_ref().is_none_or(|(_, size)| *size > 0 && size + need > max_file) {
            if let Some((mut w, _)) = current.take() {
                w.flush()?;
            }
            let path = dir.join(format!("blk{:05}.dat", files.len()));
            current = Some((io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&path)?), 0));
            files.push(path);
        }
        let (w, size) = current.as_mut().expect("a file is open");
        w.write_all(&magic)?;
        w.write_all(&(b.raw.len() as u32).to_le_bytes())?;
        w.write_all(&b.raw)?;
        *size += need;
    }
    if let Some((mut w, _)) = current.take() {
        w.flush()?;
    }
    Ok(files)
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
    let name = path.display().to_string();
    let data = std::fs::read(path).map_err(|source| ReadError::Io { path: name.clone(), source })?;
    let expected = magic(network);
    let mut blocks = Vec::new();
    let mut at = 0usize;
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
        at = body + len;
    }
    Ok(blocks)
}
