//! Finds where a value sits in a RON file, so that problems found after parsing (an unknown
//! reference, a duplicate id) can still be reported at their line and column.
//!
//! serde hands the validator plain values without positions; this module re-reads the text
//! with a small, tolerant scanner that records the position of every value and field, and
//! answers "where is `story[3].action.from[0]`?".

/// One step of a path into a RON document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seg<'a> {
    /// A named field of a struct (or struct-like enum variant).
    Field(&'a str),
    /// An element of a list or tuple.
    Index(usize),
    /// The value under a string key of a map.
    Key(&'a str),
}

impl<'a> From<&'a str> for Seg<'a> {
    fn from(s: &'a str) -> Self {
        Seg::Field(s)
    }
}

impl From<usize> for Seg<'_> {
    fn from(i: usize) -> Self {
        Seg::Index(i)
    }
}

/// A line and column in a file, both counted from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, PartialOrd, Ord)]
pub struct Pos {
    pub line: usize,
    pub col: usize,
}

#[derive(Debug)]
enum Kind {
    Scalar(String),
    Fields(Vec<(String, Node)>),
    Items(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

#[derive(Debug)]
struct Node {
    pos: Pos,
    kind: Kind,
    /// A parenthesised group of one value: a newtype wrapper such as `Some(x)`.
    wrapper: bool,
}

/// The positions of the values of one RON document.
#[derive(Debug)]
pub struct Locator {
    root: Option<Node>,
}

impl Locator {
    /// Scans `src`. A document the scanner cannot follow gives a locator that answers 1:1.
    pub fn new(src: &str) -> Self {
        let mut s = Scanner { chars: src.chars().collect(), i: 0, line: 1, col: 1, depth: 0 };
        s.skip_ws();
        // Inner attributes such as #![enable(implicit_some)].
        while s.peek() == Some('#') {
            while let Some(c) = s.bump() {
                if c == ']' {
                    break;
                }
            }
            s.skip_ws();
        }
        Locator { root: s.value() }
    }

    /// The position of the value at `path`, or of its deepest ancestor present in the text
    /// (a field left to its default is reported at the struct that lacks it).
    pub fn find(&self, path: &[Seg<'_>]) -> Pos {
        let Some(mut node) = self.root.as_ref() else {
            return Pos { line: 1, col: 1 };
        };
        for seg in path {
            match step(node, *seg) {
                Some(next) => node = next,
                None => break,
            }
        }
        node.pos
    }
}

fn step<'n>(node: &'n Node, seg: Seg<'_>) -> Option<&'n Node> {
    match (&node.kind, seg) {
        (Kind::Fields(fields), Seg::Field(name)) => fields.iter().find(|(n, _)| n == name).map(|(_, v)| v),
        (Kind::Items(items), Seg::Index(i)) if node.wrapper && items.len() == 1 => {
            step(&items[0], seg).or((i == 0).then_some(&items[0]))
        }
        (Kind::Items(items), Seg::Index(i)) => items.get(i),
        (Kind::Map(entries), Seg::Key(k)) => {
            entries.iter().find(|(key, _)| matches!(&key.kind, Kind::Scalar(s) if s == k)).map(|(_, v)| v)
        }
        // A newtype wrapper such as `Some(x)` or `Fixed(x)`: look through it.
        (Kind::Items(items), seg) if items.len() == 1 => step(&items[0], seg),
        _ => None,
    }
}

struct Scanner {
    chars: Vec<char>,
    i: usize,
    line: usize,
    col: usize,
    depth: usize,
}

const MAX_DEPTH: usize = 128;

impl Scanner {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.i).copied()
    }

    fn peek_at(&self, k: usize) -> Option<char> {
        self.chars.get(self.i + k).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.i += 1;
        if c == '\n' {
            self.line += 1;
            self.col = 1;
        } else {
            self.col += 1;
        }
        Some(c)
    }

    fn pos(&self) -> Pos {
        Pos { line: self.line, col: self.col }
    }

    fn skip_ws(&mut self) {
        loop {
            match (self.peek(), self.peek_at(1)) {
                (Some(c), _) if c.is_whitespace() => {
                    self.bump();
                }
                (Some('/'), Some('/')) => {
                    while let Some(c) = self.bump() {
                        if c == '\n' {
                            break;
                        }
                    }
                }
                (Some('/'), Some('*')) => {
                    self.bump();
                    self.bump();
                    let mut nest = 1;
                    while nest > 0 {
                        match (self.bump(), self.peek()) {
                            (None, _) => return,
                            (Some('*'), Some('/')) => {
                                self.bump();
                                nest -= 1;
                            }
                            (Some('/'), Some('*')) => {
                                self.bump();
                                nest += 1;
                            }
                            _ => {}
                        }
                    }
                }
                _ => return,
            }
        }
    }

    /// Skips blanks and commas up to the next element of a group; false (with the closing
    /// bracket consumed) at its end.
    fn next_item(&mut self, close: char) -> bool {
        loop {
            self.skip_ws();
            match self.peek() {
                None => return false,
                Some(c) if c == close => {
                    self.bump();
                    return false;
                }
                Some(',') => {
                    self.bump();
                }
                _ => return true,
            }
        }
    }

    fn ident(&mut self) -> String {
        let mut s = String::new();
        // Raw identifiers r#name.
        if self.peek() == Some('r') && self.peek_at(1) == Some('#') && self.peek_at(2) != Some('"') {
            self.bump();
            self.bump();
        }
        while let Some(c) = self.peek() {
            if c.is_alphanumeric() || c == '_' {
                s.push(c);
                self.bump();
            } else {
                break;
            }
        }
        s
    }

    fn string(&mut self) -> String {
        let mut s = String::new();
        // Raw strings r"..." and r#"..."#, byte strings b"...".
        if self.peek() == Some('b') {
            self.bump();
        }
        if self.peek() == Some('r') {
            self.bump();
            let mut hashes = 0;
            while self.peek() == Some('#') {
                self.bump();
                hashes += 1;
            }
            self.bump(); // opening quote
            while let Some(c) = self.bump() {
                if c == '"' && (0..hashes).all(|k| self.peek_at(k) == Some('#')) {
                    for _ in 0..hashes {
                        self.bump();
                    }
                    break;
                }
                s.push(c);
            }
            return s;
        }
        self.bump(); // opening quote
        while let Some(c) = self.bump() {
            match c {
                '"' => break,
                '\\' => {
                    if let Some(e) = self.bump() {
                        s.push(match e {
                            'n' => '\n',
                            't' => '\t',
                            other => other,
                        });
                    }
                }
                c => s.push(c),
            }
        }
        s
    }

    fn value(&mut self) -> Option<Node> {
        self.skip_ws();
        let pos = self.pos();
        let c = self.peek()?;
        let node = match c {
            '"' => Node { pos, wrapper: false, kind: Kind::Scalar(self.string()) },
            'b' | 'r' if matches!(self.peek_at(1), Some('"') | Some('#')) => {
                Node { pos, wrapper: false, kind: Kind::Scalar(self.string()) }
            }
            '\'' => {
                self.bump();
                let mut s = String::new();
                while let Some(c) = self.bump() {
                    match c {
                        '\'' => break,
                        '\\' => {
                            self.bump();
                        }
                        c => s.push(c),
                    }
                }
                Node { pos, wrapper: false, kind: Kind::Scalar(s) }
            }
            '(' => self.group(pos, ')'),
            '[' => self.group(pos, ']'),
            '{' => self.map(pos),
            c if c.is_alphabetic() || c == '_' => {
                let name = self.ident();
                self.skip_ws();
                if self.peek() == Some('(') {
                    let inner = self.group(pos, ')');
                    Node { pos, ..inner }
                } else {
                    Node { pos, wrapper: false, kind: Kind::Scalar(name) }
                }
            }
            _ => {
                let mut s = String::new();
                while let Some(c) = self.peek() {
                    if c.is_alphanumeric() || matches!(c, '.' | '+' | '-' | '_') {
                        s.push(c);
                        self.bump();
                    } else {
                        break;
                    }
                }
                if s.is_empty() {
                    self.bump();
                }
                Node { pos, wrapper: false, kind: Kind::Scalar(s) }
            }
        };
        Some(node)
    }

    /// A parenthesised or bracketed group: a struct when its first element is `name:`,
    /// otherwise a list of items.
    fn group(&mut self, pos: Pos, close: char) -> Node {
        self.bump();
        self.depth += 1;
        let mut fields = Vec::new();
        let mut items = Vec::new();
        if self.depth > MAX_DEPTH {
            return Node { pos, wrapper: false, kind: Kind::Items(items) };
        }
        loop {
            if !self.next_item(close) {
                break;
            }
            let start = self.i;
            // Is this `name: value`?
            if close == ')' && self.peek().is_some_and(|c| c.is_alphabetic() || c == '_') {
                let (save_i, save_line, save_col) = (self.i, self.line, self.col);
                let name = self.ident();
                self.skip_ws();
                if self.peek() == Some(':') && self.peek_at(1) != Some(':') {
                    self.bump();
                    if let Some(v) = self.value() {
                        fields.push((name, v));
                    }
                    continue;
                }
                self.i = save_i;
                self.line = save_line;
                self.col = save_col;
            }
            if let Some(v) = self.value() {
                items.push(v);
            }
            if self.i == start {
                self.bump();
            }
        }
        self.depth -= 1;
        if fields.is_empty() {
            let wrapper = close == ')' && items.len() == 1;
            Node { pos, wrapper, kind: Kind::Items(items) }
        } else {
            Node { pos, wrapper: false, kind: Kind::Fields(fields) }
        }
    }

    fn map(&mut self, pos: Pos) -> Node {
        self.bump();
        let mut entries = Vec::new();
        loop {
            if !self.next_item('}') {
                break;
            }
            let start = self.i;
            let Some(key) = self.value() else { break };
            self.skip_ws();
            if self.peek() == Some(':') {
                self.bump();
            }
            if let Some(v) = self.value() {
                entries.push((key, v));
            }
            if self.i == start {
                self.bump();
            }
        }
        Node { pos, wrapper: false, kind: Kind::Map(entries) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"// a comment
Scenario(
    meta: (id: "x", title: "T"),
    entities: [
        Market(id: "m", name: "M"),
        /* block /* nested */ comment */
        Vendor(id: "v"),
    ],
    answers: { "a": Addresses(["bc1q"]) },
    price: Fixed(60000.0),
)
"#;

    #[test]
    fn finds_fields_items_and_keys() {
        let l = Locator::new(DOC);
        assert_eq!(l.find(&[Seg::Field("meta"), Seg::Field("title")]), Pos { line: 3, col: 28 });
        assert_eq!(l.find(&[Seg::Field("entities"), Seg::Index(1), Seg::Field("id")]), Pos { line: 7, col: 20 });
        assert_eq!(l.find(&[Seg::Field("answers"), Seg::Key("a")]), Pos { line: 9, col: 21 });
        assert_eq!(l.find(&[Seg::Field("answers"), Seg::Key("a"), Seg::Index(0)]), Pos { line: 9, col: 32 });
        assert_eq!(l.find(&[Seg::Field("price"), Seg::Index(0)]), Pos { line: 10, col: 18 });
    }

    #[test]
    fn falls_back_to_the_deepest_present_ancestor() {
        let l = Locator::new(DOC);
        let market = l.find(&[Seg::Field("entities"), Seg::Index(0)]);
        assert_eq!(market, Pos { line: 5, col: 9 });
        assert_eq!(l.find(&[Seg::Field("entities"), Seg::Index(0), Seg::Field("escrow")]), market);
    }

    #[test]
    fn survives_garbage() {
        let l = Locator::new("((((([[[[ \"unterminated");
        let _ = l.find(&[Seg::Index(0), Seg::Index(0)]);
        let deep = "(".repeat(10_000);
        let _ = Locator::new(&deep).find(&[Seg::Index(0)]);
    }
}
