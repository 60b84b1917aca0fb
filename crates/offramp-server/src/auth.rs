//! Secrets: join codes, the instructor's token and each trainee's token, all from the
//! operating system's random source; tokens are kept hashed where they can be and always
//! compared in constant time.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Crockford's base32: no I, L, O or U, so that a code read off a projector is typed right.
const CODE_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Characters in a join code: 12 × 5 = 60 bits. At the join rate limit (a few tries a
/// second per address) guessing one would take longer than any class lasts, by far.
pub const CODE_LEN: usize = 12;

fn random<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).expect("the operating system's random source");
    b
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A new join code, shown as `XXXX-XXXX-XXXX`.
pub fn join_code() -> String {
    let bytes = random::<CODE_LEN>();
    let mut s = String::with_capacity(CODE_LEN + 2);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 && i % 4 == 0 {
            s.push('-');
        }
        s.push(CODE_ALPHABET[(b & 31) as usize] as char);
    }
    s
}

/// A join code as typed: case, spaces and dashes ignored, and the letters people mistake for
/// digits (O, I, L) read as the digits.
pub fn normal_code(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        })
        .collect()
}

/// A new random identifier (128 bits, hex).
pub fn id() -> String {
    hex(&random::<16>())
}

/// A new secret (256 bits, hex) with a prefix that says whose it is.
pub fn secret(prefix: &str) -> String {
    format!("{prefix}{}", hex(&random::<32>()))
}

/// SHA-256 of a token, hex: what the database keeps of a trainee's token.
pub fn hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Whether two secrets are equal, in time that does not depend on where they differ.
/// Both are hashed first, so the time does not depend on their lengths either.
pub fn same(a: &str, b: &str) -> bool {
    Sha256::digest(a.as_bytes()).ct_eq(&Sha256::digest(b.as_bytes())).into()
}

/// A trainee's token: their id, a dot, their secret.
pub fn trainee_token(trainee: &str) -> String {
    format!("{trainee}.{}", secret("t"))
}

/// The trainee id a token claims, when it is shaped like a trainee's token.
pub fn trainee_of(token: &str) -> Option<&str> {
    let (id, rest) = token.split_once('.')?;
    (id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()) && rest.starts_with('t')).then_some(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_long_random_and_read_back_as_typed() {
        let a = join_code();
        let b = join_code();
        assert_ne!(a, b);
        assert_eq!(a.len(), CODE_LEN + 2);
        let typed = a.to_lowercase().replace('-', " ");
        assert_eq!(normal_code(&typed), a.replace('-', ""));
        assert_eq!(normal_code("o1l-i"), "0111");
    }

    #[test]
    fn tokens_compare_and_name_their_trainee() {
        let t = trainee_token(&id());
        assert!(same(&t, &t.clone()));
        assert!(!same(&t, &format!("{t}x")));
        assert_eq!(trainee_of(&t).map(str::len), Some(32));
        assert_eq!(trainee_of("i0123"), None);
        assert_eq!(hash(&t).len(), 64);
    }
}
