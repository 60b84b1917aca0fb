//! The graph's logic: the board as a resource, the actions that edit it (from the mouse, the
//! keyboard, the panels or a test) and the force layout stepping a little every frame.

use std::time::{Duration, Instant};

use bevy::prelude::*;
use offramp_core::board::{Board, NodeRef, Side, Tag};
use offramp_core::forensics::path::Hop;
use offramp_core::forensics::taint::TraceResult;

/// The trainee's board.
#[derive(Resource)]
pub struct Graph {
    pub board: Board,
    /// What the last action did, when worth saying ("40 of 1,234 transactions added").
    pub notice: Option<String>,
    /// Nodes were added: the canvas should show them if they fell outside its view.
    pub reveal: bool,
}

impl Graph {
    pub fn new(board: Board) -> Graph {
        Graph { board, notice: None, reveal: false }
    }
}

/// Something the trainee does to the graph.
#[derive(Message, Debug, Clone)]
pub enum GraphAction {
    /// Puts an address or transaction (given as text) on the board and selects it.
    Add(String),
    /// Selects these nodes, adding them to the selection or replacing it.
    Select {
        keys: Vec<NodeRef>,
        add: bool,
    },
    SelectAll,
    ClearSelection,
    /// Expands or collapses the selected nodes.
    Expand(Side),
    Collapse(Side),
    /// Takes the selected nodes off the board.
    Remove,
    /// Folds the clusters of the selected addresses, unfolds the selected clusters.
    ToggleFold,
    Unpin,
    /// A drag begins (recorded for undo), then moves the selection.
    BeginMove,
    MoveBy([f32; 2]),
    SetTag(NodeRef, Tag),
    ForceLayout,
    TimeLayout,
    StopLayout,
    Undo,
    Redo,
    ShowHops(Vec<Hop>),
    ShowTrace(Box<TraceResult>),
    ClearHighlight,
    /// Shows only what happened in this range (Unix seconds).
    Filter(Option<(u32, u32)>),
}

/// How many of the largest amounts a trace shows on the canvas.
pub const TRACE_SHOWN: usize = 12;
/// The time the force layout may take from one frame.
const LAYOUT_BUDGET: Duration = Duration::from_millis(6);

pub fn plugin(app: &mut App) {
    app.add_message::<GraphAction>().add_systems(Update, (apply, step_layout).chain().run_if(resource_exists::<Graph>));
}

fn plural(n: usize, one: &str) -> String {
    if n == 1 { format!("1 {one}") } else { format!("{n} {one}s") }
}

/// Applies the actions of this frame, in order.
pub fn apply(
    mut actions: MessageReader<GraphAction>,
    mut graph: ResMut<Graph>,
    canvas: Option<Res<super::canvas::CanvasState>>,
) {
    // New nodes go where the trainee is looking, never under a panel.
    let centre = canvas.map(|c| c.centre);
    for action in actions.read() {
        let g = &mut *graph;
        let b = &mut g.board;
        let selected: Vec<NodeRef> = b.selected.iter().copied().collect();
        match action {
            GraphAction::Add(text) => match b.add_text(text, centre.map(|c| b.free_spot_near(c))) {
                Ok(k) => {
                    g.reveal = true;
                    b.selected.clear();
                    b.selected.insert(k);
                    g.notice = None;
                }
                Err(e) => g.notice = Some(e.to_string()),
            },
            GraphAction::Select { keys, add } => {
                if !add {
                    b.selected.clear();
                }
                let shown: Vec<NodeRef> = keys.iter().copied().filter(|k| b.view().index(*k).is_some()).collect();
                b.selected.extend(shown);
            }
            GraphAction::SelectAll => {
                let all: Vec<NodeRef> = b.view().nodes.iter().filter(|n| !n.hidden).map(|n| n.key).collect();
                b.selected.extend(all);
            }
            GraphAction::ClearSelection => b.selected.clear(),
            GraphAction::Expand(side) => {
                let (mut added, mut more) = (0, 0);
                for k in &selected {
                    let e = b.expand(*k, *side);
                    added += e.added;
                    more += e.more;
                }
                g.reveal |= added > 0;
                g.notice = Some(match (added, more) {
                    (0, 0) => "nothing more on that side".to_string(),
                    (a, 0) => format!("{} added", plural(a, "node")),
                    (a, m) => {
                        format!("{} added; {m} more on that side: expand again for the next ones", plural(a, "node"))
                    }
                });
            }
            GraphAction::Collapse(side) => {
                let gone: usize = selected.iter().map(|k| b.collapse(*k, *side)).sum();
                g.notice = Some(format!("{} removed", plural(gone, "node")));
            }
            GraphAction::Remove => {
                b.remove(&selected);
            }
            GraphAction::ToggleFold => {
                for k in &selected {
                    match *k {
                        NodeRef::Addr(a) => {
                            if b.fold(a).is_none() {
                                g.notice = Some("this address is alone in its cluster".into());
                            }
                        }
                        NodeRef::Cluster(r) => {
                            b.unfold(r);
                        }
                        NodeRef::Tx(_) => {}
                    }
                }
            }
            GraphAction::Unpin => b.unpin(&selected),
            GraphAction::BeginMove => b.begin_move(),
            GraphAction::MoveBy(d) => b.move_by(&selected, *d),
            GraphAction::SetTag(k, t) => b.set_tag(*k, t.clone()),
            GraphAction::ForceLayout => b.start_force(),
            GraphAction::TimeLayout => b.time_layout(),
            GraphAction::StopLayout => b.stop_force(),
            GraphAction::Undo => {
                if !b.undo() {
                    g.notice = Some("nothing to undo".into());
                }
            }
            GraphAction::Redo => {
                if !b.redo() {
                    g.notice = Some("nothing to redo".into());
                }
            }
            GraphAction::ShowHops(h) => {
                let n = b.show_hops(h);
                g.notice = Some(format!("{} highlighted", plural(n, "node")));
            }
            GraphAction::ShowTrace(r) => {
                let n = b.show_trace(r, TRACE_SHOWN);
                g.notice = Some(format!("{} highlighted", plural(n, "node")));
            }
            GraphAction::ClearHighlight => b.clear_highlight(),
            GraphAction::Filter(f) => b.set_filter(*f),
        }
    }
    // Panels read the view as last built: keep it current.
    graph.board.view();
}

/// Moves the force layout on, within a few milliseconds of each frame.
fn step_layout(mut graph: ResMut<Graph>) {
    if !graph.board.settling() {
        return;
    }
    let t = Instant::now();
    while graph.board.settling() && t.elapsed() < LAYOUT_BUDGET {
        graph.board.step_force();
    }
}
