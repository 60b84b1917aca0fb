//! Legal requests to exchanges: the moment the course is about. An exchange answers only
//! for addresses it really holds, only if it cooperates, and only with what its KYC file has.
//! A request is checked against the scenario alone (the exchange exists, the address is one,
//! of the scenario's network) before any world is needed.

use serde::{Deserialize, Serialize};

use crate::diag::suggestion;
use crate::forensics::{LookupError, canonical_address};
use crate::ledger::AddrIdx;
use crate::scenario::{EntityIdx, EntityKind, Scenario};
use crate::text;
use crate::time::format_instant;
use crate::vocab::AddrRole;
use crate::world::World;

/// What an exchange's compliance team sends back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Reply {
    /// The account that holds the address.
    Records(Box<KycRecord>),
    /// The address is the exchange's own (hot or cold wallet), not a customer's.
    OwnWallet,
    /// The exchange has no record of this address.
    NoRecords,
    /// The exchange does not answer legal requests.
    Refused,
}

/// An exchange's file on one customer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KycRecord {
    pub exchange: String,
    pub account_id: String,
    /// Absent where the exchange does no KYC.
    pub name: Option<String>,
    pub nationality: Option<String>,
    pub documents: Vec<String>,
    pub bank_account: Option<String>,
    pub email: String,
    pub opened: String,
    pub deposit_addresses: Vec<String>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum LegalError {
    #[error("no exchange is called \"{name}\"{hint}")]
    UnknownExchange { name: String, hint: String },
    /// The text is no address, or another network's: no exchange can be asked about it.
    #[error("{0}")]
    BadAddress(LookupError),
    /// The pack came from a class server, which answers its legal requests.
    #[error(
        "this pack came from a class server: legal requests go to the server (join the class from the app's library)"
    )]
    AskTheServer,
}

/// The exchange named by id or display name as people write it ([`text::same`]): in any case
/// of any script ("BÖRSE" is "Börse"), with or without accents ("Borse"), with any spacing.
///
/// # Errors
/// [`LegalError::UnknownExchange`], with the nearest name when one is close.
pub fn find_exchange(world: &World, name: &str) -> Result<EntityIdx, LegalError> {
    find_exchange_in(&world.scenario, name)
}

/// [`find_exchange`] in a scenario, before any world is generated.
///
/// # Errors
/// [`LegalError::UnknownExchange`], with the nearest name when one is close.
pub fn find_exchange_in(sc: &Scenario, name: &str) -> Result<EntityIdx, LegalError> {
    let exchanges = sc
        .entities
        .iter()
        .enumerate()
        .filter(|(_, e)| matches!(e.kind, EntityKind::Exchange(_)))
        .map(|(i, e)| (EntityIdx::new(i), e.id.as_str(), e.name.as_str()));
    find_named(exchanges, name)
}

/// The exchange of a trainee's intel named by id or display name, as [`find_exchange_in`]
/// finds it in a scenario.
///
/// # Errors
/// [`LegalError::UnknownExchange`], with the nearest name when one is close.
pub fn find_exchange_info<'a>(
    exchanges: &'a [crate::intel::ExchangeInfo],
    name: &str,
) -> Result<&'a crate::intel::ExchangeInfo, LegalError> {
    find_named(exchanges.iter().map(|e| (e, e.id.as_str(), e.name.as_str())), name)
}

/// The item whose id or display name is `name` as people write it ([`text::same`]).
fn find_named<'a, T: Clone>(
    items: impl Iterator<Item = (T, &'a str, &'a str)> + Clone,
    name: &str,
) -> Result<T, LegalError> {
    items.clone().find(|(_, id, shown)| text::same(id, name) || text::same(shown, name)).map(|(t, _, _)| t).ok_or_else(
        || LegalError::UnknownExchange {
            name: name.to_string(),
            hint: suggestion(name, items.flat_map(|(_, id, shown)| [id, shown])),
        },
    )
}

/// The world's index of the address in `text`, read by the explorer's parser
/// ([`crate::forensics::parse_address`]); `None` when the chain never saw it.
///
/// # Errors
/// [`LookupError`] for text that is no address of the world's network.
fn lookup(world: &World, text: &str) -> Result<Option<AddrIdx>, LookupError> {
    let canonical = canonical_address(text, world.scenario.meta.network)?;
    Ok(world.find_address(&canonical))
}

/// Whether `exchange` holds `address` (a customer's deposit address or its own wallet); text
/// the explorer would not read as an address of this network is held by no one.
pub fn holds(world: &World, exchange: EntityIdx, address: &str) -> bool {
    matches!(lookup(world, address), Ok(Some(a)) if world.truth.addresses[a].entity == exchange)
}

/// Checks a request against the scenario alone: the exchange exists and the address is an
/// address of the scenario's network (whether it appears in the chain is the exchange's
/// business). Returns the exchange.
///
/// # Errors
/// [`LegalError::UnknownExchange`] or [`LegalError::BadAddress`].
pub fn check_request(sc: &Scenario, exchange: &str, address: &str) -> Result<EntityIdx, LegalError> {
    let x = find_exchange_in(sc, exchange)?;
    canonical_address(address, sc.meta.network).map_err(LegalError::BadAddress)?;
    Ok(x)
}

/// Asks `exchange` who is behind `address`.
///
/// # Errors
/// [`LegalError::UnknownExchange`] when no exchange has that id or name,
/// [`LegalError::BadAddress`] when the address is no address of the world's network.
pub fn request(world: &World, exchange: &str, address: &str) -> Result<Reply, LegalError> {
    let x = check_request(&world.scenario, exchange, address)?;
    let EntityKind::Exchange(ex) = &world.scenario.entities[x].kind else {
        unreachable!("find_exchange returns exchanges")
    };
    if !ex.cooperates {
        return Ok(Reply::Refused);
    }
    let Some(a) = lookup(world, address).map_err(LegalError::BadAddress)? else {
        return Ok(Reply::NoRecords);
    };
    let t = world.truth.addresses[a];
    if t.entity != x {
        return Ok(Reply::NoRecords);
    }
    let Some(account) = t.account.filter(|_| t.role == AddrRole::Deposit) else {
        return Ok(Reply::OwnWallet);
    };
    let acct = &world.truth.accounts[account];
    let id = acct.identity.as_ref();
    Ok(Reply::Records(Box::new(KycRecord {
        exchange: world.scenario.entities[x].name.clone(),
        account_id: acct.account_id.clone(),
        name: id.map(|i| i.name.clone()),
        nationality: id.and_then(|i| i.nationality.clone()),
        documents: acct.documents.clone(),
        bank_account: id.and_then(|i| i.bank_account.clone()),
        email: acct.email.clone(),
        opened: format_instant(acct.opened)[..10].to_string(),
        deposit_addresses: acct.addresses.iter().map(|&d| world.chain.address_string(d)).collect(),
    })))
}
