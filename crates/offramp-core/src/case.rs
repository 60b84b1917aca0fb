//! A trainee's case file: answers per objective, hints unlocked, legal requests made.
//! Read with the same care as a scenario (every problem at its line and column) and
//! written atomically, so that a case is never lost or half-written.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::answer::Given;
use crate::diag::{Diagnostic, Diagnostics, suggestion};
use crate::locate::{Locator, Seg};
use crate::scenario::{AnswerKind, Scenario};

/// The largest case file Offramp reads.
pub const MAX_CASE_BYTES: u64 = 16 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename = "Case", deny_unknown_fields)]
pub struct Case {
    /// The scenario's id.
    pub scenario: String,
    /// The seed the trainee's world was generated with (the scenario's when absent).
    #[serde(default)]
    pub seed: Option<u64>,
    #[serde(default)]
    pub trainee: String,
    #[serde(default)]
    pub answers: BTreeMap<String, Given>,
    #[serde(default)]
    pub hints: Vec<HintUse>,
    #[serde(default)]
    pub requests: Vec<Request>,
    /// The investigation board: what was on the canvas, where, and the trainee's tags.
    #[serde(default)]
    pub board: crate::board::SavedBoard,
    /// The trainee's free notes on the case.
    #[serde(default)]
    pub notes: String,
    /// Seconds spent in the investigation.
    #[serde(default)]
    pub seconds: u64,
    /// Whether the trainee submitted the case (it is then read-only in the app).
    #[serde(default)]
    pub submitted: bool,
    /// The score the app's referee gave on submission, (earned, possible), for the trainee's
    /// own library. Informative only: an instructor scores the answers again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<(f64, f64)>,
    /// The seal set on submission in a class (see [`crate::class::SealKey`]): shows the
    /// instructor that what is scored was not edited afterwards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seal: Option<String>,
}

/// A case read for grading ([`Case::parse_lenient`]).
#[derive(Debug, Clone)]
pub struct Lenient {
    /// What can be scored.
    pub case: Case,
    /// The case as the file has it (what a seal covers).
    pub as_written: Case,
    /// What was left out, and why, each at its line and column.
    pub problems: Diagnostics,
}

/// A hint the trainee unlocked: objective id and the hint's position (from 0).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HintUse {
    pub objective: String,
    pub hint: u32,
}

/// A legal request the trainee filed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    pub exchange: String,
    pub address: String,
}

/// One objective as a case is checked against it.
#[derive(Debug, Clone, Copy)]
pub struct ObjectiveRule<'a> {
    pub id: &'a str,
    pub kind: AnswerKind,
    /// How many hints it has.
    pub hints: usize,
}

/// What a case file is checked against: its scenario, or the intel of a trainee's pack
/// (which has the objectives and the exchanges, never the answers).
pub trait CaseRules {
    /// The scenario's id.
    fn scenario_id(&self) -> &str;
    /// The objectives, in order.
    fn objectives(&self) -> Vec<ObjectiveRule<'_>>;
    /// Whether a legal request can name `exchange` (by id or name, as people write it).
    ///
    /// # Errors
    /// Why not: no exchange of that name, with the nearest one when one is close.
    fn exchange(&self, exchange: &str) -> Result<(), String>;
}

impl CaseRules for Scenario {
    fn scenario_id(&self) -> &str {
        &self.meta.id
    }

    fn objectives(&self) -> Vec<ObjectiveRule<'_>> {
        self.objectives
            .iter()
            .map(|o| ObjectiveRule { id: &o.id, kind: o.answer.kind(), hints: o.hints.len() })
            .collect()
    }

    fn exchange(&self, exchange: &str) -> Result<(), String> {
        crate::legal::find_exchange_in(self, exchange).map(|_| ()).map_err(|e| e.to_string())
    }
}

impl CaseRules for crate::intel::Intel {
    fn scenario_id(&self) -> &str {
        &self.scenario.id
    }

    fn objectives(&self) -> Vec<ObjectiveRule<'_>> {
        self.objectives.iter().map(|o| ObjectiveRule { id: &o.id, kind: o.kind, hints: o.hint_costs.len() }).collect()
    }

    fn exchange(&self, exchange: &str) -> Result<(), String> {
        crate::legal::find_exchange_info(&self.exchanges, exchange).map(|_| ()).map_err(|e| e.to_string())
    }
}

impl Case {
    /// Reads a case file and checks it against its scenario (or a trainee's pack).
    ///
    /// # Errors
    /// Every problem, each with file, line and column.
    pub fn load(path: &Path, rules: &(impl CaseRules + ?Sized)) -> Result<Case, Diagnostics> {
        let file = path.display().to_string();
        let one = |message: String| Diagnostics(vec![Diagnostic { file: file.clone(), line: 1, col: 1, message }]);
        let meta = std::fs::metadata(path).map_err(|e| one(format!("cannot read the case file: {e}")))?;
        if meta.len() > MAX_CASE_BYTES {
            return Err(one(format!("the case file is {} bytes; case files are at most {MAX_CASE_BYTES}", meta.len())));
        }
        let bytes = std::fs::read(path).map_err(|e| one(format!("cannot read the case file: {e}")))?;
        let text = crate::diag::utf8_text(bytes, &file).map_err(|d| Diagnostics(vec![d]))?;
        Case::parse(&text, &file, rules)
    }

    /// Parses a case from text and checks it against a scenario (or a trainee's pack).
    ///
    /// # Errors
    /// Every problem, each with file, line and column.
    pub fn parse(text: &str, file: &str, rules: &(impl CaseRules + ?Sized)) -> Result<Case, Diagnostics> {
        let case = Case::parse_unchecked(text, file)?;
        let loc = Locator::new(text);
        let mut diags = Vec::new();
        let mut err = |path: &[Seg<'_>], message: String| {
            let p = loc.find(path);
            diags.push(Diagnostic { file: file.to_string(), line: p.line, col: p.col, message });
        };
        if case.scenario != rules.scenario_id() {
            err(
                &[Seg::Field("scenario")],
                format!("this case is for scenario \"{}\", not \"{}\"", case.scenario, rules.scenario_id()),
            );
        }
        let objectives = rules.objectives();
        let ids: Vec<&str> = objectives.iter().map(|o| o.id).collect();
        let find = |id: &str| objectives.iter().find(|o| o.id == id);
        for (id, given) in &case.answers {
            let at = [Seg::Field("answers"), Seg::Key(id)];
            match find(id) {
                None => err(&at, format!("no objective is called \"{id}\"{}", suggestion(id, ids.iter().copied()))),
                Some(o) if o.kind != given.kind() => {
                    err(&at, format!("objective \"{id}\" takes {}, not {}", kind_word(o.kind), kind_word(given.kind())))
                }
                Some(_) => {}
            }
        }
        for (i, h) in case.hints.iter().enumerate() {
            let at = [Seg::Field("hints"), Seg::Index(i)];
            match find(&h.objective) {
                None => err(
                    &at,
                    format!(
                        "no objective is called \"{}\"{}",
                        h.objective,
                        suggestion(&h.objective, ids.iter().copied())
                    ),
                ),
                Some(o) if h.hint as usize >= o.hints => {
                    err(&at, format!("objective \"{}\" has {} hints; there is no hint {}", o.id, o.hints, h.hint))
                }
                Some(_) => {}
            }
        }
        // Exchanges as a legal request finds them: by id or name, in any case of any script.
        for (i, r) in case.requests.iter().enumerate() {
            if let Err(e) = rules.exchange(&r.exchange) {
                err(&[Seg::Field("requests"), Seg::Index(i), Seg::Field("exchange")], e);
            }
        }
        if diags.is_empty() {
            Ok(case)
        } else {
            let mut d = Diagnostics(diags);
            d.sort();
            Err(d)
        }
    }

    /// Parses a case for grading: what is wrong with it is said, and left out of it, rather
    /// than refusing the whole file, so that the rest can be scored. An answer to no objective
    /// or of the wrong kind, and a hint that does not exist, are dropped; each problem comes
    /// back located.
    ///
    /// # Errors
    /// Only what leaves nothing to score: a file that is not a case (syntax or types), or the
    /// case of another scenario.
    pub fn parse_lenient(text: &str, file: &str, scenario: &Scenario) -> Result<Lenient, Diagnostics> {
        let as_written = Case::parse_unchecked(text, file)?;
        let mut case = as_written.clone();
        if case.scenario != scenario.meta.id {
            let p = Locator::new(text).find(&[Seg::Field("scenario")]);
            return Err(Diagnostics(vec![Diagnostic {
                file: file.to_string(),
                line: p.line,
                col: p.col,
                message: format!("this case is for scenario \"{}\", not \"{}\"", case.scenario, scenario.meta.id),
            }]));
        }
        let problems = match Case::parse(text, file, scenario) {
            Ok(_) => return Ok(Lenient { case, as_written, problems: Diagnostics(Vec::new()) }),
            Err(d) => d,
        };
        case.answers
            .retain(|id, given| scenario.objectives.iter().any(|o| &o.id == id && o.answer.kind() == given.kind()));
        case.hints
            .retain(|h| scenario.objectives.iter().any(|o| o.id == h.objective && (h.hint as usize) < o.hints.len()));
        Ok(Lenient { case, as_written, problems })
    }

    /// Parses a case without checking it against a scenario.
    ///
    /// # Errors
    /// The RON syntax or type error, at the token at fault.
    pub fn parse_unchecked(text: &str, file: &str) -> Result<Case, Diagnostics> {
        crate::diag::parse_ron(text, file)
    }

    /// The case as RON text.
    pub fn to_ron(&self) -> String {
        let cfg = ron::ser::PrettyConfig::new().struct_names(true).indentor("    ".to_string());
        ron::ser::to_string_pretty(self, cfg).expect("a case always serializes")
    }

    /// Writes the case atomically: to a temporary file beside `path`, flushed to disk, then
    /// renamed over it. A crash leaves either the old case or the new one, never half of one.
    ///
    /// # Errors
    /// Any I/O error; the file at `path` is then unchanged.
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        write_atomic(path, self.to_ron().as_bytes())
    }
}

/// Writes `bytes` to `path` through a temporary file and a rename.
///
/// # Errors
/// Any I/O error; `path` is then unchanged.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let name = path.file_name().map_or_else(|| "case".into(), |n| n.to_string_lossy().into_owned());
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)?;
        if let Ok(d) = std::fs::File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

fn kind_word(k: AnswerKind) -> &'static str {
    match k {
        AnswerKind::Addresses => "Addresses([...])",
        AnswerKind::Entities => "Entities([...])",
        AnswerKind::Amount => "Amount(number)",
        AnswerKind::Path => "Path([...]) or Hops([...])",
        AnswerKind::Text => "Text(\"...\")",
    }
}
