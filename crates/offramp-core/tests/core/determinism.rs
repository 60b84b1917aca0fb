//! Same scenario and seed: byte-identical output. Another seed: another world, same story.

use offramp_core::export::{export, export_with_key};

use crate::common::*;

fn dir_bytes(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((p.strip_prefix(dir).unwrap().display().to_string(), std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn same_seed_gives_byte_identical_files() {
    let sc = load(&scenarios_dir().join("beginner-careless-vendor.ron"));
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    let (ka, kb) = (tmp.path().join("a.truth.json"), tmp.path().join("b.truth.json"));
    export_with_key(&generate(&sc, None, false), &a, Some(&ka), &mut |_, _, _| {}).unwrap();
    export_with_key(&generate(&sc, None, false), &b, Some(&kb), &mut |_, _, _| {}).unwrap();
    assert!(std::fs::read(&ka).unwrap() == std::fs::read(&kb).unwrap(), "the keys differ between two runs");
    let (fa, fb) = (dir_bytes(&a), dir_bytes(&b));
    assert_eq!(fa.len(), 7, "{:?}", fa.iter().map(|f| &f.0).collect::<Vec<_>>());
    for ((na, ba), (nb, bb)) in fa.iter().zip(&fb) {
        assert_eq!(na, nb);
        assert!(ba == bb, "{na} differs between two runs");
    }
}

#[test]
fn generating_straight_into_a_directory_writes_byte_for_byte_what_export_writes() {
    use offramp_core::export::generate_to;
    use offramp_core::sim::Options;
    let tmp = tempfile::tempdir().unwrap();
    for (name, signed) in [
        ("beginner-careless-vendor.ron", false),
        ("advanced-mixer-otc.ron", false),
        ("beginner-careless-vendor.ron", true),
    ] {
        let sc = load(&scenarios_dir().join(name));
        let (a, b) = (tmp.path().join(format!("a-{name}-{signed}")), tmp.path().join(format!("b-{name}-{signed}")));
        export(&generate(&sc, None, signed), &a, &mut |_, _, _| {}).unwrap();
        let (w, manifest) = generate_to(&sc, &Options { seed: None, signed }, &b, None, &mut |_, _, _| {}).unwrap();
        let (fa, fb) = (dir_bytes(&a), dir_bytes(&b));
        assert_eq!(fa.iter().map(|f| &f.0).collect::<Vec<_>>(), fb.iter().map(|f| &f.0).collect::<Vec<_>>());
        for ((n, x), (_, y)) in fa.iter().zip(&fb) {
            assert!(x == y, "{name} (signed: {signed}): {n} differs");
        }
        assert_eq!(manifest.transactions, w.chain.txs.len());
        // The streamed world holds no block bytes, and says so rather than writing empty files.
        let e = export(&w, &tmp.path().join("again"), &mut |_, _, _| {}).unwrap_err().to_string();
        assert!(e.contains("written while it was generated"), "{e}");
    }
}

#[test]
fn signed_mode_is_deterministic_too() {
    let sc = mini();
    let a = generate(&sc, Some(9), true);
    let b = generate(&sc, Some(9), true);
    assert!(a.chain.blocks.iter().zip(&b.chain.blocks).all(|(x, y)| x.raw == y.raw));
}

#[test]
fn another_seed_gives_other_addresses_and_the_same_story() {
    let sc = load(&scenarios_dir().join("intermediate-two-exchanges.ron"));
    let a = generate(&sc, None, false);
    let b = generate(&sc, Some(sc.meta.seed + 1), false);
    assert_ne!(a.chain.blocks.last().unwrap().hash, b.chain.blocks.last().unwrap().hash);
    assert_ne!(a.truth.answers, b.truth.answers, "the key follows the seed");
    for (x, y) in a.truth.answers.iter().zip(&b.truth.answers) {
        assert_eq!(std::mem::discriminant(x), std::mem::discriminant(y));
    }
    // The same steps ran, with the same number of orders and peels.
    for (i, _) in sc.story.iter().enumerate() {
        assert!(!a.truth.step_txs[i].is_empty() && !b.truth.step_txs[i].is_empty());
    }
    let peels = |w: &offramp_core::sim::World| w.truth.cashouts.len();
    assert_eq!(peels(&a), peels(&b));
}
