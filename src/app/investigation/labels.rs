//! Labels on the canvas: a short name beside each node, and each edge's value and date at
//! its middle, placed most important first and only where they overlap nothing already
//! placed, inside the canvas (never over a panel). Zoomed out, fewer fit, so the canvas thins
//! its labels out by itself.

use bevy_egui::egui::{self, Rect};

/// Cells of this many points index what is placed.
const CELL: f32 = 48.0;

/// Rectangles placed so far, found by grid cell.
pub struct Placer {
    area: Rect,
    cols: usize,
    cells: Vec<Vec<u32>>,
    pub placed: Vec<Rect>,
}

impl Placer {
    /// A placer for labels inside `area`.
    pub fn new(area: Rect) -> Placer {
        let cols = (area.width() / CELL).ceil().max(1.0) as usize;
        let rows = (area.height() / CELL).ceil().max(1.0) as usize;
        Placer { area, cols, cells: vec![Vec::new(); cols * rows], placed: Vec::new() }
    }

    fn cells_of(&self, r: Rect) -> impl Iterator<Item = usize> + use<> {
        let rows = self.cells.len() / self.cols;
        let cell = |v: f32, n: usize| ((v / CELL).floor().max(0.0) as usize).min(n - 1);
        let (x0, x1) = (cell(r.min.x - self.area.min.x, self.cols), cell(r.max.x - self.area.min.x, self.cols));
        let (y0, y1) = (cell(r.min.y - self.area.min.y, rows), cell(r.max.y - self.area.min.y, rows));
        let cols = self.cols;
        (y0..=y1).flat_map(move |y| (x0..=x1).map(move |x| y * cols + x))
    }

    /// Whether `r` lies inside the area and overlaps nothing placed.
    pub fn fits(&self, r: Rect) -> bool {
        self.area.contains_rect(r)
            && self.cells_of(r).all(|c| self.cells[c].iter().all(|&i| !self.placed[i as usize].intersects(r)))
    }

    /// Places `r` if it fits; says whether it did.
    pub fn place(&mut self, r: Rect) -> bool {
        if !self.fits(r) {
            return false;
        }
        self.block(r);
        true
    }

    /// Marks `r` as taken whether or not it fits (a node's disc, which labels must not cover).
    pub fn block(&mut self, r: Rect) {
        let i = self.placed.len() as u32;
        self.placed.push(r);
        for c in self.cells_of(r).collect::<Vec<_>>() {
            self.cells[c].push(i);
        }
    }
}

/// The distance from `p` to the segment `a`–`b`.
pub fn to_segment(p: egui::Pos2, a: egui::Pos2, b: egui::Pos2) -> f32 {
    let ab = b - a;
    let t = if ab.length_sq() < 1e-6 { 0.0 } else { ((p - a).dot(ab) / ab.length_sq()).clamp(0.0, 1.0) };
    (a + ab * t - p).length()
}
