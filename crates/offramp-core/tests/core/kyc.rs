//! KYC files read like the person's own papers: the passport and bank account follow the
//! customer's nationality (not the exchange's country), and e-mail addresses are plain ASCII
//! that keeps every letter of the name.

use offramp_core::scenario::Scenario;
use offramp_core::sim::World;
use offramp_core::truth::Account;

use crate::common::*;

/// The accounts of entity `id` in a world.
fn accounts_of<'a>(w: &'a World, id: &str) -> Vec<&'a Account> {
    w.truth.accounts.iter().filter(|a| w.truth.entities[a.holder].id == id).collect()
}

/// Whether an IBAN written in groups of four has valid check digits (ISO 13616, mod 97).
fn valid_iban(text: &str) -> bool {
    let s: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if s.len() < 15 || !s.chars().all(|c| c.is_ascii_alphanumeric()) {
        return false;
    }
    let moved = format!("{}{}", &s[4..], &s[..4]);
    let mut rem = 0u32;
    for c in moved.chars() {
        let v = c.to_digit(36).unwrap();
        rem = if v < 10 { (rem * 10 + v) % 97 } else { (rem * 100 + v) % 97 };
    }
    rem == 1
}

#[test]
fn a_czech_vendor_at_a_german_exchange_has_czech_papers_and_an_ascii_email() {
    let w = generate(&load(&scenarios_dir().join("beginner-careless-vendor.ron")), None, false);
    let frosty = accounts_of(&w, "frosty");
    assert!(!frosty.is_empty());
    for a in frosty {
        let id = a.identity.as_ref().expect("CoinBay does KYC");
        assert_eq!(id.name, "Marek Novák");
        let doc = id.document.as_deref().unwrap();
        assert!(doc.starts_with("passport ") && doc.ends_with(" (Czechia)"), "{doc}");
        let bank = id.bank_account.as_deref().unwrap();
        assert!(bank.starts_with("CZ") && valid_iban(bank), "{bank}");
        assert_eq!(a.documents[0], doc);
        assert!(a.email.starts_with("marek.novak") && a.email.is_ascii(), "{}", a.email);
    }
    // The made-up customers of a German exchange are German, with German papers.
    let public = accounts_of(&w, "public");
    assert!(public.len() > 10);
    for a in public {
        let id = a.identity.as_ref().unwrap();
        assert_eq!(id.nationality.as_deref(), Some("German"));
        assert!(id.document.as_deref().unwrap().ends_with(" (Germany)"));
        let bank = id.bank_account.as_deref().unwrap();
        assert!(bank.starts_with("DE") && valid_iban(bank), "{bank}");
    }
    assert!(w.truth.accounts.iter().all(|a| a.email.is_ascii()));
}

#[test]
fn a_pakistani_vendor_gets_a_pakistani_passport_and_iban_wherever_the_exchange_is() {
    let text = MINI.replacen(
        "Vendor(id: \"v\")",
        "Vendor(id: \"v\", identity: (name: \"Imran Qureshi\", nationality: \"Pakistani\"))",
        1,
    );
    for jurisdiction in ["EU", "DE", "GB", "SC"] {
        let text =
            text.replacen("Exchange(id: \"x\"", &format!("Exchange(id: \"x\", jurisdiction: \"{jurisdiction}\""), 1);
        let w = generate(&Scenario::parse(&text, "s.ron").unwrap(), None, false);
        for a in accounts_of(&w, "v") {
            let id = a.identity.as_ref().unwrap();
            assert_eq!(id.nationality.as_deref(), Some("Pakistani"));
            let doc = id.document.as_deref().unwrap();
            assert!(doc.ends_with(" (Pakistan)"), "{jurisdiction}: {doc}");
            let number = doc.trim_start_matches("passport ").trim_end_matches(" (Pakistan)");
            assert!(
                number.len() == 9
                    && number[..2].chars().all(|c| c.is_ascii_uppercase())
                    && number[2..].chars().all(|c| c.is_ascii_digit()),
                "{jurisdiction}: {doc}"
            );
            let bank = id.bank_account.as_deref().unwrap();
            assert!(bank.starts_with("PK") && valid_iban(bank), "{jurisdiction}: {bank}");
            assert_eq!(bank.chars().filter(|c| !c.is_whitespace()).count(), 24, "{bank}");
        }
    }
}
