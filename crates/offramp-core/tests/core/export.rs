//! Writing an output directory: everything there, or nothing at all.

use std::path::Path;

use offramp_core::export::{ExportError, FORMAT, MANIFEST, export, export_with_key};
use offramp_core::ledger::TxIdx;

use crate::common::*;

#[test]
fn export_writes_every_file_with_headers() {
    let w = generate(&mini(), None, false);
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("world");
    let key = tmp.path().join("keys/mini.truth.json");
    let m = export_with_key(&w, &out, Some(&key), &mut |_, _, _| {}).unwrap();
    assert_eq!(m.transactions, w.chain.txs.len());
    for (file, header) in [
        ("transactions.csv", "txid,block_height,block_hash,block_time,position,"),
        ("inputs.csv", "txid,input_index,prev_txid,prev_vout,address,value_sat,sequence"),
        ("outputs.csv", "txid,vout,address,value_sat,script_type,spent_by_txid,spent_by_input"),
    ] {
        let text = std::fs::read_to_string(out.join(file)).unwrap();
        assert!(text.starts_with(header), "{file}");
        let rows = text.lines().count() - 1;
        let expected = match file {
            "transactions.csv" => w.chain.txs.len(),
            "inputs.csv" => w.chain.inputs.len(),
            _ => w.chain.outputs.len(),
        };
        assert_eq!(rows, expected, "{file}: one row per record");
    }
    // Txids in the usual (reversed) hex order: the one a block explorer shows.
    let tx = std::fs::read_to_string(out.join("transactions.csv")).unwrap();
    let first = tx.lines().nth(1).unwrap().split(',').next().unwrap().to_string();
    assert_eq!(first, w.chain.txs[TxIdx::new(0)].txid().to_string());
    let intel: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("intel.json")).unwrap()).unwrap();
    assert_eq!(intel["scenario"]["id"], "mini");
    let text = std::fs::read_to_string(out.join("intel.json")).unwrap();
    assert!(!text.contains("\"answers\""), "intel.json holds no answers");
    // The key is where --key said, never beside the trainee's data.
    assert!(!out.join("truth.json").exists());
    assert!(!m.files.iter().any(|f| f.contains("truth")), "{:?}", m.files);
    let truth: serde_json::Value = serde_json::from_slice(&std::fs::read(&key).unwrap()).unwrap();
    assert_eq!(truth["format"], "offramp-key");
    assert_eq!(truth["answers"][0]["objective"], "deposits");
    assert_eq!(truth["addresses"].as_array().unwrap().len(), w.chain.addresses.len());
    // Without --key there is no key at all.
    let plain = tmp.path().join("plain");
    export(&w, &plain, &mut |_, _, _| {}).unwrap();
    assert!(!plain.join("truth.json").exists());
}

#[test]
fn the_key_never_goes_inside_the_output_nor_over_someone_elses_file() {
    let w = generate(&mini(), None, false);
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("world");
    for inside in [
        out.join("truth.json"),
        out.join("sub/k.json"),
        out.join("./../world/k.json"),
        tmp.path().join("new/../world/k.json"),
    ] {
        let e = export_with_key(&w, &out, Some(&inside), &mut |_, _, _| {}).unwrap_err().to_string();
        assert!(e.contains("inside the trainee's output directory"), "{e}");
        assert!(!out.exists(), "nothing written");
    }
    // Through a symbolic link to the output directory, too.
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(&out, tmp.path().join("alias")).unwrap();
        std::fs::create_dir(&out).unwrap();
        let e = export_with_key(&w, &out, Some(&tmp.path().join("alias/k.json")), &mut |_, _, _| {}).unwrap_err();
        assert!(e.to_string().contains("inside"), "{e}");
        std::fs::remove_dir(&out).unwrap();
    }
    let notes = tmp.path().join("notes.json");
    std::fs::write(&notes, b"{\"mine\": true}").unwrap();
    let e = export_with_key(&w, &out, Some(&notes), &mut |_, _, _| {}).unwrap_err().to_string();
    assert!(e.contains("not an earlier Offramp key"), "{e}");
    assert_eq!(std::fs::read(&notes).unwrap(), b"{\"mine\": true}");
    let e = export_with_key(&w, &out, Some(tmp.path()), &mut |_, _, _| {}).unwrap_err().to_string();
    assert!(e.contains("is a directory"), "{e}");
    // An earlier key is replaced, and no temporary file stays behind.
    let key = tmp.path().join("k.json");
    export_with_key(&w, &out, Some(&key), &mut |_, _, _| {}).unwrap();
    let w2 = generate(&mini(), Some(99), false);
    export_with_key(&w2, &out, Some(&key), &mut |_, _, _| {}).unwrap();
    let truth: serde_json::Value = serde_json::from_slice(&std::fs::read(&key).unwrap()).unwrap();
    assert_eq!(truth["seed"], 99);
    let names: Vec<String> =
        std::fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert!(names.iter().all(|n| !n.contains("staging")), "{names:?}");
}

#[test]
fn a_foreign_directory_is_not_overwritten() {
    let w = generate(&mini(), None, false);
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("thesis.docx"), b"precious").unwrap();
    let e = export(&w, tmp.path(), &mut |_, _, _| {}).unwrap_err();
    assert!(matches!(e, ExportError::Foreign { .. }), "{e}");
    assert_eq!(std::fs::read(tmp.path().join("thesis.docx")).unwrap(), b"precious");
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1, "nothing was added");
}

/// Every file under `dir` (relative path, bytes), sorted.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let rel = p.strip_prefix(dir).unwrap().display().to_string();
            if p.is_dir() {
                out.push((rel + "/", Vec::new()));
                stack.push(p);
            } else {
                out.push((rel, std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// The names in `dir`, sorted: what a failed export must not have added to.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

#[test]
fn an_earlier_output_is_replaced_whole() {
    let sc = mini();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("w");
    export(&generate(&sc, Some(1), false), &out, &mut |_, _, _| {}).unwrap();
    let first = snapshot(&out);
    export(&generate(&sc, Some(2), false), &out, &mut |_, _, _| {}).unwrap();
    let m: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join(MANIFEST)).unwrap()).unwrap();
    assert_eq!(m["seed"], 2);
    let second = snapshot(&out);
    assert_eq!(
        first.iter().map(|f| &f.0).collect::<Vec<_>>(),
        second.iter().map(|f| &f.0).collect::<Vec<_>>(),
        "the same files"
    );
    assert_ne!(first, second, "with the new world in them");
    assert_eq!(names(tmp.path()), ["w"], "no staging directory left behind");
}

#[test]
fn a_directory_with_another_programs_manifest_survives_byte_identical() {
    let w = generate(&mini(), None, false);
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    std::fs::create_dir(&site).unwrap();
    std::fs::write(site.join(MANIFEST), br#"{"name": "my-site", "version": "2.1.0", "files": ["index.html"]}"#)
        .unwrap();
    std::fs::write(site.join("index.html"), b"<html>years of work</html>").unwrap();
    let before = snapshot(&site);
    let e = export(&w, &site, &mut |_, _, _| {}).unwrap_err();
    assert!(matches!(e, ExportError::Foreign { .. }), "{e}");
    let m = e.to_string();
    assert!(m.starts_with(&format!("{}: ", site.display())), "{m}");
    assert!(m.contains("\"index.html\""), "names the foreign file: {m}");
    assert!(m.contains("manifest.json is not an Offramp manifest"), "{m}");
    assert_eq!(snapshot(&site), before, "every byte as it was");
    assert_eq!(names(tmp.path()), ["site"], "nothing staged beside it");
}

#[test]
fn an_earlier_output_with_a_file_of_the_users_added_is_refused() {
    let sc = mini();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("w");
    export(&generate(&sc, Some(1), false), &out, &mut |_, _, _| {}).unwrap();
    std::fs::write(out.join("notes.txt"), b"my notes on this world").unwrap();
    let before = snapshot(&out);
    let e = export(&generate(&sc, Some(2), false), &out, &mut |_, _, _| {}).unwrap_err();
    assert!(matches!(e, ExportError::Foreign { .. }), "{e}");
    assert!(e.to_string().contains("\"notes.txt\", which is not a file Offramp writes"), "{e}");
    assert_eq!(snapshot(&out), before);
    // Inside blocks/ too.
    std::fs::remove_file(out.join("notes.txt")).unwrap();
    std::fs::write(out.join("blocks/blk00099.dat"), b"not ours").unwrap();
    let e = export(&generate(&sc, Some(2), false), &out, &mut |_, _, _| {}).unwrap_err();
    assert!(e.to_string().contains("\"blocks/blk00099.dat\" is not among the block files"), "{e}");
    assert_eq!(names(tmp.path()), ["w"]);
}

#[test]
fn a_manifest_that_only_looks_like_offramps_is_refused() {
    let sc = mini();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("w");
    export(&generate(&sc, Some(1), false), &out, &mut |_, _, _| {}).unwrap();
    // The same fields, without the format that says who wrote it.
    let mut m: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join(MANIFEST)).unwrap()).unwrap();
    m.as_object_mut().unwrap().remove("format");
    std::fs::write(out.join(MANIFEST), serde_json::to_vec(&m).unwrap()).unwrap();
    let before = snapshot(&out);
    let e = export(&generate(&sc, Some(2), false), &out, &mut |_, _, _| {}).unwrap_err();
    assert!(e.to_string().contains("has no \"format\""), "{e}");
    assert_eq!(snapshot(&out), before);
}

#[test]
fn an_empty_directory_is_used() {
    let tmp = tempfile::tempdir().unwrap();
    let m = export(&generate(&mini(), None, false), tmp.path(), &mut |_, _, _| {}).unwrap();
    assert!(tmp.path().join(MANIFEST).is_file());
    assert_eq!(m.format, FORMAT);
}

#[test]
fn an_unwritable_target_leaves_nothing_behind() {
    let w = generate(&mini(), None, false);
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("a-file");
    std::fs::write(&file, b"x").unwrap();
    // A directory inside a regular file cannot be created.
    let e = export(&w, &file.join("out"), &mut |_, _, _| {}).unwrap_err();
    assert!(matches!(e, ExportError::Io { .. }), "{e}");
    let e = export(&w, &file, &mut |_, _, _| {}).unwrap_err();
    assert!(matches!(e, ExportError::NotADirectory { .. }), "{e}");
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1);
}

#[test]
fn the_manifest_counts_only_addresses_that_appear_on_chain() {
    let w = generate(&mini(), None, false);
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("w");
    let m = export(&w, &out, &mut |_, _, _| {}).unwrap();
    // What an investigator finds in the tables: the address column of outputs and inputs.
    let mut seen = std::collections::HashSet::new();
    for (file, column) in [("outputs.csv", 2), ("inputs.csv", 4)] {
        let text = std::fs::read_to_string(out.join(file)).unwrap();
        for line in text.lines().skip(1) {
            let a = line.split(',').nth(column).unwrap();
            if !a.is_empty() {
                seen.insert(a.to_string());
            }
        }
    }
    assert!(
        w.chain.addresses.len() > seen.len(),
        "test setup: the world handed out addresses that never received ({} of {})",
        seen.len(),
        w.chain.addresses.len()
    );
    assert_eq!(m.addresses, seen.len());
    let written: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join(MANIFEST)).unwrap()).unwrap();
    assert_eq!(written["addresses"], seen.len());
}
