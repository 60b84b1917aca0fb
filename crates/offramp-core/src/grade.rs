//! Grading a class: every case file scored against its own trainee's world, a gradebook (one
//! CSV row per readable case) and a printable report (HTML, one page per trainee).
//!
//! A file that cannot be scored at all (not a case, another scenario's, unreadable) is listed
//! with the reason. A case that can be scored but is not what it should be is scored and
//! flagged: answers of the wrong kind or to no objective (left out, with their line and
//! column), a seed that is not the trainee's variant, a seal broken by an edit after
//! submission, two files of one trainee.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;

use crate::case::{Case, MAX_CASE_BYTES};
pub use crate::class::Seal;
use crate::class::{ClassKey, normal_name};
use crate::format::{hours_minutes, points};
use crate::scenario::Scenario;
use crate::score::{self, Report};
use crate::sim::{self, Options};

/// One scored case.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Graded {
    pub file: String,
    pub trainee: String,
    /// The seed the case was scored on: the one its trainee played.
    pub seed: u64,
    pub report: Report,
    /// Distinct hints unlocked.
    pub hints: usize,
    pub requests: usize,
    pub seconds: u64,
    pub submitted: bool,
    pub seal: Seal,
    /// What the instructor should look at, one line each.
    pub flags: Vec<String>,
}

/// A file that could not be scored, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Rejected {
    pub file: String,
    pub reason: String,
}

/// A class's results on one scenario.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Gradebook {
    pub scenario: String,
    pub title: String,
    /// (id, prompt, points) of each objective, in the scenario's order.
    pub objectives: Vec<(String, String, f64)>,
    /// Sorted by trainee.
    pub graded: Vec<Graded>,
    pub rejected: Vec<Rejected>,
    /// Whether a class key was given (seals and variants checked).
    pub keyed: bool,
}

/// The case files named: files as they are, folders by their `*.ron` files (not below).
/// Paths that do not exist are rejected with the reason.
pub fn collect(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<Rejected>) {
    let mut files = Vec::new();
    let mut rejected = Vec::new();
    for p in paths {
        if p.is_dir() {
            match std::fs::read_dir(p) {
                Ok(entries) => {
                    let mut inside: Vec<PathBuf> = entries
                        .filter_map(|e| e.ok().map(|e| e.path()))
                        .filter(|f| f.is_file() && f.extension().is_some_and(|x| x == "ron"))
                        .collect();
                    inside.sort();
                    files.extend(inside);
                }
                Err(e) => rejected
                    .push(Rejected { file: p.display().to_string(), reason: format!("cannot read the folder: {e}") }),
            }
        } else if p.exists() {
            files.push(p.clone());
        } else {
            rejected.push(Rejected { file: p.display().to_string(), reason: "no such file or folder".into() });
        }
    }
    (files, rejected)
}

/// A case read for grading, before its world exists.
struct Read {
    file: String,
    case: Case,
    seed: u64,
    flags: Vec<String>,
    seal: Seal,
}

fn read(path: &Path, sc: &Scenario, key: Option<&ClassKey>) -> Result<Read, Rejected> {
    let file = path.display().to_string();
    let reject = |reason: String| Rejected { file: file.clone(), reason };
    let meta = std::fs::metadata(path).map_err(|e| reject(format!("cannot read it: {e}")))?;
    if meta.len() > MAX_CASE_BYTES {
        return Err(reject(format!("{} bytes; case files are at most {MAX_CASE_BYTES}", meta.len())));
    }
    let bytes = std::fs::read(path).map_err(|e| reject(format!("cannot read it: {e}")))?;
    let text = crate::diag::utf8_text(bytes, &file).map_err(|d| reject(d.to_string()))?;
    let lenient = Case::parse_lenient(&text, &file, sc).map_err(|d| reject(first_lines(&d.to_string())))?;
    let case = lenient.case;
    let mut flags: Vec<String> = lenient.problems.0.iter().map(|d| format!("left out: {d}")).collect();
    let (played, seal) = match key {
        None => (case.seed.unwrap_or(sc.meta.seed), Seal::Unchecked),
        Some(k) => {
            let check = k.check(&sc.meta.id, sc.meta.seed, &lenient.as_written);
            flags.extend(check.not_theirs);
            (check.played, check.seal)
        }
    };
    if seal == Seal::Broken {
        flags.push("its answers, hints, requests or time were edited after it was sealed on submission".into());
    }
    if !case.submitted {
        flags.push("not submitted: scored as it stands".into());
    }
    Ok(Read { file, case, seed: played, flags, seal })
}

/// The first lines of a long error, for a list of rejected files.
fn first_lines(s: &str) -> String {
    let lines: Vec<&str> = s.lines().collect();
    if lines.len() <= 3 { lines.join("; ") } else { format!("{}; and {} more", lines[..3].join("; "), lines.len() - 3) }
}

/// Scores every case in `files` against its own world (generated once per seed, one per core
/// at a time, each dropped once its cases are scored) and gathers the gradebook. `progress(done, total)` is called as worlds are
/// done.
pub fn grade(
    sc: &Scenario,
    files: &[PathBuf],
    key: Option<&ClassKey>,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Gradebook {
    let mut rejected = Vec::new();
    let mut reads = Vec::new();
    for f in files {
        match read(f, sc, key) {
            Ok(r) => reads.push(r),
            Err(r) => rejected.push(r),
        }
    }
    // Two files of one trainee: both are scored, both flagged.
    let mut by_name: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, r) in reads.iter().enumerate() {
        by_name.entry(normal_name(&r.case.trainee)).or_default().push(i);
    }
    for (name, idx) in &by_name {
        if idx.len() > 1 && !name.is_empty() {
            let names: Vec<String> = idx.iter().map(|&i| reads[i].file.clone()).collect();
            for &i in idx {
                let others: Vec<&str> = names.iter().filter(|n| **n != reads[i].file).map(String::as_str).collect();
                reads[i].flags.push(format!("another case file of the same trainee: {}", others.join(", ")));
            }
        }
    }
    let mut by_seed: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
    for (i, r) in reads.iter().enumerate() {
        by_seed.entry(r.seed).or_default().push(i);
    }
    let groups: Vec<(u64, Vec<usize>)> = by_seed.into_iter().collect();
    let total = groups.len();
    let done = AtomicUsize::new(0);
    // A world per seed, each dropped once its cases are scored.
    let scored: Vec<(usize, Result<Report, String>)> = groups
        .par_iter()
        .with_max_len(1)
        .flat_map_iter(|&(seed, ref idx)| {
            let world = sim::generate(sc, &Options { seed: Some(seed), signed: false }, &mut |_, _, _| {});
            progress(done.fetch_add(1, Ordering::Relaxed) + 1, total);
            let out: Vec<(usize, Result<Report, String>)> = idx
                .iter()
                .map(|&i| (i, world.as_ref().map(|w| score::score(w, &reads[i].case)).map_err(|e| e.to_string())))
                .collect();
            out
        })
        .collect();
    let mut graded = Vec::new();
    for (i, result) in scored {
        let r = &reads[i];
        match result {
            Ok(report) => graded.push(Graded {
                file: r.file.clone(),
                trainee: r.case.trainee.trim().to_string(),
                seed: r.seed,
                report,
                hints: r.case.hints.iter().map(|h| (h.objective.as_str(), h.hint)).collect::<BTreeSet<_>>().len(),
                requests: r.case.requests.len(),
                seconds: r.case.seconds,
                submitted: r.case.submitted,
                seal: r.seal,
                flags: r.flags.clone(),
            }),
            Err(e) => rejected.push(Rejected {
                file: r.file.clone(),
                reason: format!("its world (seed {}) cannot be generated: {e}", r.seed),
            }),
        }
    }
    graded.sort_by(|a, b| normal_name(&a.trainee).cmp(&normal_name(&b.trainee)).then(a.file.cmp(&b.file)));
    rejected.sort_by(|a, b| a.file.cmp(&b.file));
    Gradebook {
        scenario: sc.meta.id.clone(),
        title: sc.meta.title.clone(),
        objectives: sc.objectives.iter().map(|o| (o.id.clone(), o.prompt.clone(), o.rule.points())).collect(),
        graded,
        rejected,
        keyed: key.is_some(),
    }
}

fn percent(earned: f64, possible: f64) -> String {
    if possible > 0.0 { format!("{:.0}%", 100.0 * earned / possible) } else { "-".into() }
}

/// One CSV field: quoted when it must be, and text a spreadsheet would run as a formula
/// (a trainee may call themselves `=HYPERLINK(...)`) made plain with a leading quote.
fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{s}") } else { s.to_string() };
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s }
}

impl Gradebook {
    /// The gradebook as CSV: one row per scored case; a column per objective, headed by its
    /// id and points (`total (20)`).
    pub fn to_csv(&self) -> String {
        let mut head = vec!["trainee".to_string(), "file".into(), "seed".into(), "status".into()];
        // An objective's column says its points too, and so never takes a fixed column's name.
        head.extend(self.objectives.iter().map(|(id, _, pts)| format!("{id} ({})", points(*pts))));
        head.extend(
            ["hints", "legal_requests", "legal_penalty", "time_spent", "total", "possible", "percent"]
                .map(String::from),
        );
        let mut out = head.iter().map(|h| csv_field(h)).collect::<Vec<_>>().join(",");
        out.push('\n');
        for g in &self.graded {
            let mut row = vec![g.trainee.clone(), g.file.clone(), g.seed.to_string(), self.status(g)];
            row.extend(g.report.objectives.iter().map(|o| points(o.earned)));
            row.extend([
                g.hints.to_string(),
                g.requests.to_string(),
                points(g.report.legal.penalty),
                hours_minutes(g.seconds),
                points(g.report.earned),
                points(g.report.possible),
                percent(g.report.earned, g.report.possible),
            ]);
            out.push_str(&row.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(","));
            out.push('\n');
        }
        out
    }

    /// A case's status in one cell: its seal (with a class key) and its flags.
    pub fn status(&self, g: &Graded) -> String {
        let mut parts = Vec::new();
        if self.keyed {
            parts.push(g.seal.word().to_string());
        }
        parts.extend(g.flags.iter().cloned());
        if parts.is_empty() { "ok".into() } else { parts.join("; ") }
    }

    /// The printable report: a summary table, the files not graded, then a page per trainee
    /// (each objective with its points and what was right, missing or wrong; the deductions).
    pub fn to_html(&self) -> String {
        let e = escape;
        let mut h = String::new();
        h.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        h.push_str(&format!(
            "<title>Gradebook — {}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n",
            e(&self.title)
        ));
        h.push_str(&format!(
            "<header><h1>{}</h1><p class=\"sub\">Gradebook · scenario <code>{}</code> · {} graded{}{}</p></header>\n",
            e(&self.title),
            e(&self.scenario),
            self.graded.len(),
            if self.rejected.is_empty() { String::new() } else { format!(" · {} not graded", self.rejected.len()) },
            if self.keyed {
                " · seals and variants checked with the class key"
            } else {
                " · no class key: seals and variants not checked"
            }
        ));
        // Summary.
        h.push_str("<section class=\"summary\"><table>\n<thead><tr><th class=\"name\">Trainee</th>");
        for (id, prompt, pts) in &self.objectives {
            h.push_str(&format!(
                "<th class=\"num\" title=\"{}\">{}<br><small>/ {}</small></th>",
                e(prompt),
                e(id),
                points(*pts)
            ));
        }
        h.push_str("<th class=\"num\">Hints</th><th class=\"num\">Legal</th><th class=\"num\">Time</th><th class=\"num\">Total</th><th>Status</th></tr></thead>\n<tbody>\n");
        for g in &self.graded {
            let flagged = g.seal == Seal::Broken || !g.flags.is_empty();
            h.push_str(&format!(
                "<tr{}><td class=\"name\">{}</td>",
                if flagged { " class=\"flag\"" } else { "" },
                e(or_unnamed(&g.trainee))
            ));
            for o in &g.report.objectives {
                let cls = if o.earned >= o.possible {
                    "full"
                } else if o.earned > 0.0 {
                    "part"
                } else {
                    "none"
                };
                h.push_str(&format!("<td class=\"num {cls}\">{}</td>", points(o.earned)));
            }
            h.push_str(&format!(
                "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num total\">{} <small>({})</small></td><td class=\"status\">{}</td></tr>\n",
                g.hints,
                g.requests,
                hours_minutes(g.seconds),
                points(g.report.earned),
                percent(g.report.earned, g.report.possible),
                e(&self.status(g))
            ));
        }
        h.push_str("</tbody></table></section>\n");
        if !self.rejected.is_empty() {
            h.push_str("<section class=\"rejected\"><h2>Not graded</h2><ul>\n");
            for r in &self.rejected {
                h.push_str(&format!("<li><code>{}</code>: {}</li>\n", e(&r.file), e(&r.reason)));
            }
            h.push_str("</ul></section>\n");
        }
        // One page per trainee.
        for g in &self.graded {
            h.push_str("<section class=\"trainee\">\n");
            h.push_str(&format!(
                "<h2>{} <span class=\"score\">{} / {} ({})</span></h2>\n",
                e(or_unnamed(&g.trainee)),
                points(g.report.earned),
                points(g.report.possible),
                percent(g.report.earned, g.report.possible)
            ));
            h.push_str(&format!(
                "<p class=\"meta\"><code>{}</code> · seed {} · {} spent · {} hint{} · {} legal request{} · {}</p>\n",
                e(&g.file),
                g.seed,
                hours_minutes(g.seconds),
                g.hints,
                if g.hints == 1 { "" } else { "s" },
                g.requests,
                if g.requests == 1 { "" } else { "s" },
                e(&self.status(g))
            ));
            h.push_str("<table class=\"objectives\"><colgroup><col class=\"o\"><col class=\"p\"><col></colgroup><thead><tr><th>Objective</th><th class=\"num\">Points</th><th>What was right, missing or wrong</th></tr></thead><tbody>\n");
            for o in &g.report.objectives {
                let detail = if o.deductions.is_empty() {
                    "<span class=\"ok\">✓ right</span>".to_string()
                } else {
                    let mut d = String::from("<ul>");
                    for line in &o.deductions {
                        d.push_str(&format!("<li>{}</li>", e(line)));
                    }
                    d.push_str("</ul>");
                    d
                };
                h.push_str(&format!(
                    "<tr><td><b>{}</b><br><span class=\"prompt\">{}</span></td><td class=\"num\">{} / {}</td><td>{detail}</td></tr>\n",
                    e(&o.id),
                    e(&o.prompt),
                    points(o.earned),
                    points(o.possible)
                ));
            }
            let legal = &g.report.legal;
            let legal_detail = if legal.deductions.is_empty() {
                "<span class=\"ok\">no penalty</span>".to_string()
            } else {
                format!(
                    "<ul>{}</ul>",
                    legal.deductions.iter().map(|l| format!("<li>{}</li>", e(l))).collect::<String>()
                )
            };
            h.push_str(&format!(
                "<tr><td><b>Legal requests</b><br><span class=\"prompt\">{} of a budget of {}</span></td><td class=\"num\">{}</td><td>{legal_detail}</td></tr>\n",
                legal.requests,
                legal.budget,
                if legal.penalty > 0.0 { format!("−{}", points(legal.penalty)) } else { "0".into() }
            ));
            h.push_str("</tbody></table>\n");
            if !g.flags.is_empty() {
                h.push_str("<div class=\"flags\"><b>To look at</b><ul>");
                for f in &g.flags {
                    h.push_str(&format!("<li>{}</li>", e(f)));
                }
                h.push_str("</ul></div>\n");
            }
            h.push_str("</section>\n");
        }
        h.push_str("</body>\n</html>\n");
        h
    }
}

fn or_unnamed(name: &str) -> &str {
    if name.is_empty() { "(no name)" } else { name }
}

/// Text made safe inside HTML elements and attributes.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Screen and paper: A4 with margins, a trainee per page, no backgrounds needed to read it.
const STYLE: &str = r#"@page { size: A4; margin: 16mm 14mm; }
body { font-family: "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; font-size: 10.5pt; color: #1b1f24; margin: 24px; }
h1 { font-size: 18pt; margin: 0 0 2px; }
h2 { font-size: 14pt; margin: 0 0 4px; border-bottom: 2px solid #1b1f24; padding-bottom: 3px; }
.sub, .meta { color: #555; margin: 0 0 12px; }
code { font-family: "DejaVu Sans Mono", monospace; font-size: 9pt; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 14px; }
th, td { border: 1px solid #c8ccd0; padding: 4px 6px; vertical-align: top; text-align: left; }
th { background: #eef0f2; font-weight: 600; }
td.num, th.num { text-align: right; white-space: nowrap; }
table.objectives { table-layout: fixed; }
col.o { width: 42%; }
col.p { width: 10%; }
td { overflow-wrap: anywhere; }
td.full { color: #0a6b2d; font-weight: 600; }
td.part { color: #8a5a00; }
td.none { color: #a0281e; }
td.total { font-weight: 700; }
td.status { font-size: 9pt; color: #555; }
tr.flag td.status { color: #a0281e; font-weight: 600; }
.score { float: right; font-weight: 400; }
.prompt { color: #555; font-size: 9pt; }
.ok { color: #0a6b2d; }
ul { margin: 0; padding-left: 16px; }
.flags { border: 1px solid #a0281e; padding: 6px 10px; color: #a0281e; }
.rejected li { margin-bottom: 3px; }
section.trainee { margin-top: 28px; }
@media print {
  body { margin: 0; }
  section.trainee { break-before: page; margin-top: 0; }
  tr, li { break-inside: avoid; }
  th { background: none; }
}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_never_formulas() {
        assert_eq!(csv_field("Ana"), "Ana");
        assert_eq!(csv_field("Kowalska, Ana"), "\"Kowalska, Ana\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("-5"), "'-5");
    }

    #[test]
    fn html_escapes_everything_a_trainee_types() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
    }
}
