//! Keys and address payloads, derived deterministically from the world's seed.
//!
//! In fast mode an address is built from a pseudo public key (its hash is real, the key is
//! not): cheap, and the witness still carries a key that hashes to the address. In signed
//! mode every address comes from a real secp256k1 key, so every input can be signed.

use bitcoin::hashes::{Hash, HashEngine, hash160, sha256};
use bitcoin::key::{Keypair, TapTweak};
#[cfg(test)]
use bitcoin::secp256k1::PublicKey;
use bitcoin::secp256k1::{All, Secp256k1, SecretKey};

use super::AddrIdx;
use crate::vocab::ScriptType;

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

    fn stream(&self, tag: &[u8], addr: AddrIdx, counter: u32) -> [u8; 32] {
        let mut e = sha256::Hash::engine();
        e.input(&self.seed);
        e.input(tag);
        e.input(&u32::from(addr).to_le_bytes());
        e.input(&counter.to_le_bytes());
        sha256::Hash::from_engine(e).to_byte_array()
    }

    /// The secret key of address `addr`.
    pub fn secret(&self, addr: AddrIdx) -> SecretKey {
        (0..)
            .find_map(|c| SecretKey::from_slice(&self.stream(b"sk", addr, c)).ok())
            .expect("a valid key within a few tries")
    }

    /// The placeholder compressed public key of address `addr` in fast mode: a cheap,
    /// deterministic stand-in (not a point on the curve), whose hash is the address.
    pub fn placeholder_pubkey(&self, addr: AddrIdx) -> [u8; 33] {
        let mut k = [0u8; 33];
        k[0] = 2;
        splitmix_fill(
            &mut k[1..],
            u64::from_le_bytes(self.seed[..8].try_into().expect("8 bytes")) ^ (u64::from(u32::from(addr)) << 20),
        );
        k
    }

    /// Payload of a fast-mode address: the hash of its placeholder key; for Taproot, 32
    /// pseudo-random bytes used as the output key (about half of such strings are not curve
    /// points: fast mode's witnesses are placeholders anyway; signed mode uses real keys).
    pub fn fast_payload(&self, kind: ScriptType, addr: AddrIdx) -> [u8; 32] {
        let mut out = [0u8; 32];
        match kind {
            ScriptType::P2TR => out.copy_from_slice(&self.placeholder_pubkey(addr)[1..]),
            _ => out[..20].copy_from_slice(&hash_payload(kind, &self.placeholder_pubkey(addr))),
        }
        out
    }

    /// Payload, public key and (for Taproot) the tweaked key pair of a signed-mode address.
    pub fn signed_payload(&self, secp: &Secp256k1<All>, kind: ScriptType, addr: AddrIdx) -> SignedKey {
        let sk = self.secret(addr);
        let kp = Keypair::from_secret_key(secp, &sk);
        let pubkey = kp.public_key().serialize();
        let mut payload = [0u8; 32];
        let mut taproot = None;
        match kind {
            ScriptType::P2TR => {
                // BIP86: a key-path-only output key is the internal key tweaked with no script tree.
                let tweaked = kp.tap_tweak(secp, None).to_keypair();
                payload = tweaked.x_only_public_key().0.serialize();
                taproot = Some(tweaked);
            }
            _ => payload[..20].copy_from_slice(&hash_payload(kind, &pubkey)),
        }
        SignedKey { payload, pubkey, taproot }
    }
}

/// A signed-mode address's key material, derived once and kept for signing.
#[derive(Clone, Copy)]
pub struct SignedKey {
    pub payload: [u8; 32],
    pub pubkey: [u8; 33],
    /// The tweaked key pair that signs a Taproot key-path spend.
    pub taproot: Option<Keypair>,
}

/// Fills `out` with the SplitMix64 stream from `x`: fast, deterministic filler for
/// placeholders (never for secrets).
pub fn splitmix_fill(out: &mut [u8], mut x: u64) {
    for chunk in out.chunks_mut(8) {
        x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        chunk.copy_from_slice(&z.to_le_bytes()[..chunk.len()]);
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
        assert_eq!(
            a.fast_payload(ScriptType::P2WPKH, AddrIdx::new(7)),
            a.fast_payload(ScriptType::P2WPKH, AddrIdx::new(7))
        );
        assert_ne!(
            a.fast_payload(ScriptType::P2WPKH, AddrIdx::new(7)),
            a.fast_payload(ScriptType::P2WPKH, AddrIdx::new(8))
        );
        assert_ne!(
            a.fast_payload(ScriptType::P2WPKH, AddrIdx::new(7)),
            b.fast_payload(ScriptType::P2WPKH, AddrIdx::new(7))
        );
        assert_ne!(
            a.fast_payload(ScriptType::P2TR, AddrIdx::new(3)),
            b.fast_payload(ScriptType::P2TR, AddrIdx::new(3))
        );
    }

    #[test]
    fn signed_payload_matches_the_key() {
        let secp = Secp256k1::new();
        let ks = KeySource::new("s", 1);
        let k = ks.signed_payload(&secp, ScriptType::P2WPKH, AddrIdx::new(5));
        assert_eq!(&k.payload[..20], &hash160::Hash::hash(&k.pubkey).to_byte_array());
        assert_eq!(PublicKey::from_secret_key(&secp, &ks.secret(AddrIdx::new(5))).serialize(), k.pubkey);
        let t = ks.signed_payload(&secp, ScriptType::P2TR, AddrIdx::new(6));
        assert_eq!(t.taproot.unwrap().x_only_public_key().0.serialize(), t.payload);
    }
}
