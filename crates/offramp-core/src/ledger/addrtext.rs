//! Addresses as text (BIP 173/350 bech32 and bech32m, base58check) written straight from an
//! address's type and payload.
//!
//! The `bitcoin` crate formats an address through `fmt` and iterator adapters, one character
//! at a time: about half a microsecond an address, a second of CPU for the two million
//! addresses of a 1M-transaction world, whose every table names them. This writes the same
//! characters with a table-free polymod and one base58 division pass, several times faster;
//! a test holds it to the crate's output for every script type on every network.

use bitcoin::hashes::{Hash, sha256d};

use crate::vocab::{Network, ScriptType};

/// The longest address this writes: a Taproot address on regtest (`bcrt1p` + 52 + 6).
pub const MAX_LEN: usize = 64;

const BECH32_CHARSET: &[u8; 32] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";
const BASE58_ALPHABET: &[u8; 58] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
/// BIP 350: the constant a bech32m checksum is xored with (bech32's is 1).
const BECH32M_CONST: u32 = 0x2bc8_30a3;

fn hrp(network: Network) -> &'static [u8] {
    match network {
        Network::Mainnet => b"bc",
        Network::Testnet | Network::Signet => b"tb",
        Network::Regtest => b"bcrt",
    }
}

/// The base58 version byte of a P2PKH (`false`) or P2SH (`true`) address.
fn version_byte(network: Network, script_hash: bool) -> u8 {
    match (network, script_hash) {
        (Network::Mainnet, false) => 0x00,
        (Network::Mainnet, true) => 0x05,
        (_, false) => 0x6f,
        (_, true) => 0xc4,
    }
}

fn polymod_step(chk: u32, v: u8) -> u32 {
    const GEN: [u32; 5] = [0x3b6a_57b2, 0x2650_8e6d, 0x1ea1_19fa, 0x3d42_33dd, 0x2a14_62b3];
    let top = chk >> 25;
    let mut chk = ((chk & 0x01ff_ffff) << 5) ^ u32::from(v);
    for (i, g) in GEN.iter().enumerate() {
        if (top >> i) & 1 == 1 {
            chk ^= g;
        }
    }
    chk
}

/// Writes a segwit address (`version` 0: bech32, 1: bech32m) into `out`; returns its length.
fn segwit(network: Network, version: u8, program: &[u8], out: &mut [u8; MAX_LEN]) -> usize {
    let hrp = hrp(network);
    let mut chk = 1u32;
    for &c in hrp {
        chk = polymod_step(chk, c >> 5);
    }
    chk = polymod_step(chk, 0);
    for &c in hrp {
        chk = polymod_step(chk, c & 31);
    }
    let mut n = 0;
    out[..hrp.len()].copy_from_slice(hrp);
    n += hrp.len();
    out[n] = b'1';
    n += 1;
    let mut push = |v: u8, n: &mut usize, chk: &mut u32| {
        *chk = polymod_step(*chk, v);
        out[*n] = BECH32_CHARSET[v as usize];
        *n += 1;
    };
    push(version, &mut n, &mut chk);
    // The program regrouped from 8-bit bytes to 5-bit groups, the last one padded with zeros.
    let (mut acc, mut bits) = (0u32, 0u32);
    for &b in program {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            push(((acc >> bits) & 31) as u8, &mut n, &mut chk);
        }
    }
    if bits > 0 {
        push(((acc << (5 - bits)) & 31) as u8, &mut n, &mut chk);
    }
    for _ in 0..6 {
        chk = polymod_step(chk, 0);
    }
    chk ^= if version == 0 { 1 } else { BECH32M_CONST };
    for i in 0..6 {
        out[n] = BECH32_CHARSET[((chk >> (5 * (5 - i))) & 31) as usize];
        n += 1;
    }
    n
}

/// Writes a base58check address (version byte, 20-byte hash, 4-byte checksum) into `out`.
fn base58check(version: u8, hash: &[u8], out: &mut [u8; MAX_LEN]) -> usize {
    let mut data = [0u8; 25];
    data[0] = version;
    data[1..21].copy_from_slice(hash);
    let check = sha256d::Hash::hash(&data[..21]).to_byte_array();
    data[21..].copy_from_slice(&check[..4]);
    // Base 256 to base 58, least significant digit first; 25 bytes never need more than 35.
    let mut digits = [0u8; 35];
    let mut len = 0;
    for &byte in &data {
        let mut carry = u32::from(byte);
        for d in &mut digits[..len] {
            carry += u32::from(*d) << 8;
            *d = (carry % 58) as u8;
            carry /= 58;
        }
        while carry > 0 {
            digits[len] = (carry % 58) as u8;
            len += 1;
            carry /= 58;
        }
    }
    // Each leading zero byte is written as a '1'.
    let zeros = data.iter().take_while(|&&b| b == 0).count();
    let mut n = 0;
    for _ in 0..zeros {
        out[n] = b'1';
        n += 1;
    }
    for &d in digits[..len].iter().rev() {
        out[n] = BASE58_ALPHABET[d as usize];
        n += 1;
    }
    n
}

/// Writes the address of type `kind` with `payload` (20 bytes of hash, or a Taproot output
/// key's 32) on `network` into `out`, and returns the text.
pub fn write<'o>(network: Network, kind: ScriptType, payload: &[u8; 32], out: &'o mut [u8; MAX_LEN]) -> &'o str {
    let n = match kind {
        ScriptType::P2PKH => base58check(version_byte(network, false), &payload[..20], out),
        ScriptType::P2SH_P2WPKH => base58check(version_byte(network, true), &payload[..20], out),
        ScriptType::P2WPKH => segwit(network, 0, &payload[..20], out),
        ScriptType::P2TR => segwit(network, 1, payload, out),
    };
    std::str::from_utf8(&out[..n]).expect("the alphabets are ASCII")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::keys::splitmix_fill;

    /// What the `bitcoin` crate writes for the same address.
    fn reference(network: Network, kind: ScriptType, payload: &[u8; 32]) -> String {
        use bitcoin::{Address, KnownHrp, NetworkKind, WitnessProgram, WitnessVersion};
        let net = network.bitcoin();
        let h20 = <[u8; 20]>::try_from(&payload[..20]).unwrap();
        let a = match kind {
            ScriptType::P2PKH => Address::p2pkh(bitcoin::PubkeyHash::from_byte_array(h20), NetworkKind::from(net)),
            ScriptType::P2SH_P2WPKH => {
                Address::p2sh_from_hash(bitcoin::ScriptHash::from_byte_array(h20), NetworkKind::from(net))
            }
            ScriptType::P2WPKH => Address::from_witness_program(
                WitnessProgram::new(WitnessVersion::V0, &h20).unwrap(),
                KnownHrp::from(net),
            ),
            ScriptType::P2TR => Address::from_witness_program(
                WitnessProgram::new(WitnessVersion::V1, payload).unwrap(),
                KnownHrp::from(net),
            ),
        };
        a.to_string()
    }

    #[test]
    fn every_address_is_what_the_bitcoin_crate_writes() {
        let nets = [Network::Mainnet, Network::Testnet, Network::Signet, Network::Regtest];
        let kinds = [ScriptType::P2PKH, ScriptType::P2SH_P2WPKH, ScriptType::P2WPKH, ScriptType::P2TR];
        let mut buf = [0u8; MAX_LEN];
        for seed in 0..3000u64 {
            let mut payload = [0u8; 32];
            splitmix_fill(&mut payload, seed);
            // Leading zero bytes are the corner of base58 (each becomes a '1'); all-zero and
            // all-ones payloads the corners of both.
            match seed % 7 {
                0 => payload[..(seed as usize / 7) % 21].fill(0),
                1 if seed < 100 => payload = [0; 32],
                2 if seed < 100 => payload = [0xff; 32],
                _ => {}
            }
            for net in nets {
                for kind in kinds {
                    assert_eq!(
                        write(net, kind, &payload, &mut buf),
                        reference(net, kind, &payload),
                        "{net:?} {kind:?}"
                    );
                }
            }
        }
    }
}
