//! Whether an objective or an intel reveal can ever find something, decided from the scenario
//! alone.
//!
//! The generator resolves answers and reveals from the truth it records; one that finds
//! nothing fails generation. Everything that fails whatever the seed (a broker who is never
//! sold a coin cannot be named by an exchange) is found here, so that `validate` reports it
//! at the objective with the reason and the fix. Only what depends on chance (which exchange
//! a peel happens to reach) is left to generation.
//!
//! The tables below mirror what the simulation in `crate::sim` does; each check is a
//! certainty ("never"), never a guess: when in doubt, a check lets the scenario through.

use super::*;
use crate::time::format_duration;

/// The least an OTC trader deposits at its exchange, in satoshis (see `sim::services`).
const OTC_MIN_DEPOSIT_SAT: u64 = 1_000_000;

/// Whether every wallet of `e` puts change back on an input's address (`change: ReuseInput`),
/// so that it gets a change address only as a CoinJoin participant.
fn change_to_input(e: &Entity) -> bool {
    let reuse = |p: &Profile| p.change == Change::ReuseInput;
    match &e.kind {
        EntityKind::Vendor(v) => reuse(&v.profile),
        EntityKind::Otc(o) => reuse(&o.profile),
        EntityKind::Buyers(b) => !b.profiles.is_empty() && b.profiles.iter().all(reuse),
        _ => false,
    }
}

/// The roles the addresses of `of` can have in any generated world: those of its kind, and
/// those the story steps it holds make.
pub(super) fn possible_roles(of: EntityIdx, ents: &[Entity], story: &[Step]) -> Vec<AddrRole> {
    use AddrRole::*;
    let mut roles: Vec<AddrRole> = match ents.get(of.index()).map(|e| &e.kind) {
        Some(EntityKind::Market(_)) => vec![Deposit, Hot],
        Some(EntityKind::Vendor(_)) | None => vec![],
        Some(EntityKind::Buyers(_)) => vec![Receive, Change],
        Some(EntityKind::Users(_)) => vec![Receive, Change, Mixed],
        Some(EntityKind::Mixer(_)) => vec![Deposit, Pool],
        Some(EntityKind::CoinJoin(_)) => vec![Fee],
        Some(EntityKind::Exchange(_)) => vec![Deposit, Hot, Cold],
        Some(EntityKind::Otc(_)) => vec![Receive, Change],
        Some(EntityKind::Gambling(_)) => vec![Deposit, Hot],
        Some(EntityKind::Miners(_)) => vec![Coinbase],
    };
    for s in story.iter().filter(|s| s.holder == of) {
        let made: &[AddrRole] = match s.action {
            Action::Purchases { .. } => &[],
            Action::VendorWithdrawals { .. } => &[Payout],
            Action::Hops { .. }
            | Action::FanIn { .. }
            | Action::FanOut { .. }
            | Action::ScatterGather { .. }
            | Action::PeelChain { .. } => &[Hop, Change],
            Action::Mix { .. } => &[Mixed, Change],
            Action::CoinJoin { .. } => &[Hop, Mixed, Change],
            Action::CashOut { .. } | Action::OtcCashOut { .. } => &[Change],
        };
        for r in made {
            if !roles.contains(r) {
                roles.push(*r);
            }
        }
    }
    // A CoinJoin round gives its participants fresh change whatever their wallet does.
    let joins = story.iter().any(|s| s.holder == of && matches!(s.action, Action::CoinJoin { .. }));
    if ents.get(of.index()).is_some_and(change_to_input) && !joins {
        roles.retain(|r| *r != Change);
    }
    roles
}

/// Why `of` can never have an address of `role` (or any address, for `None`), or `None` when
/// it can.
pub(super) fn role_problem(of: EntityIdx, role: Option<AddrRole>, ents: &[Entity], story: &[Step]) -> Option<String> {
    let e = ents.get(of.index())?;
    let roles = possible_roles(of, ents, story);
    if roles.is_empty() {
        return Some(format!(
            "\"{}\" holds no step of the story, so it never has an address; give it a VendorWithdrawals step, or ask about another entity",
            e.id
        ));
    }
    let role = role?;
    if roles.contains(&role) {
        return None;
    }
    let names: Vec<String> = roles.iter().map(|r| format!("{r:?}")).collect();
    let mut hint = crate::diag::suggestion(&format!("{role:?}"), names.iter().map(String::as_str));
    if role == AddrRole::Change && change_to_input(e) {
        hint.push_str(" (its wallet sends change back to an input's address: change: ReuseInput)");
    }
    Some(match e.kind {
        EntityKind::Vendor(_) => format!(
            "\"{}\" never has {role:?} addresses: the steps it holds give it {} addresses{hint}",
            e.id,
            and_list(&names)
        ),
        _ => format!(
            "\"{}\" is {} {}, whose addresses are {}, never {role:?}{hint}",
            e.id,
            article(e.kind.word()),
            e.kind.word(),
            and_list(&names)
        ),
    })
}

/// The services where `of` cashes out, in story order: the exchanges of its `CashOut` and
/// `PeelChain` steps and the traders of its `OtcCashOut` steps.
pub(super) fn cash_out_services(of: EntityIdx, story: &[Step]) -> Vec<EntityIdx> {
    let mut out = Vec::new();
    for s in story.iter().filter(|s| s.holder == of) {
        let here: Vec<EntityIdx> = match &s.action {
            Action::CashOut { exchange, .. } => vec![*exchange],
            Action::PeelChain { to, .. } => to.clone(),
            Action::OtcCashOut { otc, .. } => vec![*otc],
            _ => vec![],
        };
        for x in here {
            if !out.contains(&x) {
                out.push(x);
            }
        }
    }
    out
}

/// Why `of` never cashes out (at `at`, or anywhere), or `None` when it does.
pub(super) fn cash_out_problem(
    of: EntityIdx,
    at: Option<EntityIdx>,
    ents: &[Entity],
    story: &[Step],
) -> Option<String> {
    let id = |x: EntityIdx| ents.get(x.index()).map_or("?", |e| e.id.as_str());
    let services = cash_out_services(of, story);
    if services.is_empty() {
        let why = match ents.get(of.index()).map(|e| &e.kind) {
            Some(EntityKind::Otc(_)) => {
                " (an OTC trader's own deposits are not cash-outs of the story; only Identity asks about it)"
            }
            _ => "",
        };
        return Some(format!(
            "\"{}\" never cashes out: no CashOut, PeelChain or OtcCashOut step moves its funds{why}; add one that does, or ask about another entity",
            id(of)
        ));
    }
    let at = at?;
    if services.contains(&at) {
        return None;
    }
    let quoted: Vec<String> = services.iter().map(|&x| format!("\"{}\"", id(x))).collect();
    Some(format!(
        "\"{}\" never cashes out at \"{}\": its cash-outs go to {}; ask about one of those, or leave out `at` to ask about them all",
        id(of),
        id(at),
        and_list(&quoted)
    ))
}

/// Whether an exchange does KYC and answers legal requests.
fn names_customers(ents: &[Entity], x: EntityIdx) -> bool {
    matches!(ents.get(x.index()).map(|e| &e.kind), Some(EntityKind::Exchange(e)) if e.kyc && e.cooperates)
}

/// What keeps exchange `x` from naming its customers, as "which does no KYC".
fn why_silent(ents: &[Entity], x: EntityIdx) -> &'static str {
    match ents.get(x.index()).map(|e| &e.kind) {
        Some(EntityKind::Exchange(e)) if !e.kyc && !e.cooperates => {
            "which does no KYC and does not answer legal requests"
        }
        Some(EntityKind::Exchange(e)) if !e.kyc => "which does no KYC",
        _ => "which does not answer legal requests",
    }
}

/// ` (e.g. "nordex")`: an exchange that would name its customers, or nothing.
fn example_exchange(ents: &[Entity]) -> String {
    (0..ents.len())
        .map(EntityIdx::new)
        .find(|&x| names_customers(ents, x))
        .map_or(String::new(), |x| format!(" (e.g. \"{}\")", ents[x].id))
}

/// Why no legal request can ever return a KYC file of `of`, or `None` when one can.
pub(super) fn identity_problem(of: EntityIdx, ents: &[Entity], story: &[Step], meta: &Meta) -> Option<String> {
    let e = ents.get(of.index())?;
    let id = |x: EntityIdx| ents.get(x.index()).map_or("?", |e| e.id.as_str());
    let good = "an exchange with kyc: true and cooperates: true";
    if let EntityKind::Otc(o) = &e.kind {
        let Some(x) = o.deposits_to else {
            let target = (0..ents.len())
                .map(EntityIdx::new)
                .find(|&x| names_customers(ents, x))
                .map_or(good.to_string(), |x| format!("\"{}\"", ents[x].id));
            return Some(format!(
                "\"{}\" has no deposits_to: it never deposits at an exchange, so no KYC file names it; give it deposits_to: {target}",
                e.id
            ));
        };
        if !names_customers(ents, x) {
            return Some(format!(
                "\"{}\" deposits only at \"{}\", {}, so no legal request can name it; point deposits_to at {good}{}",
                e.id,
                id(x),
                why_silent(ents, x),
                example_exchange(ents)
            ));
        }
        // It deposits only what OtcCashOut steps sold it, once that is 0.01 BTC or more.
        let sales: Vec<&Step> =
            story.iter().filter(|s| matches!(s.action, Action::OtcCashOut { otc, .. } if otc == of)).collect();
        if sales.is_empty() {
            return Some(format!(
                "\"{}\" only sells coins: no OtcCashOut step sells it any, so it never deposits at \"{}\" and no KYC file there names it; add an OtcCashOut step with otc: \"{}\", or ask about another entity",
                e.id,
                id(x),
                e.id
            ));
        }
        let (price_lo, _) = meta.price.bounds();
        let most: Option<f64> = sales
            .iter()
            .map(|s| match s.action.amount() {
                Amount::Sat(v) => Some(v as f64),
                Amount::Usd(u) => Some(u / price_lo * 1e8),
                Amount::All | Amount::Fraction(_) => None,
            })
            .sum();
        if let Some(most) = most
            && most < OTC_MIN_DEPOSIT_SAT as f64
        {
            return Some(format!(
                "the OtcCashOut steps sell \"{}\" at most {:.8} BTC, and it deposits only once it holds 0.01 BTC, so it never opens its account at \"{}\"; sell it more, or ask about another entity",
                e.id,
                most / 1e8,
                id(x)
            ));
        }
        let first = o.deposit_every / 2;
        if first > meta.duration + crate::sim::GRACE {
            return Some(format!(
                "\"{}\" deposits every {}, so its first deposit would come {} after the start, after the world stops ({} after the scenario's end); shorten deposit_every",
                e.id,
                format_duration(o.deposit_every),
                format_duration(first),
                format_duration(crate::sim::GRACE)
            ));
        }
        return None;
    }
    let exchanges: Vec<EntityIdx> = cash_out_services(of, story)
        .into_iter()
        .filter(|&x| matches!(ents.get(x.index()).map(|e| &e.kind), Some(EntityKind::Exchange(_))))
        .collect();
    if exchanges.iter().any(|&x| names_customers(ents, x)) {
        return None;
    }
    Some(match exchanges.as_slice() {
        [] => format!(
            "\"{}\" never deposits at an exchange (no CashOut or PeelChain step moves its funds), so no KYC file names it; add a CashOut step at {good}{}",
            e.id,
            example_exchange(ents)
        ),
        [x] => format!(
            "\"{}\" deposits only at \"{}\", {}, so no legal request can name it; cash out at {good}{}",
            e.id,
            id(*x),
            why_silent(ents, *x),
            example_exchange(ents)
        ),
        xs => {
            let quoted: Vec<String> = xs.iter().map(|&x| format!("\"{}\"", id(x))).collect();
            format!(
                "\"{}\" deposits only at {}, none of which both does KYC and answers legal requests, so no legal request can name it; cash out at {good}{}",
                e.id,
                and_list(&quoted),
                example_exchange(ents)
            )
        }
    })
}

/// Why the steps of a `FundsPath` can never make a hop, or `None` when they can.
pub(super) fn path_problem(steps: &[StepIdx], story: &[Step]) -> Option<String> {
    // Orders spend the buyers' coins and withdrawals the market's: neither spends coins of
    // the story, so their transactions add no hop.
    let idle = |k: &StepIdx| matches!(story[*k].action, Action::Purchases { .. } | Action::VendorWithdrawals { .. });
    if steps.is_empty() || !steps.iter().all(idle) {
        return None;
    }
    let quoted: Vec<String> = steps.iter().map(|&k| format!("\"{}\"", story[k].id)).collect();
    let next: Vec<String> = story
        .iter()
        .filter(|s| s.action.sources().iter().any(|k| steps.contains(k)))
        .map(|s| format!("\"{}\"", s.id))
        .collect();
    let fix = if next.is_empty() {
        "list the steps that move the funds on".to_string()
    } else {
        format!("add the steps that move the funds on ({})", and_list(&next))
    };
    let verb = if steps.len() == 1 { "spends" } else { "spend" };
    Some(format!(
        "{} {verb} no coins of the story (orders spend the buyers' coins, withdrawals the market's), so the path has no hop; {fix}",
        and_list(&quoted)
    ))
}

/// The most transactions step `k` makes in any generated world.
pub(super) fn most_transactions(k: StepIdx, ents: &[Entity], story: &[Step]) -> u64 {
    match &story[k].action {
        Action::Purchases { orders, .. } => u64::from(*orders),
        Action::VendorWithdrawals { count, .. } => u64::from(*count),
        Action::Hops { hops, .. } => u64::from(*hops),
        Action::PeelChain { peels, .. } => 1 + u64::from(*peels),
        Action::FanOut { .. } | Action::FanIn { .. } => 1,
        Action::ScatterGather { width, hops, .. } => 2 + u64::from(*width) * u64::from(*hops),
        // The deposit, then one payout per output.
        Action::Mix { mixer, .. } => match ents.get(mixer.index()).map(|e| &e.kind) {
            Some(EntityKind::Mixer(m)) => 1 + u64::from(m.outputs.1),
            _ => u64::MAX,
        },
        // A coin of the amount first, then the round.
        Action::CoinJoin { .. } => 2,
        Action::CashOut { deposits, .. } => u64::from(*deposits),
        Action::OtcCashOut { payments, .. } => u64::from(*payments),
    }
}

/// "a" or "an", before a kind's word.
fn article(word: &str) -> &'static str {
    if word.starts_with(['A', 'E', 'I', 'O', 'U']) { "an" } else { "a" }
}

/// `a`, `a and b`, `a, b and c`.
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}
