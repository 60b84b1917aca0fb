//! The command line as an instructor uses it: exit codes, messages, files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn offramp(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_offramp")).args(args).output().expect("the binary runs")
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn scenario(name: &str) -> String {
    root().join("scenarios").join(name).display().to_string()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn validate_accepts_the_library_and_exits_zero() {
    let mut args = vec!["validate".to_string()];
    for e in std::fs::read_dir(root().join("scenarios")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "ron") {
            args.push(p.display().to_string());
        }
    }
    let out = offramp(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).matches(": ok (").count(), args.len() - 1);
}

#[test]
fn validate_reports_file_line_column_and_exits_one() {
    let tmp = tempfile::tempdir().unwrap();
    let good = std::fs::read_to_string(scenario("beginner-careless-vendor.ron")).unwrap();
    let bad = good.replacen("exchange: \"coinbay\", deposits: 2", "exchange: \"coinbae\", deposits: 2", 1);
    let line = bad.lines().position(|l| l.contains("coinbae")).unwrap() + 1;
    let path = tmp.path().join("bad.ron");
    std::fs::write(&path, bad).unwrap();
    let p = path.display().to_string();
    let out = offramp(&["validate", &scenario("beginner-careless-vendor.ron"), &p]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.lines().all(|l| l.starts_with(&format!("{p}:"))), "{err}");
    let first = err.lines().next().unwrap();
    assert!(first.starts_with(&format!("{p}:{line}:")), "{err}");
    assert!(first.ends_with("entity \"coinbae\" is not defined (did you mean \"coinbay\"?)"), "{err}");
    // The good file is still reported as good.
    assert!(text(&out.stdout).contains("beginner-careless-vendor.ron: ok"));
}

fn read_tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for sub in ["", "blocks"] {
        for e in std::fs::read_dir(dir.join(sub)).unwrap() {
            let p = e.unwrap().path();
            if p.is_file() {
                out.push((format!("{sub}/{}", p.file_name().unwrap().to_string_lossy()), std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn generate_writes_the_same_bytes_twice_and_says_what_it_made() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    let s = scenario("beginner-careless-vendor.ron");
    for dir in [&a, &b] {
        let out = offramp(&["generate", &s, "--seed", "11", "--out", &dir.display().to_string()]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let said = text(&out.stdout);
        assert!(said.contains("seed 11") && said.contains("transactions") && said.contains("s\n"), "{said}");
    }
    let (ta, tb) = (read_tree(&a), read_tree(&b));
    let names: Vec<&str> = ta.iter().map(|f| f.0.as_str()).collect();
    for f in ["/transactions.csv", "/inputs.csv", "/outputs.csv", "/intel.json", "blocks/blk00000.dat"] {
        assert!(names.contains(&f), "{f} missing from {names:?}");
    }
    // The key is not part of what a trainee gets.
    assert!(!names.iter().any(|n| n.contains("truth")), "{names:?}");
    assert!(ta == tb, "two runs with the same seed differ");
}

#[test]
fn generate_refuses_an_unwritable_out_and_leaves_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("file");
    std::fs::write(&file, b"x").unwrap();
    let out = offramp(&[
        "generate",
        &scenario("beginner-careless-vendor.ron"),
        "--out",
        &file.join("sub").display().to_string(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains(&file.display().to_string()), "{}", text(&out.stderr));
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1);
}

#[test]
fn generate_reports_a_missing_scenario() {
    let out = offramp(&["generate", "no-such.ron", "--out", "/tmp/never"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).starts_with("no-such.ron:1:1: cannot read the file"), "{}", text(&out.stderr));
    assert!(!Path::new("/tmp/never").exists());
}

#[test]
fn score_prints_json_with_totals_and_one_entry_per_objective() {
    let s = scenario("intermediate-two-exchanges.ron");
    let sol = root().join("scenarios/solutions/intermediate-two-exchanges.case.ron").display().to_string();
    let out = offramp(&["score", &s, &sol, "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["earned"], v["possible"]);
    assert_eq!(v["objectives"].as_array().unwrap().len(), 6);
    // An empty case: nothing earned, a reason for each objective.
    let tmp = tempfile::tempdir().unwrap();
    let empty = tmp.path().join("empty.case.ron");
    std::fs::write(&empty, "Case(scenario: \"intermediate-two-exchanges\", trainee: \"Sam\")").unwrap();
    let out = offramp(&["score", &s, &empty.display().to_string()]);
    assert!(out.status.success());
    let t = text(&out.stdout);
    assert!(t.contains("Sam") && t.contains("no answer given") && t.contains("total"), "{t}");
    assert!(t.lines().last().unwrap().contains("0 / 100"), "{t}");
}

#[test]
fn score_text_says_0_for_no_legal_penalty_and_points_a_case_error_at_its_token() {
    let s = scenario("beginner-careless-vendor.ron");
    let tmp = tempfile::tempdir().unwrap();
    let empty = tmp.path().join("empty.case.ron");
    std::fs::write(&empty, "Case(scenario: \"beginner-careless-vendor\")").unwrap();
    let out = offramp(&["score", &s, &empty.display().to_string()]);
    let t = text(&out.stdout);
    let legal = t.lines().find(|l| l.trim_start().starts_with("legal")).unwrap_or_else(|| panic!("{t}"));
    assert_eq!(legal.split_whitespace().nth(1), Some("0"), "{t}");
    // `seconds: -5`: the minus sign is column 53 of line 1.
    let bad = tmp.path().join("bad.case.ron");
    std::fs::write(&bad, "Case(scenario: \"beginner-careless-vendor\", seconds: -5)").unwrap();
    let out = offramp(&["score", &s, &bad.display().to_string()]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("bad.case.ron:1:53: -5 is negative"), "{err}");
}

#[test]
fn score_rejects_a_case_for_another_scenario() {
    let tmp = tempfile::tempdir().unwrap();
    let case = tmp.path().join("c.case.ron");
    std::fs::write(&case, "Case(scenario: \"advanced-mixer-otc\")").unwrap();
    let out = offramp(&["score", &scenario("beginner-careless-vendor.ron"), &case.display().to_string()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains(":1:16: this case is for scenario \"advanced-mixer-otc\""),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn solve_then_score_round_trips() {
    let tmp = tempfile::tempdir().unwrap();
    let case = tmp.path().join("ref.case.ron");
    let s = scenario("beginner-careless-vendor.ron");
    let out = offramp(&["solve", &s, "--seed", "3", "--out", &case.display().to_string()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = offramp(&["score", &s, &case.display().to_string()]);
    assert!(text(&out.stdout).lines().last().unwrap().contains("100 / 100"), "{}", text(&out.stdout));
}

#[test]
fn legal_requests_from_the_command_line() {
    let s = scenario("beginner-careless-vendor.ron");
    let sol = std::fs::read_to_string(root().join("scenarios/solutions/beginner-careless-vendor.case.ron")).unwrap();
    let addr = sol.split("address: \"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let out = offramp(&["legal", &s, "CoinBay", &addr]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("Marek Novák"));
    assert!(!text(&out.stdout).contains("would cost"), "{}", text(&out.stdout));
    let out = offramp(&["legal", &s, "Binance", &addr]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("no exchange is called \"Binance\""));
}

#[test]
fn legal_says_when_a_request_would_cost_the_wrong_request_penalty() {
    let s = scenario("beginner-careless-vendor.ron");
    let sol = std::fs::read_to_string(root().join("scenarios/solutions/beginner-careless-vendor.case.ron")).unwrap();
    // An address of the vendor's own, on the way to the exchange: CoinBay holds nothing there.
    let hop = first_quoted_after(&sol, "\"path\": Hops([");
    let out = offramp(&["legal", &s, "coinbay", hop]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let t = text(&out.stdout);
    assert!(t.contains("no records of"), "{t}");
    assert!(t.contains("This request would cost 5 points in a scored case: CoinBay does not hold"), "{t}");
}

#[test]
fn legal_refuses_an_unknown_exchange_or_a_malformed_address_before_generating_anything() {
    let s = scenario("beginner-careless-vendor.ron");
    for (exchange, address, says) in [
        ("CoinBay", "bcrt1q...", "\"bcrt1q...\" is not a Bitcoin address"),
        ("CoinBay", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", "is an address of another network"),
        ("Binance", "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080", "no exchange is called \"Binance\""),
    ] {
        let out = offramp(&["legal", &s, exchange, address]);
        assert_eq!(out.status.code(), Some(1), "{exchange} {address}");
        let err = text(&out.stderr);
        assert!(err.contains(says), "{exchange} {address}: {err}");
        // Generating reports its phases on standard error; none was started.
        assert!(!err.contains("simulating"), "{exchange} {address}: a world was generated first: {err}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn score_refuses_a_missing_or_broken_case_file_before_generating_anything() {
    let s = scenario("beginner-careless-vendor.ron");
    let tmp = tempfile::tempdir().unwrap();
    let broken = tmp.path().join("broken.case.ron");
    std::fs::write(&broken, "Case(scenario: \"beginner-careless-vendor\", answers: {").unwrap();
    let missing = tmp.path().join("missing.case.ron");
    for (case, says) in [(&missing, "cannot read the case file"), (&broken, "broken.case.ron:1:")] {
        let out = offramp(&["score", &s, &case.display().to_string()]);
        assert_eq!(out.status.code(), Some(1));
        let err = text(&out.stderr);
        assert!(err.contains(says) && !err.contains("simulating"), "{err}");
    }
}

#[test]
fn list_prints_the_library() {
    let out = offramp(&["list"]);
    assert!(out.status.success());
    let t = text(&out.stdout);
    for id in ["beginner-careless-vendor", "intermediate-two-exchanges", "advanced-mixer-otc"] {
        assert!(t.contains(id), "{t}");
    }
}

/// A generated beginner world in a temporary directory, and its reference solution's text.
fn generated() -> (tempfile::TempDir, String, String) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("w").display().to_string();
    let out = offramp(&["generate", &scenario("beginner-careless-vendor.ron"), "--out", &dir]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let sol = std::fs::read_to_string(root().join("scenarios/solutions/beginner-careless-vendor.case.ron")).unwrap();
    (tmp, dir, sol)
}

fn first_quoted_after<'a>(s: &'a str, key: &str) -> &'a str {
    s.split(key).nth(1).unwrap().split('"').nth(1).unwrap()
}

#[test]
fn inspect_reads_a_generated_directory() {
    let (_tmp, dir, sol) = generated();
    let deposit = first_quoted_after(&sol, "\"deposits\": Addresses([");
    let out = offramp(&["inspect", &dir, "address", deposit]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let t = text(&out.stdout);
    assert!(t.contains(deposit) && t.contains("balance") && t.contains("seen"), "{t}");
    let out = offramp(&["inspect", &dir, "address", deposit, "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let txid = v["history"][0]["txid"].as_str().unwrap().to_string();
    assert!(v["received"].as_u64().unwrap() > 0);
    let out = offramp(&["inspect", &dir, "tx", &txid]);
    let t = text(&out.stdout);
    assert!(out.status.success() && t.contains("inputs") && t.contains("change"), "{t}");
    let out = offramp(&["inspect", &dir, "tx", &txid, "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["change"]["votes"].is_array() && v["fee"].as_u64().is_some());
    let out = offramp(&["inspect", &dir, "cluster", deposit, "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["size"].as_u64().unwrap() >= 1);
    let out = offramp(&["inspect", &dir, "label", "coinbay"]);
    assert!(text(&out.stdout).contains("[exchange]"), "{}", text(&out.stdout));
}

/// The vendor's payout address, from the intel of a generated directory (its profile page).
fn vendor_payout(dir: &str) -> String {
    let intel: serde_json::Value =
        serde_json::from_slice(&std::fs::read(Path::new(dir).join("intel.json")).unwrap()).unwrap();
    intel["items"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|i| i["addresses"][0].as_str().filter(|_| i["note"].as_str().unwrap().contains("profile")))
        .unwrap()
        .to_string()
}

#[test]
fn inspect_traces_and_finds_paths_to_an_exchange() {
    let (_tmp, dir, sol) = generated();
    let payout = vendor_payout(&dir);
    let deposit = first_quoted_after(&sol, "\"deposits\": Addresses([");
    let out = offramp(&["inspect", &dir, "trace", &payout, "--method", "fifo", "--depth", "8"]);
    assert!(out.status.success() && text(&out.stdout).contains("Fifo Forward trace"), "{}", text(&out.stderr));
    let out = offramp(&["inspect", &dir, "trace", &payout, "--method", "haircut", "--depth", "8", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["reached"].as_array().unwrap().iter().any(|r| r["address"] == deposit), "the trace reaches the deposit");
    let out = offramp(&["inspect", &dir, "path", &payout, "--to-category", "exchange"]);
    let t = text(&out.stdout);
    assert!(out.status.success() && t.contains("to CoinBay") && t.contains("-->"), "{t}");
    let out = offramp(&["inspect", &dir, "path", &payout, deposit, "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["found"], true);
}

#[test]
fn inspect_gives_labels_dollars_sweeps_and_prices_without_a_calculator() {
    let (_tmp, dir, sol) = generated();
    let deposit = first_quoted_after(&sol, "\"deposits\": Addresses([");
    // The deposit address says where the exchange swept it.
    let out = offramp(&["inspect", &dir, "address", deposit]);
    let t = text(&out.stdout);
    assert!(out.status.success() && t.contains("swept to:  CoinBay [exchange] bcrt1"), "{t}");
    let out = offramp(&["inspect", &dir, "address", deposit, "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let sweep = &v["swept_to"][0];
    assert!(sweep["to"].as_array().unwrap().iter().any(|p| p["labels"][0]["label"] == "CoinBay"), "{sweep}");
    // The sweep itself: each side with its labels and its dollar value at the block's time.
    let txid = sweep["txid"].as_str().unwrap();
    let out = offramp(&["inspect", &dir, "tx", txid]);
    let t = text(&out.stdout);
    assert!(out.status.success() && t.contains("(CoinBay [exchange])") && t.contains(" a bitcoin"), "{t}");
    let out = offramp(&["inspect", &dir, "tx", txid, "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["inputs"].as_array().unwrap().iter().all(|i| i["usd"].as_f64().unwrap() > 0.0), "{v}");
    assert!(v["outputs"].as_array().unwrap().iter().any(|o| o["labels"][0]["category"] == "Exchange"), "{v}");
    // The price at a date-time of the series, and at a day.
    let intel: serde_json::Value =
        serde_json::from_slice(&std::fs::read(Path::new(&dir).join("intel.json")).unwrap()).unwrap();
    let point = &intel["prices"][30];
    let date = point["date"].as_str().unwrap();
    let out = offramp(&["inspect", &dir, "price", date, "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((v["time"].as_str().unwrap(), v["usd"].as_f64()), (date, point["usd"].as_f64()));
    let out = offramp(&["inspect", &dir, "price", &date[..10]]);
    let t = text(&out.stdout);
    assert!(out.status.success() && t.starts_with(&format!("BTC/USD at {}T00:00:00Z: $", &date[..10])), "{t}");
    for (bad, says) in
        [("1999-01-01", "is outside the price series, which runs from"), ("05/03/2025", "give a date (2025-03-05)")]
    {
        let out = offramp(&["inspect", &dir, "price", bad]);
        assert_eq!(out.status.code(), Some(1), "{bad}");
        assert!(text(&out.stderr).contains(says), "{bad}: {}", text(&out.stderr));
    }
}

#[test]
fn inspect_follows_the_change_hop_by_hop_and_says_why_it_stopped() {
    let (_tmp, dir, sol) = generated();
    let payout = vendor_payout(&dir);
    let out = offramp(&["inspect", &dir, "follow", &payout]);
    let t = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(t.starts_with(&format!("following the change from {payout} (confidence 0.50 or more)")), "{t}");
    assert!(t.contains("   1. ") && t.contains("confidence 0.") && t.contains("peeled"), "{t}");
    assert!(t.lines().last().unwrap().starts_with("stopped: reached bcrt1"), "{t}");
    assert!(t.lines().last().unwrap().ends_with("labelled CoinBay [exchange]"), "{t}");
    let out = offramp(&["inspect", &dir, "follow", &payout, "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["stop"]["reason"], "labelled");
    let hops = v["hops"].as_array().unwrap();
    let deposits = sol.split("\"deposits\": Addresses([").nth(1).unwrap().split(']').next().unwrap();
    assert!(hops.iter().any(|h| deposits.contains(h["from"].as_str().unwrap())), "through a deposit address");
    // From the first transaction, the same hops; a stricter confidence stops sooner.
    let first = hops[0]["txid"].as_str().unwrap();
    let out = offramp(&["inspect", &dir, "follow", first, "--json"]);
    let w: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(w["hops"], v["hops"]);
    let out = offramp(&["inspect", &dir, "follow", &payout, "--min-confidence", "0.95"]);
    let t = text(&out.stdout);
    assert!(t.lines().last().unwrap().contains("below 0.95"), "{t}");
    let out = offramp(&["inspect", &dir, "follow", &payout, "--min-confidence", "2"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("a minimum confidence of 2 is not between 0 and 1"), "{}", text(&out.stderr));
}

#[test]
fn inspect_refuses_bad_requests_with_exit_one() {
    let (_tmp, dir, sol) = generated();
    let deposit = first_quoted_after(&sol, "\"deposits\": Addresses([");
    for (args, says) in [
        (vec!["address", "nonsense"], "is not a Bitcoin address"),
        (vec!["address", "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080"], "does not appear in this chain"),
        (vec!["tx", "1234"], "is not a txid"),
        (vec!["tx", "00000000000000000000000000000000000000000000000000000000000000aa"], "is not in this chain"),
        (vec!["trace", deposit, "--depth", "0"], "a depth of 0 traces nothing"),
        (vec!["path", deposit, "--breadth", "0", "--to-category", "exchange"], "must be at least 1"),
        (vec!["block", "99999999"], "no block at height"),
    ] {
        let mut a = vec!["inspect", dir.as_str()];
        a.extend(args.iter().copied());
        let out = offramp(&a);
        assert_eq!(out.status.code(), Some(1), "{a:?}");
        assert!(text(&out.stderr).contains(says), "{a:?}: {}", text(&out.stderr));
    }
    let tmp = tempfile::tempdir().unwrap();
    let out = offramp(&["inspect", &tmp.path().display().to_string(), "address", deposit]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("not a generated chain"), "{}", text(&out.stderr));
}

#[test]
fn heuristics_report_prints_precision_and_recall() {
    let out = offramp(&["heuristics-report", &scenario("beginner-careless-vendor.ron"), "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = v["change"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
    for n in ["address type", "fresh address", "round amount", "optimal change", "wallet fingerprint", "combined"] {
        assert!(names.contains(&n), "{names:?}");
    }
    assert!(v["clusters"][0]["purity"].as_f64().unwrap() > 0.9);
    let out = offramp(&["heuristics-report", &scenario("beginner-careless-vendor.ron")]);
    assert!(text(&out.stdout).contains("precision"));
}

#[test]
fn usage_mistakes_exit_one_with_a_message() {
    let out = offramp(&["generate", &scenario("beginner-careless-vendor.ron"), "--seed", "many", "--out", "/tmp/x"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("invalid value 'many'"), "{}", text(&out.stderr));
    let out = offramp(&["inspect", "/tmp", "trace", "x", "--stop", "banks"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("\"banks\" is not a category"), "{}", text(&out.stderr));
    assert_eq!(offramp(&["--help"]).status.code(), Some(0));
}

#[test]
fn the_app_without_a_display_says_so_instead_of_crashing() {
    let out = Command::new(env!("CARGO_BIN_EXE_offramp")).env_remove("DISPLAY").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("no display"), "{}", text(&out.stderr));
}

/// Runs the binary with standard output a pipe whose reader has already gone, as
/// `offramp ... | head` leaves it once `head` has read enough: every write fails.
fn offramp_into_a_closed_pipe(args: &[&str]) -> Output {
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    Command::new(env!("CARGO_BIN_EXE_offramp"))
        .args(args)
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .expect("the binary runs")
}

#[test]
fn every_command_ends_quietly_when_its_reader_closes_the_pipe() {
    let (tmp, dir, sol) = generated();
    let deposit = first_quoted_after(&sol, "\"deposits\": Addresses([");
    let out = offramp(&["inspect", &dir, "address", deposit, "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let txid = v["history"][0]["txid"].as_str().unwrap().to_string();
    let s = scenario("beginner-careless-vendor.ron");
    let sol_path = root().join("scenarios/solutions/beginner-careless-vendor.case.ron").display().to_string();
    let again = tmp.path().join("again").display().to_string();
    let intel: serde_json::Value =
        serde_json::from_slice(&std::fs::read(Path::new(&dir).join("intel.json")).unwrap()).unwrap();
    let price_date = intel["prices"][0]["date"].as_str().unwrap().to_string();
    let runs: Vec<Vec<&str>> = vec![
        vec!["list"],
        vec!["validate", &s],
        vec!["generate", &s, "--out", &again],
        vec!["score", &s, &sol_path],
        vec!["solve", &s],
        vec!["legal", &s, "CoinBay", deposit],
        vec!["heuristics-report", &s],
        vec!["inspect", &dir, "tx", &txid],
        vec!["inspect", &dir, "tx", &txid, "--json"],
        vec!["inspect", &dir, "address", deposit],
        vec!["inspect", &dir, "cluster", deposit],
        vec!["inspect", &dir, "label", "coinbay"],
        vec!["inspect", &dir, "trace", deposit],
        vec!["inspect", &dir, "path", deposit, "--to-category", "exchange"],
        vec!["inspect", &dir, "block", "1"],
        vec!["inspect", &dir, "price", &price_date],
        vec!["inspect", &dir, "follow", deposit],
    ];
    for args in &runs {
        let out = offramp_into_a_closed_pipe(args);
        let err = text(&out.stderr);
        assert!(!err.contains("panicked") && !err.contains("Broken pipe"), "{args:?}: {err}");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {err}");
    }
}

#[test]
fn inspect_prints_the_same_trace_and_cluster_every_run() {
    let (_tmp, dir, _sol) = generated();
    let payout = vendor_payout(&dir);
    for args in [
        vec!["inspect", &dir, "trace", &payout, "--method", "fifo", "--depth", "4", "--json"],
        vec!["inspect", &dir, "trace", &payout, "--method", "haircut", "--direction", "backward", "--json"],
        vec!["inspect", &dir, "cluster", &payout, "--merge-change", "0.5", "--json"],
    ] {
        // Each run is its own process, with hash maps seeded afresh.
        let first = offramp(&args);
        assert!(first.status.success(), "{args:?}: {}", text(&first.stderr));
        for _ in 0..3 {
            assert!(offramp(&args).stdout == first.stdout, "{args:?} printed something else");
        }
    }
}
