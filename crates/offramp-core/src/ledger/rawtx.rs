//! Fast mode's transactions written straight from the tables as consensus bytes.
//!
//! In fast mode nothing is signed, so a transaction needs no `bitcoin::Transaction` (a dozen
//! allocations each: inputs, scripts, witnesses, outputs) to exist: its bytes are written
//! into the block's buffer as they are read from the tables, and its txid and wtxid hashed
//! from those bytes. A million transactions are sealed in about a third of the time, and
//! the two pipeline threads stop contending for the allocator. The bytes are exactly what
//! `bitcoin::consensus::encode::serialize` makes of the same transaction (the test below
//! compares every transaction of a world).

use bitcoin::hashes::{Hash, HashEngine, sha256d};
use bitcoin::{Txid, Wtxid};

use super::keys::{KeySource, hash_payload};
use super::seal::{paid_addr, placeholder_ecdsa};
use super::{AddrIdx, Chain, InputRecord, OutIdx, TxIdx};
use crate::vocab::ScriptType;

/// The transactions of one block after its coinbase: their bytes one after another, and
/// per transaction where its bytes end, whether it has witnesses, and its [size, vsize,
/// weight]. Their wtxids are hashed by the second pipeline stage ([`RawBlock::wtxid`]), which
/// otherwise waits for the first.
pub(super) struct RawBlock {
    pub body: Vec<u8>,
    pub ends: Vec<(u32, bool)>,
    pub sizes: Vec<[u32; 3]>,
}

impl RawBlock {
    /// Signed mode's transactions (signatures and all) as a block body.
    pub fn from_txs(txs: &[bitcoin::Transaction]) -> RawBlock {
        use bitcoin::consensus::Encodable;
        let mut raw =
            RawBlock { body: Vec::new(), ends: Vec::with_capacity(txs.len()), sizes: Vec::with_capacity(txs.len()) };
        for tx in txs {
            tx.consensus_encode(&mut raw.body).expect("writing to memory");
            let segwit = tx.input.iter().any(|i| !i.witness.is_empty());
            raw.ends.push((u32::try_from(raw.body.len()).expect("a block under 4 GB"), segwit));
            raw.sizes.push(super::seal::sizes_of(tx));
        }
        raw
    }

    /// The wtxid of the `k`th transaction, whose txid is `txid`.
    pub fn wtxid(&self, k: usize, txid: Txid) -> Wtxid {
        let (end, segwit) = self.ends[k];
        if !segwit {
            return Wtxid::from_raw_hash(txid.to_raw_hash());
        }
        let start = if k == 0 { 0 } else { self.ends[k - 1].0 };
        Wtxid::from_raw_hash(sha256d::Hash::hash(&self.body[start as usize..end as usize]))
    }
}

/// Bitcoin's CompactSize length prefix.
fn compact_size(out: &mut Vec<u8>, n: usize) {
    match n {
        0..=0xfc => out.push(n as u8),
        0xfd..=0xffff => {
            out.push(0xfd);
            out.extend_from_slice(&(n as u16).to_le_bytes());
        }
        0x1_0000..=0xffff_ffff => {
            out.push(0xfe);
            out.extend_from_slice(&(n as u32).to_le_bytes());
        }
        _ => {
            out.push(0xff);
            out.extend_from_slice(&(n as u64).to_le_bytes());
        }
    }
}

/// The output script paying address `payload` of type `kind`.
fn script_pubkey(out: &mut Vec<u8>, kind: ScriptType, payload: &[u8; 32]) {
    match kind {
        ScriptType::P2PKH => {
            out.extend_from_slice(&[25, 0x76, 0xa9, 0x14]);
            out.extend_from_slice(&payload[..20]);
            out.extend_from_slice(&[0x88, 0xac]);
        }
        ScriptType::P2SH_P2WPKH => {
            out.extend_from_slice(&[23, 0xa9, 0x14]);
            out.extend_from_slice(&payload[..20]);
            out.push(0x87);
        }
        ScriptType::P2WPKH => {
            out.extend_from_slice(&[22, 0x00, 0x14]);
            out.extend_from_slice(&payload[..20]);
        }
        ScriptType::P2TR => {
            out.extend_from_slice(&[34, 0x51, 0x20]);
            out.extend_from_slice(payload);
        }
    }
}

/// Appends transaction `t` (not a coinbase) to `out` as fast mode seals it: placeholder
/// signatures of the size wallets budget for, the previous outputs' txids from `txid_of`.
/// Returns its txid, whether it has witnesses, and [size, vsize, weight].
pub(super) fn encode(
    chain: &Chain,
    keys: &KeySource,
    t: TxIdx,
    txid_of: &dyn Fn(TxIdx) -> Txid,
    out: &mut Vec<u8>,
) -> (Txid, bool, [u32; 3]) {
    let r = &chain.txs[t];
    let inputs = &chain.inputs[r.inputs()];
    // The output an input spends, and the address it pays.
    let spent = |i: &InputRecord| -> (OutIdx, AddrIdx) {
        let p = i.prev().expect("a coinbase is built apart");
        (p, paid_addr(&chain.outputs[p]))
    };
    let segwit = inputs.iter().any(|i| chain.addresses[spent(i).1].kind() != ScriptType::P2PKH);
    let start = out.len();
    out.extend_from_slice(&r.version.to_le_bytes());
    if segwit {
        out.extend_from_slice(&[0x00, 0x01]);
    }
    // The part hashed for the txid runs from here to the witnesses.
    let body_from = out.len();
    compact_size(out, inputs.len());
    for i in inputs {
        let (p, addr) = spent(i);
        let (ptx, vout) = chain.outpoint(p);
        out.extend_from_slice(txid_of(ptx).as_byte_array());
        out.extend_from_slice(&vout.to_le_bytes());
        match chain.addresses[addr].kind() {
            ScriptType::P2PKH => {
                let sig = placeholder_ecdsa(u64::from(u32::from(p)) << 8);
                let pk = keys.placeholder_pubkey(addr);
                out.extend_from_slice(&[107, 72]);
                out.extend_from_slice(&sig);
                out.push(33);
                out.extend_from_slice(&pk);
            }
            ScriptType::P2SH_P2WPKH => {
                // The redeem script, a P2WPKH program, pushed.
                let kh = hash_payload(ScriptType::P2WPKH, &keys.placeholder_pubkey(addr));
                out.extend_from_slice(&[23, 22, 0x00, 0x14]);
                out.extend_from_slice(&kh);
            }
            ScriptType::P2WPKH | ScriptType::P2TR => out.push(0),
        }
        out.extend_from_slice(&i.sequence.to_le_bytes());
    }
    let outputs = &chain.outputs[r.outputs()];
    compact_size(out, outputs.len());
    for o in outputs {
        let value = o.value;
        out.extend_from_slice(&value.to_le_bytes());
        let a = &chain.addresses[paid_addr(o)];
        script_pubkey(out, a.kind(), &a.payload);
    }
    let body_to = out.len();
    if segwit {
        for i in inputs {
            let (p, addr) = spent(i);
            let sig = placeholder_ecdsa(u64::from(u32::from(p)) << 8);
            match chain.addresses[addr].kind() {
                ScriptType::P2PKH => out.push(0),
                ScriptType::P2SH_P2WPKH | ScriptType::P2WPKH => {
                    out.extend_from_slice(&[2, 72]);
                    out.extend_from_slice(&sig);
                    out.push(33);
                    out.extend_from_slice(&keys.placeholder_pubkey(addr));
                }
                ScriptType::P2TR => {
                    out.extend_from_slice(&[1, 64]);
                    out.extend_from_slice(&sig[8..72]);
                }
            }
        }
    }
    let witness_len = out.len() - body_to;
    out.extend_from_slice(&r.locktime.to_le_bytes());
    let tx = &out[start..];
    let mut e = sha256d::Hash::engine();
    e.input(&tx[..4]);
    e.input(&out[body_from..body_to]);
    e.input(&out[out.len() - 4..]);
    let txid = Txid::from_raw_hash(sha256d::Hash::from_engine(e));
    let total = tx.len();
    let base = if segwit { total - 2 - witness_len } else { total };
    let weight = base * 3 + total;
    (txid, segwit, [total as u32, weight.div_ceil(4) as u32, weight as u32])
}

#[cfg(test)]
mod tests {
    use bitcoin::consensus::encode;

    use crate::scenario::Scenario;
    use crate::sim::{Options, generate};

    /// Every transaction of a fast world, as a block parser reads it back from the block
    /// files, is byte for byte the `bitcoin::Transaction` that signed mode's path builds
    /// (placeholders in the signatures' place), and its txid and sizes are the bitcoin crate's.
    #[test]
    fn fast_transactions_are_what_the_bitcoin_crate_would_serialize() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scenarios");
        let mut checked = 0;
        for entry in std::fs::read_dir(dir).expect("scenarios") {
            let path = entry.expect("entry").path();
            if path.extension().is_none_or(|e| e != "ron") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("readable");
            let sc = Scenario::parse(&text, &path.display().to_string()).expect("valid");
            let w = generate(&sc, &Options { seed: Some(3), signed: false }, &mut |_, _, _| {}).expect("generates");
            let c = &w.chain;
            let keys = crate::ledger::keys::KeySource::new(&sc.meta.id, w.seed);
            for b in &c.blocks {
                let block: bitcoin::Block = encode::deserialize(&b.raw).expect("a block");
                assert_eq!(encode::serialize(&block), b.raw, "the block re-serializes to its bytes");
                for (tx, t) in block.txdata.iter().zip(b.txs()).skip(1) {
                    let r = &c.txs[t];
                    let built = crate::ledger::seal::build_unsigned(c, &keys, &[], t, &|p| c.txs[p].txid());
                    assert_eq!(encode::serialize(tx), encode::serialize(&built), "transaction {t:?}");
                    assert_eq!(tx.compute_txid(), r.txid());
                    let weight = tx.weight().to_wu() as u32;
                    assert_eq!([r.size, r.vsize, r.weight], [tx.total_size() as u32, weight.div_ceil(4), weight]);
                    checked += 1;
                }
                assert!(block.check_merkle_root() && block.check_witness_commitment(), "block {}", b.height);
            }
        }
        assert!(checked > 1000, "{checked} transactions checked");
    }
}
