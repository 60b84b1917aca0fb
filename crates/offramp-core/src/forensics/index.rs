//! The explorer index: what a block explorer answers, over the public chain only.
//!
//! Address → the transactions that pay or spend it (in chain order), balance over time, first
//! and last seen; transaction → its inputs with the outputs they spend, its outputs with the
//! inputs that spend them, block, time, fee, fee rate, size and fiat value, each side with
//! its labels and dollar value; where an address's coins were swept to; the BTC/USD price at
//! a time; lookups by address, txid, block height and label. Built from a [`Chain`] in one
//! pass; nothing here reads the truth.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Arc;

use serde::Serialize;

use crate::intel::Tag;
use crate::ledger::ids::OptIdx;
use crate::ledger::{AddrIdx, Chain, IdRange, InputRecord, Table, TxIdx};
use crate::time::format_instant;
use crate::vocab::{Category, Network, ScriptType};

/// Why a lookup failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LookupError {
    #[error("\"{0}\" is not a Bitcoin address")]
    BadAddress(String),
    #[error("{0} is an address of another network, not of this {1} chain")]
    WrongNetwork(String, String),
    #[error("address {0} does not appear in this chain")]
    UnknownAddress(String),
    #[error("\"{0}\" is not a txid (64 hexadecimal digits)")]
    BadTxid(String),
    #[error("transaction {0} is not in this chain")]
    UnknownTxid(String),
    #[error("there is no block at height {0} (the chain has heights {1} to {2})")]
    UnknownHeight(u32, u32, u32),
}

/// Why a price lookup failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PriceError {
    #[error("this chain has no price series")]
    NoPrices,
    #[error("{when} is outside the price series, which runs from {first} to {last}")]
    OutsideSeries { when: String, first: String, last: String },
}

/// Parses an address as an investigator pastes it (surrounding spaces ignored) and checks that
/// it is one of `network`'s: the parser behind [`Explorer::address`], and behind legal
/// requests, so that both refuse the same text for the same reason.
///
/// # Errors
/// [`LookupError::BadAddress`] for text that is no address, [`LookupError::WrongNetwork`]
/// for another network's.
pub fn parse_address(text: &str, network: Network) -> Result<bitcoin::Address, LookupError> {
    let t = text.trim();
    let parsed = bitcoin::Address::from_str(t).map_err(|_| LookupError::BadAddress(t.to_string()))?;
    parsed
        .require_network(network.bitcoin())
        .map_err(|_| LookupError::WrongNetwork(t.to_string(), format!("{network:?}")))
}

/// The address in `text` written as the chain writes it (bech32 in lower case), after
/// [`parse_address`]: the one spelling that answers, legal requests and lookups compare.
///
/// # Errors
/// As [`parse_address`].
pub fn canonical_address(text: &str, network: Network) -> Result<String, LookupError> {
    parse_address(text, network).map(|a| a.to_string())
}

/// An address as one sortable key: its type, then its payload.
fn address_key(kind: ScriptType, payload: &[u8; 32]) -> [u8; 33] {
    let mut k = [0u8; 33];
    k[0] = kind as u8;
    k[1..].copy_from_slice(payload);
    k
}

/// One label on an address: from the trainee's intel, a public attribution, or the trainee.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Label {
    pub label: String,
    pub category: Category,
}

/// The explorer over one chain.
pub struct Explorer {
    pub chain: Arc<Chain>,
    labels: HashMap<AddrIdx, Vec<Label>>,
    /// (time, USD) price points (hourly in a generated world), sorted by time.
    prices: Vec<(i64, f64)>,
    /// How the tables are looked up; built here, or read from an index file ([`super::store`]).
    pub(super) lookup: Lookup,
}

/// The explorer's lookup tables over a chain.
#[derive(Clone)]
pub(super) struct Lookup {
    /// For each address, the distinct transactions that touch it: `addr_txs[addr_start[a]..addr_start[a+1]]`.
    pub addr_start: Table<u32>,
    pub addr_txs: Table<TxIdx>,
    /// Addresses sorted by (type, payload), for lookups.
    pub by_payload: Table<AddrIdx>,
    /// Transactions sorted by txid.
    pub by_txid: Table<TxIdx>,
}

/// One line of an address's history.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct HistoryRow {
    pub txid: String,
    pub height: u32,
    pub time: u32,
    /// Satoshis into (positive) or out of (negative) the address in this transaction.
    pub delta: i64,
    pub balance: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AddressView {
    pub address: String,
    pub script_type: &'static str,
    pub labels: Vec<Label>,
    pub received: u64,
    pub sent: u64,
    pub balance: u64,
    pub tx_count: usize,
    pub first_seen: Option<u32>,
    pub last_seen: Option<u32>,
    pub history: Vec<HistoryRow>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct InputView {
    pub prev_txid: Option<String>,
    pub prev_vout: u32,
    pub address: Option<String>,
    pub value: u64,
    /// The value in US dollars at the transaction's block time.
    pub usd: f64,
    /// The labels of the input's address.
    pub labels: Vec<Label>,
    pub sequence: u32,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct OutputView {
    pub address: Option<String>,
    pub script_type: &'static str,
    pub value: u64,
    /// The value in US dollars at the transaction's block time.
    pub usd: f64,
    /// The labels of the output's address.
    pub labels: Vec<Label>,
    pub spent_by: Option<(String, u32)>,
}

/// An output some transaction pays: where coins went.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Payee {
    pub address: String,
    pub value: u64,
    /// The address's labels (public attributions, intel, the trainee's tags).
    pub labels: Vec<Label>,
}

impl Payee {
    /// The first label naming a service (a category other than unknown).
    pub fn service(&self) -> Option<&Label> {
        self.labels.iter().find(|l| l.category != Category::Unknown)
    }
}

/// One transaction that spends an address's coins, and where it sent them.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Sweep {
    pub txid: String,
    pub height: u32,
    pub time: u32,
    /// Satoshis of the address this transaction spends.
    pub spent: u64,
    /// Every output the transaction pays to an address, in output order.
    pub to: Vec<Payee>,
}

impl Sweep {
    /// The destination with a service label, if any: "swept into CoinBay".
    pub fn into_service(&self) -> Option<(&Payee, &Label)> {
        self.to.iter().find_map(|p| p.service().map(|l| (p, l)))
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TxView {
    pub txid: String,
    pub height: u32,
    pub time: u32,
    pub coinbase: bool,
    pub version: i32,
    pub locktime: u32,
    pub size: u32,
    pub vsize: u32,
    pub weight: u32,
    pub fee: u64,
    pub fee_rate: f64,
    /// The value of the outputs in US dollars at the block's time.
    pub usd: f64,
    pub inputs: Vec<InputView>,
    pub outputs: Vec<OutputView>,
}

impl Lookup {
    /// Indexes `chain`.
    pub(super) fn build(chain: &Chain) -> Lookup {
        let n_addr = chain.addresses.len();
        // Count, then fill, the distinct transactions of each address (chain order).
        // The last transaction that touched each address (four bytes each: an OptIdx).
        let mut last: Vec<OptIdx<TxIdx>> = vec![None.into(); n_addr];
        let mut count = vec![0u32; n_addr + 1];
        // The address each input spends from, gathered once in one pass whose reads do not
        // depend on each other (the outputs table is read at random, and the processor
        // overlaps those misses), and then read in order by both passes below.
        let spends: Vec<OptIdx<AddrIdx>> =
            chain.inputs.as_slice().iter().map(|i| i.prev().and_then(|p| chain.outputs[p].addr()).into()).collect();
        let touch = |t: TxIdx, a: Option<AddrIdx>, last: &mut [OptIdx<TxIdx>], f: &mut dyn FnMut(AddrIdx)| {
            if let Some(a) = a
                && last[a.index()].get() != Some(t)
            {
                last[a.index()] = Some(t).into();
                f(a);
            }
        };
        let each = |f: &mut dyn FnMut(TxIdx, Option<AddrIdx>)| {
            for (t, r) in chain.txs.iter_ids() {
                for a in &spends[r.inputs().indices()] {
                    f(t, a.get());
                }
                for o in &chain.outputs[r.outputs()] {
                    f(t, o.addr());
                }
            }
        };
        each(&mut |t, a| touch(t, a, &mut last, &mut |a| count[a.index() + 1] += 1));
        for k in 1..count.len() {
            count[k] += count[k - 1];
        }
        let addr_start = count;
        let mut fill = addr_start.clone();
        let mut addr_txs = vec![TxIdx::new(0); *addr_start.last().unwrap_or(&0) as usize];
        last.iter_mut().for_each(|x| *x = None.into());
        each(&mut |t, a| {
            touch(t, a, &mut last, &mut |a| {
                addr_txs[fill[a.index()] as usize] = t;
                fill[a.index()] += 1;
            })
        });
        drop(spends);
        // Sort small (prefix, index) pairs, and compare whole keys only where two prefixes are
        // equal: the same order as sorting the keys themselves, with a fifth of the bytes moved.
        let addr_key = |i: AddrIdx| {
            let a = &chain.addresses[i];
            address_key(a.kind(), &a.payload)
        };
        let mut keyed: Vec<(u64, AddrIdx)> = chain
            .addresses
            .iter_ids()
            .map(|(i, a)| (u64::from_be_bytes(address_key(a.kind(), &a.payload)[..8].try_into().expect("8 bytes")), i))
            .collect();
        keyed
            .sort_unstable_by(|x, y| x.0.cmp(&y.0).then_with(|| addr_key(x.1).cmp(&addr_key(y.1))).then(x.1.cmp(&y.1)));
        let by_payload: Vec<AddrIdx> = keyed.into_iter().map(|(_, i)| i).collect();
        let txid = |i: TxIdx| chain.txs[i].txid();
        let mut keyed: Vec<(u64, TxIdx)> = chain
            .txs
            .iter_ids()
            .map(|(i, t)| (u64::from_be_bytes(t.txid_raw[..8].try_into().expect("8 bytes")), i))
            .collect();
        keyed.sort_unstable_by(|x, y| x.0.cmp(&y.0).then_with(|| txid(x.1).cmp(&txid(y.1))).then(x.1.cmp(&y.1)));
        let by_txid: Vec<TxIdx> = keyed.into_iter().map(|(_, i)| i).collect();
        Lookup {
            addr_start: addr_start.into(),
            addr_txs: addr_txs.into(),
            by_payload: by_payload.into(),
            by_txid: by_txid.into(),
        }
    }
}

impl Explorer {
    /// Indexes `chain`; `tags` label addresses (given as text), `prices` are (time, USD) points.
    pub fn new(chain: Arc<Chain>, tags: &[Tag], prices: Vec<(i64, f64)>) -> Explorer {
        let lookup = Lookup::build(&chain);
        Explorer::with_lookup(chain, lookup, tags, prices)
    }

    /// An explorer over `chain` with lookup tables made before (read from an index file).
    pub(super) fn with_lookup(chain: Arc<Chain>, lookup: Lookup, tags: &[Tag], prices: Vec<(i64, f64)>) -> Explorer {
        let mut ex = Explorer { chain, labels: HashMap::new(), prices, lookup };
        for tag in tags {
            if let Ok(a) = ex.address(&tag.address) {
                ex.add_label(a, Label { label: tag.label.clone(), category: tag.category });
            }
        }
        ex.prices.sort_by_key(|a| a.0);
        ex
    }

    /// Adds a label to an address (a trainee's tag, a piece of intel).
    pub fn add_label(&mut self, addr: AddrIdx, label: Label) {
        let v = self.labels.entry(addr).or_default();
        if !v.contains(&label) {
            v.push(label);
        }
    }

    pub fn labels(&self, addr: AddrIdx) -> &[Label] {
        self.labels.get(&addr).map_or(&[], Vec::as_slice)
    }

    /// The first label of a category on an address.
    pub fn category(&self, addr: AddrIdx) -> Option<Category> {
        self.labels(addr).first().map(|l| l.category)
    }

    /// The address given as text.
    ///
    /// # Errors
    /// A [`LookupError`] saying whether the text is no address, another network's, or absent.
    pub fn address(&self, text: &str) -> Result<AddrIdx, LookupError> {
        let t = text.trim();
        let addr = parse_address(t, self.chain.network)?;
        let Some(info) = crate::ledger::AddrInfo::from_script(&addr.script_pubkey()) else {
            return Err(LookupError::UnknownAddress(t.to_string()));
        };
        let c = &self.chain;
        let want = address_key(info.kind(), &info.payload);
        self.lookup
            .by_payload
            .binary_search_by_key(&want, |&a| address_key(c.addresses[a].kind(), &c.addresses[a].payload))
            .map(|i| self.lookup.by_payload[i])
            .map_err(|_| LookupError::UnknownAddress(t.to_string()))
    }

    /// The transaction with this txid (the usual hex).
    ///
    /// # Errors
    /// [`LookupError::BadTxid`] or [`LookupError::UnknownTxid`].
    pub fn txid(&self, text: &str) -> Result<TxIdx, LookupError> {
        let t = text.trim();
        let txid = bitcoin::Txid::from_str(t).map_err(|_| LookupError::BadTxid(t.to_string()))?;
        self.lookup
            .by_txid
            .binary_search_by_key(&txid, |&k| self.chain.txs[k].txid())
            .map(|i| self.lookup.by_txid[i])
            .map_err(|_| LookupError::UnknownTxid(t.to_string()))
    }

    /// The transactions of the block at `height`.
    ///
    /// # Errors
    /// [`LookupError::UnknownHeight`].
    pub fn block(&self, height: u32) -> Result<IdRange<TxIdx>, LookupError> {
        let c = &self.chain;
        let (lo, hi) = (c.blocks.first().map_or(0, |b| b.height), c.blocks.last().map_or(0, |b| b.height));
        let b = c.block_at(height).ok_or(LookupError::UnknownHeight(height, lo, hi))?;
        Ok(b.txs())
    }

    /// Addresses whose labels contain `text` as people write it ([`crate::text::fold`]: any
    /// case, accents or not, any spacing), sorted.
    pub fn by_label(&self, text: &str) -> Vec<AddrIdx> {
        let t = crate::text::fold(text);
        let mut v: Vec<AddrIdx> = self
            .labels
            .iter()
            .filter(|(_, ls)| ls.iter().any(|l| crate::text::fold(&l.label).contains(&t)))
            .map(|(a, _)| *a)
            .collect();
        v.sort_unstable();
        v
    }

    /// The transactions touching an address, in chain order.
    pub fn txs_of(&self, addr: AddrIdx) -> &[TxIdx] {
        let a = addr.index();
        &self.lookup.addr_txs[self.lookup.addr_start[a] as usize..self.lookup.addr_start[a + 1] as usize]
    }

    /// Satoshis an address received and spent in transaction `t`.
    pub fn flows(&self, addr: AddrIdx, t: TxIdx) -> (u64, u64) {
        let c = &self.chain;
        let r = &c.txs[t];
        let recv = c.outputs[r.outputs()].iter().filter(|o| o.addr() == Some(addr)).map(|o| o.value).sum();
        let sent = c.inputs[r.inputs()]
            .iter()
            .filter_map(InputRecord::prev)
            .map(|p| &c.outputs[p])
            .filter(|o| o.addr() == Some(addr))
            .map(|o| o.value)
            .sum();
        (recv, sent)
    }

    /// The block time of a transaction.
    pub fn time(&self, t: TxIdx) -> u32 {
        let c = &self.chain;
        c.block_at(c.txs[t].height).map_or(0, |b| b.time)
    }

    /// The USD price at a time: the last price point at or before it (the first point before
    /// the series starts, 0 without a series). For a checked lookup, [`Explorer::price_on`].
    pub fn price_at(&self, t: i64) -> f64 {
        match self.prices.binary_search_by(|p| p.0.cmp(&t)) {
            Ok(i) => self.prices[i].1,
            Err(0) => self.prices.first().map_or(0.0, |p| p.1),
            Err(i) => self.prices[i - 1].1,
        }
    }

    /// The times the price series covers: from its first point to the end of its last point's
    /// interval (an hour in a generated world), excluded.
    pub fn price_span(&self) -> Option<(i64, i64)> {
        let (first, last) = (self.prices.first()?.0, self.prices.last()?.0);
        let step = match self.prices.len() {
            0 | 1 => crate::time::DAY,
            n => last - self.prices[n - 2].0,
        };
        Some((first, last + step.max(1)))
    }

    /// The USD price at `t` from the price series, refusing times the series does not cover.
    ///
    /// # Errors
    /// [`PriceError::OutsideSeries`] before the first point or after the last one's interval,
    /// [`PriceError::NoPrices`] without a series.
    pub fn price_on(&self, t: i64) -> Result<f64, PriceError> {
        let (first, end) = self.price_span().ok_or(PriceError::NoPrices)?;
        if t < first || t >= end {
            return Err(PriceError::OutsideSeries {
                when: format_instant(t),
                first: format_instant(first),
                last: format_instant(end - 1),
            });
        }
        Ok(self.price_at(t))
    }

    /// Dollars for satoshis at a time, to the cent.
    pub fn usd_at(&self, sats: u64, t: i64) -> f64 {
        (sats as f64 / 1e8 * self.price_at(t) * 100.0).round() / 100.0
    }

    /// Where an address's coins went: every transaction that spends them (chain order), with
    /// the outputs it pays and their labels. For a customer's deposit address at an exchange,
    /// the sweep into the exchange's wallet: [`Sweep::into_service`] names it when the
    /// wallet is labelled.
    pub fn swept_to(&self, addr: AddrIdx) -> Vec<Sweep> {
        let c = &self.chain;
        self.txs_of(addr)
            .iter()
            .filter_map(|&t| {
                let spent = self.flows(addr, t).1;
                if spent == 0 {
                    return None;
                }
                let r = &c.txs[t];
                let to = c.outputs[r.outputs()]
                    .iter()
                    .filter_map(|o| {
                        let a = o.addr()?;
                        Some(Payee { address: c.address_string(a), value: o.value, labels: self.labels(a).to_vec() })
                    })
                    .collect();
                Some(Sweep { txid: r.txid().to_string(), height: r.height, time: self.time(t), spent, to })
            })
            .collect()
    }

    /// An address with its history: every transaction, the change it made and the balance after.
    pub fn address_view(&self, addr: AddrIdx) -> AddressView {
        let c = &self.chain;
        let mut balance: u64 = 0;
        let (mut received, mut sent) = (0u64, 0u64);
        let txs = self.txs_of(addr);
        let mut history = Vec::with_capacity(txs.len());
        for &t in txs {
            let (r, s) = self.flows(addr, t);
            received += r;
            sent += s;
            balance = balance + r - s.min(balance + r);
            history.push(HistoryRow {
                txid: c.txs[t].txid().to_string(),
                height: c.txs[t].height,
                time: self.time(t),
                delta: r as i64 - s as i64,
                balance,
            });
        }
        AddressView {
            address: c.address_string(addr),
            script_type: c.addresses[addr].kind().name(),
            labels: self.labels(addr).to_vec(),
            received,
            sent,
            balance,
            tx_count: txs.len(),
            first_seen: txs.first().map(|&t| self.time(t)),
            last_seen: txs.last().map(|&t| self.time(t)),
            history,
        }
    }

    /// A transaction as an explorer shows it.
    pub fn tx_view(&self, t: TxIdx) -> TxView {
        let c = &self.chain;
        let r = &c.txs[t];
        let time = self.time(t);
        let at = i64::from(time);
        let labels = |a: Option<AddrIdx>| a.map_or_else(Vec::new, |a| self.labels(a).to_vec());
        let inputs = c.inputs[r.inputs()]
            .iter()
            .map(|i| {
                let Some(p) = i.prev() else {
                    return InputView {
                        prev_txid: None,
                        // A coinbase's input spends the null outpoint (vout 0xffffffff).
                        prev_vout: u32::MAX,
                        address: None,
                        value: 0,
                        usd: 0.0,
                        labels: Vec::new(),
                        sequence: i.sequence,
                    };
                };
                let (ptx, vout) = c.outpoint(p);
                let prev = &c.outputs[p];
                InputView {
                    prev_txid: Some(c.txs[ptx].txid().to_string()),
                    prev_vout: vout,
                    address: c.address_of_output(p),
                    value: prev.value,
                    usd: self.usd_at(prev.value, at),
                    labels: labels(prev.addr()),
                    sequence: i.sequence,
                }
            })
            .collect();
        let outputs = r
            .outputs()
            .map(|k| {
                let o = &c.outputs[k];
                OutputView {
                    address: c.address_of_output(k),
                    script_type: o.addr().map_or("nulldata", |a| c.addresses[a].kind().name()),
                    value: o.value,
                    usd: self.usd_at(o.value, at),
                    labels: labels(o.addr()),
                    spent_by: o.spent_by().map(|sp| {
                        let (stx, n) = c.inpoint(sp);
                        (c.txs[stx].txid().to_string(), n)
                    }),
                }
            })
            .collect();
        let out_value = c.output_value(t);
        TxView {
            txid: r.txid().to_string(),
            height: r.height,
            time,
            coinbase: r.is_coinbase(&c.inputs),
            version: r.version,
            locktime: r.locktime,
            size: r.size,
            vsize: r.vsize,
            weight: r.weight,
            fee: r.fee,
            fee_rate: if r.vsize > 0 { (r.fee as f64 / r.vsize as f64 * 100.0).round() / 100.0 } else { 0.0 },
            usd: self.usd_at(out_value, at),
            inputs,
            outputs,
        }
    }
}
