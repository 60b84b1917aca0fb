//! The board as a case file keeps it: nodes named by address or txid (never by an index,
//! which means nothing outside one world), their positions, folds, tags and the filter.

use serde::{Deserialize, Serialize};

use super::{Board, NodeRef, State, Tag};
use crate::vocab::Category;

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedBoard {
    /// Addresses and transactions on the board (members of folded clusters included).
    #[serde(default)]
    pub nodes: Vec<SavedNode>,
    /// Folded clusters, each named by one of its addresses.
    #[serde(default)]
    pub folded: Vec<SavedNode>,
    #[serde(default)]
    pub tags: Vec<SavedTag>,
    /// Addresses and txids of the highlighted trace or path.
    #[serde(default)]
    pub highlight: Vec<String>,
    /// The timeline filter (Unix seconds).
    #[serde(default)]
    pub filter: Option<(u32, u32)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedNode {
    /// An address or a txid.
    pub id: String,
    pub x: f32,
    pub y: f32,
    #[serde(default)]
    pub pinned: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedTag {
    /// An address, a txid, or `cluster:` and one of the cluster's addresses.
    pub id: String,
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub category: Option<Category>,
    #[serde(default)]
    pub colour: Option<[u8; 3]>,
    #[serde(default)]
    pub note: String,
}

const CLUSTER: &str = "cluster:";

impl Board {
    /// The board as a case file keeps it.
    pub fn save(&self) -> SavedBoard {
        let st = &self.state;
        let node = |k: NodeRef| {
            let p = st.pos.get(&k).copied().unwrap_or([0.0, 0.0]);
            SavedNode { id: self.name(k), x: p[0], y: p[1], pinned: st.pinned.contains(&k) }
        };
        let mut nodes: Vec<SavedNode> = st.addrs.iter().map(|&a| node(NodeRef::Addr(a))).collect();
        nodes.extend(st.txs.iter().map(|&t| node(NodeRef::Tx(t))));
        let folded = st.folded.iter().map(|&r| node(NodeRef::Cluster(r))).collect();
        let tags = st
            .tags
            .iter()
            .map(|(k, t)| SavedTag {
                id: match k {
                    NodeRef::Cluster(_) => format!("{CLUSTER}{}", self.name(*k)),
                    _ => self.name(*k),
                },
                label: t.label.clone(),
                category: t.category,
                colour: t.colour,
                note: t.note.clone(),
            })
            .collect();
        let highlight = st.highlight.iter().map(|k| self.name(*k)).collect();
        SavedBoard { nodes, folded, tags, highlight, filter: self.filter }
    }

    fn key_of(&self, id: &str) -> Option<NodeRef> {
        if let Some(a) = id.strip_prefix(CLUSTER) {
            return self.explorer.address(a).ok().map(|a| NodeRef::Cluster(self.clusters.root[a.index()]));
        }
        if let Ok(a) = self.explorer.address(id) {
            return Some(NodeRef::Addr(a));
        }
        self.explorer.txid(id).ok().map(NodeRef::Tx)
    }

    /// Replaces the board with a saved one (undo history cleared). Returns the ids that name
    /// nothing in this world, which are left out.
    pub fn restore(&mut self, saved: &SavedBoard) -> Vec<String> {
        let mut st = State::default();
        let mut unknown = Vec::new();
        for n in &saved.nodes {
            match self.key_of(&n.id) {
                Some(k @ (NodeRef::Addr(_) | NodeRef::Tx(_))) => {
                    match k {
                        NodeRef::Addr(a) => st.addrs.insert(a),
                        NodeRef::Tx(t) => st.txs.insert(t),
                        NodeRef::Cluster(_) => unreachable!("matched above"),
                    };
                    st.pos.insert(k, [n.x, n.y]);
                    if n.pinned {
                        st.pinned.insert(k);
                    }
                }
                _ => unknown.push(n.id.clone()),
            }
        }
        for n in &saved.folded {
            match self.explorer.address(&n.id) {
                Ok(a) => {
                    let k = NodeRef::Cluster(self.clusters.root[a.index()]);
                    if let NodeRef::Cluster(r) = k {
                        st.folded.insert(r);
                    }
                    st.pos.insert(k, [n.x, n.y]);
                    if n.pinned {
                        st.pinned.insert(k);
                    }
                }
                Err(_) => unknown.push(n.id.clone()),
            }
        }
        for t in &saved.tags {
            match self.key_of(&t.id) {
                Some(k) => {
                    st.tags.insert(
                        k,
                        Tag { label: t.label.clone(), category: t.category, colour: t.colour, note: t.note.clone() },
                    );
                }
                None => unknown.push(t.id.clone()),
            }
        }
        self.state = st;
        for h in &saved.highlight {
            match self.key_of(h) {
                Some(NodeRef::Addr(a)) => {
                    let k = self.node_of_addr(a);
                    self.state.highlight.insert(k);
                }
                Some(k) => {
                    self.state.highlight.insert(k);
                }
                None => unknown.push(h.clone()),
            }
        }
        self.filter = saved.filter;
        self.undo.clear();
        self.redo.clear();
        self.selected.clear();
        self.temperature = 0.0;
        self.touched();
        unknown
    }
}
