//! The check every generated world passes before it leaves the generator: value is conserved
//! in the tables. No output pays more than the 21,000,000 BTC there can be, no transaction
//! pays out more than it spends (and its recorded fee is what it leaves), no coinbase claims
//! more than its block's subsidy and fees. One pass over the inputs and outputs, so it always
//! runs; [`super::check`] is the slower, independent check of the blocks' bytes.

use super::{Chain, MAX_MONEY};

/// The first rule of value a chain breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("block {height}, transaction {position}: {problem}")]
pub struct ValueError {
    pub height: u32,
    /// The transaction's place in its block (0 is the coinbase).
    pub position: u32,
    pub problem: String,
}

/// Checks that `chain`'s tables conserve value.
///
/// # Errors
/// The first [`ValueError`], in chain order.
pub fn check_values(chain: &Chain) -> Result<(), ValueError> {
    for b in &chain.blocks {
        let err = |position: u32, problem: String| ValueError { height: b.height, position, problem };
        let mut fees: u128 = 0;
        let mut coinbase: Option<(u32, u128)> = None;
        for (position, t) in b.txs().enumerate() {
            let position = position as u32;
            let Some(r) = chain.txs.get(t) else {
                return Err(err(position, "does not exist".into()));
            };
            let mut paid: u128 = 0;
            for (k, o) in chain.outputs.get_range(r.outputs()).unwrap_or_default().iter().enumerate() {
                if o.value > MAX_MONEY {
                    return Err(err(
                        position,
                        format!("output {k} pays {} sat, more than the 21,000,000 BTC there can be", { o.value }),
                    ));
                }
                paid += u128::from(o.value);
            }
            if paid > u128::from(MAX_MONEY) {
                return Err(err(
                    position,
                    format!("pays out {paid} sat in all, more than the 21,000,000 BTC there can be"),
                ));
            }
            let inputs = chain.inputs.get_range(r.inputs()).unwrap_or_default();
            if inputs.first().is_some_and(|i| i.prev().is_none()) {
                coinbase = Some((position, paid));
                continue;
            }
            let mut spent: u128 = 0;
            for (k, i) in inputs.iter().enumerate() {
                let Some(o) = i.prev().and_then(|p| chain.outputs.get(p)) else {
                    return Err(err(position, format!("input {k} spends an output that does not exist")));
                };
                spent += u128::from(o.value);
            }
            if paid > spent {
                return Err(err(position, format!("pays out {paid} sat but spends only {spent}")));
            }
            if u128::from(r.fee) != spent - paid {
                return Err(err(
                    position,
                    format!("records a fee of {} sat but leaves {} sat to the miner", r.fee, spent - paid),
                ));
            }
            fees += spent - paid;
        }
        if let Some((position, claimed)) = coinbase {
            let allowed = u128::from(chain.network.subsidy(b.height)) + fees;
            if claimed > allowed {
                return Err(err(
                    position,
                    format!("the coinbase claims {claimed} sat; the subsidy and the block's fees allow {allowed}"),
                ));
            }
        }
    }
    Ok(())
}
