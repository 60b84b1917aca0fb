//! Layouts: a force-directed one that settles step by step (Fruchterman–Reingold with a grid,
//! so that a step stays linear in the number of nodes), and a left-to-right time layout.

use std::collections::{BTreeMap, HashMap};

use super::{Board, NodeRef};

/// Boards from this many nodes spread a force step's repulsion over the cores.
const PARALLEL_FROM: usize = 2048;

/// The length an edge settles at, in board units.
pub const IDEAL_EDGE: f32 = 60.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    Force,
    Time,
}

impl Board {
    /// Starts (or restarts) the force layout; [`Board::step_force`] then moves it on.
    pub fn start_force(&mut self) {
        if !self.is_empty() {
            self.checkpoint();
            self.temperature = IDEAL_EDGE;
        }
    }

    /// Whether the force layout is still moving nodes.
    pub fn settling(&self) -> bool {
        self.temperature > 0.0
    }

    /// Stops the force layout where it is.
    pub fn stop_force(&mut self) {
        self.temperature = 0.0;
    }

    /// One step of the force layout. Returns the largest distance a node moved; the layout
    /// has settled (and stops) once nodes move less than a tenth of a unit or it has cooled.
    pub fn step_force(&mut self) -> f32 {
        if self.temperature <= 0.0 {
            return 0.0;
        }
        self.view();
        let view = &self.view;
        let n = view.nodes.len();
        if n == 0 {
            self.temperature = 0.0;
            return 0.0;
        }
        let k = IDEAL_EDGE;
        let cell = 2.0 * k;
        let pos: Vec<[f32; 2]> = view.nodes.iter().map(|n| n.pos).collect();
        let cell_of = |p: [f32; 2]| ((p[0] / cell).floor() as i32, (p[1] / cell).floor() as i32);
        let grid = Grid::new(pos.iter().map(|p| cell_of(*p)).collect());
        // Each node's push from its neighbours, in parallel: every node's sum is its own and
        // added up in the same order, so the layout is the same on any number of cores.
        let repulse = |i: usize| -> [f32; 2] {
            let mut disp = [0f32; 2];
            let (cx, cy) = grid.cells[i];
            for dx in -1..=1 {
                for dy in -1..=1 {
                    for &j in grid.at(cx + dx, cy + dy) {
                        let j = j as usize;
                        if j == i {
                            continue;
                        }
                        let mut d = [pos[i][0] - pos[j][0], pos[i][1] - pos[j][1]];
                        let mut d2 = d[0] * d[0] + d[1] * d[1];
                        if d2 < 0.01 {
                            // Two nodes on one spot: part them in a direction fixed by their order.
                            let a = (i.min(j) * 7 + i.max(j)) as f32 * 2.399_963
                                + if i < j { 0.0 } else { std::f32::consts::PI };
                            d = [a.cos() * 0.1, a.sin() * 0.1];
                            d2 = 0.01;
                        }
                        if d2 > cell * cell {
                            continue;
                        }
                        let f = k * k / d2;
                        disp[0] += d[0] * f;
                        disp[1] += d[1] * f;
                    }
                }
            }
            disp
        };
        let mut disp: Vec<[f32; 2]> = if n >= PARALLEL_FROM {
            use rayon::prelude::*;
            (0..n).into_par_iter().with_min_len(1024).map(repulse).collect()
        } else {
            (0..n).map(repulse).collect()
        };
        for e in &view.edges {
            let (a, b) = (e.from as usize, e.to as usize);
            let d = [pos[a][0] - pos[b][0], pos[a][1] - pos[b][1]];
            let dist = (d[0] * d[0] + d[1] * d[1]).sqrt();
            let f = dist / k;
            disp[a][0] -= d[0] * f;
            disp[a][1] -= d[1] * f;
            disp[b][0] += d[0] * f;
            disp[b][1] += d[1] * f;
        }
        let centre =
            [pos.iter().map(|p| p[0]).sum::<f32>() / n as f32, pos.iter().map(|p| p[1]).sum::<f32>() / n as f32];
        let mut largest = 0f32;
        let t = self.temperature;
        let mut moved = Vec::with_capacity(n);
        for i in 0..n {
            if view.nodes[i].pinned {
                continue;
            }
            let d = [disp[i][0] + (centre[0] - pos[i][0]) * 0.01, disp[i][1] + (centre[1] - pos[i][1]) * 0.01];
            let len = (d[0] * d[0] + d[1] * d[1]).sqrt();
            if len <= f32::EPSILON {
                continue;
            }
            let step = len.min(t);
            largest = largest.max(step);
            moved.push((i, [pos[i][0] + d[0] / len * step, pos[i][1] + d[1] / len * step]));
        }
        for (i, p) in moved {
            let key = self.view.nodes[i].key;
            self.view.set_pos(i, p);
            self.state.pos.insert(key, p);
        }
        self.temperature *= 0.96;
        if self.temperature < 0.5 || largest < 0.1 {
            self.temperature = 0.0;
        }
        self.revision += 1;
        largest
    }

    /// Runs the force layout until it settles or `max_steps` have run; returns the steps run.
    pub fn settle(&mut self, max_steps: usize) -> usize {
        self.start_force();
        let mut steps = 0;
        while self.settling() && steps < max_steps {
            self.step_force();
            steps += 1;
        }
        steps
    }

    /// Lays the board out left to right in time: transactions in columns by block time,
    /// each address just right of the transaction that first paid it (or just left of the
    /// one it first spent in); within a column, nodes keep their vertical order.
    pub fn time_layout(&mut self) {
        if self.is_empty() {
            return;
        }
        self.checkpoint();
        self.temperature = 0.0;
        self.view();
        let view = &self.view;
        let mut times: Vec<u32> = view.nodes.iter().filter_map(|n| n.time).collect();
        times.sort_unstable();
        times.dedup();
        let rank = |t: u32| times.binary_search(&t).unwrap_or(0) as i64;
        // Column of each node: transactions at even columns, addresses at odd ones.
        let mut col: Vec<Option<i64>> = view.nodes.iter().map(|n| n.time.map(|t| 2 * rank(t))).collect();
        let mut first_in: HashMap<u32, i64> = HashMap::new();
        let mut first_out: HashMap<u32, i64> = HashMap::new();
        for e in &view.edges {
            if let Some(t) = view.nodes[e.from as usize].time {
                let c = first_in.entry(e.to).or_insert(i64::MAX);
                *c = (*c).min(2 * rank(t) + 1);
            }
            if let Some(t) = view.nodes[e.to as usize].time {
                let c = first_out.entry(e.from).or_insert(i64::MAX);
                *c = (*c).min(2 * rank(t) - 1);
            }
        }
        for (i, c) in col.iter_mut().enumerate() {
            if c.is_none() {
                let i = i as u32;
                *c = Some(first_in.get(&i).or(first_out.get(&i)).copied().unwrap_or(-1));
            }
        }
        let mut columns: BTreeMap<i64, Vec<usize>> = BTreeMap::new();
        for (i, c) in col.iter().enumerate() {
            columns.entry(c.unwrap_or(0)).or_default().push(i);
        }
        let gap = IDEAL_EDGE * 0.8;
        let mut placed: Vec<(NodeRef, [f32; 2])> = Vec::with_capacity(view.nodes.len());
        for (c, mut members) in columns {
            members.sort_by(|&a, &b| {
                view.nodes[a].pos[1].total_cmp(&view.nodes[b].pos[1]).then(view.nodes[a].key.cmp(&view.nodes[b].key))
            });
            let h = (members.len() as f32 - 1.0) * gap;
            for (r, i) in members.into_iter().enumerate() {
                placed.push((view.nodes[i].key, [c as f32 * IDEAL_EDGE * 1.2, r as f32 * gap - h / 2.0]));
            }
        }
        for (k, p) in placed {
            self.state.pos.insert(k, p);
        }
        self.state.pinned.clear();
        self.touched();
    }
}

/// The nodes by grid cell, each cell's nodes in ascending order: a dense table over the
/// cells' bounding box when that is not much larger than the number of nodes, else (a board
/// spread wide by the time layout has hundreds of empty cells per node) a hash of the
/// occupied cells.
struct Grid {
    /// Each node's cell.
    cells: Vec<(i32, i32)>,
    /// Node indices ordered by cell, then by index.
    order: Vec<u32>,
    lookup: Lookup,
}

enum Lookup {
    /// `order[start[c]..start[c + 1]]` for the cell `c` of the box at (`x0`, `y0`), `w` wide.
    Dense { x0: i32, y0: i32, w: i64, h: i64, start: Vec<u32> },
    /// Each occupied cell's range of `order`.
    Sparse { ranges: HashMap<(i32, i32), (u32, u32), std::hash::BuildHasherDefault<CellHasher>> },
}

/// A hasher for grid cells: two small integers mixed by a multiplication, far cheaper than
/// the default SipHash for the ~10 lookups a node makes per step (nothing here is an input
/// anyone controls).
#[derive(Default)]
struct CellHasher(u64);

impl std::hash::Hasher for CellHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_i32(&mut self, v: i32) {
        self.write_u64(u64::from(v as u32));
    }

    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl Grid {
    fn new(cells: Vec<(i32, i32)>) -> Grid {
        let n = cells.len();
        let (mut x0, mut y0, mut x1, mut y1) = (i32::MAX, i32::MAX, i32::MIN, i32::MIN);
        for &(x, y) in &cells {
            (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
        }
        let (w, h) = (i64::from(x1) - i64::from(x0) + 1, i64::from(y1) - i64::from(y0) + 1);
        if n > 0 && w.saturating_mul(h) <= 8 * n as i64 + 4096 {
            let index =
                |&(x, y): &(i32, i32)| ((i64::from(y) - i64::from(y0)) * w + (i64::from(x) - i64::from(x0))) as usize;
            // A counting sort: stable, so each cell keeps its nodes in ascending order.
            let mut start = vec![0u32; (w * h) as usize + 1];
            for c in &cells {
                start[index(c) + 1] += 1;
            }
            for k in 1..start.len() {
                start[k] += start[k - 1];
            }
            let mut fill = start.clone();
            let mut order = vec![0u32; n];
            for (i, c) in cells.iter().enumerate() {
                let at = &mut fill[index(c)];
                order[*at as usize] = i as u32;
                *at += 1;
            }
            Grid { cells, order, lookup: Lookup::Dense { x0, y0, w, h, start } }
        } else {
            let mut order: Vec<u32> = (0..n as u32).collect();
            order.sort_unstable_by_key(|&i| (cells[i as usize], i));
            let mut ranges = HashMap::with_capacity_and_hasher(n, Default::default());
            let mut from = 0;
            for k in 1..=n {
                if k == n || cells[order[k] as usize] != cells[order[from] as usize] {
                    ranges.insert(cells[order[from] as usize], (from as u32, k as u32));
                    from = k;
                }
            }
            Grid { cells, order, lookup: Lookup::Sparse { ranges } }
        }
    }

    /// The nodes in the cell (`x`, `y`), in ascending order.
    fn at(&self, x: i32, y: i32) -> &[u32] {
        match &self.lookup {
            Lookup::Dense { x0, y0, w, h, start } => {
                let (dx, dy) = (i64::from(x) - i64::from(*x0), i64::from(y) - i64::from(*y0));
                if dx < 0 || dy < 0 || dx >= *w || dy >= *h {
                    return &[];
                }
                let c = (dy * w + dx) as usize;
                &self.order[start[c] as usize..start[c + 1] as usize]
            }
            Lookup::Sparse { ranges } => {
                ranges.get(&(x, y)).map_or(&[], |&(from, to)| &self.order[from as usize..to as usize])
            }
        }
    }
}
