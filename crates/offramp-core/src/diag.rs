//! Diagnostics: problems in a file, each with its place and a message a person understands.
//!
//! Scenario and case files go through [`parse_ron`], which places a syntax or type error on
//! the token at fault (ron's own span starts before it, at the blank that precedes the
//! token, or inside a number) and words it for an instructor; [`utf8_text`] places bytes
//! that are not UTF-8 at their line and column.

use std::fmt;

use serde::de::DeserializeOwned;

/// One problem found in an input file, at a line and column (both counted from 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: String,
    pub line: usize,
    pub col: usize,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: {}", self.file, self.line, self.col, self.message)
    }
}

/// Every problem found in one file, in the order of the file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// Whether no problem was found.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Sorts the problems by place so that they read top to bottom.
    pub fn sort(&mut self) {
        self.0.sort_by_key(|a| (a.line, a.col));
        self.0.dedup();
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

/// The name closest to `wanted` among `known`, when it is close enough to be a likely typo.
pub fn did_you_mean<'a>(wanted: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let wanted_l = wanted.to_lowercase();
    known
        .into_iter()
        .map(|k| (strsim::levenshtein(&wanted_l, &k.to_lowercase()), k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// A ` (did you mean "x"?)` suffix, or nothing.
pub fn suggestion<'a>(wanted: &str, known: impl IntoIterator<Item = &'a str>) -> String {
    match did_you_mean(wanted, known) {
        Some(k) => format!(" (did you mean \"{k}\"?)"),
        None => String::new(),
    }
}

/// `word` with its indefinite article: `"an Exchange"`, `"an Otc"`, `"a Vendor"`.
pub fn with_article(word: &str) -> String {
    let vowel = word.chars().next().is_some_and(|c| matches!(c.to_ascii_lowercase(), 'a' | 'e' | 'i' | 'o'));
    format!("{} {word}", if vowel { "an" } else { "a" })
}

/// Reads RON text (`Some` implicit) into `T`, as scenario and case files are read.
///
/// # Errors
/// The syntax or type error, at the line and column of the token at fault (see
/// [`ron_error`]).
pub fn parse_ron<T: DeserializeOwned>(text: &str, file: &str) -> Result<T, Diagnostics> {
    ron::Options::default()
        .with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME)
        .from_str(text)
        .map_err(|e| Diagnostics(vec![ron_error(text, file, &e)]))
}

/// A RON error in `text` as a diagnostic: at the first character of the token at fault, with
/// a message that says what was expected and what was found.
pub fn ron_error(text: &str, file: &str, e: &ron::error::SpannedError) -> Diagnostic {
    let chars: Vec<char> = text.chars().collect();
    let start = index_of(&chars, e.span.start);
    let end = index_of(&chars, e.span.end);
    let ends_early = skip_blanks(&chars, end) >= chars.len() && !matches!(e.code, ron::Error::TrailingCharacters);
    let at = match &e.code {
        // The text ended while a value was open: just after its last character.
        _ if ends_early => chars.iter().rposition(|c| !c.is_whitespace()).map_or(0, |i| i + 1),
        // ron's span runs from before the string to after the bad escape: the escape's
        // backslash is the last one in it.
        ron::Error::InvalidEscape(_) => {
            (start..end.min(chars.len())).rev().find(|&i| chars[i] == '\\').unwrap_or(start)
        }
        _ => token_start(&chars, start),
    };
    let pos = pos_of(&chars, at);
    let message = if ends_early {
        "the file ends before its value is complete: a closing bracket, a comma or a value is missing".to_string()
    } else {
        ron_message(&e.code, &chars, at)
    };
    Diagnostic { file: file.to_string(), line: pos.0, col: pos.1, message }
}

/// The index in `chars` of ron's line and column (both from 1, columns in characters), or
/// the end of the text when the position is past it.
fn index_of(chars: &[char], p: ron::error::Position) -> usize {
    let (mut line, mut col) = (1, 1);
    for (i, &c) in chars.iter().enumerate() {
        if line > p.line || (line == p.line && col >= p.col) {
            return i;
        }
        if c == '\n' {
            line += 1;
            col = 1;
        } else {
            col += 1;
        }
    }
    chars.len()
}

/// The line and column (from 1) of index `at` in `chars`.
fn pos_of(chars: &[char], at: usize) -> (usize, usize) {
    let before = &chars[..at.min(chars.len())];
    let line = 1 + before.iter().filter(|&&c| c == '\n').count();
    let col = 1 + before.iter().rev().take_while(|&&c| c != '\n').count();
    (line, col)
}

/// A character of a number or an identifier.
fn wordy(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '.' | '+' | '-')
}

/// The first index from `i` past blanks and comments (the length of `chars` when none).
fn skip_blanks(chars: &[char], mut i: usize) -> usize {
    let n = chars.len();
    loop {
        while i < n && chars[i].is_whitespace() {
            i += 1;
        }
        match (chars.get(i), chars.get(i + 1)) {
            (Some('/'), Some('/')) => {
                while i < n && chars[i] != '\n' {
                    i += 1;
                }
            }
            (Some('/'), Some('*')) => {
                i += 2;
                let mut depth = 1;
                while i < n && depth > 0 {
                    match (chars[i], chars.get(i + 1)) {
                        ('*', Some('/')) => {
                            depth -= 1;
                            i += 2;
                        }
                        ('/', Some('*')) => {
                            depth += 1;
                            i += 2;
                        }
                        _ => i += 1,
                    }
                }
            }
            _ => return i.min(n),
        }
    }
}

/// Where the token at fault starts, from where ron's span starts: past the blanks and
/// comments before it, and back to the start of a number the parser stopped inside of
/// (ron places `-5` at its digit, `25.0` at its point).
fn token_start(chars: &[char], from: usize) -> usize {
    let mut i = skip_blanks(chars, from);
    if i >= chars.len() {
        return from.min(chars.len());
    }
    while i > 0 && wordy(chars[i]) && wordy(chars[i - 1]) {
        i -= 1;
    }
    i
}

/// The token at `at`, as it is written: a quoted string, a number or name, or one character.
fn token(chars: &[char], at: usize) -> String {
    const MAX: usize = 40;
    match chars.get(at) {
        None => String::new(),
        Some('"') => {
            let mut s = String::from('"');
            let mut escaped = false;
            for &c in chars[at + 1..].iter().take(MAX) {
                s.push(c);
                if c == '"' && !escaped {
                    return s;
                }
                escaped = c == '\\' && !escaped;
            }
            s + "…"
        }
        Some(&c) if wordy(c) => chars[at..].iter().take_while(|&&c| wordy(c)).take(MAX).collect(),
        Some(&c) => c.to_string(),
    }
}

/// ron's message in words an instructor uses, naming what was found.
fn ron_message(code: &ron::Error, chars: &[char], at: usize) -> String {
    use ron::Error as E;
    let found = token(chars, at);
    let not = if found.is_empty() { String::new() } else { format!(", not {found}") };
    match code {
        E::ExpectedBoolean => format!("expected true or false{not}"),
        E::ExpectedInteger => format!("expected a whole number{not}"),
        E::ExpectedFloat => format!("expected a number{not}"),
        E::ExpectedString => format!("expected text in double quotes{not}"),
        // A number with a fraction or an exponent where a whole number belongs: ron reads
        // the whole part, then wants a comma.
        E::ExpectedComma if found.contains(['.', 'e', 'E']) && found.parse::<f64>().is_ok() => {
            format!("expected a whole number{not}")
        }
        E::ExpectedComma if found.is_empty() => "expected a comma".to_string(),
        E::ExpectedComma => format!("expected a comma before {found}"),
        E::IntegerOutOfBounds => match found.parse::<i128>() {
            Ok(n) if n < 0 && n >= i128::from(i32::MIN) => {
                format!("{found} is negative; this takes a whole number of 0 or more")
            }
            Ok(n) if n < 0 => format!("{found} is too small a number here"),
            _ => format!("{found} is too large a number here"),
        },
        E::TrailingCharacters => {
            format!("unexpected {found} after the end of the file's value (check the brackets before it)")
        }
        E::NoSuchStructField { expected, found: name, .. } => {
            format!("{}{}", reworded(code), suggestion(name, expected.iter().copied()))
        }
        E::NoSuchEnumVariant { expected, found: name, .. } => {
            format!("{}{}", reworded(code), suggestion(name, expected.iter().copied()))
        }
        _ => reworded(code),
    }
}

/// ron's own message, reworded where it would puzzle an instructor, in lower case.
fn reworded(code: &ron::Error) -> String {
    let s = code.to_string();
    let s = s.replace("Unexpected missing field named", "missing field").replace("Unexpected", "unexpected");
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
        None => s,
    }
}

/// Text read from `file`; bytes that are not UTF-8 are reported at the line and column of
/// the first one (columns count characters).
///
/// # Errors
/// The first byte that is not UTF-8, with its place and offset.
pub fn utf8_text(bytes: Vec<u8>, file: &str) -> Result<String, Diagnostic> {
    String::from_utf8(bytes).map_err(|e| {
        let good = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let before = std::str::from_utf8(&bytes[..good]).unwrap_or_default();
        let line = 1 + before.matches('\n').count();
        let col = 1 + before.rsplit('\n').next().map_or(0, |l| l.chars().count());
        Diagnostic {
            file: file.to_string(),
            line,
            col,
            message: format!(
                "the file is not UTF-8 text: byte 0x{:02x} (offset {good}) is not part of a UTF-8 character; save it as UTF-8",
                bytes[good]
            ),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(did_you_mean("mixr", ["mixer", "market"]), Some("mixer"));
        assert_eq!(did_you_mean("kraken", ["mixer", "market"]), None);
        assert_eq!(suggestion("CoinBay", ["coinbay"]), " (did you mean \"coinbay\"?)");
    }

    #[test]
    fn articles_follow_the_sound() {
        assert_eq!(with_article("Exchange"), "an Exchange");
        assert_eq!(with_article("Otc"), "an Otc");
        assert_eq!(with_article("Vendor"), "a Vendor");
        assert_eq!(with_article("Users"), "a Users");
    }
}
