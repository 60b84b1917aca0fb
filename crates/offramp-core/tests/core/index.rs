//! The explorer's index beside the blocks (`explorer.idx`): written by `generate`, used only
//! while it is the index of the blocks beside it, rebuilt (never trusted, never a crash) when
//! it is missing, old, of other blocks or damaged.

use std::path::Path;

use offramp_core::export::{check_replaceable, export};
use offramp_core::forensics::cluster::{ClusterOptions, Clusters};
use offramp_core::forensics::load::{IndexUse, explorer_of, open_dir};
use offramp_core::forensics::store::INDEX;
use offramp_core::forensics::{Explorer, taint};
use offramp_core::ledger::{OutputRecord, TxIdx};
use offramp_core::sim::World;

use crate::common::*;

fn world(name: &str, seed: Option<u64>) -> World {
    generate(&load(&scenarios_dir().join(name)), seed, false)
}

fn written(w: &World) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    export(w, tmp.path(), &mut |_, _, _| {}).unwrap();
    tmp
}

/// What an investigator sees of every address and transaction, and the clusters.
fn answers(ex: &Explorer) -> String {
    // Address numbers differ between a world (which numbers every address its wallets made)
    // and a chain read from blocks (numbered as they appear): list addresses by their text.
    let mut views: Vec<String> = ex
        .chain
        .addresses
        .ids()
        .filter(|&a| !ex.txs_of(a).is_empty())
        .map(|a| format!("{:?}", ex.address_view(a)))
        .collect();
    views.sort();
    let mut out = views.join("\n");
    for t in ex.chain.txs.ids() {
        out += &format!("{:?}\n", ex.tx_view(t));
    }
    let cl = Clusters::build(ex, ClusterOptions::default());
    out += &format!("clusters {}\n", cl.multi_address_clusters());
    out
}

/// Equal answers, or the first line that differs (the whole text is too long to print).
#[track_caller]
fn same(a: &str, b: &str, what: &str) {
    if a != b {
        let (i, (x, y)) = a.lines().zip(b.lines()).enumerate().find(|(_, (x, y))| x != y).unwrap_or((0, ("", "")));
        panic!("{what}: answers differ ({} and {} lines); line {i}:\n{x}\n{y}", a.lines().count(), b.lines().count());
    }
}

fn open(dir: &Path) -> (Explorer, IndexUse) {
    let o = open_dir(dir).unwrap_or_else(|e| panic!("{e}"));
    (o.explorer, o.index)
}

#[test]
fn a_generated_directory_is_answered_from_its_index_exactly_as_from_the_world() {
    let w = world("intermediate-two-exchanges.ron", None);
    let tmp = written(&w);
    assert!(tmp.path().join(INDEX).is_file(), "generate writes the index");
    let (ex, used) = open(tmp.path());
    assert_eq!(used, IndexUse::Read);
    assert!(ex.chain.txs.is_mapped() && ex.chain.outputs.is_mapped(), "the tables are read in place");
    same(&answers(&ex), &answers(&explorer_of(&w)), "index and world");
    // Lookups by text go through the mapped sorted tables.
    let middle = TxIdx::new(ex.chain.txs.len() / 2);
    let t = &ex.chain.txs[middle];
    assert_eq!(ex.txid(&t.txid().to_string()).unwrap(), middle);
    let a = ex.chain.outputs.iter().rev().find_map(OutputRecord::addr).unwrap();
    assert_eq!(ex.address(&ex.chain.address_string(a)).unwrap(), a);
}

#[test]
fn a_missing_index_is_rebuilt_from_the_blocks_and_used_the_next_time() {
    let w = world("beginner-careless-vendor.ron", None);
    let tmp = written(&w);
    std::fs::remove_file(tmp.path().join(INDEX)).unwrap();
    let (ex, used) = open(tmp.path());
    assert!(matches!(used, IndexUse::Written { .. }), "{used:?}");
    assert!(!ex.chain.txs.is_mapped());
    same(&answers(&ex), &answers(&explorer_of(&w)), "index and world");
    let (again, used) = open(tmp.path());
    assert_eq!(used, IndexUse::Read);
    same(&answers(&again), &answers(&ex), "rebuilt index");
    check_replaceable(tmp.path()).expect("a rebuilt index is Offramp's own file");
}

#[test]
fn an_index_of_other_blocks_is_never_used() {
    // The blocks of another seed copied over: same file names, other chain.
    let w = world("beginner-careless-vendor.ron", Some(1));
    let other = world("beginner-careless-vendor.ron", Some(2));
    let tmp = written(&w);
    let theirs = written(&other);
    std::fs::remove_dir_all(tmp.path().join("blocks")).unwrap();
    std::fs::create_dir(tmp.path().join("blocks")).unwrap();
    for f in std::fs::read_dir(theirs.path().join("blocks")).unwrap() {
        let f = f.unwrap();
        std::fs::copy(f.path(), tmp.path().join("blocks").join(f.file_name())).unwrap();
    }
    // The manifest's counts and the intel are the other world's too, so only the index can tell.
    for f in ["manifest.json", "intel.json"] {
        std::fs::copy(theirs.path().join(f), tmp.path().join(f)).unwrap();
    }
    let (ex, used) = open(tmp.path());
    match &used {
        IndexUse::Written { why } => assert!(why.contains("blk00000.dat"), "{why}"),
        other => panic!("the old index was used: {other:?}"),
    }
    same(&answers(&ex), &answers(&explorer_of(&other)), "the other blocks");
}

#[test]
fn a_damaged_or_foreign_index_is_rebuilt_and_never_crashes() {
    let w = world("beginner-careless-vendor.ron", None);
    let tmp = written(&w);
    let path = tmp.path().join(INDEX);
    let good = std::fs::read(&path).unwrap();
    let expected = answers(&explorer_of(&w));
    let mut flipped = good.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0x40;
    let mut bad_header = good.clone();
    bad_header[20] ^= 0xff;
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("a byte flipped in a table", flipped, "checksum"),
        ("cut in half", good[..good.len() / 2].to_vec(), "checksum"),
        ("cut inside its header", good[..40].to_vec(), "header"),
        ("empty", Vec::new(), "not an Offramp index"),
        ("another program's file", b"<html>not an index</html>".to_vec(), "not an Offramp index"),
        ("a damaged header", bad_header, "header"),
        ("another version", [&good[..8], &99u32.to_le_bytes()[..], &good[12..]].concat(), "version 99"),
    ];
    for (what, bytes, reason) in cases {
        std::fs::write(&path, &bytes).unwrap();
        let (ex, used) = open(tmp.path());
        match &used {
            IndexUse::Written { why } => assert!(why.contains(reason), "{what}: {why}"),
            other => panic!("{what}: {other:?}"),
        }
        same(&answers(&ex), &expected, what);
        let (again, used) = open(tmp.path());
        assert_eq!(used, IndexUse::Read, "{what}: the rewritten index is used the next time");
        same(&answers(&again), &expected, what);
    }
}

#[test]
fn an_index_that_cannot_be_read_or_replaced_still_leaves_every_answer() {
    let w = world("beginner-careless-vendor.ron", None);
    let tmp = written(&w);
    let path = tmp.path().join(INDEX);
    std::fs::remove_file(&path).unwrap();
    std::fs::create_dir(&path).unwrap();
    let (ex, used) = open(tmp.path());
    match &used {
        IndexUse::NotWritten { why, .. } => assert!(why.contains("is not a file"), "{why}"),
        other => panic!("{other:?}"),
    }
    same(&answers(&ex), &answers(&explorer_of(&w)), "a directory in the index's place");
    assert!(path.is_dir(), "nobody's directory is replaced");
}

#[test]
fn an_interrupted_rebuild_leaves_nothing_that_stops_generate_replacing_the_directory() {
    let w = world("beginner-careless-vendor.ron", None);
    let tmp = written(&w);
    std::fs::write(tmp.path().join(format!(".{INDEX}.tmp-4242")), b"half").unwrap();
    check_replaceable(tmp.path()).expect("a leftover temporary index is Offramp's");
    std::fs::write(tmp.path().join(format!("{INDEX}.bak")), b"mine").unwrap();
    assert!(check_replaceable(tmp.path()).is_err(), "a file of another name is the user's");
}

#[test]
fn the_index_is_deterministic() {
    let w = world("beginner-careless-vendor.ron", None);
    let a = written(&w);
    let b = written(&w);
    assert_eq!(std::fs::read(a.path().join(INDEX)).unwrap(), std::fs::read(b.path().join(INDEX)).unwrap());
    // A trace over the mapped tables gives what it gives in memory.
    let (ex, _) = open(a.path());
    let mem = explorer_of(&w);
    let from = ex.chain.outputs.iter().find_map(OutputRecord::addr).unwrap();
    let opts = taint::TraceOptions::default();
    let x = taint::trace(&ex, from, &opts).map(|r| format!("{r:?}"));
    let text = ex.chain.address_string(from);
    let y = taint::trace(&mem, mem.address(&text).unwrap(), &opts).map(|r| format!("{r:?}"));
    assert_eq!(format!("{x:?}"), format!("{y:?}"));
}
