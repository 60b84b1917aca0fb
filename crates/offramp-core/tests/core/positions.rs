//! Errors the RON reader finds (syntax, a value of the wrong type, a number out of range,
//! bytes that are not UTF-8) are reported at the first character of what is wrong, in case
//! files and in scenario text alike. Every place below is counted by hand: columns count
//! characters from 1.

use offramp_core::case::Case;
use offramp_core::diag::parse_ron;
use offramp_core::scenario::Scenario;
use offramp_core::scenario::raw::RawScenario;

use crate::common::{MINI, mini};

/// A small case file; each test changes one line of it.
const CASE: &str = "Case(
    scenario: \"mini\",
    seconds: 10,
    submitted: true,
)
";

/// The one diagnostic of the case text with `from` replaced by `to`.
fn case_error(from: &str, to: &str) -> String {
    assert!(CASE.contains(from), "test setup: {from}");
    let text = CASE.replacen(from, to, 1);
    let d = Case::parse_unchecked(&text, "c.ron").expect_err("the edit makes the case unreadable");
    assert_eq!(d.0.len(), 1, "{d}");
    d.to_string()
}

/// The one diagnostic of MINI with `from` replaced by `to`, read as scenario files are read.
fn scenario_error(from: &str, to: &str) -> String {
    assert!(MINI.contains(from), "test setup: {from}");
    let text = MINI.replacen(from, to, 1);
    let d = parse_ron::<RawScenario>(&text, "s.ron").expect_err("the edit makes the scenario unreadable");
    assert_eq!(d.0.len(), 1, "{d}");
    d.to_string()
}

fn starts(e: &str, at: &str) {
    assert!(e.starts_with(&format!("{at}: ")), "expected the error at {at}, got: {e}");
}

#[test]
fn a_case_file_error_points_at_the_token_at_fault_not_the_blank_before_it() {
    // "    seconds: \"ten\"," : the quote is column 14.
    let e = case_error("seconds: 10", "seconds: \"ten\"");
    starts(&e, "c.ron:3:14");
    assert!(e.contains("expected a whole number, not \"ten\""), "{e}");
    // "    submitted: \"yes\"," : the quote is column 16.
    let e = case_error("submitted: true", "submitted: \"yes\"");
    starts(&e, "c.ron:4:16");
    assert!(e.contains("expected true or false, not \"yes\""), "{e}");
    // "    seconds: -5," : the minus sign is column 14 (ron stops at the digit, column 15).
    let e = case_error("seconds: 10", "seconds: -5");
    starts(&e, "c.ron:3:14");
    assert!(e.contains("-5 is negative; this takes a whole number of 0 or more"), "{e}");
    // A bracket too many on a line of its own, "   ]": column 4 of line 6.
    let e = case_error(")\n", ")\n   ]\n");
    starts(&e, "c.ron:6:4");
    assert!(e.contains("unexpected ] after the end"), "{e}");
    // A comment between the field and its value is skipped too.
    let e = case_error("submitted: true", "submitted: /* no */ 1");
    starts(&e, "c.ron:4:25");
}

#[test]
fn a_fraction_where_a_whole_number_belongs_asks_for_a_whole_number_not_a_comma() {
    let e = case_error("seconds: 10", "seconds: 25.0");
    starts(&e, "c.ron:3:14");
    assert!(e.contains("expected a whole number, not 25.0"), "{e}");
    assert!(!e.contains("comma"), "{e}");
    // A comma that is really missing is still asked for, before what follows.
    let e = case_error("seconds: 10,", "seconds: 10");
    starts(&e, "c.ron:4:5");
    assert!(e.contains("expected a comma before submitted"), "{e}");
}

#[test]
fn a_case_file_that_ends_too_soon_says_so_where_it_ends() {
    let e = case_error("    submitted: true,\n)\n", "    submitted: true,\n");
    // Just after the last character, the comma of line 4 (column 20).
    starts(&e, "c.ron:4:21");
    assert!(e.contains("the file ends before its value is complete"), "{e}");
}

#[test]
fn bytes_that_are_not_utf8_are_reported_at_their_line_and_column() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("c.ron");
    // Line 3 is `    trainee: "Zoë` then the bad byte: Z is column 15, ë 17, the byte 18.
    let mut bytes = b"Case(\n    scenario: \"mini\",\n    trainee: \"Zo".to_vec();
    bytes.extend_from_slice("ë".as_bytes());
    bytes.push(0xff);
    bytes.extend_from_slice(b"\",\n)\n");
    std::fs::write(&path, &bytes).unwrap();
    let e = Case::load(&path, &mini()).unwrap_err().to_string();
    starts(&e, &format!("{}:3:18", path.display()));
    assert!(e.contains("not UTF-8") && e.contains("0xff"), "{e}");
}

#[test]
fn scenario_text_errors_point_at_the_token_at_fault() {
    // Line 6: `        estimated_minutes: "ten",`: the quote is column 28.
    let e = scenario_error("estimated_minutes: 10", "estimated_minutes: \"ten\"");
    starts(&e, "s.ron:6:28");
    // Line 16: `        Buyers(id: "b", count: -20),`: the minus sign is column 32.
    let e = scenario_error("count: 20", "count: -20");
    starts(&e, "s.ron:16:32");
    assert!(e.contains("-20 is negative"), "{e}");
    // Line 17: `        Exchange(id: "x", kyc: "yes", ...`: the quote is column 32.
    let e = scenario_error("Exchange(id: \"x\", reserve_btc", "Exchange(id: \"x\", kyc: \"yes\", reserve_btc");
    starts(&e, "s.ron:17:32");
    assert!(e.contains("expected true or false"), "{e}");
    // Line 20: the sales step, `orders: 25.0`: the 2 is column 110.
    let e = scenario_error("orders: 12", "orders: 25.0");
    starts(&e, "s.ron:20:110");
    assert!(e.contains("expected a whole number, not 25.0"), "{e}");
    // A bracket too many after the scenario, `  ]` on line 28.
    let e = scenario_error(")\n", ")\n  ]\n");
    starts(&e, "s.ron:28:3");
    // A misspelt field: where it is, and what was meant.
    let e = scenario_error("seed: 1,", "sed: 1,");
    starts(&e, "s.ron:8:9");
    assert!(e.contains("(did you mean \"seed\"?)"), "{e}");
}

/// The same places through `Scenario::parse` and `Scenario::load`, once scenario/validate/
/// reads through `diag::parse_ron` and scenario/mod.rs through `diag::utf8_text` (the files
/// of the scenario's owner; see the engine-messages branch's report).
#[test]
fn scenario_files_report_reader_errors_at_the_token_at_fault() {
    let e = Scenario::parse(&MINI.replacen("count: 20", "count: -20", 1), "s.ron").unwrap_err().to_string();
    starts(&e, "s.ron:16:32");
    let e = Scenario::parse(&MINI.replacen("orders: 12", "orders: 25.0", 1), "s.ron").unwrap_err().to_string();
    starts(&e, "s.ron:20:110");
    assert!(e.contains("expected a whole number, not 25.0"), "{e}");
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("s.ron");
    let mut bytes = MINI.as_bytes().to_vec();
    // Line 4 is `        title: "Mini",`: M is column 17; make it a bad byte.
    let at = MINI.find("\"Mini\"").unwrap() + 1;
    bytes[at] = 0xff;
    std::fs::write(&path, &bytes).unwrap();
    let e = Scenario::load(&path).unwrap_err().to_string();
    starts(&e, &format!("{}:4:17", path.display()));
}

#[test]
fn every_truncation_and_corruption_of_a_case_file_is_placed_inside_the_text() {
    let text =
        std::fs::read_to_string(crate::common::scenarios_dir().join("solutions/beginner-careless-vendor.case.ron"))
            .unwrap();
    let lines: Vec<&str> = text.split('\n').collect();
    let inside = |t: &str, d: &offramp_core::diag::Diagnostic| {
        let lines: Vec<&str> = t.split('\n').collect();
        d.line >= 1 && d.line <= lines.len() && d.col >= 1 && d.col <= lines[d.line - 1].chars().count() + 1
    };
    assert!(lines.len() > 5);
    let mut checked = 0;
    for cut in (0..text.len()).step_by(11).filter(|&c| text.is_char_boundary(c)) {
        if let Err(d) = Case::parse_unchecked(&text[..cut], "cut.ron") {
            assert!(d.0.iter().all(|x| inside(&text[..cut], x)), "{d}");
            checked += 1;
        }
    }
    for (k, at) in (0..text.len()).step_by(17).enumerate() {
        let mut b = text.as_bytes().to_vec();
        b[at] = [b'(', b'"', b'-', b']', b':', b'.', b'\\'][k % 7];
        if let Ok(s) = String::from_utf8(b)
            && let Err(d) = Case::parse_unchecked(&s, "flip.ron")
        {
            assert!(d.0.iter().all(|x| inside(&s, x)), "{d}");
            checked += 1;
        }
    }
    assert!(checked > 100);
}
