//! The public chain: what a block explorer shows.
//!
//! The simulator fills compact tables (transactions, inputs, outputs, addresses) that refer
//! to each other by index, each table by its own id type ([`ids`]); [`seal`] then turns them
//! into real `bitcoin` transactions and blocks: addresses, txids, signatures or placeholder
//! witnesses, merkle roots and a header chain. Nothing here says who owns what; that is
//! [`crate::truth`]. [`values`] checks that the tables conserve value before a world leaves
//! the generator.

pub mod addrtext;
pub mod blockfile;
pub mod check;
pub mod ids;
pub mod keys;
mod rawtx;
pub mod seal;
pub mod table;
pub mod values;

use std::ops::{Index, IndexMut};

use bitcoin::hashes::Hash;
use bitcoin::{BlockHash, ScriptBuf, Txid};
use bytemuck::{Pod, Zeroable};

pub use ids::{AddrIdx, Id, IdRange, InIdx, OutIdx, TxIdx};
pub use table::{Record, Table};

use self::ids::OptIdx;
use crate::vocab::{Network, ScriptType};

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
    /// without building its script first: the tables of a large world write millions ([`addrtext`]).
    pub fn write_address(&self, network: Network, out: &mut impl std::fmt::Write) -> std::fmt::Result {
        out.write_str(addrtext::write(network, self.kind(), &self.payload, &mut [0; addrtext::MAX_LEN]))
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
    pub first_input: InIdx,
    pub n_inputs: u32,
    pub first_output: OutIdx,
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

    pub fn is_coinbase(&self, inputs: &Table<InputRecord>) -> bool {
        inputs[self.first_input].prev().is_none()
    }

    pub fn inputs(&self) -> IdRange<InIdx> {
        IdRange::new(self.first_input, self.n_inputs)
    }

    pub fn outputs(&self) -> IdRange<OutIdx> {
        IdRange::new(self.first_output, self.n_outputs)
    }

    /// Output number `vout` of the transaction (which has it).
    pub fn output(&self, vout: u32) -> OutIdx {
        self.outputs().at(vout).expect("the transaction has that output")
    }

    /// The number (vout) of one of the transaction's outputs.
    pub fn vout(&self, out: OutIdx) -> u32 {
        self.outputs().position(out).expect("an output of the transaction")
    }

    /// The number of one of the transaction's inputs.
    pub fn input_number(&self, input: InIdx) -> u32 {
        self.inputs().position(input).expect("an input of the transaction")
    }
}

/// One input: the output it spends (none for a coinbase's), its sequence number and the
/// transaction it belongs to.
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
#[repr(C)]
pub struct InputRecord {
    prev: OptIdx<OutIdx>,
    pub sequence: u32,
    pub tx: TxIdx,
}

impl InputRecord {
    pub fn new(prev: Option<OutIdx>, sequence: u32, tx: TxIdx) -> InputRecord {
        InputRecord { prev: prev.into(), sequence, tx }
    }

    /// The output it spends; none for a coinbase's input.
    pub fn prev(&self) -> Option<OutIdx> {
        self.prev.get()
    }
}

/// One output: value, address (none for a data output), the transaction it belongs to and
/// the input that spends it. Packed to 20 bytes (the value at a 4-byte boundary), as it is in
/// memory and in an index file; copy a field out rather than borrow it.
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
#[repr(C, packed(4))]
pub struct OutputRecord {
    pub value: u64,
    addr: OptIdx<AddrIdx>,
    pub tx: TxIdx,
    spent_by: OptIdx<InIdx>,
}

impl OutputRecord {
    /// An output not spent yet.
    pub fn new(value: u64, addr: Option<AddrIdx>, tx: TxIdx) -> OutputRecord {
        OutputRecord { value, addr: addr.into(), tx, spent_by: None.into() }
    }

    /// The address it pays; none for a data output.
    pub fn addr(&self) -> Option<AddrIdx> {
        self.addr.get()
    }

    /// The input that spends it; none while it is unspent.
    pub fn spent_by(&self) -> Option<InIdx> {
        self.spent_by.get()
    }

    pub fn set_spent_by(&mut self, input: Option<InIdx>) {
        self.spent_by = input.into();
    }
}

/// Each record's table is indexed by the record's id, and by a range of them.
macro_rules! record_ids {
    ($($record:ty => $id:ty),* $(,)?) => {$(
        impl Record for $record {
            type Id = $id;
        }

        impl Index<$id> for Table<$record> {
            type Output = $record;
            fn index(&self, id: $id) -> &$record {
                &self.as_slice()[id.index()]
            }
        }

        impl IndexMut<$id> for Table<$record> {
            fn index_mut(&mut self, id: $id) -> &mut $record {
                &mut self.vec_mut()[id.index()]
            }
        }

        impl Index<IdRange<$id>> for Table<$record> {
            type Output = [$record];
            fn index(&self, ids: IdRange<$id>) -> &[$record] {
                &self.as_slice()[ids.indices()]
            }
        }

        impl IndexMut<IdRange<$id>> for Table<$record> {
            fn index_mut(&mut self, ids: IdRange<$id>) -> &mut [$record] {
                &mut self.vec_mut()[ids.indices()]
            }
        }
    )*};
}

record_ids!(AddrInfo => AddrIdx, TxRecord => TxIdx, InputRecord => InIdx, OutputRecord => OutIdx);

// The index file holds the tables as they lie in memory: the ids must not change a record.
const _: () = assert!(size_of::<TxRecord>() == 88 && size_of::<InputRecord>() == 12);
const _: () = assert!(size_of::<OutputRecord>() == 20 && size_of::<AddrInfo>() == 33);

/// One block: its header fields and the range of its transactions.
#[derive(Debug, Clone)]
pub struct BlockRecord {
    pub height: u32,
    pub time: u32,
    pub first_tx: TxIdx,
    pub n_tx: u32,
    /// Filled in by [`seal`].
    pub hash: BlockHash,
    /// The block in consensus serialization, filled in by [`seal`].
    pub raw: Vec<u8>,
}

impl BlockRecord {
    /// The block's transactions, the coinbase first.
    pub fn txs(&self) -> IdRange<TxIdx> {
        IdRange::new(self.first_tx, self.n_tx)
    }

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
    pub fn address_of_output(&self, out: OutIdx) -> Option<String> {
        self.outputs[out].addr().map(|a| self.address_string(a))
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
    pub fn address_string(&self, addr: AddrIdx) -> String {
        let mut s = String::with_capacity(64);
        self.addresses[addr].write_address(self.network, &mut s).expect("writing to a string");
        s
    }

    /// The transaction that holds output `out`, and its position among that transaction's outputs.
    pub fn outpoint(&self, out: OutIdx) -> (TxIdx, u32) {
        let o = &self.outputs[out];
        (o.tx, self.txs[o.tx].vout(out))
    }

    /// The transaction that holds input `input`, and its position among that transaction's inputs.
    pub fn inpoint(&self, input: InIdx) -> (TxIdx, u32) {
        let i = &self.inputs[input];
        (i.tx, self.txs[i.tx].input_number(input))
    }

    /// The sum of a transaction's input values (0 for a coinbase).
    pub fn input_value(&self, tx: TxIdx) -> u64 {
        let t = &self.txs[tx];
        self.inputs[t.inputs()].iter().filter_map(InputRecord::prev).map(|o| self.outputs[o].value).sum()
    }

    pub fn output_value(&self, tx: TxIdx) -> u64 {
        let t = &self.txs[tx];
        self.outputs[t.outputs()].iter().map(|o| o.value).sum()
    }

    /// How many addresses appear on the chain: paid by some output (and so perhaps spent by
    /// some input). Wallets hand out addresses that never receive anything; those are in the
    /// address table but nowhere in a block.
    pub fn addresses_on_chain(&self) -> usize {
        let mut seen = vec![false; self.addresses.len()];
        let mut n = 0;
        for o in &self.outputs {
            if let Some(s) = o.addr().and_then(|a| seen.get_mut(a.index()))
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
