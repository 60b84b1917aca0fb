//! The words the chain, the truth and the tools share: networks, script types, what an
//! address is for and the categories of services. They are independent of the scenario file
//! format (which reads them, see [`crate::scenario::raw`]) and of the generator (which uses
//! them); the ledger and the forensics tools speak them without knowing either.
//!
//! [`crate::scenario`] re-exports them, so `scenario::Network` and the like still name them.

use serde::{Deserialize, Serialize};

/// The Bitcoin network a world is made for: its address prefixes, magic bytes and halvings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Network {
    Regtest,
    Testnet,
    Signet,
    Mainnet,
}

impl Network {
    pub fn bitcoin(self) -> bitcoin::Network {
        match self {
            Network::Regtest => bitcoin::Network::Regtest,
            Network::Testnet => bitcoin::Network::Testnet,
            Network::Signet => bitcoin::Network::Signet,
            Network::Mainnet => bitcoin::Network::Bitcoin,
        }
    }

    /// Blocks between two halvings of the block subsidy.
    pub fn halving_interval(self) -> u32 {
        match self {
            Network::Regtest => 150,
            _ => 210_000,
        }
    }

    /// The block subsidy at `height`, in satoshis.
    pub fn subsidy(self, height: u32) -> u64 {
        let halvings = height / self.halving_interval();
        if halvings >= 64 { 0 } else { (50 * 100_000_000u64) >> halvings }
    }

    /// What the subsidies of blocks 1 to `blocks` add up to, in satoshis.
    pub fn mintable(self, blocks: u32) -> u64 {
        (1..=blocks).map(|h| self.subsidy(h)).sum()
    }
}

/// An address script type, as wallets of each era use them.
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
pub enum ScriptType {
    /// Legacy pay-to-pubkey-hash (addresses starting with 1, or m/n on test networks).
    P2PKH,
    /// Nested SegWit: P2WPKH wrapped in P2SH (addresses starting with 3, or 2).
    P2SH_P2WPKH,
    /// Native SegWit v0 (bc1q…, tb1q…, bcrt1q…).
    P2WPKH,
    /// Taproot key-path (bc1p…).
    P2TR,
}

impl ScriptType {
    pub const ALL: [ScriptType; 4] = [ScriptType::P2PKH, ScriptType::P2SH_P2WPKH, ScriptType::P2WPKH, ScriptType::P2TR];

    /// The name used in files and exports.
    pub fn name(self) -> &'static str {
        match self {
            ScriptType::P2PKH => "p2pkh",
            ScriptType::P2SH_P2WPKH => "p2sh-p2wpkh",
            ScriptType::P2WPKH => "p2wpkh",
            ScriptType::P2TR => "p2tr",
        }
    }

    /// Its position in [`ScriptType::ALL`], as tables and index files store it.
    pub fn code(self) -> u8 {
        self as u8
    }

    pub fn from_code(code: u8) -> Option<ScriptType> {
        ScriptType::ALL.get(usize::from(code)).copied()
    }
}

/// What an address is for, in the ground truth and in intel references.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
pub enum AddrRole {
    /// An ordinary receiving address of a wallet.
    Receive,
    /// A change address.
    Change,
    /// A service's deposit address for one customer or one order.
    Deposit,
    /// A service's hot wallet.
    Hot,
    /// An exchange's cold storage.
    Cold,
    /// A mixer's liquidity pool.
    Pool,
    /// A vendor's address that receives market payouts.
    Payout,
    /// An intermediate address of a launderer's hop, peel or split.
    Hop,
    /// A miner's coinbase address.
    Coinbase,
    /// A CoinJoin coordinator's fee address.
    Fee,
    /// The pre-history treasury that funds the world.
    Treasury,
    /// An equal-denomination CoinJoin output, or a mixer's payout to a customer.
    Mixed,
}

/// Categories of services, used by tags, intel and tracing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
pub enum Category {
    Exchange,
    Market,
    Mixer,
    CoinJoin,
    Gambling,
    Otc,
    Mining,
    Vendor,
    User,
    Unknown,
}

impl Category {
    pub const ALL: [Category; 10] = [
        Category::Exchange,
        Category::Market,
        Category::Mixer,
        Category::CoinJoin,
        Category::Gambling,
        Category::Otc,
        Category::Mining,
        Category::Vendor,
        Category::User,
        Category::Unknown,
    ];

    /// The category with this name (as `name` writes it, in any case).
    pub fn from_name(text: &str) -> Option<Category> {
        let t = text.trim().to_lowercase();
        Category::ALL.into_iter().find(|c| c.name() == t)
    }

    pub fn name(self) -> &'static str {
        match self {
            Category::Exchange => "exchange",
            Category::Market => "market",
            Category::Mixer => "mixer",
            Category::CoinJoin => "coinjoin",
            Category::Gambling => "gambling",
            Category::Otc => "otc",
            Category::Mining => "mining",
            Category::Vendor => "vendor",
            Category::User => "user",
            Category::Unknown => "unknown",
        }
    }
}
