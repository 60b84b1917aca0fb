//! What the canvas draws, derived from the board: nodes with their look and edges with the
//! value they carry.

use std::collections::HashMap;

use super::{Board, NodeRef};
use crate::ledger::{AddrIdx, InputRecord};
use crate::vocab::Category;

/// One node as drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct ViewNode {
    pub key: NodeRef,
    pub pos: [f32; 2],
    /// The trainee's tag label, else the first known label, else a short form of its name.
    pub label: String,
    /// Whether the label comes from a tag or intel (worth showing on the canvas).
    pub labelled: bool,
    /// The tag's category, else the intel's.
    pub category: Option<Category>,
    /// The tag's own colour, when it has one.
    pub colour: Option<[u8; 3]>,
    /// Outside the timeline filter.
    pub hidden: bool,
    pub highlighted: bool,
    pub pinned: bool,
    /// For a transaction, its block time; for a folded cluster, how many members it shows.
    pub time: Option<u32>,
    pub members: usize,
    pub radius: f32,
}

/// One edge as drawn: value moving from an address into a transaction, or out of one.
#[derive(Debug, Clone, PartialEq)]
pub struct ViewEdge {
    pub from: u32,
    pub to: u32,
    /// Satoshis (summed over the outputs the edge stands for).
    pub value: u64,
    /// The category of the address end.
    pub category: Option<Category>,
    pub colour: Option<[u8; 3]>,
    pub highlighted: bool,
    pub hidden: bool,
}

#[derive(Debug, Clone, Default)]
pub struct View {
    pub nodes: Vec<ViewNode>,
    pub edges: Vec<ViewEdge>,
    index: HashMap<NodeRef, u32>,
}

pub const ADDRESS_RADIUS: f32 = 9.0;
pub const TX_RADIUS: f32 = 6.0;
pub const CLUSTER_RADIUS: f32 = 15.0;

fn short(s: &str) -> String {
    if s.len() <= 14 { s.to_string() } else { format!("{}…{}", &s[..8], &s[s.len() - 4..]) }
}

impl View {
    pub(super) fn build(b: &Board) -> View {
        let ex = &b.explorer;
        let c = &ex.chain;
        let st = &b.state;
        let mut keys: Vec<NodeRef> = Vec::with_capacity(st.addrs.len() + st.txs.len());
        let mut members: HashMap<AddrIdx, usize> = HashMap::new();
        for &a in &st.addrs {
            match b.node_of_addr(a) {
                NodeRef::Cluster(r) => *members.entry(r).or_default() += 1,
                k => keys.push(k),
            }
        }
        keys.extend(members.keys().map(|&r| NodeRef::Cluster(r)));
        keys.extend(st.txs.iter().map(|&t| NodeRef::Tx(t)));
        keys.sort();
        let index: HashMap<NodeRef, u32> = keys.iter().enumerate().map(|(i, k)| (*k, i as u32)).collect();

        let mut nodes: Vec<ViewNode> = keys
            .iter()
            .map(|&key| {
                let tag = st.tags.get(&key);
                let (mut label, mut labelled, mut category) = (String::new(), false, tag.and_then(|t| t.category));
                if let Some(t) = tag.filter(|t| !t.label.trim().is_empty()) {
                    label = t.label.clone();
                    labelled = true;
                }
                let (time, n, radius) = match key {
                    NodeRef::Addr(a) => {
                        if let Some(l) = ex.labels(a).first() {
                            if !labelled {
                                label = l.label.clone();
                                labelled = true;
                            }
                            category = category.or(Some(l.category));
                        }
                        if label.is_empty() {
                            label = short(&c.address_string(a));
                        }
                        (None, 1, ADDRESS_RADIUS)
                    }
                    NodeRef::Tx(t) => {
                        if label.is_empty() {
                            label = short(&c.txs[t].txid().to_string());
                        }
                        (Some(ex.time(t)), 1, TX_RADIUS)
                    }
                    NodeRef::Cluster(r) => {
                        let n = members.get(&r).copied().unwrap_or(0);
                        let known = b.members_on_board(r).into_iter().find_map(|m| ex.labels(m).first().cloned());
                        if let Some(l) = known {
                            category = category.or(Some(l.category));
                            if !labelled {
                                label = format!("{} (cluster)", l.label);
                                labelled = true;
                            }
                        }
                        if label.is_empty() {
                            label = format!("cluster of {}", short(&c.address_string(r)));
                        }
                        (None, n, CLUSTER_RADIUS + (n as f32).ln().max(0.0) * 3.0)
                    }
                };
                ViewNode {
                    key,
                    pos: st.pos.get(&key).copied().unwrap_or([0.0, 0.0]),
                    label,
                    labelled,
                    category,
                    colour: tag.and_then(|t| t.colour),
                    hidden: false,
                    highlighted: st.highlight.contains(&key),
                    pinned: st.pinned.contains(&key),
                    time,
                    members: n,
                    radius,
                }
            })
            .collect();

        // Edges, summed per (from, to) pair, in a fixed order.
        let mut sums: HashMap<(u32, u32), u64> = HashMap::new();
        let mut order: Vec<(u32, u32)> = Vec::new();
        let mut add = |from: u32, to: u32, v: u64| {
            let e = sums.entry((from, to)).or_insert_with(|| {
                order.push((from, to));
                0
            });
            *e += v;
        };
        for &t in &st.txs {
            let ti = index[&NodeRef::Tx(t)];
            let r = &c.txs[t];
            for p in c.inputs[r.inputs()].iter().filter_map(InputRecord::prev) {
                let o = &c.outputs[p];
                if let Some(a) = o.addr().filter(|a| st.addrs.contains(a)) {
                    add(index[&b.node_of_addr(a)], ti, o.value);
                }
            }
            for o in &c.outputs[r.outputs()] {
                if let Some(a) = o.addr().filter(|a| st.addrs.contains(a)) {
                    add(ti, index[&b.node_of_addr(a)], o.value);
                }
            }
        }

        // The timeline filter hides transactions outside it, and addresses all of whose
        // transactions on the board are hidden.
        if let Some((lo, hi)) = b.filter {
            for n in nodes.iter_mut() {
                if let Some(t) = n.time {
                    n.hidden = t < lo || t > hi;
                }
            }
            let mut shown_links: HashMap<u32, (usize, usize)> = HashMap::new();
            for &(f, t) in &order {
                for (me, other) in [(f, t), (t, f)] {
                    if nodes[me as usize].time.is_none() {
                        let e = shown_links.entry(me).or_default();
                        e.0 += 1;
                        e.1 += usize::from(!nodes[other as usize].hidden);
                    }
                }
            }
            for (me, (all, shown)) in shown_links {
                if all > 0 && shown == 0 {
                    nodes[me as usize].hidden = true;
                }
            }
        }

        let edges = order
            .into_iter()
            .map(|(from, to)| {
                let (f, t) = (&nodes[from as usize], &nodes[to as usize]);
                let addr_end = if f.time.is_some() { t } else { f };
                ViewEdge {
                    from,
                    to,
                    value: sums[&(from, to)],
                    category: addr_end.category,
                    colour: addr_end.colour,
                    highlighted: f.highlighted && t.highlighted,
                    hidden: f.hidden || t.hidden,
                }
            })
            .collect();
        View { nodes, edges, index }
    }

    /// The position of a node in `nodes`.
    pub fn index(&self, key: NodeRef) -> Option<u32> {
        self.index.get(&key).copied()
    }

    pub fn node(&self, key: NodeRef) -> Option<&ViewNode> {
        self.index(key).map(|i| &self.nodes[i as usize])
    }

    pub(super) fn set_pos(&mut self, i: usize, p: [f32; 2]) {
        self.nodes[i].pos = p;
    }

    /// The nearest shown node whose radius (plus `slack`) covers the point.
    pub fn hit(&self, p: [f32; 2], slack: f32) -> Option<NodeRef> {
        let mut best: Option<(f32, NodeRef)> = None;
        for n in self.nodes.iter().filter(|n| !n.hidden) {
            let d = ((n.pos[0] - p[0]).powi(2) + (n.pos[1] - p[1]).powi(2)).sqrt();
            if d <= n.radius + slack && best.is_none_or(|(bd, _)| d < bd) {
                best = Some((d, n.key));
            }
        }
        best.map(|(_, k)| k)
    }

    /// The shown nodes whose centres lie in the rectangle with corners `a` and `b`.
    pub fn in_rect(&self, a: [f32; 2], b: [f32; 2]) -> Vec<NodeRef> {
        let (x0, x1) = (a[0].min(b[0]), a[0].max(b[0]));
        let (y0, y1) = (a[1].min(b[1]), a[1].max(b[1]));
        self.nodes
            .iter()
            .filter(|n| !n.hidden && (x0..=x1).contains(&n.pos[0]) && (y0..=y1).contains(&n.pos[1]))
            .map(|n| n.key)
            .collect()
    }

    /// The bounding box of the shown nodes, or `None` when nothing is shown.
    pub fn bounds(&self) -> Option<([f32; 2], [f32; 2])> {
        let mut it = self.nodes.iter().filter(|n| !n.hidden);
        let first = it.next()?;
        let (mut lo, mut hi) = (first.pos, first.pos);
        for n in it {
            lo = [lo[0].min(n.pos[0]), lo[1].min(n.pos[1])];
            hi = [hi[0].max(n.pos[0]), hi[1].max(n.pos[1])];
        }
        Some((lo, hi))
    }
}
