//! The public chain: what a block explorer shows.
//!
//! The simulator fills compact tables (transactions, inputs, outputs, addresses) that refer
//! to each other by index; [`seal`] then turns them into real `bitcoin` transactions and
//! blocks: addresses, txids, signatures or placeholder witnesses, merkle roots and a header
//! chain. Nothing here says who owns what; that is [`crate::truth`]. [`values`] checks that
//! the tables conserve value before a world leaves the generator.

pub mod blockfile;
pub mod check;
pub mod keys;
mod rawtx;
pub mod seal;
pub mod table;
pub mod values;

use bitcoin::hashes::Hash;
use bitcoin::{Address, BlockHash, ScriptBuf, Txid};
use bytemuck::{Pod, Zeroable};

pub use table::Table;

use crate::vocab::{Network, ScriptType};

/// "No index": an unspent output, a coinbase input, an output without an address.
pub const NONE: u32 = u32::MAX;

/// The most a block may weigh under consensus rules.
pub const MAX_BLOCK_WEIGHT: u64 = 4_000_000;
/// Weight the simulator leaves free in each block for the coinbase.
pub const COINBASE_RESERVE_WEIGHT: u64 = 4_000;
/// Outputs worth less than this are dust and never created.
pub const DUST: u64 = 546;
/// The most satoshis there can be: 21,000,000 BTC (Bitcoin's `MAX_MONEY`).
pub const MAX_MONEY: u64 = 21_000_000 * 100_000_000;

/// An address: its script type and its payload (a 20-byte hash, or a 32-byte x-only key).
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
#[repr(C)]
pub struct AddrInfo {
    /// [`ScriptType::code`] of the address's type.
    kind: u8,
    pub payload: [u8; 32],
}

impl AddrInfo {
    pub fn new(kind: ScriptType, payload: [u8; 32]) -> Self {
        AddrInfo { kind: kind.code(), payload }
    }

    pub fn kind(&self) -> ScriptType {
        // Every table is checked when it is read (an index file's codes included).
        ScriptType::from_code(self.kind).unwrap_or(ScriptType::P2WPKH)
    }

    /// Whether the type code is one [`ScriptType`] knows (checked on every table read from a file).
    pub fn kind_is_valid(&self) -> bool {
        ScriptType::from_code(self.kind).is_some()
    }

    /// The address an output script pays, or None for scripts Offramp never makes (data,
    /// bare multisig, script hashes of other kinds are read as nested SegWit).
    pub fn from_script(spk: &bitcoin::Script) -> Option<AddrInfo> {
        let b = spk.as_bytes();
        let (kind, payload): (ScriptType, &[u8]) = if spk.is_p2pkh() {
            (ScriptType::P2PKH, &b[3..23])
        } else if spk.is_p2sh() {
            (ScriptType::P2SH_P2WPKH, &b[2..22])
        } else if spk.is_p2wpkh() {
            (ScriptType::P2WPKH, &b[2..22])
        } else if spk.is_p2tr() {
            (ScriptType::P2TR, &b[2..34])
        } else {
            return None;
        };
        let mut p = [0u8; 32];
        p[..payload.len()].copy_from_slice(payload);
        Some(AddrInfo::new(kind, p))
    }

    /// The address as a person would copy it (bech32, base58) on `network`, written to `out`
    /// without building its script first: the tables of a large world write millions.
    pub fn write_address(&self, network: Network, out: &mut impl std::fmt::Write) -> std::fmt::Result {
        use bitcoin::{KnownHrp, NetworkKind, WitnessProgram, WitnessVersion};
        let net = network.bitcoin();
        let h20 = || <[u8; 20]>::try_from(&self.payload[..20]).expect("20 bytes");
        let address = match self.kind() {
            ScriptType::P2PKH => Address::p2pkh(bitcoin::PubkeyHash::from_byte_array(h20()), NetworkKind::from(net)),
            ScriptType::P2SH_P2WPKH => {
                Address::p2sh_from_hash(bitcoin::ScriptHash::from_byte_array(h20()), NetworkKind::from(net))
            }
            ScriptType::P2WPKH => Address::from_witness_program(
                WitnessProgram::new(WitnessVersion::V0, &h20()).expect("20-byte v0 program"),
                KnownHrp::from(net),
            ),
            ScriptType::P2TR => Address::from_witness_program(
                WitnessProgram::new(WitnessVersion::V1, &self.payload).expect("32-byte v1 program"),
                KnownHrp::from(net),
            ),
        };
        write!(out, "{address}")
    }

    /// The output script paying to this address.
    pub fn script_pubkey(&self) -> ScriptBuf {
        let h20 = || <[u8; 20]>::try_from(&self.payload[..20]).expect("20 bytes");
        match self.kind() {
            ScriptType::P2PKH => ScriptBuf::new_p2pkh(&bitcoin::PubkeyHash::from_byte_array(h20())),
            ScriptType::P2SH_P2WPKH => ScriptBuf::new_p2sh(&bitcoin::ScriptHash::from_byte_array(h20())),
            ScriptType::P2WPKH => ScriptBuf::new_p2wpkh(&bitcoin::WPubkeyHash::from_byte_array(h20())),
            ScriptType::P2TR => {
                let program = bitcoin::WitnessProgram::new(bitcoin::WitnessVersion::V1, &self.payload)
                    .expect("32-byte v1 program");
                ScriptBuf::new_witness_program(&program)
            }
        }
    }
}

/// One transaction, with ranges into the input and output tables. Laid out without padding
/// so that an index file can hold the table as it is in memory.
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
#[repr(C)]
pub struct TxRecord {
    /// The txid's bytes (see [`TxRecord::txid`]), filled in by [`seal`].
    pub txid_raw: [u8; 32],
    /// When the sender built it (Unix seconds); the block time is at or after it.
    pub created: i64,
    pub fee: u64,
    /// Height of the block that holds it.
    pub height: u32,
    pub first_input: u32,
    pub n_inputs: u32,
    pub first_output: u32,
    pub n_outputs: u32,
    pub version: i32,
    pub locktime: u32,
    /// Serialized size, virtual size and weight, filled in by [`seal`].
    pub size: u32,
    pub vsize: u32,
    pub weight: u32,
}

impl TxRecord {
    pub fn txid(&self) -> Txid {
        Txid::from_byte_array(self.txid_raw)
    }

    pub fn is_coinbase(&self, inputs: &[InputRecord]) -> bool {
        inputs[self.first_input as usize].prev == NONE
    }

    pub fn inputs(&self) -> std::ops::Range<usize> {
        self.first_input as usize..(self.first_input + self.n_inputs) as usize
    }

    pub fn outputs(&self) -> std::ops::Range<usize> {
        self.first_output as usize..(self.first_output + self.n_outputs) as usize
    }
}

/// One input: the output it spends (index into the output table) and its sequence number.
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
#[repr(C)]
pub struct InputRecord {
    pub prev: u32,
    pub sequence: u32,
    pub tx: u32,
}

/// One output: value, address (index into the address table, or [`NONE`] for a data
/// output), the transaction it belongs to and the input that spends it. Packed to 20 bytes
/// (the value at a 4-byte boundary), as it is in memory and in an index file; copy a field out
/// rather than borrow it.
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
#[repr(C, packed(4))]
pub struct OutputRecord {
    pub value: u64,
    pub addr: u32,
    pub tx: u32,
    pub spent_by: u32,
}

/// One block: its header fields and the range of its transactions.
#[derive(Debug, Clone)]
pub struct BlockRecord {
    pub height: u32,
    pub time: u32,
    pub first_tx: u32,
    pub n_tx: u32,
    /// Filled in by [`seal`].
    pub hash: BlockHash,
    /// The block in consensus serialization, filled in by [`seal`].
    pub raw: Vec<u8>,
}

impl BlockRecord {
    /// The block's fields without its bytes.
    pub fn clone_header(&self) -> BlockRecord {
        BlockRecord {
            height: self.height,
            time: self.time,
            first_tx: self.first_tx,
            n_tx: self.n_tx,
            hash: self.hash,
            raw: Vec::new(),
        }
    }
}

/// The whole public ledger of one generated world.
#[derive(Debug, Clone)]
pub struct Chain {
    pub network: Network,
    /// Whether every input carries a real signature.
    pub signed: bool,
    pub addresses: Table<AddrInfo>,
    pub txs: Table<TxRecord>,
    pub inputs: Table<InputRecord>,
    pub outputs: Table<OutputRecord>,
    pub blocks: Vec<BlockRecord>,
}

impl Chain {
    pub fn new(network: Network, signed: bool) -> Self {
        Chain {
            network,
            signed,
            addresses: Table::new(),
            txs: Table::new(),
            inputs: Table::new(),
            outputs: Table::new(),
            blocks: Vec::new(),
        }
    }

    /// The address of output `out` as text, or `None` for a data output.
    pub fn address_of_output(&self, out: u32) -> Option<String> {
        let a = self.outputs[out as usize].addr;
        (a != NONE).then(|| self.address_string(a))
    }

    /// A copy of the tables without the blocks' bytes (what an index needs).
    pub fn public_tables(&self) -> Chain {
        Chain {
            network: self.network,
            signed: self.signed,
            addresses: self.addresses.clone(),
            txs: self.txs.clone(),
            inputs: self.inputs.clone(),
            outputs: self.outputs.clone(),
            blocks: self.blocks.iter().map(BlockRecord::clone_header).collect(),
        }
    }

    /// The address as a person would copy it (bech32, base58) on this chain's network.
    pub fn address_string(&self, addr: u32) -> String {
        let mut s = String::with_capacity(64);
        self.addresses[addr as usize].write_address(self.network, &mut s).expect("writing to a string");
        s
    }

    /// The transaction that holds output `out`, and its position among that transaction's outputs.
    pub fn outpoint(&self, out: u32) -> (u32, u32) {
        let o = &self.outputs[out as usize];
        (o.tx, out - self.txs[o.tx as usize].first_output)
    }

    /// The sum of a transaction's input values (0 for a coinbase).
    pub fn input_value(&self, tx: u32) -> u64 {
        let t = &self.txs[tx as usize];
        self.inputs[t.inputs()].iter().filter(|i| i.prev != NONE).map(|i| self.outputs[i.prev as usize].value).sum()
    }

    pub fn output_value(&self, tx: u32) -> u64 {
        let t = &self.txs[tx as usize];
        self.outputs[t.outputs()].iter().map(|o| o.value).sum()
    }

    /// How many addresses appear on the chain: paid by some output (and so perhaps spent by
    /// some input). Wallets hand out addresses that never receive anything; those are in the
    /// address table but nowhere in a block.
    pub fn addresses_on_chain(&self) -> usize {
        let mut seen = vec![false; self.addresses.len()];
        let mut n = 0;
        for o in &self.outputs {
            if let Some(s) = seen.get_mut(o.addr as usize)
                && !*s
            {
                *s = true;
                n += 1;
            }
        }
        n
    }

    /// The block at `height`.
    pub fn block_at(&self, height: u32) -> Option<&BlockRecord> {
        let first = self.blocks.first()?.height;
        self.blocks.get(height.checked_sub(first)? as usize)
    }
}

/// Weight units of one input of this type, as wallets estimate it before signing (72-byte
/// signatures, 33-byte compressed keys).
pub fn input_weight(kind: ScriptType) -> u64 {
    match kind {
        // outpoint 36 + script length 1 + scriptSig 107 + sequence 4, all non-witness.
        ScriptType::P2PKH => 148 * 4,
        // outpoint 36 + length 1 + redeem push 23 + sequence 4; witness: count 1 + 73 + 34.
        ScriptType::P2SH_P2WPKH => 64 * 4 + 108,
        ScriptType::P2WPKH => 41 * 4 + 108,
        // witness: count 1 + length 1 + 64-byte Schnorr signature.
        ScriptType::P2TR => 41 * 4 + 66,
    }
}

/// Weight units of one output paying to this type.
pub fn output_weight(kind: ScriptType) -> u64 {
    4 * match kind {
        ScriptType::P2PKH => 34,
        ScriptType::P2SH_P2WPKH => 32,
        ScriptType::P2WPKH => 31,
        ScriptType::P2TR => 43,
    }
}

/// The estimated virtual size of a transaction with these inputs and outputs.
pub fn estimate_vsize(
    inputs: impl IntoIterator<Item = ScriptType>,
    outputs: impl IntoIterator<Item = ScriptType>,
) -> u64 {
    let (mut in_w, mut out_w) = (0, 0);
    let mut segwit = false;
    for k in inputs {
        segwit |= k != ScriptType::P2PKH;
        in_w += input_weight(k);
    }
    for k in outputs {
        out_w += output_weight(k);
    }
    estimate_weight(in_w, out_w, segwit).div_ceil(4)
}

/// Weight units of a transaction's frame: version and locktime, and the counts of inputs and
/// outputs (one byte each, as for fewer than 253), all non-witness.
pub const TX_FRAME_WEIGHT: u64 = 10 * 4;
/// Weight units of the SegWit marker and flag, in a transaction with any SegWit input.
pub const SEGWIT_MARKER_WEIGHT: u64 = 2;

/// The estimated weight of a transaction whose inputs weigh `inputs` and outputs `outputs`
/// (sums of [`input_weight`] and [`output_weight`]), with the SegWit marker and flag when
/// `segwit`: the one estimate the fees, the blocks' filling and the CoinJoin rounds' bound
/// are made from.
pub fn estimate_weight(inputs: u64, outputs: u64, segwit: bool) -> u64 {
    TX_FRAME_WEIGHT + inputs + outputs + if segwit { SEGWIT_MARKER_WEIGHT } else { 0 }
}
