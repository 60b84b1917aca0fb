//! One reading of an address wherever a trainee types or pastes one: the explorer's
//! parser decides what is an address for lookups, legal requests and scoring alike.

use offramp_core::answer::{Given, Resolved};
use offramp_core::case::Case;
use offramp_core::forensics::load::explorer_of;
use offramp_core::legal::{self, Reply};
use offramp_core::score::score;

use crate::common::*;

#[test]
fn an_address_is_read_the_same_way_by_the_explorer_legal_requests_and_scoring() {
    let w = generate(&load(&scenarios_dir().join("beginner-careless-vendor.ron")), None, false);
    let ex = explorer_of(&w);
    let at = w.scenario.objectives.iter().position(|o| o.id == "deposits").unwrap();
    let Resolved::Addresses(deposits) = &w.truth.answers[at] else { panic!("test setup: deposits") };
    let d = &deposits[0];
    assert!(d.starts_with("bcrt1"), "test setup: a bech32 deposit address");
    let half = d.len() / 2;
    let mixed = format!("{}{}", d[..half].to_uppercase(), &d[half..]);
    let spellings = [
        (d.clone(), true),
        (format!("  {d}\t"), true),
        (d.to_uppercase(), true),
        // Bech32 forbids mixing cases (BIP 173): no tool reads it.
        (mixed, false),
        (format!("{d}x"), false),
        ("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq".to_string(), false),
    ];
    for (text, is_address) in spellings {
        let explorer = ex.address(&text).is_ok();
        let request = matches!(legal::request(&w, "CoinBay", &text), Ok(Reply::Records(_)));
        let mut case = Case { scenario: w.scenario.meta.id.clone(), ..Case::default() };
        case.answers.insert("deposits".into(), Given::Addresses(vec![text.clone()]));
        let credited = score(&w, &case).objectives[at].earned > 0.0;
        assert_eq!(
            (explorer, request, credited),
            (is_address, is_address, is_address),
            "{text:?}: (explorer, legal request, scoring)"
        );
    }
}
