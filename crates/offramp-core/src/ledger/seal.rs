//! Turns the simulator's tables into real Bitcoin: addresses, transactions with signatures
//! (or placeholder witnesses of the same size), coinbases with BIP34 heights and witness
//! commitments, merkle roots and a header chain on top of the network's genesis block.

use bitcoin::block::{Header, Version as BlockVersion};
use bitcoin::blockdata::constants::genesis_block;
use bitcoin::consensus::encode;
use bitcoin::hashes::Hash;
use bitcoin::script::{Builder, PushBytesBuf};
use bitcoin::secp256k1::{All, Message, Secp256k1};
use bitcoin::sighash::{EcdsaSighashType, Prevouts, SighashCache, TapSighashType};
use bitcoin::transaction::Version;
use std::ops::Range;

use bitcoin::consensus::Encodable;
use bitcoin::{
    Amount, Block, BlockHash, CompactTarget, OutPoint, ScriptBuf, Sequence, Transaction, TxIn, TxMerkleNode, TxOut,
    Txid, Witness, WitnessMerkleNode, Wtxid, absolute::LockTime,
};
use rayon::prelude::*;

use super::keys::{KeySource, SignedKey, hash_payload, splitmix_fill};
use super::rawtx::{self, RawBlock};
use super::{AddrIdx, AddrInfo, Chain, InputRecord, OutputRecord, TxIdx};
use crate::vocab::ScriptType;

/// Regtest's proof-of-work limit; headers on every network carry it (see docs/design.md).
pub const BITS: u32 = 0x207f_ffff;

/// What sealing reports as it goes: (blocks sealed, blocks in all).
pub type SealProgress<'a> = &'a mut dyn FnMut(u64, u64);

/// Blocks per pipeline window. Coinbases mature after 100 blocks, so a window never spends
/// a coinbase of the window before it: while one window's transactions are built and their
/// txids computed, the previous window's blocks are finished (witnesses, coinbase,
/// commitment, header, bytes) on the other core.
const WINDOW: usize = 32;

/// Where sealed blocks go as they are finished, in chain order: (hash, bytes).
pub type BlockSink<'a> = &'a mut BlockSinkFn<'a>;
/// What a [`BlockSink`] calls: Send, so that the streaming sealer's thread can call it.
pub type BlockSinkFn<'a> = dyn FnMut(BlockHash, Vec<u8>) + Send + 'a;

/// Fills addresses, txids, sizes, block hashes and raw blocks.
pub fn seal(chain: &mut Chain, keys: &KeySource, progress: SealProgress<'_>) {
    seal_into(chain, keys, progress, None);
}

/// Fills addresses, txids, sizes and block hashes; each block's bytes go to `sink` as soon
/// as the block is finished (and are then not kept), or into the chain without a sink.
pub fn seal_into(chain: &mut Chain, keys: &KeySource, progress: SealProgress<'_>, mut sink: Option<BlockSink<'_>>) {
    let t0 = std::time::Instant::now();
    progress(0, chain.blocks.len() as u64);
    let secp = Secp256k1::new();
    let signed = chain.signed;
    // 1. Address payloads, in parallel: hashing in fast mode, key derivation in signed mode.
    let signed_keys: Vec<SignedKey> = if signed {
        let kinds: Vec<ScriptType> = chain.addresses.iter().map(AddrInfo::kind).collect();
        let derived: Vec<SignedKey> =
            kinds.par_iter().enumerate().map(|(i, k)| keys.signed_payload(&secp, *k, AddrIdx::new(i))).collect();
        for (a, k) in chain.addresses.iter_mut().zip(&derived) {
            a.payload = k.payload;
        }
        derived
    } else {
        chain
            .addresses
            .par_iter_mut()
            .enumerate()
            .for_each(|(i, a)| a.payload = keys.fast_payload(a.kind(), AddrIdx::new(i)));
        Vec::new()
    };
    let pubkeys: Vec<[u8; 33]> = signed_keys.iter().map(|k| k.pubkey).collect();
    let timing = crate::timing::on();
    if timing {
        eprintln!("timing: addresses {:.2}s", t0.elapsed().as_secs_f64());
    }
    // 2. The pipeline, over windows of blocks.
    let c: &Chain = chain;
    let n_blocks = c.blocks.len();
    let mut pipe = Pipeline::new(c);
    let ctx = Ctx { chain: c, keys, secp: &secp, pubkeys: &pubkeys, signed_keys: &signed_keys };
    let windows: Vec<Range<usize>> = (0..n_blocks).step_by(WINDOW).map(|s| s..(s + WINDOW).min(n_blocks)).collect();
    for w in 0..=windows.len() {
        pipe.step(&ctx, windows.get(w).cloned(), sink.as_deref_mut());
        progress(windows.get(w.saturating_sub(1)).map_or(0, |r| r.end) as u64, n_blocks as u64);
    }
    if timing {
        pipe.report(t0);
    }
    // 3. Back into the tables.
    let sealed = pipe.sealed(chain);
    sealed.apply(chain, keys);
}

/// What sealing found out about a chain: its txids, sizes and block hashes (and the blocks'
/// bytes where nobody took them), to be written back into its tables.
pub struct Sealed {
    txids: Vec<Txid>,
    sizes: Vec<[u32; 3]>,
    blocks: Vec<(BlockHash, Vec<u8>)>,
    /// Address payloads, when the sealer derived them ([`seal_streamed`]).
    payloads: Vec<[u8; 32]>,
    streamed: bool,
}

impl Sealed {
    /// Writes it all into the tables of the chain it was sealed from. A streaming sealer
    /// derived the payloads of the addresses it was sent; those made after the last block
    /// closed (never on chain) are derived here, from the same `keys`.
    pub fn apply(self, chain: &mut Chain, keys: &KeySource) {
        if self.streamed {
            let n = self.payloads.len();
            for (a, p) in chain.addresses.iter_mut().zip(self.payloads) {
                a.payload = p;
            }
            for (i, a) in chain.addresses.iter_mut().enumerate().skip(n) {
                a.payload = keys.fast_payload(a.kind(), AddrIdx::new(i));
            }
        }
        for (r, (txid, [size, vsize, weight])) in chain.txs.iter_mut().zip(self.txids.into_iter().zip(self.sizes)) {
            (r.size, r.vsize, r.weight) = (size, vsize, weight);
            r.txid_raw = txid.to_byte_array();
        }
        for (block, (hash, raw)) in chain.blocks.iter_mut().zip(self.blocks) {
            (block.hash, block.raw) = (hash, raw);
        }
    }
}

/// The two-stage pipeline's state between windows: what is known of the blocks so far.
struct Pipeline {
    txids: Vec<Txid>,
    cb_txids: Vec<Txid>,
    sizes: Vec<[u32; 3]>,
    sealed: Vec<(BlockHash, Vec<u8>)>,
    carry: Option<(Range<usize>, Built)>,
    prev_hash: BlockHash,
    times: (std::time::Duration, std::time::Duration),
}

impl Pipeline {
    fn new(chain: &Chain) -> Pipeline {
        let mut p = Pipeline {
            txids: Vec::new(),
            cb_txids: Vec::new(),
            sizes: Vec::new(),
            sealed: Vec::new(),
            carry: None,
            prev_hash: genesis_block(chain.network.bitcoin()).block_hash(),
            times: Default::default(),
        };
        p.grow(chain);
        p
    }

    /// Makes room for the blocks and transactions the chain has now.
    fn grow(&mut self, chain: &Chain) {
        self.txids.resize(chain.txs.len(), Txid::all_zeros());
        self.sizes.resize(chain.txs.len(), [0; 3]);
        self.cb_txids.resize(chain.blocks.len(), Txid::all_zeros());
        self.sealed.resize(chain.blocks.len(), (BlockHash::all_zeros(), Vec::new()));
    }

    /// Builds the window `next` (if any) while the window before it is finished; the
    /// finished blocks go to `sink` (if any). `next` must follow the last window built, and
    /// every block up to its end must be in `ctx.chain`.
    fn step(&mut self, ctx: &Ctx<'_>, next: Option<Range<usize>>, sink: Option<&mut BlockSinkFn<'_>>) {
        let c = ctx.chain;
        let n_tx = c.txs.len();
        let n_blocks = c.blocks.len();
        let split_tx = next.as_ref().map_or(n_tx, |r| c.blocks[r.start].first_tx.index());
        let cb_split = self.carry.as_ref().map_or(next.as_ref().map_or(n_blocks, |r| r.start), |(r, _)| r.start);
        let (tx_done, tx_next) = self.txids.split_at_mut(split_tx);
        let (cb_done, cb_next) = self.cb_txids.split_at_mut(cb_split);
        let (tx_done, cb_done) = (&*tx_done, &*cb_done);
        let finishing = self.carry.take();
        let finished = finishing.as_ref().map(|(r, _)| r.clone());
        let (sizes, sealed, prev_hash) = (&mut self.sizes, &mut self.sealed, &mut self.prev_hash);
        let ((built, d1), d2) = rayon::join(
            || {
                let t = std::time::Instant::now();
                (next.clone().map(|r| ctx.build_window(r, split_tx, tx_done, tx_next, cb_done)), t.elapsed())
            },
            || {
                let t = std::time::Instant::now();
                if let Some((r, txdata)) = finishing {
                    ctx.finish_window(r, txdata, tx_done, cb_next, cb_split, sizes, sealed, prev_hash);
                }
                t.elapsed()
            },
        );
        self.times.0 += d1;
        self.times.1 += d2;
        if let (Some(sink), Some(r)) = (sink, finished) {
            for (hash, raw) in &mut self.sealed[r] {
                sink(*hash, std::mem::take(raw));
            }
        }
        self.carry = next.zip(built);
    }

    fn report(&self, t0: std::time::Instant) {
        eprintln!(
            "timing: pipeline {:.2}s (building {:.2}s, finishing {:.2}s)",
            t0.elapsed().as_secs_f64(),
            self.times.0.as_secs_f64(),
            self.times.1.as_secs_f64()
        );
    }

    /// What was found about `chain`'s blocks, each coinbase's txid in its place (the
    /// pipeline keeps them apart: a window's children read them there).
    fn sealed(self, chain: &Chain) -> Sealed {
        let mut txids = self.txids;
        for (block, cb) in chain.blocks.iter().zip(&self.cb_txids) {
            txids[block.first_tx.index()] = *cb;
        }
        Sealed { txids, sizes: self.sizes, blocks: self.sealed, payloads: Vec::new(), streamed: false }
    }
}

/// One block the simulation has closed, with the records it added since the block before:
/// what the streaming sealer needs to seal it. The chain is append-only but for outputs'
/// `spent_by`, which sealing never reads.
pub struct Closed {
    pub block: super::BlockRecord,
    pub txs: Vec<super::TxRecord>,
    pub inputs: Vec<InputRecord>,
    pub outputs: Vec<OutputRecord>,
    /// The types of the addresses made since.
    pub addresses: Vec<ScriptType>,
}

/// Fast mode's sealing fed block by block while the simulation runs: it keeps its own copy of
/// the records sealing reads (the simulation goes on appending to its tables meanwhile) and
/// seals each window of blocks once the simulation has closed it, so that the simulation's
/// single thread and the sealing pipeline share the cores. Blocks go to `sink` as they are
/// finished; [`Sealed::apply`] then writes what was found into the simulation's chain. The
/// result is the same as [`seal_into`]'s on the finished chain (a test compares the files).
pub fn seal_streamed(
    closed: std::sync::mpsc::Receiver<Closed>,
    network: crate::vocab::Network,
    keys: &KeySource,
    mut sink: Option<BlockSink<'_>>,
) -> Sealed {
    let t0 = std::time::Instant::now();
    let secp = Secp256k1::new();
    let mut chain = Chain::new(network, false);
    let mut pipe = Pipeline::new(&chain);
    let mut next_start = 0usize;
    let mut open = true;
    loop {
        while open && chain.blocks.len() < next_start + WINDOW {
            match closed.recv() {
                Ok(c) => {
                    for kind in c.addresses {
                        let id = chain.addresses.next_id();
                        chain.addresses.push(AddrInfo::new(kind, keys.fast_payload(kind, id)));
                    }
                    chain.txs.vec_mut().extend(c.txs);
                    chain.inputs.vec_mut().extend(c.inputs);
                    chain.outputs.vec_mut().extend(c.outputs);
                    chain.blocks.push(c.block);
                }
                Err(_) => open = false,
            }
        }
        let next = (chain.blocks.len() > next_start).then(|| next_start..(next_start + WINDOW).min(chain.blocks.len()));
        if next.is_none() && pipe.carry.is_none() {
            break;
        }
        pipe.grow(&chain);
        let ctx = Ctx { chain: &chain, keys, secp: &secp, pubkeys: &[], signed_keys: &[] };
        pipe.step(&ctx, next.clone(), sink.as_deref_mut());
        if let Some(r) = next {
            next_start = r.end;
        }
    }
    if crate::timing::on() {
        pipe.report(t0);
    }
    let mut sealed = pipe.sealed(&chain);
    sealed.payloads = chain.addresses.iter().map(|a| a.payload).collect();
    sealed.streamed = true;
    sealed
}

/// What both pipeline stages read.
struct Ctx<'a> {
    chain: &'a Chain,
    keys: &'a KeySource,
    secp: &'a Secp256k1<All>,
    pubkeys: &'a [[u8; 33]],
    signed_keys: &'a [SignedKey],
}

impl Ctx<'_> {
    /// Stage one: the window's transactions without their segwit signatures, and their txids.
    fn build_window(
        &self,
        blocks: Range<usize>,
        split_tx: usize,
        tx_done: &[Txid],
        tx_next: &mut [Txid],
        cb_done: &[Txid],
    ) -> Built {
        let c = self.chain;
        let first_height = c.blocks[0].height;
        let mut txs_out = Vec::new();
        let mut raw_out = Vec::new();
        for b in blocks {
            let txs = c.blocks[b].txs();
            let n = txs.len();
            let mut txdata = Vec::with_capacity(if c.signed { n } else { 0 });
            let mut raw = RawBlock { body: Vec::new(), ends: Vec::new(), sizes: Vec::new() };
            if !c.signed {
                raw.body.reserve(txs.clone().skip(1).map(|t| c.txs[t].n_inputs as usize * 150 + 100).sum());
                raw.ends.reserve(n);
                raw.sizes.reserve(n);
            }
            for t in txs.skip(1) {
                let txid_of = |p: TxIdx| -> Txid {
                    let r = &c.txs[p];
                    if r.is_coinbase(&c.inputs) {
                        let k = (r.height - first_height) as usize;
                        *cb_done.get(k).expect("a coinbase is spent only once mature, windows behind")
                    } else if p.index() < split_tx {
                        tx_done[p.index()]
                    } else {
                        tx_next[p.index() - split_tx]
                    }
                };
                if !c.signed {
                    let (txid, segwit, size) = rawtx::encode(c, self.keys, t, &txid_of, &mut raw.body);
                    tx_next[t.index() - split_tx] = txid;
                    raw.ends.push((u32::try_from(raw.body.len()).expect("a block under 4 GB"), segwit));
                    raw.sizes.push(size);
                    continue;
                }
                let mut tx = build_unsigned(c, self.keys, self.pubkeys, t, &txid_of);
                sign_legacy(c, self.keys, self.secp, self.pubkeys, t, &mut tx);
                tx_next[t.index() - split_tx] = tx.compute_txid();
                txdata.push(tx);
            }
            txs_out.push(txdata);
            raw_out.push(raw);
        }
        if c.signed { Built::Txs(txs_out) } else { Built::Raw(raw_out) }
    }

    /// Stage two: witnesses, coinbase and witness commitment, merkle root, header, bytes.
    #[allow(clippy::too_many_arguments)]
    fn finish_window(
        &self,
        blocks: Range<usize>,
        built: Built,
        tx_done: &[Txid],
        cb_next: &mut [Txid],
        cb_split: usize,
        sizes: &mut [[u32; 3]],
        sealed: &mut [(BlockHash, Vec<u8>)],
        prev_hash: &mut BlockHash,
    ) {
        let c = self.chain;
        let raws: Vec<RawBlock> = match built {
            Built::Raw(raws) => raws,
            Built::Txs(txdata) => blocks
                .clone()
                .zip(txdata)
                .map(|(b, mut txs)| {
                    let first = c.blocks[b].first_tx;
                    txs.par_iter_mut().enumerate().for_each(|(k, tx)| {
                        sign_segwit(c, self.keys, self.secp, self.signed_keys, TxIdx::new(first.index() + 1 + k), tx);
                    });
                    RawBlock::from_txs(&txs)
                })
                .collect(),
        };
        for (b, raw) in blocks.zip(raws) {
            let first = c.blocks[b].first_tx;
            let f = first.index();
            let height = c.blocks[b].height;
            let wtxids = (0..raw.ends.len()).map(|k| raw.wtxid(k, tx_done[f + 1 + k]));
            let wtxids = std::iter::once(Wtxid::all_zeros()).chain(wtxids).map(|h| h.to_raw_hash());
            let witness_root = bitcoin::merkle_tree::calculate_root(wtxids)
                .map(WitnessMerkleNode::from_raw_hash)
                .expect("a block has a coinbase");
            let commitment = Block::compute_witness_commitment(&witness_root, &[0u8; 32]);
            let coinbase = build_coinbase(c, first, height, Some(commitment.to_byte_array()));
            let cb_txid = coinbase.compute_txid();
            cb_next[b - cb_split] = cb_txid;
            let n = raw.sizes.len() + 1;
            let hashes = std::iter::once(cb_txid).chain(tx_done[f + 1..f + n].iter().copied());
            let merkle_root = bitcoin::merkle_tree::calculate_root(hashes.map(|h| h.to_raw_hash()))
                .map(TxMerkleNode::from_raw_hash)
                .expect("a block has a coinbase");
            let header = self.header(b, *prev_hash, merkle_root);
            sizes[f] = sizes_of(&coinbase);
            sizes[f + 1..f + n].copy_from_slice(&raw.sizes);
            let coinbase = encode::serialize(&coinbase);
            let mut bytes = Vec::with_capacity(80 + 9 + coinbase.len() + raw.body.len());
            bytes.extend_from_slice(&encode::serialize(&header));
            encode::VarInt(n as u64).consensus_encode(&mut bytes).expect("writing to memory");
            bytes.extend_from_slice(&coinbase);
            bytes.extend_from_slice(&raw.body);
            *prev_hash = header.block_hash();
            sealed[b] = (*prev_hash, bytes);
        }
    }
}

/// A transaction's [size, vsize, weight].
pub(super) fn sizes_of(tx: &Transaction) -> [u32; 3] {
    let weight = tx.weight().to_wu();
    [tx.total_size() as u32, weight.div_ceil(4) as u32, weight as u32]
}

impl Ctx<'_> {
    /// Block `b`'s header after `prev`, with the first nonce that meets the target.
    fn header(&self, b: usize, prev: BlockHash, merkle_root: TxMerkleNode) -> Header {
        let mut header = Header {
            version: BlockVersion::from_consensus(0x2000_0000),
            prev_blockhash: prev,
            merkle_root,
            time: self.chain.blocks[b].time,
            bits: CompactTarget::from_consensus(BITS),
            nonce: 0,
        };
        let target = header.target();
        while header.validate_pow(target).is_err() {
            header.nonce += 1;
        }
        header
    }
}

/// What the first stage hands the second, per block of a window: in signed mode the
/// transactions, whose SegWit signatures are still to come; in fast mode their bytes. The
/// second stage finishes both as bytes ([`RawBlock`]).
enum Built {
    Txs(Vec<Vec<Transaction>>),
    Raw(Vec<RawBlock>),
}

/// A deterministic stand-in for a DER signature: 72 bytes with the sighash byte, the size
/// wallets budget for.
pub(super) fn placeholder_ecdsa(seed: u64) -> [u8; 72] {
    let mut s = [0u8; 72];
    s[..5].copy_from_slice(&[0x30, 0x45, 0x02, 0x21, 0x00]);
    splitmix_fill(&mut s[5..37], seed);
    s[5] &= 0x7f;
    s[37] = 0x02;
    s[38] = 0x20;
    splitmix_fill(&mut s[39..71], seed ^ 0x9e37_79b9_7f4a_7c15);
    s[39] &= 0x3f;
    s[71] = 0x01;
    s
}

fn pubkey_of(keys: &KeySource, pubkeys: &[[u8; 33]], addr: AddrIdx) -> [u8; 33] {
    if pubkeys.is_empty() { keys.placeholder_pubkey(addr) } else { pubkeys[addr.index()] }
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
pub(super) fn build_unsigned(
    chain: &Chain,
    keys: &KeySource,
    pubkeys: &[[u8; 33]],
    t: TxIdx,
    txid_of: &dyn Fn(TxIdx) -> Txid,
) -> Transaction {
    let r = &chain.txs[t];
    let signed = chain.signed;
    let input = chain.inputs[r.inputs()]
        .iter()
        .map(|i| {
            let prev_out = i.prev().expect("a coinbase is built apart");
            let prev = &chain.outputs[prev_out];
            let prev_addr = paid_addr(prev);
            let addr = chain.addresses[prev_addr];
            let (ptx, vout) = chain.outpoint(prev_out);
            let pk = pubkey_of(keys, pubkeys, prev_addr);
            let sig = placeholder_ecdsa(u64::from(u32::from(prev_out)) << 8);
            let (script_sig, witness) = match addr.kind() {
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
                previous_output: OutPoint { txid: txid_of(ptx), vout },
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
            script_pubkey: chain.addresses[paid_addr(o)].script_pubkey(),
        })
        .collect();
    Transaction { version: Version(r.version), lock_time: LockTime::from_consensus(r.locktime), input, output }
}

/// The address an output pays: every output does but a coinbase's witness commitment.
pub(super) fn paid_addr(o: &OutputRecord) -> AddrIdx {
    o.addr().expect("only a coinbase has an output without an address")
}

/// The output an input (not a coinbase's) spends.
fn spent<'c>(chain: &'c Chain, i: &InputRecord) -> &'c OutputRecord {
    &chain.outputs[i.prev().expect("a coinbase is built apart")]
}

fn prevouts(chain: &Chain, t: TxIdx) -> Vec<TxOut> {
    chain.inputs[chain.txs[t].inputs()]
        .iter()
        .map(|i| {
            let o = spent(chain, i);
            TxOut { value: Amount::from_sat(o.value), script_pubkey: chain.addresses[paid_addr(o)].script_pubkey() }
        })
        .collect()
}

/// Signs the legacy (P2PKH) inputs, whose signatures are part of the txid.
fn sign_legacy(
    chain: &Chain,
    keys: &KeySource,
    secp: &Secp256k1<All>,
    pubkeys: &[[u8; 33]],
    t: TxIdx,
    tx: &mut Transaction,
) {
    let r = &chain.txs[t];
    let mut sigs = Vec::new();
    {
        let cache = SighashCache::new(&*tx);
        for (k, i) in chain.inputs[r.inputs()].iter().enumerate() {
            let prev_addr = paid_addr(spent(chain, i));
            let addr = &chain.addresses[prev_addr];
            if addr.kind() != ScriptType::P2PKH {
                continue;
            }
            let spk = addr.script_pubkey();
            let sighash =
                cache.legacy_signature_hash(k, &spk, EcdsaSighashType::All.to_u32()).expect("input index in range");
            let msg = Message::from_digest(sighash.to_byte_array());
            let sig = secp.sign_ecdsa(&msg, &keys.secret(prev_addr));
            let sig = bitcoin::ecdsa::Signature { signature: sig, sighash_type: EcdsaSighashType::All };
            let pk = pubkeys[prev_addr.index()];
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
    signed_keys: &[SignedKey],
    t: TxIdx,
    tx: &mut Transaction,
) {
    let r = &chain.txs[t];
    let kinds: Vec<(ScriptType, AddrIdx, u64)> = chain.inputs[r.inputs()]
        .iter()
        .map(|i| {
            let o = spent(chain, i);
            let a = paid_addr(o);
            (chain.addresses[a].kind(), a, o.value)
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
            let key = &signed_keys[addr.index()];
            let w = match kind {
                ScriptType::P2PKH => continue,
                ScriptType::P2WPKH | ScriptType::P2SH_P2WPKH => {
                    let pk = key.pubkey;
                    let spk = redeem_script(&pk);
                    let sighash = cache
                        .p2wpkh_signature_hash(k, &spk, Amount::from_sat(*value), EcdsaSighashType::All)
                        .expect("a p2wpkh script");
                    let msg = Message::from_digest(sighash.to_byte_array());
                    let sig = bitcoin::ecdsa::Signature {
                        signature: secp.sign_ecdsa(&msg, &keys.secret(*addr)),
                        sighash_type: EcdsaSighashType::All,
                    };
                    Witness::from_slice(&[&sig.to_vec()[..], &pk[..]])
                }
                ScriptType::P2TR => {
                    let sighash = cache
                        .taproot_key_spend_signature_hash(k, &Prevouts::All(&all_prevouts), TapSighashType::Default)
                        .expect("prevouts for every input");
                    let msg = Message::from_digest(sighash.to_byte_array());
                    let tweaked = key.taproot.expect("taproot addresses keep their tweaked key pair");
                    let sig = secp.sign_schnorr_no_aux_rand(&msg, &tweaked);
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

fn build_coinbase(chain: &Chain, t: TxIdx, height: u32, commitment: Option<[u8; 32]>) -> Transaction {
    let r = &chain.txs[t];
    let script_sig = Builder::new().push_int(i64::from(height)).push_slice(push(b"/offramp/")).into_script();
    let output = chain.outputs[r.outputs()]
        .iter()
        .map(|o| {
            let script_pubkey = match o.addr() {
                None => {
                    let mut s = vec![0x6a, 0x24, 0xaa, 0x21, 0xa9, 0xed];
                    s.extend_from_slice(&commitment.unwrap_or([0u8; 32]));
                    ScriptBuf::from_bytes(s)
                }
                Some(a) => chain.addresses[a].script_pubkey(),
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
