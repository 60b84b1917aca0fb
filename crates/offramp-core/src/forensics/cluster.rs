//! Clustering by common-input ownership: the addresses spent together in one transaction
//! belong to one wallet. Transactions detected as CoinJoins are skipped (their inputs belong
//! to many people); detected change can be merged too.

use serde::Serialize;

use super::change;
use super::coinjoin;
use super::index::{Explorer, Label};
use crate::ledger::NONE;

/// Clusters of all addresses of a chain.
pub struct Clusters {
    /// The representative (smallest address index) of each address's cluster.
    pub root: Vec<u32>,
    /// Cluster members grouped by representative, made on first use.
    groups: std::sync::OnceLock<Groups>,
}

/// `members[start[r]..start[r+1]]` are the addresses whose representative is `r`.
struct Groups {
    start: Vec<u32>,
    members: Vec<u32>,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct ClusterOptions {
    /// Also merge the change output a transaction's verdict names with at least this confidence.
    pub merge_change: Option<f64>,
}

fn find(parent: &mut [u32], mut x: u32) -> u32 {
    while parent[x as usize] != x {
        let p = parent[x as usize];
        parent[x as usize] = parent[p as usize];
        x = p;
    }
    x
}

fn union(parent: &mut [u32], a: u32, b: u32) {
    let (ra, rb) = (find(parent, a), find(parent, b));
    if ra != rb {
        let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
        parent[hi as usize] = lo;
    }
}

impl Clusters {
    /// Clusters every address of the explorer's chain.
    pub fn build(ex: &Explorer, opts: ClusterOptions) -> Clusters {
        let c = &ex.chain;
        let n = c.addresses.len();
        let mut parent: Vec<u32> = (0..n as u32).collect();
        for (t, r) in c.txs.iter().enumerate() {
            if r.n_inputs < 2 && opts.merge_change.is_none() {
                continue;
            }
            if r.is_coinbase(&c.inputs) || coinjoin::coinjoin(ex, t as u32).is_some() {
                continue;
            }
            let first = c.outputs[c.inputs[r.first_input as usize].prev as usize].addr;
            for i in &c.inputs[r.inputs()][1..] {
                union(&mut parent, first, c.outputs[i.prev as usize].addr);
            }
            if let Some(min) = opts.merge_change {
                let v = change::detect(ex, t as u32);
                if let (Some(vout), true) = (v.change, v.confidence >= min) {
                    let a = c.outputs[(r.first_output + vout) as usize].addr;
                    if a != NONE {
                        union(&mut parent, first, a);
                    }
                }
            }
        }
        let root: Vec<u32> = (0..n as u32).map(|a| find(&mut parent, a)).collect();
        Clusters { root, groups: std::sync::OnceLock::new() }
    }

    fn groups(&self) -> &Groups {
        self.groups.get_or_init(|| {
            // A counting sort: representatives are address indices.
            let n = self.root.len();
            let mut count = vec![0u32; n + 1];
            for &r in &self.root {
                count[r as usize + 1] += 1;
            }
            for k in 1..=n {
                count[k] += count[k - 1];
            }
            let mut fill = count.clone();
            let mut members = vec![0u32; n];
            for (a, &r) in self.root.iter().enumerate() {
                members[fill[r as usize] as usize] = a as u32;
                fill[r as usize] += 1;
            }
            Groups { start: count, members }
        })
    }

    /// Every address in the cluster of `addr`, in index order.
    pub fn members(&self, addr: u32) -> &[u32] {
        let g = self.groups();
        let r = self.root[addr as usize] as usize;
        &g.members[g.start[r] as usize..g.start[r + 1] as usize]
    }

    /// How many clusters have more than one address.
    pub fn multi_address_clusters(&self) -> usize {
        self.groups().start.windows(2).filter(|w| w[1] - w[0] > 1).count()
    }

    /// The cluster of `addr` as a person reads it.
    pub fn view(&self, ex: &Explorer, addr: u32) -> ClusterView {
        let c = &ex.chain;
        let members = self.members(addr);
        let mut balance = 0u64;
        let (mut first, mut last) = (u32::MAX, 0u32);
        let mut labels: Vec<(String, Label)> = Vec::new();
        // A transaction that touches several members is one transaction of the cluster.
        let mut txs_of_cluster: Vec<u32> = Vec::new();
        for &m in members {
            let txs = ex.txs_of(m);
            txs_of_cluster.extend_from_slice(txs);
            if let (Some(&f), Some(&l)) = (txs.first(), txs.last()) {
                first = first.min(ex.time(f));
                last = last.max(ex.time(l));
            }
            for &t in txs {
                let r = &c.txs[t as usize];
                balance += c.outputs[r.outputs()]
                    .iter()
                    .filter(|o| o.addr == m && o.spent_by == NONE)
                    .map(|o| o.value)
                    .sum::<u64>();
            }
            for l in ex.labels(m) {
                labels.push((c.address_string(m), l.clone()));
            }
        }
        txs_of_cluster.sort_unstable();
        txs_of_cluster.dedup();
        ClusterView {
            address: c.address_string(addr),
            size: members.len(),
            members: members.iter().take(MAX_LISTED).map(|&m| c.address_string(m)).collect(),
            balance,
            tx_count: txs_of_cluster.len(),
            first_seen: (first != u32::MAX).then_some(first),
            last_seen: (last != 0).then_some(last),
            labels: labels
                .into_iter()
                .map(|(address, l)| MemberLabel { address, label: l.label, category: l.category })
                .collect(),
        }
    }
}

/// Members listed in a view; the size says how many there are.
pub const MAX_LISTED: usize = 1000;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MemberLabel {
    pub address: String,
    pub label: String,
    pub category: crate::vocab::Category,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ClusterView {
    pub address: String,
    pub size: usize,
    /// The first 1,000 members.
    pub members: Vec<String>,
    pub balance: u64,
    /// Distinct transactions that pay or spend any member.
    pub tx_count: usize,
    pub first_seen: Option<u32>,
    pub last_seen: Option<u32>,
    pub labels: Vec<MemberLabel>,
}
