//! Turns the simulator's tables into real Bitcoin: addresses, transactions with signatures
//! (or placeholder witnesses of the same size), coinbases with BIP34 heights and witness
//! commitments, merkle roots and a header chain on top of the network's genesis block.

use bitcoin::block::{Header, Version as BlockVersion};
use bitcoin::blockdata::constants::genesis_block;
use bitcoin::consensus::encode;
use bitcoin::hashes::Hash;
use bitcoin::key::{Keypair, TapTweak};
use bitcoin::script::{Builder, PushBytesBuf};
use bitcoin::secp256k1::{All, Message, PublicKey, Secp256k1};
use bitcoin::sighash::{EcdsaSighashType, Prevouts, SighashCache, TapSighashType};
use bitcoin::transaction::Version;
use bitcoin::{
    Amount, Block, CompactTarget, OutPoint, ScriptBuf, Sequence, Transaction, TxIn, TxMerkleNode, TxOut, Witness,
    absolute::LockTime,
};
use rayon::prelude::*;

use super::keys::{KeySource, hash_payload};
use super::{Chain, NONE};
use crate::scenario::ScriptType;

/// Regtest's proof-of-work limit; headers on every network carry it (see docs/design.md).
pub const BITS: u32 = 0x207f_ffff;

/// What sealing reports as it goes: (blocks sealed, blocks in all).
pub type SealProgress<'a> = &'a mut dyn FnMut(u64, u64);

/// Fills addresses, txids, sizes, block hashes and raw blocks.
pub fn seal(chain: &mut Chain, keys: &KeySource, progress: SealProgress<'_>) {
    let secp = Secp256k1::new();
    let signed = chain.signed;
    // 1. Address payloads, in parallel: hashing in fast mode, key derivation in signed mode.
    let pubkeys: Vec<[u8; 33]> = if signed {
        let kinds: Vec<ScriptType> = chain.addresses.iter().map(|a| a.kind).collect();
        let derived: Vec<([u8; 32], [u8; 33])> =
            kinds.par_iter().enumerate().map(|(i, k)| keys.signed_payload(&secp, *k, i as u32)).collect();
        for (a, (payload, _)) in chain.addresses.iter_mut().zip(&derived) {
            a.payload = *payload;
        }
        derived.into_iter().map(|(_, pk)| pk).collect()
    } else {
        chain.addresses.par_iter_mut().enumerate().for_each(|(i, a)| a.payload = keys.fast_payload(a.kind, i as u32));
        Vec::new()
    };
    let mut prev_hash = genesis_block(chain.network.bitcoin()).block_hash();
    let n_blocks = chain.blocks.len() as u64;
    for b in 0..chain.blocks.len() {
        let (first, n) = (chain.blocks[b].first_tx as usize, chain.blocks[b].n_tx as usize);
        // 2. Non-coinbase transactions in order: txids must be known before children spend them.
        let mut txdata: Vec<Transaction> = Vec::with_capacity(n);
        txdata.push(Transaction { version: Version::ONE, lock_time: LockTime::ZERO, input: vec![], output: vec![] });
        for t in first + 1..first + n {
            let mut tx = build_unsigned(chain, keys, &pubkeys, t);
            if signed {
                sign_legacy(chain, keys, &secp, &pubkeys, t, &mut tx);
            }
            chain.txs[t].txid = tx.compute_txid();
            txdata.push(tx);
        }
        // 3. Witness signatures, in parallel: they change no txid.
        if signed {
            let c = &*chain;
            txdata[1..].par_iter_mut().enumerate().for_each(|(k, tx)| {
                sign_segwit(c, keys, &secp, &pubkeys, first + 1 + k, tx);
            });
        }
        // 4. The coinbase, its witness commitment, the header.
        let height = chain.blocks[b].height;
        txdata[0] = build_coinbase(chain, first, height, None);
        let mut block = Block {
            header: Header {
                version: BlockVersion::from_consensus(0x2000_0000),
                prev_blockhash: prev_hash,
                merkle_root: TxMerkleNode::all_zeros(),
                time: chain.blocks[b].time,
                bits: CompactTarget::from_consensus(BITS),
                nonce: 0,
            },
            txdata,
        };
        let witness_root = block.witness_root().expect("a block has a coinbase");
        let commitment = Block::compute_witness_commitment(&witness_root, &[0u8; 32]);
        block.txdata[0] = build_coinbase(chain, first, height, Some(commitment.to_byte_array()));
        chain.txs[first].txid = block.txdata[0].compute_txid();
        block.header.merkle_root = block.compute_merkle_root().expect("a block has a coinbase");
        let target = block.header.target();
        while block.header.validate_pow(target).is_err() {
            block.header.nonce += 1;
        }
        for (k, tx) in block.txdata.iter().enumerate() {
            let r = &mut chain.txs[first + k];
            r.size = tx.total_size() as u32;
            r.weight = tx.weight().to_wu() as u32;
            r.vsize = tx.vsize() as u32;
        }
        prev_hash = block.block_hash();
        chain.blocks[b].hash = prev_hash;
        chain.blocks[b].raw = encode::serialize(&block);
        progress(b as u64 + 1, n_blocks);
    }
}

/// A deterministic stand-in for a DER signature: 72 bytes with the sighash byte, the size
/// wallets budget for.
fn placeholder_ecdsa(seed: u64) -> [u8; 72] {
    let mut s = [0u8; 72];
    s[..5].copy_from_slice(&[0x30, 0x45, 0x02, 0x21, 0x00]);
    fill(&mut s[5..37], seed);
    s[5] &= 0x7f;
    s[37] = 0x02;
    s[38] = 0x20;
    fill(&mut s[39..71], seed ^ 0x9e37_79b9_7f4a_7c15);
    s[39] &= 0x3f;
    s[71] = 0x01;
    s
}

fn fill(out: &mut [u8], mut x: u64) {
    for chunk in out.chunks_mut(8) {
        x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        chunk.copy_from_slice(&z.to_le_bytes()[..chunk.len()]);
    }
}

fn pubkey_of(keys: &KeySource, pubkeys: &[[u8; 33]], addr: u32) -> [u8; 33] {
    if pubkeys.is_empty() { keys.placeholder_pubkey(addr) } else { pubkeys[addr as usize] }
}

fn push(bytes: &[u8]) -> PushBytesBuf {
    PushBytesBuf::try_from(bytes.to_vec()).expect("short push")
}

fn redeem_script(pk: &[u8; 33]) -> ScriptBuf {
    let kh = hash_payload(ScriptType::P2WPKH, pk);
    ScriptBuf::new_p2wpkh(&bitcoin::WPubkeyHash::from_byte_array(kh))
}

/// The transaction with its outputs, and inputs carrying everything but real signatures:
/// in fast mode placeholder signatures, in signed mode empty slots to be signed.
fn build_unsigned(chain: &Chain, keys: &KeySource, pubkeys: &[[u8; 33]], t: usize) -> Transaction {
    let r = &chain.txs[t];
    let signed = chain.signed;
    let input = chain.inputs[r.inputs()]
        .iter()
        .map(|i| {
            let prev = &chain.outputs[i.prev as usize];
            let addr = chain.addresses[prev.addr as usize];
            let (ptx, vout) = chain.outpoint(i.prev);
            let pk = pubkey_of(keys, pubkeys, prev.addr);
            let sig = placeholder_ecdsa(u64::from(i.prev) << 8);
            let (script_sig, witness) = match addr.kind {
                ScriptType::P2PKH if signed => (ScriptBuf::new(), Witness::new()),
                ScriptType::P2PKH => {
                    (Builder::new().push_slice(push(&sig)).push_slice(push(&pk)).into_script(), Witness::new())
                }
                ScriptType::P2SH_P2WPKH => {
                    let redeem = redeem_script(&pk);
                    let ss = Builder::new().push_slice(push(redeem.as_bytes())).into_script();
                    let w = if signed { Witness::new() } else { Witness::from_slice(&[&sig[..], &pk[..]]) };
                    (ss, w)
                }
                ScriptType::P2WPKH => {
                    (ScriptBuf::new(), if signed { Witness::new() } else { Witness::from_slice(&[&sig[..], &pk[..]]) })
                }
                ScriptType::P2TR => {
                    (ScriptBuf::new(), if signed { Witness::new() } else { Witness::from_slice(&[&sig[8..72]]) })
                }
            };
            TxIn {
                previous_output: OutPoint { txid: chain.txs[ptx as usize].txid, vout },
                script_sig,
                sequence: Sequence(i.sequence),
                witness,
            }
        })
        .collect();
    let output = chain.outputs[r.outputs()]
        .iter()
        .map(|o| TxOut {
            value: Amount::from_sat(o.value),
            script_pubkey: chain.addresses[o.addr as usize].script_pubkey(),
        })
        .collect();
    Transaction { version: Version(r.version), lock_time: LockTime::from_consensus(r.locktime), input, output }
}

fn prevouts(chain: &Chain, t: usize) -> Vec<TxOut> {
    chain.inputs[chain.txs[t].inputs()]
        .iter()
        .map(|i| {
            let o = &chain.outputs[i.prev as usize];
            TxOut { value: Amount::from_sat(o.value), script_pubkey: chain.addresses[o.addr as usize].script_pubkey() }
        })
        .collect()
}

/// Signs the legacy (P2PKH) inputs, whose signatures are part of the txid.
fn sign_legacy(
    chain: &Chain,
    keys: &KeySource,
    secp: &Secp256k1<All>,
    pubkeys: &[[u8; 33]],
    t: usize,
    tx: &mut Transaction,
) {
    let r = &chain.txs[t];
    let mut sigs = Vec::new();
    {
        let cache = SighashCache::new(&*tx);
        for (k, i) in chain.inputs[r.inputs()].iter().enumerate() {
            let prev = &chain.outputs[i.prev as usize];
            let addr = &chain.addresses[prev.addr as usize];
            if addr.kind != ScriptType::P2PKH {
                continue;
            }
            let spk = addr.script_pubkey();
            let sighash =
                cache.legacy_signature_hash(k, &spk, EcdsaSighashType::All.to_u32()).expect("input index in range");
            let msg = Message::from_digest(sighash.to_byte_array());
            let sig = secp.sign_ecdsa_low_r(&msg, &keys.secret(prev.addr));
            let sig = bitcoin::ecdsa::Signature { signature: sig, sighash_type: EcdsaSighashType::All };
            let pk = pubkeys[prev.addr as usize];
            sigs.push((k, Builder::new().push_slice(push(&sig.to_vec())).push_slice(push(&pk)).into_script()));
        }
    }
    for (k, script) in sigs {
        tx.input[k].script_sig = script;
    }
}

/// Signs the SegWit v0 and Taproot inputs.
fn sign_segwit(
    chain: &Chain,
    keys: &KeySource,
    secp: &Secp256k1<All>,
    pubkeys: &[[u8; 33]],
    t: usize,
    tx: &mut Transaction,
) {
    let r = &chain.txs[t];
    let kinds: Vec<(ScriptType, u32, u64)> = chain.inputs[r.inputs()]
        .iter()
        .map(|i| {
            let o = &chain.outputs[i.prev as usize];
            (chain.addresses[o.addr as usize].kind, o.addr, o.value)
        })
        .collect();
    if kinds.iter().all(|(k, ..)| *k == ScriptType::P2PKH) {
        return;
    }
    let all_prevouts = if kinds.iter().any(|(k, ..)| *k == ScriptType::P2TR) { prevouts(chain, t) } else { Vec::new() };
    let mut witnesses = Vec::with_capacity(kinds.len());
    {
        let mut cache = SighashCache::new(&*tx);
        for (k, (kind, addr, value)) in kinds.iter().enumerate() {
            let sk = keys.secret(*addr);
            let w = match kind {
                ScriptType::P2PKH => continue,
                ScriptType::P2WPKH | ScriptType::P2SH_P2WPKH => {
                    let pk = pubkeys[*addr as usize];
                    let spk = redeem_script(&pk);
                    let sighash = cache
                        .p2wpkh_signature_hash(k, &spk, Amount::from_sat(*value), EcdsaSighashType::All)
                        .expect("a p2wpkh script");
                    let msg = Message::from_digest(sighash.to_byte_array());
                    let sig = bitcoin::ecdsa::Signature {
                        signature: secp.sign_ecdsa_low_r(&msg, &sk),
                        sighash_type: EcdsaSighashType::All,
                    };
                    Witness::p2wpkh(&sig, &PublicKey::from_slice(&pk).expect("a derived key"))
                }
                ScriptType::P2TR => {
                    let sighash = cache
                        .taproot_key_spend_signature_hash(k, &Prevouts::All(&all_prevouts), TapSighashType::Default)
                        .expect("prevouts for every input");
                    let msg = Message::from_digest(sighash.to_byte_array());
                    let tweaked = Keypair::from_secret_key(secp, &sk).tap_tweak(secp, None);
                    let sig = secp.sign_schnorr_no_aux_rand(&msg, &tweaked.to_keypair());
                    Witness::p2tr_key_spend(&bitcoin::taproot::Signature {
                        signature: sig,
                        sighash_type: TapSighashType::Default,
                    })
                }
            };
            witnesses.push((k, w));
        }
    }
    for (k, w) in witnesses {
        tx.input[k].witness = w;
    }
}

fn build_coinbase(chain: &Chain, t: usize, height: u32, commitment: Option<[u8; 32]>) -> Transaction {
    let r = &chain.txs[t];
    let script_sig = Builder::new().push_int(i64::from(height)).push_slice(push(b"/offramp/")).into_script();
    let output = chain.outputs[r.outputs()]
        .iter()
        .map(|o| {
            let script_pubkey = if o.addr == NONE {
                let mut s = vec![0x6a, 0x24, 0xaa, 0x21, 0xa9, 0xed];
                s.extend_from_slice(&commitment.unwrap_or([0u8; 32]));
                ScriptBuf::from_bytes(s)
            } else {
                chain.addresses[o.addr as usize].script_pubkey()
            };
            TxOut { value: Amount::from_sat(o.value), script_pubkey }
        })
        .collect();
    Transaction {
        version: Version::TWO,
        lock_time: LockTime::ZERO,
        input: vec![TxIn {
            previous_output: OutPoint::null(),
            script_sig,
            sequence: Sequence::MAX,
            witness: Witness::from_slice(&[[0u8; 32]]),
        }],
        output,
    }
}
