//! The investigation board: the graph a trainee builds on the canvas, free of any engine.
//!
//! The board holds what the trainee put on it (addresses, transactions, folded clusters),
//! where each node sits, pins, tags and the highlighted trace; everything drawn is derived
//! from that in a [`View`]. Every edit the trainee may regret (expanding, removing, moving,
//! folding, tagging, laying out) first records the state, so that it can be undone and redone.

mod layout;
mod saved;
mod view;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use crate::forensics::cluster::Clusters;
use crate::forensics::path::Hop;
use crate::forensics::taint::TraceResult;
use crate::forensics::{Explorer, LookupError};
use crate::ledger::{AddrIdx, InputRecord, OutputRecord, TxIdx};
use crate::vocab::Category;

pub use layout::{IDEAL_EDGE, Layout};
pub use saved::{SavedBoard, SavedNode, SavedTag};
pub use view::{View, ViewEdge, ViewNode};

/// How many neighbours one expansion adds at most; expanding again adds the next ones.
pub const EXPAND_LIMIT: usize = 40;
/// How many states undo keeps.
pub const UNDO_DEPTH: usize = 200;

/// A node of the board: an address, a transaction, or a folded cluster (named by its
/// representative address).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NodeRef {
    Addr(AddrIdx),
    Tx(TxIdx),
    Cluster(AddrIdx),
}

/// Which way to expand or collapse: towards where the funds came from, or where they went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Inputs,
    Outputs,
}

/// The trainee's tag on a node.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Tag {
    pub label: String,
    pub category: Option<Category>,
    /// An RGB colour that overrides the category's.
    pub colour: Option<[u8; 3]>,
    pub note: String,
}

/// What an expansion did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Expanded {
    pub added: usize,
    /// Neighbours on that side still off the board (expand again for the next ones).
    pub more: usize,
}

/// Everything undo restores.
#[derive(Debug, Clone, Default, PartialEq)]
struct State {
    addrs: BTreeSet<AddrIdx>,
    txs: BTreeSet<TxIdx>,
    /// Representatives of the clusters shown folded.
    folded: BTreeSet<AddrIdx>,
    pos: HashMap<NodeRef, [f32; 2]>,
    pinned: BTreeSet<NodeRef>,
    tags: BTreeMap<NodeRef, Tag>,
    highlight: BTreeSet<NodeRef>,
}

/// The board over one explorer and its clusters.
pub struct Board {
    pub explorer: Arc<Explorer>,
    pub clusters: Arc<Clusters>,
    state: State,
    undo: Vec<State>,
    redo: Vec<State>,
    /// The selected nodes (not part of undo: selecting is not an edit).
    pub selected: BTreeSet<NodeRef>,
    /// Only what happened in this time range (Unix seconds, inclusive) is shown.
    filter: Option<(u32, u32)>,
    view: View,
    stale: bool,
    revision: u64,
    /// Like `revision`, but not counting moves of nodes.
    content: u64,
    /// The force layout's temperature: how far a node may move in one step; 0 when settled.
    temperature: f32,
}

impl Board {
    pub fn new(explorer: Arc<Explorer>, clusters: Arc<Clusters>) -> Board {
        Board {
            explorer,
            clusters,
            state: State::default(),
            undo: Vec::new(),
            redo: Vec::new(),
            selected: BTreeSet::new(),
            filter: None,
            view: View::default(),
            stale: true,
            revision: 0,
            content: 0,
            temperature: 0.0,
        }
    }

    /// Counts every change to what is drawn, so that a renderer knows when to redraw.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// Counts changes to what is shown other than where nodes are (which nodes and edges,
    /// names, tags, highlights): what the canvas's label texts depend on, so that a layout
    /// that moves every node each frame does not make them laid out again.
    pub fn content_revision(&self) -> u64 {
        self.content
    }

    fn touched(&mut self) {
        self.stale = true;
        self.revision += 1;
        self.content += 1;
    }

    /// Records the state before an edit.
    fn checkpoint(&mut self) {
        self.undo.push(self.state.clone());
        if self.undo.len() > UNDO_DEPTH {
            self.undo.remove(0);
        }
        self.redo.clear();
    }

    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }

    /// Goes back one edit; false when there is none.
    pub fn undo(&mut self) -> bool {
        let Some(s) = self.undo.pop() else { return false };
        self.redo.push(std::mem::replace(&mut self.state, s));
        self.after_history();
        true
    }

    /// Goes forward one undone edit; false when there is none.
    pub fn redo(&mut self) -> bool {
        let Some(s) = self.redo.pop() else { return false };
        self.undo.push(std::mem::replace(&mut self.state, s));
        self.after_history();
        true
    }

    fn after_history(&mut self) {
        self.temperature = 0.0;
        self.touched();
        self.view();
        let view = &self.view;
        let keep: BTreeSet<NodeRef> = self.selected.iter().copied().filter(|k| view.index(*k).is_some()).collect();
        self.selected = keep;
    }

    /// How many addresses and transactions are on the board (folded ones included).
    pub fn len(&self) -> usize {
        self.state.addrs.len() + self.state.txs.len()
    }

    /// Whether the board is empty.
    pub fn is_empty(&self) -> bool {
        self.state.addrs.is_empty() && self.state.txs.is_empty()
    }

    /// The node that shows an address: its folded cluster, or itself.
    pub fn node_of_addr(&self, a: AddrIdx) -> NodeRef {
        let r = self.clusters.root[a.index()];
        if self.state.folded.contains(&r) { NodeRef::Cluster(r) } else { NodeRef::Addr(a) }
    }

    /// Whether an address or transaction is on the board (shown, or folded into a cluster).
    pub fn holds(&self, key: NodeRef) -> bool {
        match key {
            NodeRef::Addr(a) => self.state.addrs.contains(&a),
            NodeRef::Tx(t) => self.state.txs.contains(&t),
            NodeRef::Cluster(r) => self.state.folded.contains(&r),
        }
    }

    /// Where a node sits.
    pub fn position(&self, key: NodeRef) -> Option<[f32; 2]> {
        self.state.pos.get(&key).copied()
    }

    pub fn is_pinned(&self, key: NodeRef) -> bool {
        self.state.pinned.contains(&key)
    }

    pub fn tag(&self, key: NodeRef) -> Option<&Tag> {
        self.state.tags.get(&key)
    }

    pub fn tags(&self) -> impl Iterator<Item = (&NodeRef, &Tag)> {
        self.state.tags.iter()
    }

    pub fn highlighted(&self) -> &BTreeSet<NodeRef> {
        &self.state.highlight
    }

    pub fn filter(&self) -> Option<(u32, u32)> {
        self.filter
    }

    /// Shows only what happened between two times (Unix seconds), or everything.
    pub fn set_filter(&mut self, range: Option<(u32, u32)>) {
        if self.filter != range {
            self.filter = range;
            self.touched();
        }
    }

    /// Adds an address or transaction found by text (search, intel, paste), placed at `at`
    /// or beside the board's content. Returns the node that shows it.
    ///
    /// # Errors
    /// Why the text is neither a known address nor a known transaction.
    pub fn add_text(&mut self, text: &str, at: Option<[f32; 2]>) -> Result<NodeRef, LookupError> {
        let key = match self.explorer.address(text) {
            Ok(a) => NodeRef::Addr(a),
            Err(e) => match self.explorer.txid(text) {
                Ok(t) => NodeRef::Tx(t),
                Err(_) if text.trim().len() == 64 => return Err(LookupError::UnknownTxid(text.trim().to_string())),
                Err(_) => return Err(e),
            },
        };
        if !self.holds(key) {
            self.checkpoint();
            let p = at.unwrap_or_else(|| self.free_spot());
            self.insert(key, p);
        }
        Ok(match key {
            NodeRef::Addr(a) => self.node_of_addr(a),
            k => k,
        })
    }

    /// The free place nearest to `p` (no node within an edge's length), searched on rings
    /// around it: where a node added while the trainee looks at `p` can go and be seen.
    pub fn free_spot_near(&self, p: [f32; 2]) -> [f32; 2] {
        let free = |q: [f32; 2]| {
            self.state.pos.values().all(|o| (o[0] - q[0]).powi(2) + (o[1] - q[1]).powi(2) >= IDEAL_EDGE * IDEAL_EDGE)
        };
        for ring in 0..12 {
            let r = ring as f32 * IDEAL_EDGE;
            let steps = if ring == 0 { 1 } else { 6 * ring };
            for s in 0..steps {
                let a = s as f32 / steps as f32 * std::f32::consts::TAU;
                let q = [p[0] + r * a.cos(), p[1] + r * a.sin()];
                if free(q) {
                    return q;
                }
            }
        }
        p
    }

    /// A place to the right of everything on the board.
    fn free_spot(&self) -> [f32; 2] {
        if self.state.pos.is_empty() {
            return [0.0, 0.0];
        }
        let max_x = self.state.pos.values().map(|p| p[0]).fold(f32::MIN, f32::max);
        let mean_y = self.state.pos.values().map(|p| p[1]).sum::<f32>() / self.state.pos.len() as f32;
        [max_x + 3.0 * IDEAL_EDGE, mean_y]
    }

    /// Puts an address or transaction on the board (no checkpoint).
    fn insert(&mut self, key: NodeRef, p: [f32; 2]) {
        match key {
            NodeRef::Addr(a) => {
                self.state.addrs.insert(a);
                let shown = self.node_of_addr(a);
                self.state.pos.entry(shown).or_insert(p);
            }
            NodeRef::Tx(t) => {
                self.state.txs.insert(t);
            }
            NodeRef::Cluster(_) => return,
        }
        self.state.pos.entry(key).or_insert(p);
        self.touched();
    }

    /// The neighbours of a node on one side, in chain order: for an address, the transactions
    /// that paid it (inputs) or that it spent in (outputs); for a transaction, the addresses
    /// it spent from or paid; for a cluster, those of its members on the board.
    pub fn neighbours(&self, key: NodeRef, side: Side) -> Vec<NodeRef> {
        let ex = &self.explorer;
        let c = &ex.chain;
        let mut out = Vec::new();
        match key {
            NodeRef::Addr(a) => {
                for &t in ex.txs_of(a) {
                    let (recv, sent) = ex.flows(a, t);
                    if (side == Side::Inputs && recv > 0) || (side == Side::Outputs && sent > 0) {
                        out.push(NodeRef::Tx(t));
                    }
                }
            }
            NodeRef::Tx(t) => {
                let r = &c.txs[t];
                let addrs: Vec<AddrIdx> = match side {
                    Side::Inputs => c.inputs[r.inputs()]
                        .iter()
                        .filter_map(InputRecord::prev)
                        .filter_map(|p| c.outputs[p].addr())
                        .collect(),
                    Side::Outputs => c.outputs[r.outputs()].iter().filter_map(OutputRecord::addr).collect(),
                };
                let mut seen = BTreeSet::new();
                for a in addrs {
                    if seen.insert(a) {
                        out.push(NodeRef::Addr(a));
                    }
                }
            }
            NodeRef::Cluster(r) => {
                let members: Vec<AddrIdx> = self.members_on_board(r);
                let mut seen = BTreeSet::new();
                for m in members {
                    for n in self.neighbours(NodeRef::Addr(m), side) {
                        if seen.insert(n) {
                            out.push(n);
                        }
                    }
                }
                out.sort();
            }
        }
        out
    }

    /// The members of a cluster that are on the board.
    pub fn members_on_board(&self, root: AddrIdx) -> Vec<AddrIdx> {
        self.clusters.members(root).iter().copied().filter(|m| self.state.addrs.contains(m)).collect()
    }

    /// Adds up to [`EXPAND_LIMIT`] of a node's neighbours on one side that are not on the
    /// board yet, fanned out beside it.
    pub fn expand(&mut self, key: NodeRef, side: Side) -> Expanded {
        let all = self.neighbours(key, side);
        let missing: Vec<NodeRef> = all.into_iter().filter(|n| !self.holds(*n)).collect();
        if missing.is_empty() {
            return Expanded::default();
        }
        self.checkpoint();
        let take = missing.len().min(EXPAND_LIMIT);
        let origin = self.position(key).unwrap_or([0.0, 0.0]);
        let dir = if side == Side::Outputs { 1.0 } else { -1.0 };
        for (i, n) in missing.iter().take(take).enumerate() {
            let spread = (i as f32 - (take as f32 - 1.0) / 2.0) * IDEAL_EDGE * 0.6;
            self.insert(*n, [origin[0] + dir * 1.5 * IDEAL_EDGE, origin[1] + spread]);
        }
        Expanded { added: take, more: missing.len() - take }
    }

    /// Removes the neighbours on one side that hang on this node alone (nothing else on the
    /// board links to them) and that carry no tag, pin or highlight. Returns how many went.
    pub fn collapse(&mut self, key: NodeRef, side: Side) -> usize {
        self.view();
        let view = &self.view;
        let Some(me) = view.index(key) else { return 0 };
        let mut degree: HashMap<u32, usize> = HashMap::new();
        for e in &view.edges {
            *degree.entry(e.from).or_default() += 1;
            *degree.entry(e.to).or_default() += 1;
        }
        let mut gone = Vec::new();
        for e in &view.edges {
            let other = match side {
                Side::Outputs if e.from == me => e.to,
                Side::Inputs if e.to == me => e.from,
                _ => continue,
            };
            let k = view.nodes[other as usize].key;
            if degree[&other] == 1
                && !self.state.tags.contains_key(&k)
                && !self.state.pinned.contains(&k)
                && !self.state.highlight.contains(&k)
                && !matches!(k, NodeRef::Cluster(_))
            {
                gone.push(k);
            }
        }
        self.remove(&gone)
    }

    fn delete(&mut self, k: NodeRef) {
        match k {
            NodeRef::Addr(a) => {
                self.state.addrs.remove(&a);
            }
            NodeRef::Tx(t) => {
                self.state.txs.remove(&t);
            }
            NodeRef::Cluster(r) => {
                for m in self.members_on_board(r) {
                    self.state.addrs.remove(&m);
                    self.state.pos.remove(&NodeRef::Addr(m));
                }
                self.state.folded.remove(&r);
            }
        }
        self.state.pos.remove(&k);
        self.state.pinned.remove(&k);
        self.state.highlight.remove(&k);
        self.selected.remove(&k);
    }

    /// Takes nodes off the board (tags stay, for when they come back).
    pub fn remove(&mut self, keys: &[NodeRef]) -> usize {
        let keys: Vec<NodeRef> = keys.iter().copied().filter(|k| self.holds(*k)).collect();
        if keys.is_empty() {
            return 0;
        }
        self.checkpoint();
        for k in &keys {
            self.delete(*k);
        }
        self.touched();
        keys.len()
    }

    /// Folds the cluster of an address (every member on the board becomes one node at their
    /// centre). Returns the cluster node, or `None` for an address alone in its cluster.
    pub fn fold(&mut self, addr: AddrIdx) -> Option<NodeRef> {
        let r = self.clusters.root[addr.index()];
        if self.clusters.members(r).len() < 2 || self.state.folded.contains(&r) {
            return self.state.folded.contains(&r).then_some(NodeRef::Cluster(r));
        }
        self.checkpoint();
        let members = self.members_on_board(r);
        let pts: Vec<[f32; 2]> =
            members.iter().filter_map(|m| self.state.pos.get(&NodeRef::Addr(*m)).copied()).collect();
        let centre = if pts.is_empty() {
            self.free_spot()
        } else {
            let n = pts.len() as f32;
            [pts.iter().map(|p| p[0]).sum::<f32>() / n, pts.iter().map(|p| p[1]).sum::<f32>() / n]
        };
        self.state.folded.insert(r);
        self.state.addrs.insert(addr);
        self.state.pos.insert(NodeRef::Cluster(r), centre);
        for m in members {
            self.selected.remove(&NodeRef::Addr(m));
        }
        self.touched();
        Some(NodeRef::Cluster(r))
    }

    /// Unfolds a cluster: its members on the board show again where they were.
    pub fn unfold(&mut self, root: AddrIdx) -> bool {
        if !self.state.folded.contains(&root) {
            return false;
        }
        self.checkpoint();
        self.state.folded.remove(&root);
        let centre = self.state.pos.remove(&NodeRef::Cluster(root)).unwrap_or([0.0, 0.0]);
        for (i, m) in self.members_on_board(root).into_iter().enumerate() {
            let angle = i as f32 * 2.399_963;
            let r = IDEAL_EDGE * (0.5 + (i as f32).sqrt() * 0.4);
            self.state
                .pos
                .entry(NodeRef::Addr(m))
                .or_insert([centre[0] + r * angle.cos(), centre[1] + r * angle.sin()]);
        }
        self.selected.remove(&NodeRef::Cluster(root));
        self.touched();
        true
    }

    /// Records the state before a drag; call once when the drag begins.
    pub fn begin_move(&mut self) {
        self.checkpoint();
    }

    /// Moves nodes by `delta` and pins them, so that the layout leaves them where the
    /// trainee put them.
    pub fn move_by(&mut self, keys: &[NodeRef], delta: [f32; 2]) {
        self.view();
        for k in keys {
            if let Some(p) = self.state.pos.get_mut(k) {
                p[0] += delta[0];
                p[1] += delta[1];
                self.state.pinned.insert(*k);
                if let Some(i) = self.view.index(*k) {
                    let n = &mut self.view.nodes[i as usize];
                    n.pos = *p;
                    n.pinned = true;
                }
            }
        }
        self.revision += 1;
    }

    /// Unpins nodes (the force layout may move them again).
    pub fn unpin(&mut self, keys: &[NodeRef]) {
        if keys.iter().any(|k| self.state.pinned.contains(k)) {
            self.checkpoint();
            for k in keys {
                self.state.pinned.remove(k);
            }
            self.touched();
        }
    }

    /// Sets or replaces the trainee's tag on a node; an empty tag removes it.
    pub fn set_tag(&mut self, key: NodeRef, tag: Tag) {
        let empty = tag.label.trim().is_empty() && tag.note.trim().is_empty() && tag.category.is_none();
        if self.state.tags.get(&key) == Some(&tag) || (empty && !self.state.tags.contains_key(&key)) {
            return;
        }
        self.checkpoint();
        if empty {
            self.state.tags.remove(&key);
        } else {
            self.state.tags.insert(key, tag);
        }
        self.touched();
    }

    /// Shows a path's hops on the board and highlights them (and only them).
    pub fn show_hops(&mut self, hops: &[Hop]) -> usize {
        let mut keys = Vec::new();
        for h in hops {
            if let (Ok(a), Ok(t), Ok(b)) =
                (self.explorer.address(&h.from), self.explorer.txid(&h.txid), self.explorer.address(&h.to))
            {
                keys.extend([NodeRef::Addr(a), NodeRef::Tx(t), NodeRef::Addr(b)]);
            }
        }
        self.show_highlighted(keys)
    }

    /// Shows the `top` largest amounts a trace reached, with the transactions (and the
    /// addresses between them) that carried them, highlighted.
    pub fn show_trace(&mut self, result: &TraceResult, top: usize) -> usize {
        let ex = Arc::clone(&self.explorer);
        let c = &ex.chain;
        let mut keys = Vec::new();
        if let Ok(o) = ex.address(&result.origin) {
            keys.push(NodeRef::Addr(o));
        }
        let mut reached: Vec<_> = result.reached.iter().filter(|r| !r.path.is_empty()).collect();
        reached.sort_by(|a, b| b.amount.cmp(&a.amount).then_with(|| a.address.cmp(&b.address)));
        for r in reached.into_iter().take(top) {
            let txs: Vec<TxIdx> = r.path.iter().filter_map(|t| ex.txid(t).ok()).collect();
            for w in txs.windows(2) {
                let (t0, t1) = (w[0], w[1]);
                for out in &c.outputs[c.txs[t0].outputs()] {
                    if let (Some(sp), Some(a)) = (out.spent_by(), out.addr())
                        && c.inputs[sp].tx == t1
                    {
                        keys.push(NodeRef::Addr(a));
                    }
                }
            }
            keys.extend(txs.iter().map(|&t| NodeRef::Tx(t)));
            if let Ok(a) = ex.address(&r.address) {
                keys.push(NodeRef::Addr(a));
            }
        }
        self.show_highlighted(keys)
    }

    fn show_highlighted(&mut self, keys: Vec<NodeRef>) -> usize {
        self.checkpoint();
        // New nodes go in a row, left to right in chain order, under what is there.
        let below = self.state.pos.values().map(|p| p[1]).fold(f32::MIN, f32::max);
        let base_y = if below == f32::MIN { 0.0 } else { below + 3.0 * IDEAL_EDGE };
        let mut highlight = BTreeSet::new();
        let mut col = 0.0;
        for k in keys {
            if !self.holds(k) {
                self.insert(k, [col * IDEAL_EDGE, base_y + (col * 0.7).sin() * IDEAL_EDGE]);
                col += 1.0;
            }
            highlight.insert(match k {
                NodeRef::Addr(a) => self.node_of_addr(a),
                k => k,
            });
        }
        let n = highlight.len();
        self.state.highlight = highlight;
        self.touched();
        n
    }

    /// Clears the highlighted trace or path.
    pub fn clear_highlight(&mut self) {
        if !self.state.highlight.is_empty() {
            self.checkpoint();
            self.state.highlight.clear();
            self.touched();
        }
    }

    /// The view (nodes and edges as drawn), rebuilt if the board changed.
    pub fn view(&mut self) -> &View {
        if self.stale {
            self.view = View::build(self);
            self.stale = false;
        }
        &self.view
    }

    /// The view as last built (call [`Board::view`] first after an edit).
    pub fn cached_view(&self) -> &View {
        &self.view
    }

    /// The nearest shown node within its radius of a point (in board coordinates), with a
    /// `slack` added to every radius.
    pub fn hit(&mut self, p: [f32; 2], slack: f32) -> Option<NodeRef> {
        self.view().hit(p, slack)
    }

    /// The shown nodes inside a rectangle.
    pub fn in_rect(&mut self, a: [f32; 2], b: [f32; 2]) -> Vec<NodeRef> {
        self.view().in_rect(a, b)
    }

    /// The text that names a node (an address, a txid, a cluster's representative address).
    pub fn name(&self, key: NodeRef) -> String {
        let c = &self.explorer.chain;
        match key {
            NodeRef::Addr(a) | NodeRef::Cluster(a) => c.address_string(a),
            NodeRef::Tx(t) => c.txs[t].txid().to_string(),
        }
    }
}
