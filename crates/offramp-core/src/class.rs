//! A class: the instructor's secret key, each trainee's variant of a scenario, and the seal
//! that shows a submitted case was not edited afterwards.
//!
//! * A **class key** (`offramp class-key`) is 32 random bytes the instructor keeps. With the
//!   trainee's name it derives the trainee's seed: classmates play the same story on worlds
//!   of their own (addresses, amounts, timings, and the people on the KYC files), and only
//!   the key's holder can tell which seed belongs to whom.
//! * Without a class key, a name still derives a seed of its own (self-paced practice: the
//!   same name gets the same world every time).
//! * A trainee's **seal key** is derived from the class key, the scenario, the seed and the
//!   name. It travels in the trainee's pack (never the class key), the app seals the case
//!   with it on submission (an HMAC over the answers, hints, legal requests and time), and
//!   the instructor, who can derive it again, checks the seal when grading.
//!
//! Names are compared as people write them: spaces trimmed and collapsed, letters in any
//! case (Unicode), so `"  ana  KOWALSKA"` is `"Ana Kowalska"`.

use std::fmt;
use std::path::Path;

use bitcoin::hashes::{Hash, HashEngine, Hmac, HmacEngine, sha256};
use bitcoin::hex::{DisplayHex, FromHex};

/// What a class key looks like as text: this prefix and 64 hex digits.
pub const KEY_PREFIX: &str = "offramp-class-key-";

/// The instructor's secret for one class.
#[derive(Clone, PartialEq, Eq)]
pub struct ClassKey([u8; 32]);

/// Why a class key could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("{0}: cannot read the class key file: {1}")]
    Unreadable(String, String),
    #[error(
        "{where_}: not a class key (a class key is \"{KEY_PREFIX}\" followed by 64 hex digits, as `offramp class-key` writes it)"
    )]
    Malformed { where_: String },
    #[error("the system's random source failed: {0}")]
    Random(String),
}

impl ClassKey {
    /// A new key from the operating system's random source.
    ///
    /// # Errors
    /// When the system has no random source to give.
    pub fn generate() -> Result<ClassKey, KeyError> {
        let mut k = [0u8; 32];
        getrandom::fill(&mut k).map_err(|e| KeyError::Random(e.to_string()))?;
        Ok(ClassKey(k))
    }

    /// Reads a key from its text (surrounding white space ignored).
    ///
    /// # Errors
    /// When the text is not a class key; `where_` names it in the message.
    pub fn parse(text: &str, where_: &str) -> Result<ClassKey, KeyError> {
        let bad = || KeyError::Malformed { where_: where_.to_string() };
        let hex = text.trim().strip_prefix(KEY_PREFIX).ok_or_else(bad)?;
        // Exactly 64 hex digits (from_hex also takes upper case, which the key never has).
        let k = <[u8; 32]>::from_hex(hex).map_err(|_| bad())?;
        Ok(ClassKey(k))
    }

    /// The key given on a command line: the path of a file that holds it (as
    /// `offramp class-key --out FILE` writes it), or the key itself.
    ///
    /// # Errors
    /// A file that cannot be read, or text that is not a key.
    pub fn from_arg(arg: &str) -> Result<ClassKey, KeyError> {
        let trimmed = arg.trim();
        if trimmed.starts_with(KEY_PREFIX) {
            return ClassKey::parse(trimmed, "the --class-key argument");
        }
        let path = Path::new(arg);
        let text = std::fs::read(path).map_err(|e| KeyError::Unreadable(arg.to_string(), e.to_string()))?;
        if text.len() > 4096 {
            return Err(KeyError::Malformed { where_: arg.to_string() });
        }
        ClassKey::parse(&String::from_utf8_lossy(&text), arg)
    }

    /// The key as text, to keep in a file.
    pub fn to_text(&self) -> String {
        format!("{KEY_PREFIX}{}", self.0.to_lower_hex_string())
    }

    /// The seed of `trainee`'s variant of `scenario`.
    pub fn seed(&self, scenario: &str, trainee: &str) -> u64 {
        seed_with(&self.0, scenario, trainee)
    }

    /// The key that seals `trainee`'s case of `scenario` on `seed` (see the module's text).
    pub fn seal_key(&self, scenario: &str, seed: u64, trainee: &str) -> SealKey {
        let mut e = HmacEngine::<sha256::Hash>::new(&self.0);
        feed(&mut e, &[b"offramp seal v1", scenario.as_bytes(), &seed.to_le_bytes(), normal_name(trainee).as_bytes()]);
        SealKey(Hmac::<sha256::Hash>::from_engine(e).to_byte_array())
    }
}

/// What a class key says of a case: the seed it was played on, whether that is its trainee's
/// variant, and whether its seal holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseCheck {
    /// The seed the case was played on (the scenario's own when the case names none).
    pub played: u64,
    /// Why the case is not its trainee's variant, if it is not.
    pub not_theirs: Option<String>,
    pub seal: Seal,
}

/// Whether a case's seal shows it unchanged since submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Seal {
    /// Sealed on submission and unchanged.
    Intact,
    /// Sealed on submission, and what is scored has been edited since.
    Broken,
    /// Not sealed: not submitted, or not from a class pack.
    Missing,
    /// No class key was given, so seals cannot be checked.
    Unchecked,
}

impl Seal {
    pub fn word(self) -> &'static str {
        match self {
            Seal::Intact => "sealed",
            Seal::Broken => "EDITED after submission",
            Seal::Missing => "not sealed",
            Seal::Unchecked => "seal not checked",
        }
    }
}

impl ClassKey {
    /// Checks `case` (as it was written) of `scenario`, whose own seed is `scenario_seed`.
    pub fn check(&self, scenario: &str, scenario_seed: u64, case: &crate::case::Case) -> CaseCheck {
        let played = case.seed.unwrap_or(scenario_seed);
        let not_theirs = if case.trainee.trim().is_empty() {
            Some("the case names no trainee, so whose variant it is cannot be told".to_string())
        } else {
            let theirs = self.seed(scenario, &case.trainee);
            (theirs != played).then(|| {
                format!(
                    "played seed {played}, which is not {}'s variant (seed {theirs}): another trainee's world, another class's, or an edited name",
                    case.trainee.trim()
                )
            })
        };
        let seal = match &case.seal {
            None => Seal::Missing,
            Some(_) if self.seal_key(scenario, played, &case.trainee).verify(case) => Seal::Intact,
            Some(_) => Seal::Broken,
        };
        CaseCheck { played, not_theirs, seal }
    }
}

/// Never printed by accident: a key in a debug log would be a key given away.
impl fmt::Debug for ClassKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClassKey(..)")
    }
}

/// The practice seed of `trainee` for `scenario` when there is no class: stable, per name.
pub fn practice_seed(scenario: &str, trainee: &str) -> u64 {
    seed_with(b"offramp practice v1", scenario, trainee)
}

/// The seed for `trainee` on `scenario`: the class's variant with a key, the practice seed
/// without.
pub fn trainee_seed(key: Option<&ClassKey>, scenario: &str, trainee: &str) -> u64 {
    match key {
        Some(k) => k.seed(scenario, trainee),
        None => practice_seed(scenario, trainee),
    }
}

fn seed_with(key: &[u8], scenario: &str, trainee: &str) -> u64 {
    let mut e = HmacEngine::<sha256::Hash>::new(key);
    feed(&mut e, &[b"offramp seed v1", scenario.as_bytes(), normal_name(trainee).as_bytes()]);
    let h = Hmac::<sha256::Hash>::from_engine(e).to_byte_array();
    u64::from_le_bytes(h[..8].try_into().expect("8 bytes"))
}

/// Each part with its length before it, so that no two lists of parts feed the same bytes.
fn feed(e: &mut HmacEngine<sha256::Hash>, parts: &[&[u8]]) {
    for p in parts {
        e.input(&(p.len() as u64).to_le_bytes());
        e.input(p);
    }
}

/// A name as it is compared: trimmed, inner spaces collapsed, lower case.
pub fn normal_name(name: &str) -> String {
    name.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// Whether two names are the same trainee's.
pub fn same_name(a: &str, b: &str) -> bool {
    normal_name(a) == normal_name(b)
}

/// The key that seals one trainee's case; it is in their pack, and derived again by the
/// instructor from the class key.
#[derive(Clone, PartialEq, Eq)]
pub struct SealKey([u8; 32]);

impl fmt::Debug for SealKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SealKey(..)")
    }
}

impl SealKey {
    pub fn from_bytes(b: [u8; 32]) -> SealKey {
        SealKey(b)
    }

    pub fn to_bytes(&self) -> [u8; 32] {
        self.0
    }

    /// The seal of `case`: an HMAC over what is scored (scenario, seed, trainee, answers,
    /// hints, legal requests, time spent), in hex. The board, notes and the informative
    /// result are left out: editing them changes no score.
    pub fn seal(&self, case: &crate::case::Case) -> String {
        let mut e = HmacEngine::<sha256::Hash>::new(&self.0);
        let scored = Scored {
            scenario: &case.scenario,
            seed: case.seed,
            trainee: normal_name(&case.trainee),
            answers: &case.answers,
            hints: &case.hints,
            requests: &case.requests,
            seconds: case.seconds,
        };
        let bytes = serde_json::to_vec(&scored).expect("a case serializes");
        feed(&mut e, &[b"offramp case v1", &bytes]);
        Hmac::<sha256::Hash>::from_engine(e).to_byte_array().to_lower_hex_string()
    }

    /// Whether `case` carries its own seal, compared in constant time.
    pub fn verify(&self, case: &crate::case::Case) -> bool {
        let Some(given) = case.seal.as_deref() else { return false };
        let want = self.seal(case);
        given.len() == want.len() && given.bytes().zip(want.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
    }
}

/// What a seal covers, in a fixed order (serde_json writes fields as declared, maps sorted).
#[derive(serde::Serialize)]
struct Scored<'c> {
    scenario: &'c str,
    seed: Option<u64>,
    trainee: String,
    answers: &'c std::collections::BTreeMap<String, crate::answer::Given>,
    hints: &'c [crate::case::HintUse],
    requests: &'c [crate::case::Request],
    seconds: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_survives_its_text_and_bad_keys_say_what_a_key_looks_like() {
        let k = ClassKey::generate().unwrap();
        let text = k.to_text();
        assert_eq!(ClassKey::parse(&format!("  {text}\n"), "x").unwrap(), k);
        assert_ne!(ClassKey::generate().unwrap(), k);
        for bad in ["", "offramp-class-key-", &text[..text.len() - 1], &text.replace(&text[20..21], "g"), "hello"] {
            let e = ClassKey::parse(bad, "class.key").unwrap_err().to_string();
            assert!(e.starts_with("class.key: not a class key"), "{e}");
        }
        assert!(!format!("{k:?}").contains(&text[KEY_PREFIX.len()..KEY_PREFIX.len() + 8]));
    }

    #[test]
    fn names_derive_seeds_as_people_write_them_and_classes_differ() {
        let k = ClassKey::parse(&format!("{KEY_PREFIX}{}", "ab".repeat(32)), "k").unwrap();
        let other = ClassKey::parse(&format!("{KEY_PREFIX}{}", "cd".repeat(32)), "k").unwrap();
        let s = k.seed("beginner", "Ana Kowalska");
        assert_eq!(k.seed("beginner", "  ana   KOWALSKA "), s);
        assert_ne!(k.seed("beginner", "Ana Kowalski"), s);
        assert_ne!(k.seed("intermediate", "Ana Kowalska"), s);
        assert_ne!(other.seed("beginner", "Ana Kowalska"), s);
        assert_ne!(practice_seed("beginner", "Ana Kowalska"), s);
        assert_eq!(practice_seed("beginner", "ÉVA"), practice_seed("beginner", "éva"));
        let seeds: std::collections::BTreeSet<u64> = (0..30).map(|i| k.seed("b", &format!("trainee {i}"))).collect();
        assert_eq!(seeds.len(), 30);
    }

    #[test]
    fn a_seal_breaks_when_what_is_scored_changes_and_not_otherwise() {
        let k = ClassKey::generate().unwrap();
        let sk = k.seal_key("s", 7, "Ana");
        let mut c = crate::case::Case {
            scenario: "s".into(),
            seed: Some(7),
            trainee: "Ana".into(),
            seconds: 600,
            ..Default::default()
        };
        c.answers.insert("total".into(), crate::answer::Given::Amount(0.5));
        c.seal = Some(sk.seal(&c));
        assert!(sk.verify(&c));
        c.notes = "notes are not scored".into();
        assert!(sk.verify(&c));
        for edit in [
            |c: &mut crate::case::Case| c.seconds = 60,
            |c: &mut crate::case::Case| {
                c.answers.insert("total".into(), crate::answer::Given::Amount(0.6));
            },
            |c: &mut crate::case::Case| c.requests.clear(),
            |c: &mut crate::case::Case| c.hints.push(crate::case::HintUse { objective: "total".into(), hint: 0 }),
            |c: &mut crate::case::Case| c.trainee = "Bob".into(),
        ] {
            let mut d = c.clone();
            d.requests.push(crate::case::Request { exchange: "X".into(), address: "a".into() });
            d.seal = Some(sk.seal(&d));
            assert!(sk.verify(&d));
            edit(&mut d);
            assert!(!sk.verify(&d));
        }
        assert!(!k.seal_key("s", 8, "Ana").verify(&c), "another seed's key");
        c.seal = None;
        assert!(!sk.verify(&c));
    }
}
