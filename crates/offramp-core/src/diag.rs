//! Diagnostics: problems in a file, each with its place and a message a person understands.

use std::fmt;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(did_you_mean("mixr", ["mixer", "market"]), Some("mixer"));
        assert_eq!(did_you_mean("kraken", ["mixer", "market"]), None);
        assert_eq!(suggestion("CoinBay", ["coinbay"]), " (did you mean \"coinbay\"?)");
    }
}
