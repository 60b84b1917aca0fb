//! A class as an instructor runs it from the command line: a class key, each trainee's own
//! variant, the key kept apart from the trainee's data, and a folder of case files graded.

use std::path::Path;

use offramp_core::answer::Given;
use offramp_core::case::Case;
use offramp_core::class::ClassKey;
use offramp_core::scenario::Scenario;

use super::common::{offramp, ok, s, scenario_path};

/// The reference solution of `seed` as `trainee`'s case.
fn solution(sc: &str, seed: u64, trainee: &str, dir: &Path) -> Case {
    let path = dir.join(format!("ref-{seed}.case.ron"));
    ok(&["solve", sc, "--seed", &seed.to_string(), "--out", &s(&path)]);
    let text = std::fs::read_to_string(&path).unwrap();
    let mut case = Case::parse_unchecked(&text, "ref").unwrap();
    case.trainee = trainee.to_string();
    case.seconds = 1800;
    case.submitted = true;
    case
}

#[test]
fn classmates_get_their_own_world_and_people_and_the_key_stays_apart() {
    let tmp = tempfile::tempdir().unwrap();
    let key = tmp.path().join("class.key");
    assert!(ok(&["class-key", "--out", &s(&key)]).contains("class key written"));
    // Never overwritten: losing a class key loses the class.
    let again = offramp(&["class-key", "--out", &s(&key)]);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("never overwritten"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&key).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let sc = scenario_path("beginner-careless-vendor.ron");
    let mut names = Vec::new();
    for who in ["Ana Kowalska", "Ben Okafor"] {
        let out = tmp.path().join(who.replace(' ', "-"));
        let k = tmp.path().join("keys").join(format!("{who}.json"));
        ok(&["generate", &sc, "--trainee", who, "--class-key", &s(&key), "--out", &s(&out), "--key", &s(&k)]);
        assert!(!out.join("truth.json").exists(), "the key is not in the trainee's data");
        let truth: serde_json::Value = serde_json::from_slice(&std::fs::read(&k).unwrap()).unwrap();
        let answer =
            truth["answers"].as_array().unwrap().iter().find(|a| a["objective"] == "identity").unwrap().clone();
        names.push((truth["seed"].as_u64().unwrap(), answer["answer"]["Text"].as_str().unwrap().to_string()));
        // The class key itself is nowhere in what the trainee gets, nor in the key.
        let key_text = std::fs::read_to_string(&key).unwrap();
        let hex = key_text.trim().trim_start_matches(offramp_core::class::KEY_PREFIX);
        for f in std::fs::read_dir(&out).unwrap() {
            let bytes = std::fs::read(f.unwrap().path()).unwrap_or_default();
            assert!(!String::from_utf8_lossy(&bytes).contains(hex));
        }
    }
    assert_ne!(names[0].0, names[1].0, "each trainee has a world of their own");
    assert_ne!(names[0].1, names[1].1, "and the vendor is a different person in each");
    // The scenario's own world keeps the person the instructor wrote.
    for (_, n) in &names {
        assert_ne!(n, "Marek Novák");
    }
    // The same name (as people write it) gets the same world again.
    let out = ok(&[
        "generate",
        &sc,
        "--trainee",
        "  ana   KOWALSKA",
        "--class-key",
        &s(&key),
        "--out",
        &s(&tmp.path().join("again")),
    ]);
    assert!(out.contains(&format!("seed {}", names[0].0)), "{out}");
    // Without a class key, a name still has a practice world of its own.
    let a = ok(&["generate", &sc, "--trainee", "Ana Kowalska", "--out", &s(&tmp.path().join("p1"))]);
    let b = ok(&["generate", &sc, "--trainee", "Ben Okafor", "--out", &s(&tmp.path().join("p2"))]);
    let seed_of = |t: &str| t.split("seed ").nth(1).unwrap().split(':').next().unwrap().to_string();
    assert_ne!(seed_of(&a), seed_of(&b));
    assert_ne!(seed_of(&a), names[0].0.to_string());
    // The key never goes where the trainee's data goes.
    let inside =
        offramp(&["generate", &sc, "--out", &s(&tmp.path().join("w")), "--key", &s(&tmp.path().join("w/truth.json"))]);
    assert_eq!(inside.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&inside.stderr).contains("inside the trainee's output directory"));
}

#[test]
fn grading_a_folder_of_thirty_cases_scores_the_readable_and_lists_the_rest() {
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path().join("work");
    let cases = tmp.path().join("cases");
    std::fs::create_dir_all(&work).unwrap();
    std::fs::create_dir_all(&cases).unwrap();
    let key_path = tmp.path().join("class.key");
    ok(&["class-key", "--out", &s(&key_path)]);
    let key = ClassKey::from_arg(&s(&key_path)).unwrap();
    let sc_path = scenario_path("beginner-careless-vendor.ron");
    let sc = Scenario::load(Path::new(&sc_path)).unwrap();
    let id = sc.meta.id.clone();
    let seal = |c: &mut Case| {
        let seed = c.seed.unwrap_or(sc.meta.seed);
        c.seal = Some(key.seal_key(&id, seed, &c.trainee).seal(c));
    };
    let write = |name: &str, c: &Case| std::fs::write(cases.join(name), c.to_ron()).unwrap();
    // (file, trainee, what we expect the gradebook to say)
    let mut expect: Vec<(String, String, &str)> = Vec::new();
    for i in 0..22 {
        let who = format!("Trainee {i:02}");
        let mut c = solution(&sc_path, key.seed(&id, &who), &who, &work);
        let kind = match i {
            0..=7 => "right",
            8..=13 => {
                // Partial: the deposits and the amount left out.
                c.answers.remove("deposits");
                c.answers.remove("total");
                "partial"
            }
            14..=17 => {
                for g in c.answers.values_mut() {
                    match g {
                        Given::Amount(_) => *g = Given::Amount(123.0),
                        Given::Text(_) => *g = Given::Text("Nobody".into()),
                        _ => {}
                    }
                }
                c.answers.remove("deposits");
                "wrong"
            }
            18 | 19 => "tampered",
            20 => "unsealed",
            _ => "wrong-type",
        };
        if kind == "wrong-type" {
            c.answers.insert("total".into(), Given::Text("about half a bitcoin".into()));
        }
        if kind != "unsealed" {
            seal(&mut c);
        }
        if kind == "tampered" {
            c.seconds += 3600;
        }
        let file = format!("{who}.case.ron").replace(' ', "-");
        write(&file, &c);
        expect.push((file, who, kind));
    }
    // A classmate's case handed in under another name (and sealed with that name's key).
    let mut copied = solution(&sc_path, key.seed(&id, "Trainee 00"), "Trainee 99", &work);
    seal(&mut copied);
    write("Trainee-99.case.ron", &copied);
    expect.push(("Trainee-99.case.ron".into(), "Trainee 99".into(), "copied"));
    // Foreign and corrupt files: listed, never a crash.
    let mut foreign = solution(&sc_path, key.seed(&id, "F"), "F", &work);
    foreign.scenario = "intermediate-two-exchanges".into();
    write("foreign-1.case.ron", &foreign);
    foreign.scenario = "somebody-elses".into();
    write("foreign-2.case.ron", &foreign);
    std::fs::write(cases.join("notes.ron"), "(shopping: [\"milk\"])").unwrap();
    let right = std::fs::read_to_string(cases.join("Trainee-00.case.ron")).unwrap();
    std::fs::write(cases.join("truncated.case.ron"), &right[..right.len() / 2]).unwrap();
    std::fs::write(cases.join("binary.case.ron"), [0xff, 0xfe, 0x00, 0x41, 0x80]).unwrap();
    std::fs::write(cases.join("empty.case.ron"), "").unwrap();
    std::fs::write(cases.join("README.txt"), "not a case").unwrap();
    let unreadable = [
        "binary.case.ron",
        "empty.case.ron",
        "foreign-1.case.ron",
        "foreign-2.case.ron",
        "notes.ron",
        "truncated.case.ron",
    ];
    assert_eq!(expect.len() + unreadable.len(), 29);
    // And one path that is not there at all: 30.
    let csv = tmp.path().join("out/grades.csv");
    std::fs::create_dir_all(csv.parent().unwrap()).unwrap();
    let html = tmp.path().join("out/report.html");
    let out = ok(&[
        "grade",
        &sc_path,
        &s(&cases),
        &s(&tmp.path().join("missing.case.ron")),
        "--class-key",
        &s(&key_path),
        "--csv",
        &s(&csv),
        "--html",
        &s(&html),
    ]);
    assert!(out.contains(&format!("{} graded, {} not graded", expect.len(), unreadable.len() + 1)), "{out}");
    let listed = out.split("not graded:").nth(1).unwrap();
    for f in unreadable {
        let line = listed.lines().find(|l| l.contains(f)).unwrap_or_else(|| panic!("{f} not listed: {out}"));
        assert!(line.len() > f.len() + 10, "{f} is listed with a reason: {line}");
    }
    assert!(listed.contains("missing.case.ron: no such file"), "{out}");
    assert!(listed.lines().any(|l| l.contains("foreign-1") && l.contains("intermediate-two-exchanges")), "{out}");
    assert!(listed.lines().any(|l| l.contains("truncated") && l.contains(":")), "{out}");
    assert!(!listed.contains("README.txt"), "only *.ron files are case files");

    // The CSV: a header and one row per readable case, with the total and the status.
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut rows = csv_rows(&text);
    let head = rows.remove(0);
    assert_eq!(rows.len(), expect.len());
    let col = |name: &str| head.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}: {head:?}"));
    for o in &sc.objectives {
        col(&format!("{} ({})", o.id, offramp_core::format::points(o.rule.points())));
    }
    let (total, possible, status, time) = (col("total"), col("possible"), col("status"), col("time_spent"));
    for (file, who, kind) in &expect {
        let row = rows.iter().find(|r| r[col("trainee")] == *who).unwrap_or_else(|| panic!("no row for {who}"));
        assert!(row[col("file")].ends_with(file.as_str()));
        let (t, p): (f64, f64) = (row[total].parse().unwrap(), row[possible].parse().unwrap());
        let st = &row[status];
        match *kind {
            "right" => assert!(t == p && st == "sealed", "{who}: {t}/{p} {st}"),
            "partial" => assert!(t < p && t >= p / 3.0 && st == "sealed", "{who}: {t}/{p} {st}"),
            "wrong" => assert!(t < p / 2.0 && st == "sealed", "{who}: {t}/{p} {st}"),
            "tampered" => assert!(st.contains("EDITED after submission"), "{who}: {st}"),
            "unsealed" => assert!(t == p && st.contains("not sealed"), "{who}: {st}"),
            "wrong-type" => {
                assert!(t < p && t > 0.0, "the rest is scored: {who}: {t}/{p}");
                assert!(st.contains("left out") && st.contains("objective \"total\" takes Amount"), "{who}: {st}");
            }
            "copied" => {
                assert!(st.contains("not Trainee 99's variant"), "{who}: {st}");
            }
            _ => unreachable!(),
        }
        if *kind == "tampered" {
            assert_eq!(row[time], "1:30");
        }
    }
    // The printable report: every trainee, their objectives, the files not graded.
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"));
    for (_, who, _) in &expect {
        assert!(page.contains(&format!("<h2>{who} ")), "{who} has a page");
    }
    assert_eq!(page.matches("<section class=\"trainee\">").count(), expect.len());
    assert!(page.contains("Not graded") && page.contains("truncated.case.ron"));
    assert!(page.contains("break-before: page"), "one trainee per printed page");
}

/// Splits CSV text into rows of fields (quotes as RFC 4180 writes them).
fn csv_rows(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    rows
}
