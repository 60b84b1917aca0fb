//! Clustering by common-input ownership: the addresses spent together in one transaction
//! belong to one wallet. Transactions detected as CoinJoins are skipped (their inputs belong
//! to many people); detected change can be merged too.

use serde::Serialize;

use super::change;
use super::coinjoin;
use super::index::{Explorer, Label};
use crate::ledger::{AddrIdx, InputRecord, TxIdx};

/// Clusters of all addresses of a chain.
pub struct Clusters {
    /// The representative (smallest address) of each address's cluster, by address.
    pub root: Vec<AddrIdx>,
    /// Cluster members grouped by representative, made on first use.
    groups: std::sync::OnceLock<Groups>,
}

/// `members[start[r]..start[r+1]]` are the addresses whose representative is `r`.
struct Groups {
    start: Vec<u32>,
    members: Vec<AddrIdx>,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct ClusterOptions {
    /// Also merge the change output a transaction's verdict names with at least this confidence.
    pub merge_change: Option<f64>,
}

fn find(parent: &mut [AddrIdx], mut x: AddrIdx) -> AddrIdx {
    while parent[x.index()] != x {
        let p = parent[x.index()];
        parent[x.index()] = parent[p.index()];
        x = p;
    }
    x
}

fn union(parent: &mut [AddrIdx], a: AddrIdx, b: AddrIdx) {
    let (ra, rb) = (find(parent, a), find(parent, b));
    if ra != rb {
        let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
        parent[hi.index()] = lo;
    }
}

impl Clusters {
    /// Clusters every address of the explorer's chain.
    pub fn build(ex: &Explorer, opts: ClusterOptions) -> Clusters {
        let c = &ex.chain;
        let mut parent: Vec<AddrIdx> = c.addresses.ids().collect();
        // The address whose coin an input (not a coinbase's) spends.
        let payer = |i: &InputRecord| -> AddrIdx {
            c.outputs[i.prev().expect("not a coinbase")].addr().expect("a spent output pays an address")
        };
        for (t, r) in c.txs.iter_ids() {
            if r.n_inputs < 2 && opts.merge_change.is_none() {
                continue;
            }
            if r.is_coinbase(&c.inputs) || coinjoin::coinjoin(ex, t).is_some() {
                continue;
            }
            let ins = &c.inputs[r.inputs()];
            let first = payer(&ins[0]);
            for i in &ins[1..] {
                union(&mut parent, first, payer(i));
            }
            if let Some(min) = opts.merge_change {
                let v = change::detect(ex, t);
                if let (Some(vout), true) = (v.change, v.confidence >= min)
                    && let Some(a) = c.outputs[r.output(vout)].addr()
                {
                    union(&mut parent, first, a);
                }
            }
        }
        let root: Vec<AddrIdx> = c.addresses.ids().map(|a| find(&mut parent, a)).collect();
        Clusters { root, groups: std::sync::OnceLock::new() }
    }

    fn groups(&self) -> &Groups {
        self.groups.get_or_init(|| {
            // A counting sort: representatives are address indices.
            let n = self.root.len();
            let mut count = vec![0u32; n + 1];
            for &r in &self.root {
                count[r.index() + 1] += 1;
            }
            for k in 1..=n {
                count[k] += count[k - 1];
            }
            let mut fill = count.clone();
            let mut members = vec![AddrIdx::new(0); n];
            for (a, &r) in self.root.iter().enumerate() {
                members[fill[r.index()] as usize] = AddrIdx::new(a);
                fill[r.index()] += 1;
            }
            Groups { start: count, members }
        })
    }

    /// Every address in the cluster of `addr`, in index order.
    pub fn members(&self, addr: AddrIdx) -> &[AddrIdx] {
        let g = self.groups();
        let r = self.root[addr.index()].index();
        &g.members[g.start[r] as usize..g.start[r + 1] as usize]
    }

    /// How many clusters have more than one address.
    pub fn multi_address_clusters(&self) -> usize {
        self.groups().start.windows(2).filter(|w| w[1] - w[0] > 1).count()
    }

    /// The cluster of `addr` as a person reads it.
    pub fn view(&self, ex: &Explorer, addr: AddrIdx) -> ClusterView {
        let c = &ex.chain;
        let members = self.members(addr);
        let mut balance = 0u64;
        let (mut first, mut last): (Option<u32>, u32) = (None, 0);
        let mut labels: Vec<(String, Label)> = Vec::new();
        // A transaction that touches several members is one transaction of the cluster.
        let mut txs_of_cluster: Vec<TxIdx> = Vec::new();
        for &m in members {
            let txs = ex.txs_of(m);
            txs_of_cluster.extend_from_slice(txs);
            if let (Some(&f), Some(&l)) = (txs.first(), txs.last()) {
                first = Some(first.map_or(ex.time(f), |x| x.min(ex.time(f))));
                last = last.max(ex.time(l));
            }
            for &t in txs {
                let r = &c.txs[t];
                balance += c.outputs[r.outputs()]
                    .iter()
                    .filter(|o| o.addr() == Some(m) && o.spent_by().is_none())
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
            first_seen: first,
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
