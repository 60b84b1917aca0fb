//! An independent check of generated blocks, from their bytes: the header chain, proof of
//! work, merkle roots, witness commitments, BIP34 heights, block weight, and the UTXO rules
//! (every spent output exists earlier and is spent once, value is conserved, coinbases pay
//! no more than subsidy and fees and mature before they are spent). Script verification is
//! left to the caller, who can plug in a consensus library.

use std::collections::HashMap;

use bitcoin::blockdata::constants::genesis_block;
use bitcoin::{Block, OutPoint, Transaction, TxOut};

use crate::vocab::Network;

/// What a successful check counted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckStats {
    pub blocks: usize,
    pub transactions: usize,
    pub inputs: usize,
    pub outputs: usize,
    pub scripts_verified: usize,
}

/// Verifies one input's script: (spending transaction, input index, all spent outputs).
pub type ScriptCheck<'a> = &'a mut dyn FnMut(&Transaction, usize, &[TxOut]) -> Result<(), String>;

/// Checks `blocks` as a chain on top of `network`'s genesis block.
///
/// # Errors
/// The first rule broken, naming the block height and the transaction.
pub fn check_chain(
    network: Network,
    blocks: &[Block],
    mut scripts: Option<ScriptCheck<'_>>,
) -> Result<CheckStats, String> {
    let mut utxo: HashMap<OutPoint, (TxOut, u32, bool)> = HashMap::new();
    let mut prev = genesis_block(network.bitcoin()).block_hash();
    let mut stats = CheckStats::default();
    for (k, block) in blocks.iter().enumerate() {
        let height = k as u32 + 1;
        let at = |msg: String| format!("block {height}: {msg}");
        if block.header.prev_blockhash != prev {
            return Err(at("does not build on the block before it".into()));
        }
        block.header.validate_pow(block.header.target()).map_err(|e| at(format!("proof of work: {e}")))?;
        if !block.check_merkle_root() {
            return Err(at("wrong merkle root".into()));
        }
        if !block.check_witness_commitment() {
            return Err(at("wrong witness commitment".into()));
        }
        // BIP34, as Bitcoin Core checks it: the coinbase script starts with `CScript() << height`
        // (OP_1..OP_16 for the smallest heights).
        let expect = bitcoin::script::Builder::new().push_int(i64::from(height)).into_script();
        if !block.txdata[0].input[0].script_sig.as_bytes().starts_with(expect.as_bytes()) {
            return Err(at("the coinbase does not start with its height (BIP34)".into()));
        }
        if block.weight().to_wu() > 4_000_000 {
            return Err(at("heavier than 4,000,000 weight units".into()));
        }
        if k > 0 && block.header.time <= blocks[k - 1].header.time {
            return Err(at("its time is not after the previous block's".into()));
        }
        let mut fees = 0u64;
        for (i, tx) in block.txdata.iter().enumerate() {
            let txid = tx.compute_txid();
            if (i == 0) != tx.is_coinbase() {
                return Err(at(format!("transaction {i} ({txid}): the coinbase must come first and only there")));
            }
            if i > 0 {
                let mut spent = Vec::with_capacity(tx.input.len());
                for (n, input) in tx.input.iter().enumerate() {
                    let Some((out, created, coinbase)) = utxo.remove(&input.previous_output) else {
                        return Err(at(format!(
                            "{txid} input {n} spends {} which does not exist or is spent",
                            input.previous_output
                        )));
                    };
                    if coinbase && height < created + 100 {
                        return Err(at(format!("{txid} input {n} spends an immature coinbase")));
                    }
                    spent.push(out);
                }
                let value_in: u64 = spent.iter().map(|o| o.value.to_sat()).sum();
                let value_out: u64 = tx.output.iter().map(|o| o.value.to_sat()).sum();
                if value_out > value_in {
                    return Err(at(format!("{txid} pays out {value_out} sat but spends only {value_in}")));
                }
                fees += value_in - value_out;
                if let Some(check) = scripts.as_mut() {
                    for n in 0..tx.input.len() {
                        check(tx, n, &spent).map_err(|e| at(format!("{txid} input {n}: {e}")))?;
                        stats.scripts_verified += 1;
                    }
                }
                stats.inputs += tx.input.len();
            }
            for (vout, o) in tx.output.iter().enumerate() {
                if !o.script_pubkey.is_op_return() {
                    utxo.insert(OutPoint { txid, vout: vout as u32 }, (o.clone(), height, i == 0));
                }
            }
            stats.outputs += tx.output.len();
        }
        let coinbase_out: u64 = block.txdata[0].output.iter().map(|o| o.value.to_sat()).sum();
        let allowed = network.subsidy(height) + fees;
        if coinbase_out > allowed {
            return Err(at(format!("the coinbase claims {coinbase_out} sat; subsidy and fees allow {allowed}")));
        }
        stats.transactions += block.txdata.len();
        stats.blocks += 1;
        prev = block.block_hash();
    }
    Ok(stats)
}
