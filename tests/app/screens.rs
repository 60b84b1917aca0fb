//! What the screens say: every symbol the panels print exists in the fonts the app ships,
//! the results screen's lines, the briefing's legal terms, the library's view of a trainee's
//! case files.

use bevy_egui::egui;
use offramp::app::screens::briefing::legal_terms;
use offramp::app::screens::library::{Progress, back_up, progress_of, summary};
use offramp::app::screens::results::{deduction, who_and_time};
use offramp_core::case::Case as CaseData;

use super::common::shipped;

/// Every character beyond ASCII in the string literals of the app's source.
fn symbols_in_the_app() -> Vec<(char, String)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/app");
    let mut files = vec![root.clone()];
    let mut found = Vec::new();
    while let Some(p) = files.pop() {
        if p.is_dir() {
            files.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
            continue;
        }
        let text = std::fs::read_to_string(&p).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            let (Some(a), Some(b)) = (code.find('"'), code.rfind('"')) else { continue };
            for c in code[a..=b].chars().filter(|c| !c.is_ascii()) {
                found.push((c, format!("{}:{}", p.display(), n + 1)));
            }
        }
    }
    found
}

#[test]
fn every_symbol_the_panels_print_is_in_the_fonts_the_app_ships() {
    use skrifa::MetadataProvider;
    let fonts = offramp::app::font_definitions();
    let symbols = symbols_in_the_app();
    assert!(symbols.iter().any(|(c, _)| *c == '…'), "the scan finds the app's symbols");
    let mut missing = Vec::new();
    for family in [egui::FontFamily::Proportional, egui::FontFamily::Monospace] {
        let chain = &fonts.families[&family];
        let maps: Vec<_> = chain
            .iter()
            .map(|name| skrifa::FontRef::new(&fonts.font_data[name].font).expect("a font the app ships"))
            .collect();
        for (c, at) in &symbols {
            if !maps.iter().any(|f| f.charmap().map(*c).is_some()) {
                missing.push(format!("{c:?} ({family:?}) at {at}"));
            }
        }
    }
    missing.sort();
    missing.dedup();
    assert!(missing.is_empty(), "drawn as empty boxes: {missing:#?}");
}

#[test]
fn the_results_line_names_the_trainee_only_when_there_is_one() {
    assert_eq!(who_and_time("", 14 * 60 + 3), "14 min 03 s on the case");
    assert_eq!(who_and_time("  ", 59), "0 min 59 s on the case");
    assert_eq!(who_and_time("Sam Ortiz", 61), "Sam Ortiz · 1 min 01 s on the case");
}

#[test]
fn a_deduction_shows_one_minus_sign() {
    assert_eq!(deduction("-5 for hint 1"), "−5 for hint 1");
    assert_eq!(deduction("-0.5 request 2: no records"), "−0.5 request 2: no records");
    assert_eq!(deduction("no answer given"), "no answer given");
}

#[test]
fn the_briefing_states_the_legal_budget_and_the_price_of_a_wasted_request() {
    let t = legal_terms(3, 5.0);
    assert!(t.contains("3 legal requests") && t.contains("costs 5 points"), "{t}");
    assert_eq!(legal_terms(1, 0.0), "You may file 1 legal request to exchanges.");
    let sc = shipped("beginner-careless-vendor.ron");
    let t = legal_terms(sc.legal.budget, sc.legal.wrong_request_penalty);
    assert!(t.contains(&sc.legal.budget.to_string()), "{t}");
}

#[test]
fn the_library_describes_each_scenario_in_one_line() {
    for (name, _) in offramp::library::SHIPPED {
        let sc = shipped(name);
        let line = summary(&sc.meta.briefing);
        assert!(!line.is_empty() && !line.contains('\n') && line.chars().count() <= 140, "{name}: {line}");
    }
    assert_eq!(summary("One.  Two.\nThree."), "One.");
}

#[test]
fn the_library_shows_where_the_trainee_stands_and_start_over_keeps_a_backup() {
    let dir = tempfile::tempdir().unwrap();
    let sc = shipped("beginner-careless-vendor.ron");
    let (path, p) = progress_of(Some(dir.path()), &sc, "Ana Lima");
    assert_eq!(p, Progress::NotStarted);
    assert_eq!(p.describe(), "not started");
    let path = path.unwrap();
    let mut case =
        CaseData { scenario: sc.meta.id.clone(), trainee: "Ana Lima".into(), seconds: 754, ..CaseData::default() };
    case.save(&path).unwrap();
    let (_, p) = progress_of(Some(dir.path()), &sc, "Ana Lima");
    assert_eq!(p, Progress::InProgress { seconds: 754 });
    assert_eq!(p.describe(), "in progress, 12 min");
    // Another trainee on the same machine has a case of their own.
    assert_eq!(progress_of(Some(dir.path()), &sc, "Bo").1, Progress::NotStarted);
    case.submitted = true;
    case.result = Some((87.5, 100.0));
    case.save(&path).unwrap();
    let (_, p) = progress_of(Some(dir.path()), &sc, "Ana Lima");
    assert_eq!(p.describe(), "submitted: 87.5 of 100 points");
    // Start over: the case is kept beside, word for word, and the scenario is new again.
    let before = std::fs::read_to_string(&path).unwrap();
    let kept = back_up(&path).unwrap();
    assert_eq!(std::fs::read_to_string(&kept).unwrap(), before);
    assert!(kept.to_string_lossy().contains(".backup-"));
    assert_eq!(progress_of(Some(dir.path()), &sc, "Ana Lima").1, Progress::NotStarted);
    // A file that is not a case of this scenario is said to be unreadable, not ignored.
    std::fs::write(&path, "Case(scenario: \"elsewhere\")").unwrap();
    assert_eq!(progress_of(Some(dir.path()), &sc, "Ana Lima").1, Progress::Unreadable);
}

#[test]
fn an_invalid_scenario_in_the_users_folder_is_listed_with_its_errors_and_their_places() {
    use offramp::app::library::Library;
    let dir = tempfile::tempdir().unwrap();
    let text = offramp::library::SHIPPED.iter().find(|(n, _)| n.starts_with("beginner")).unwrap().1;
    std::fs::write(
        dir.path().join("mine.ron"),
        text.replacen("exchange: \"coinbay\", deposits", "exchange: \"coinbey\", deposits", 1),
    )
    .unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not a scenario").unwrap();
    let lib = Library::load_from(Some(dir.path()));
    assert_eq!(lib.entries.len(), offramp::library::SHIPPED.len() + 1, "the .ron file is listed, the rest is not");
    let mine = lib.entries.iter().find(|e| e.name.ends_with("mine.ron")).unwrap();
    let err = mine.parsed.as_ref().unwrap_err();
    assert!(err.contains("mine.ron:") && err.contains("coinbey"), "{err}");
    let place = err.split("mine.ron:").nth(1).unwrap();
    let mut parts = place.split(':');
    assert!(parts.next().unwrap().parse::<u32>().is_ok() && parts.next().unwrap().parse::<u32>().is_ok(), "{err}");
}
