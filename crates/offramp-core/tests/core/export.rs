//! Writing an output directory: everything there, or nothing at all.

use offramp_core::export::{ExportError, MANIFEST, export};

use crate::common::*;

#[test]
fn export_writes_every_file_with_headers() {
    let w = generate(&mini(), None, false);
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("world");
    let m = export(&w, &out, &mut |_, _, _| {}).unwrap();
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
    assert_eq!(first, w.chain.txs[0].txid.to_string());
    let intel: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("intel.json")).unwrap()).unwrap();
    assert_eq!(intel["scenario"]["id"], "mini");
    let text = std::fs::read_to_string(out.join("intel.json")).unwrap();
    assert!(!text.contains("\"answers\""), "intel.json holds no answers");
    let truth: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("truth.json")).unwrap()).unwrap();
    assert_eq!(truth["answers"][0]["objective"], "deposits");
    assert_eq!(truth["addresses"].as_array().unwrap().len(), w.chain.addresses.len());
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

#[test]
fn an_earlier_output_is_replaced_whole() {
    let sc = mini();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("w");
    export(&generate(&sc, Some(1), false), &out, &mut |_, _, _| {}).unwrap();
    std::fs::write(out.join("stale.txt"), b"old").unwrap();
    export(&generate(&sc, Some(2), false), &out, &mut |_, _, _| {}).unwrap();
    assert!(!out.join("stale.txt").exists());
    let m: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join(MANIFEST)).unwrap()).unwrap();
    assert_eq!(m["seed"], 2);
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(leftovers.len(), 1, "no staging directory left behind: {leftovers:?}");
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
