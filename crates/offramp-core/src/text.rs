//! Names compared as people write them: in any case of any script, with or without the
//! accents of Latin letters, with any spacing. One comparison for exchanges named in legal
//! requests and case files, entities and identities in answers, and label searches.

/// `s` folded for comparison: lower case (full Unicode, Greek final sigma included), Latin
/// letters without their accents (`"Börse"` → `"borse"`, `"Straße"` → `"strasse"`,
/// `"Łódź"` → `"lodz"`), combining marks dropped, runs of spaces made one, ends trimmed.
/// Letters of other scripts keep their identity: `"Биржа"` folds to `"биржа"`, not to a
/// transliteration.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        for c in word.chars().flat_map(char::to_lowercase) {
            match c {
                // Combining diacritical marks (a decomposed "é" is "e" and U+0301).
                '\u{0300}'..='\u{036F}' => {}
                // The final sigma is a sigma: "ΟΔΟΣ" and "οδος" are one word.
                'ς' => out.push('σ'),
                // Latin-1 Supplement, Latin Extended-A and -B, Latin Extended Additional.
                '\u{00C0}'..='\u{024F}' | '\u{1E00}'..='\u{1EFF}' if c.is_alphabetic() => {
                    match deunicode::deunicode_char(c) {
                        Some(a) if !a.is_empty() && a.chars().all(|x| x.is_ascii_alphabetic()) => {
                            out.extend(a.chars().map(|x| x.to_ascii_lowercase()));
                        }
                        _ => out.push(c),
                    }
                }
                c => out.push(c),
            }
        }
    }
    out
}

/// Whether two names are the same as a person reads them (see [`fold`]).
pub fn same(a: &str, b: &str) -> bool {
    fold(a) == fold(b)
}

/// `text` as a name for files and ids: ASCII letters and digits in lower case, words joined by
/// single hyphens ("Jiří Dvořák" is "jiri-dvorak"); empty when nothing is left.
pub fn slug(text: &str) -> String {
    let plain = deunicode::deunicode(text);
    let mut slug = String::new();
    for c in plain.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_in_any_case_of_any_script_and_without_accents() {
        assert!(same("Börse Zürich", "BORSE  ZURICH"));
        assert!(same("Straße", "STRASSE"));
        assert!(same("Łódź", "lodz"));
        assert!(same("ΟΔΟΣ", "οδοσ"));
        assert!(same("Café", "Cafe\u{301}"));
        assert!(same("БИРЖА", "биржа"));
        assert!(same(" Marek  Novák ", "marek novak"));
        assert!(!same("Биржа", "Birzha"));
        assert!(!same("CoinBay", "CoinBey"));
    }
}
