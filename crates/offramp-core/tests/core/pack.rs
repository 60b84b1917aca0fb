//! A trainee's pack: what it holds (the public chain, the intel, answers a legal request
//! would get) and what it never holds (the truth, the class key), and every way of opening
//! a bad one.

use offramp_core::case::Case;
use offramp_core::class::{ClassKey, Seal};
use offramp_core::legal::{self, LegalError, Reply};
use offramp_core::pack::{self, Pack, PackError};
use offramp_core::scenario::EntityKind;
use offramp_core::sim::World;

use crate::common::{generate, load, scenarios_dir};

fn key() -> ClassKey {
    ClassKey::parse(&format!("{}{}", offramp_core::class::KEY_PREFIX, "ab".repeat(32)), "test").unwrap()
}

/// Ana's variant of the beginner scenario and her pack, written to a temporary folder.
fn ana() -> (World, tempfile::TempDir, std::path::PathBuf) {
    let sc = load(&scenarios_dir().join("beginner-careless-vendor.ron"));
    let seed = key().seed(&sc.meta.id, "Ana Kowalska");
    let w = generate(&sc, Some(seed), false);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ana.offramp-pack");
    pack::write(&w, "Ana Kowalska", Some(&key()), &out).unwrap();
    (w, dir, out)
}

fn contains(hay: &str, needle: &str) -> bool {
    !needle.is_empty() && hay.contains(needle)
}

#[test]
fn a_pack_opens_as_the_trainees_own_world() {
    let (w, _dir, out) = ana();
    let p = Pack::open(&out).unwrap();
    assert_eq!(p.header.trainee, "Ana Kowalska");
    assert_eq!(p.header.seed, w.seed);
    assert_eq!(p.header.intel, w.intel);
    let explorer = p.explorer().unwrap();
    assert_eq!(explorer.chain.txs.len(), w.chain.txs.len());
    assert_eq!(explorer.chain.blocks.len(), w.chain.blocks.len());
    let last = w.chain.blocks.last().unwrap().hash;
    assert_eq!(explorer.chain.blocks.last().unwrap().hash, last);
    // Hints are there to unlock, at their cost.
    for o in &w.scenario.objectives {
        for (i, h) in o.hints.iter().enumerate() {
            assert_eq!(p.hint(&o.id, i as u32).as_deref(), Some(h.text.as_str()));
        }
    }
}

#[test]
fn a_pack_answers_legal_requests_as_the_exchanges_would() {
    let (w, _dir, out) = ana();
    let p = Pack::open(&out).unwrap();
    let mut asked = 0;
    for (x, e) in w.scenario.entities.iter().enumerate() {
        let EntityKind::Exchange(_) = &e.kind else { continue };
        // Every address the exchange holds, a sample of others, in the way people write them.
        let held: Vec<String> = w
            .truth
            .addresses_of(offramp_core::scenario::EntityIdx::new(x))
            .map(|a| w.chain.address_string(a))
            .collect();
        let others: Vec<String> =
            w.chain.addresses.ids().step_by(97).map(|a| w.chain.address_string(a)).take(40).collect();
        for a in held.iter().chain(&others) {
            // Bech32 in any case; base58 as it is.
            let written = if a.starts_with("bcrt1") { a.to_uppercase() } else { a.clone() };
            assert_eq!(p.legal(&e.name.to_uppercase(), &written), legal::request(&w, &e.id, a), "{} about {a}", e.name);
            asked += 1;
        }
    }
    assert!(asked > 50, "{asked}");
    let records = w
        .truth
        .accounts
        .iter()
        .flat_map(|acct| acct.addresses.iter().map(|&d| w.chain.address_string(d)))
        .filter(|a| matches!(p.legal("CoinBay", a), Ok(Reply::Records(_))))
        .count();
    assert!(records > 0, "some customer's deposit address gets its KYC record");
    assert!(matches!(p.legal("Coin Bay Exchange Ltd", "bcrt1qxyz"), Err(LegalError::UnknownExchange { .. })));
    assert!(matches!(p.legal("CoinBay", "not an address"), Err(LegalError::BadAddress(_))));
}

#[test]
fn a_pack_never_holds_the_truth_nor_the_class_key() {
    let (w, _dir, out) = ana();
    let bytes = String::from_utf8_lossy(&std::fs::read(&out).unwrap()).into_owned();
    let k = key();
    let key_hex = k.to_text().trim_start_matches(offramp_core::class::KEY_PREFIX).to_string();
    assert!(!contains(&bytes, &k.to_text()));
    assert!(!contains(&bytes, &key_hex));
    assert!(!contains(&bytes, "offramp-key"));
    // No one's KYC file can be read off the pack: names, e-mails and account ids.
    let mut checked = 0;
    for acct in &w.truth.accounts {
        if let Some(id) = &acct.identity {
            assert!(!contains(&bytes, &id.name), "{} is in the pack", id.name);
            checked += 1;
        }
        assert!(!contains(&bytes, &acct.email), "{} is in the pack", acct.email);
        assert!(!contains(&bytes, &acct.account_id), "{} is in the pack", acct.account_id);
    }
    assert!(checked > 0);
    // The identity the scenario asks for is not written anywhere either.
    for a in &w.truth.answers {
        if let offramp_core::answer::Resolved::Text(t) = a {
            assert!(!contains(&bytes, t), "the answer {t} is in the pack");
        }
    }
    // The seal key is the one the instructor derives again; the class key is not it.
    let p = Pack::open(&out).unwrap();
    let seal = p.seal_key().unwrap();
    assert_eq!(seal, k.seal_key(&w.scenario.meta.id, w.seed, "Ana Kowalska"));
}

#[test]
fn a_case_sealed_with_the_pack_checks_out_with_the_class_key_and_an_edit_shows() {
    let (w, _dir, out) = ana();
    let p = Pack::open(&out).unwrap();
    let mut case = Case {
        scenario: w.scenario.meta.id.clone(),
        seed: Some(p.header.seed),
        trainee: p.header.trainee.clone(),
        submitted: true,
        seconds: 1800,
        ..Case::default()
    };
    case.answers.insert("exchange".into(), offramp_core::answer::Given::Entities(vec!["CoinBay".into()]));
    case.seal = Some(p.seal_key().unwrap().seal(&case));
    let check = key().check(&w.scenario.meta.id, w.scenario.meta.seed, &case);
    assert_eq!(check.seal, Seal::Intact);
    assert_eq!(check.not_theirs, None);
    case.seconds += 600;
    assert_eq!(key().check(&w.scenario.meta.id, w.scenario.meta.seed, &case).seal, Seal::Broken);
    // A pack is checked against its own intel: an answer to no objective is found in place.
    let text = "Case(scenario: \"beginner-careless-vendor\", answers: {\"exchagne\": Entities([\"CoinBay\"])})";
    let e = Case::parse(text, "c.ron", &p.header.intel).unwrap_err().to_string();
    assert!(e.contains("c.ron:1:") && e.contains("did you mean \"exchange\""), "{e}");
}

#[test]
fn the_same_pack_is_written_byte_for_byte_and_a_practice_pack_has_no_seal() {
    let (w, dir, out) = ana();
    let again = dir.path().join("again.offramp-pack");
    pack::write(&w, "Ana Kowalska", Some(&key()), &again).unwrap();
    assert!(std::fs::read(&out).unwrap() == std::fs::read(&again).unwrap());
    let practice = dir.path().join("practice.offramp-pack");
    let written = pack::write(&w, "Ana Kowalska", None, &practice).unwrap();
    assert!(!written.sealed);
    let p = Pack::open(&practice).unwrap();
    assert!(!p.header.class && p.seal_key().is_none());
}

#[test]
fn a_bad_pack_is_refused_with_what_to_do() {
    let (_w, dir, out) = ana();
    let bytes = std::fs::read(&out).unwrap();
    let nl = bytes.iter().position(|&b| b == b'\n').unwrap();
    let write = |name: &str, b: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, b).unwrap();
        p
    };
    let msg = |p: &std::path::Path| Pack::open(p).unwrap_err().to_string();

    // A byte of the chain changed.
    let mut flipped = bytes.clone();
    let at = nl + 1 + (bytes.len() - nl) / 2;
    flipped[at] ^= 0x40;
    let m = msg(&write("flipped.offramp-pack", &flipped));
    assert!(m.contains("flipped.offramp-pack") && m.contains("damaged") && m.contains("checksum"), "{m}");
    // Cut short, in the chain and in the header.
    let m = msg(&write("short.offramp-pack", &bytes[..bytes.len() - 1000]));
    assert!(m.contains("damaged") && m.contains("bytes"), "{m}");
    let m = msg(&write("header.offramp-pack", &bytes[..nl / 2]));
    assert!(m.contains("damaged") && m.contains("cut short"), "{m}");
    // Another version: said before anything else is read, with what to do.
    let text = String::from_utf8_lossy(&bytes[..nl]).into_owned();
    let newer = text.replacen("\"version\":1", "\"version\":2", 1);
    let m = msg(&write("newer.offramp-pack", newer.as_bytes()));
    assert!(m.contains("newer Offramp") && m.contains("version 2") && m.contains("update Offramp"), "{m}");
    let older = text.replacen("\"version\":1", "\"version\":0", 1);
    let m = msg(&write("older.offramp-pack", older.as_bytes()));
    assert!(m.contains("older Offramp") && m.contains("ask your instructor"), "{m}");
    // Not a pack at all, and a scenario given where a pack belongs.
    let m = msg(&write("notes.txt", b"shopping list\n"));
    assert!(m.contains("not an Offramp pack"), "{m}");
    assert!(matches!(Pack::open(&scenarios_dir().join("beginner-careless-vendor.ron")), Err(PackError::NotAPack(_))));
    assert!(matches!(Pack::open(&dir.path().join("missing.offramp-pack")), Err(PackError::Io { .. })));
    // Reading only the header finds the same problems of version.
    assert!(matches!(pack::read_header(&dir.path().join("newer.offramp-pack")), Err(PackError::Newer { .. })));
    assert_eq!(pack::read_header(&out).unwrap().trainee, "Ana Kowalska");
}

#[test]
fn a_pack_never_replaces_a_file_that_is_not_one() {
    let (w, dir, out) = ana();
    let precious = dir.path().join("thesis.odt");
    std::fs::write(&precious, b"years of work").unwrap();
    let e = pack::write(&w, "Ana Kowalska", Some(&key()), &precious).unwrap_err().to_string();
    assert!(e.contains("thesis.odt") && e.contains("not an Offramp pack"), "{e}");
    assert_eq!(std::fs::read(&precious).unwrap(), b"years of work");
    // An earlier pack is replaced.
    pack::write(&w, "Ana Kowalska", None, &out).unwrap();
    assert!(!Pack::open(&out).unwrap().header.class);
}

#[test]
fn a_class_servers_pack_carries_no_answer_book_and_sends_legal_requests_to_the_server() {
    let (w, dir, written) = ana();
    let bytes = pack::online(&w, "Ana Kowalska", Some(&key()));
    let out = dir.path().join("online.offramp-pack");
    std::fs::write(&out, &bytes).unwrap();
    let p = Pack::open(&out).unwrap();
    assert!(p.header.online && p.header.legal.answers.is_empty());
    // The same world and seal as the file pack: only the book differs.
    let file = Pack::open(&written).unwrap();
    assert_eq!(
        (p.header.seed, &p.header.chain.sha256, &p.header.seal_key),
        (file.header.seed, &file.header.chain.sha256, &file.header.seal_key)
    );
    let holder = w.truth.accounts.iter().find(|a| a.identity.is_some()).unwrap();
    let address = w.chain.address_string(holder.addresses[0]);
    let exchange = &w.scenario.entities[holder.service].id;
    assert!(matches!(file.legal(exchange, &address), Ok(Reply::Records(_))));
    assert_eq!(p.legal(exchange, &address), Err(LegalError::AskTheServer));
    // Names and addresses are still checked first.
    assert!(matches!(p.legal("Nowhere Ltd", &address), Err(LegalError::UnknownExchange { .. })));
}
