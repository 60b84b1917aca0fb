//! Block files in Bitcoin Core's format, read back as a node would.

use offramp_core::ledger::blockfile::{ReadError, magic, read_blocks, write_blocks};

use crate::common::*;

#[test]
fn block_files_round_trip_and_split() {
    let sc = mini();
    let w = generate(&sc, None, false);
    let dir = tempfile::tempdir().unwrap();
    // A tiny file size forces many files, as 128 MiB does for a large chain.
    let files = write_blocks(dir.path(), sc.meta.network, &w.chain.blocks, 200_000).unwrap();
    assert!(files.len() > 1);
    let mut hashes = Vec::new();
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        assert_eq!(bytes[..4], magic(sc.meta.network), "each file starts with the network magic");
        hashes.extend(read_blocks(f, sc.meta.network).unwrap().iter().map(|b| b.block_hash()));
    }
    let expected: Vec<_> = w.chain.blocks.iter().map(|b| b.hash).collect();
    assert_eq!(hashes, expected);
    assert_eq!(magic(sc.meta.network), [0xfa, 0xbf, 0xb5, 0xda], "regtest magic");
}

#[test]
fn damaged_block_files_are_reported_with_their_offset() {
    let sc = mini();
    let w = generate(&sc, None, false);
    let dir = tempfile::tempdir().unwrap();
    let files = write_blocks(dir.path(), sc.meta.network, &w.chain.blocks, u64::MAX).unwrap();
    let bytes = std::fs::read(&files[0]).unwrap();
    let cut = dir.path().join("cut.dat");
    std::fs::write(&cut, &bytes[..bytes.len() - 10]).unwrap();
    assert!(matches!(read_blocks(&cut, sc.meta.network), Err(ReadError::Truncated { .. })));
    let e = read_blocks(&files[0], offramp_core::scenario::Network::Mainnet).unwrap_err();
    assert!(e.to_string().contains("at byte 0"), "{e}");
}
