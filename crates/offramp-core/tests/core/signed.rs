//! Signed mode: every input of every shipped scenario verifies under Bitcoin's consensus
//! rules, as libbitcoinconsensus (Bitcoin Core's own script interpreter) checks them.

use bitcoin::{Transaction, TxOut};
use offramp_core::ledger::check::check_chain;

use crate::common::*;

fn consensus(tx: &Transaction, n: usize, spent: &[TxOut]) -> Result<(), String> {
    let bytes = bitcoin::consensus::serialize(tx);
    let utxos: Vec<bitcoinconsensus::Utxo> = spent
        .iter()
        .map(|o| bitcoinconsensus::Utxo {
            script_pubkey: o.script_pubkey.as_bytes().as_ptr(),
            script_pubkey_len: o.script_pubkey.len() as u32,
            value: o.value.to_sat() as i64,
        })
        .collect();
    bitcoinconsensus::verify_with_flags(
        spent[n].script_pubkey.as_bytes(),
        spent[n].value.to_sat(),
        &bytes,
        Some(&utxos),
        n,
        bitcoinconsensus::VERIFY_ALL_PRE_TAPROOT | bitcoinconsensus::VERIFY_TAPROOT,
    )
    .map_err(|e| format!("{e:?}"))
}

#[test]
fn every_input_of_every_shipped_scenario_verifies() {
    for path in shipped() {
        let sc = load(&path);
        let w = generate(&sc, None, true);
        let mut verify = consensus;
        let stats = check_chain(sc.meta.network, &blocks(&w), Some(&mut verify))
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(stats.scripts_verified, stats.inputs);
        assert!(stats.inputs > 1000, "{}: {} inputs", path.display(), stats.inputs);
    }
}

#[test]
fn all_four_script_types_are_signed_and_verified() {
    let sc = load(&scenarios_dir().join("advanced-mixer-otc.ron"));
    let w = generate(&sc, None, true);
    let mut seen = std::collections::BTreeSet::new();
    for i in &w.chain.inputs {
        if let Some(p) = i.prev() {
            seen.insert(w.chain.addresses[w.chain.outputs[p].addr().unwrap()].kind());
        }
    }
    assert_eq!(seen.len(), 4, "spent types: {seen:?}");
}

#[test]
fn placeholder_witnesses_do_not_verify() {
    // The verifier is really checking: fast mode's placeholders fail it.
    let sc = mini();
    let w = generate(&sc, None, false);
    let mut verify = consensus;
    let err = check_chain(sc.meta.network, &blocks(&w), Some(&mut verify)).unwrap_err();
    assert!(err.contains("input 0"), "{err}");
}

#[test]
fn signed_and_fast_worlds_tell_the_same_story() {
    let sc = mini();
    let fast = generate(&sc, None, false);
    let signed = generate(&sc, None, true);
    assert_eq!(fast.chain.txs.len(), signed.chain.txs.len());
    let values = |w: &offramp_core::sim::World| w.chain.outputs.iter().map(|o| o.value).collect::<Vec<_>>();
    assert_eq!(values(&fast), values(&signed));
    let t = offramp_core::ledger::TxIdx::new(5);
    assert_ne!(fast.chain.txs[t].txid(), signed.chain.txs[t].txid(), "real keys make other addresses");
}
