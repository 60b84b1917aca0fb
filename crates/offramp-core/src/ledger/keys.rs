//! Keys and address payloads, derived deterministically from the world's seed.
//!
//! In fast mode an address is built from a pseudo public key (its hash is real, the key is
//! not): cheap, and the witness still carries a key that hashes to the address. In signed
//! mode every address comes from a real secp256k1 key, so every input can be signed.

use bitcoin::hashes::{Hash, HashEngine, hash160, sha256};
use bitcoin::key::{Keypair, TapTweak};
use bitcoin::secp256k1::{All, PublicKey, Secp256k1, SecretKey, XOnlyPublicKey};

use crate::scenario::ScriptType;

/// Derives every key of one generated world from its seed.
#[derive(Clone)]
pub struct KeySource {
    seed: [u8; 32],
}

impl KeySource {
    pub fn new(scenario_id: &str, seed: u64) -> Self {
        let mut e = sha256::Hash::engine();
        e.input(b"offramp/keys/v1");
        e.input(scenario_id.as_bytes());
        e.input(&seed.to_le_bytes());
        KeySource { seed: sha256::Hash::from_engine(e).to_byte_array() }
    }

    fn stream(&self, tag: &[u8], addr: u32, counter: u32) -> [u8; 32] {
        let mut e = sha256::Hash::engine();
        e.input(&self.seed);
        e.input(tag);
        e.input(&addr.to_le_bytes());
        e.input(&counter.to_le_bytes());
        sha256::Hash::from_engine(e).to_byte_array()
    }

    /// The secret key of address `addr`.
    pub fn secret(&self, addr: u32) -> SecretKey {
        (0..)
            .find_map(|c| SecretKey::from_slice(&self.stream(b"sk", addr, c)).ok())
            .expect("a valid key within a few tries")
    }

    /// The placeholder compressed public key of address `addr` in fast mode.
    pub fn placeholder_pubkey(&self, addr: u32) -> [u8; 33] {
        let mut k = [0u8; 33];
        k[0] = 2;
        k[1..].copy_from_slice(&self.stream(b"pk", addr, 0));
        k
    }

    /// Payload of a fast-mode address: the hash of its placeholder key, or for Taproot a
    /// real x-only point (searched for, so that the output is spendable in principle).
    pub fn fast_payload(&self, kind: ScriptType, addr: u32) -> [u8; 32] {
        let mut out = [0u8; 32];
        match kind {
            ScriptType::P2TR => {
                for c in 0.. {
                    let x = self.stream(b"tr", addr, c);
                    if XOnlyPublicKey::from_slice(&x).is_ok() {
                        out = x;
                        break;
                    }
                }
            }
            _ => out[..20].copy_from_slice(&hash_payload(kind, &self.placeholder_pubkey(addr))),
        }
        out
    }

    /// Payload and public key of a signed-mode address.
    pub fn signed_payload(&self, secp: &Secp256k1<All>, kind: ScriptType, addr: u32) -> ([u8; 32], [u8; 33]) {
        let sk = self.secret(addr);
        let pk = PublicKey::from_secret_key(secp, &sk);
        let ser = pk.serialize();
        let mut out = [0u8; 32];
        match kind {
            ScriptType::P2TR => {
                let kp = Keypair::from_secret_key(secp, &sk);
                let (internal, _) = kp.x_only_public_key();
                let (tweaked, _) = internal.tap_tweak(secp, None);
                out = tweaked.to_x_only_public_key().serialize();
            }
            _ => out[..20].copy_from_slice(&hash_payload(kind, &ser)),
        }
        (out, ser)
    }
}

/// The 20-byte payload of a key-hash address: HASH160 of the key, or for nested SegWit the
/// HASH160 of the `0 <keyhash>` redeem script.
pub fn hash_payload(kind: ScriptType, pubkey: &[u8; 33]) -> [u8; 20] {
    let kh = hash160::Hash::hash(pubkey).to_byte_array();
    match kind {
        ScriptType::P2SH_P2WPKH => {
            let mut redeem = [0u8; 22];
            redeem[1] = 20;
            redeem[2..].copy_from_slice(&kh);
            hash160::Hash::hash(&redeem).to_byte_array()
        }
        _ => kh,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_deterministic_and_distinct() {
        let a = KeySource::new("s", 1);
        let b = KeySource::new("s", 2);
        assert_eq!(a.fast_payload(ScriptType::P2WPKH, 7), a.fast_payload(ScriptType::P2WPKH, 7));
        assert_ne!(a.fast_payload(ScriptType::P2WPKH, 7), a.fast_payload(ScriptType::P2WPKH, 8));
        assert_ne!(a.fast_payload(ScriptType::P2WPKH, 7), b.fast_payload(ScriptType::P2WPKH, 7));
        let tr = a.fast_payload(ScriptType::P2TR, 3);
        assert!(XOnlyPublicKey::from_slice(&tr).is_ok());
    }

    #[test]
    fn signed_payload_matches_the_key() {
        let secp = Secp256k1::new();
        let ks = KeySource::new("s", 1);
        let (payload, pk) = ks.signed_payload(&secp, ScriptType::P2WPKH, 5);
        assert_eq!(&payload[..20], &hash160::Hash::hash(&pk).to_byte_array());
        assert_eq!(PublicKey::from_secret_key(&secp, &ks.secret(5)).serialize(), pk);
    }
}
