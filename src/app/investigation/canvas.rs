//! The graph canvas, drawn by Bevy on the GPU: a sprite per node (discs for addresses and
//! clusters, squares for transactions), a halo for the selected and highlighted ones, and one
//! mesh for all edges (width after value, colour after tag or category, an arrowhead showing
//! the way the money went). The mouse pans, zooms, selects, box-selects, drags and expands.

use bevy::asset::RenderAssetUsages;
use bevy::mesh::{Indices, PrimitiveTopology};
use bevy::prelude::*;
use bevy::render::render_resource::{Extent3d, TextureDimension, TextureFormat};
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};
use offramp_core::board::{NodeRef, Side};
use offramp_core::scenario::Category;

use super::Screen;
use super::graph::{Graph, GraphAction};

/// The colour of a category on the canvas (also used by the panels' legend).
pub fn category_rgb(c: Option<Category>) -> [u8; 3] {
    match c {
        Some(Category::Exchange) => [70, 140, 250],
        Some(Category::Market) => [225, 65, 65],
        Some(Category::Mixer) => [170, 95, 230],
        Some(Category::CoinJoin) => [125, 110, 240],
        Some(Category::Gambling) => [245, 150, 40],
        Some(Category::Otc) => [40, 190, 175],
        Some(Category::Mining) => [165, 140, 100],
        Some(Category::Vendor) => [240, 95, 160],
        Some(Category::User) => [110, 195, 110],
        Some(Category::Unknown) | None => [150, 158, 172],
    }
}

pub const HIGHLIGHT: [u8; 3] = [255, 210, 60];
const TX_RGB: [u8; 3] = [205, 208, 218];

/// What is being done with the left button.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Drag {
    #[default]
    None,
    /// Moving the selection; `begun` once the first movement was recorded for undo.
    Move { begun: bool },
    /// A selection rectangle from `start` to `now` (board coordinates).
    Box { start: Vec2, now: Vec2 },
}

/// The canvas's view and pointer state, for one investigation.
#[derive(Resource, Debug, Default)]
pub struct CanvasState {
    pub drag: Drag,
    /// The node under the pointer.
    pub hovered: Option<NodeRef>,
    /// Ask the camera to frame everything (on entering, or the Home key).
    pub fit: bool,
    /// What egui gave the canvas this frame: the space between the panels, and the pointer
    /// there that no panel, window or popup took. Set by the panels, read by [`input`].
    pub area: Option<egui::Response>,
    /// The board point at the middle of the visible canvas, where new nodes go.
    pub centre: [f32; 2],
}

/// How board coordinates map to the screen: the camera's centre and scale, the middle of
/// the window and the UI zoom (egui points are `zoom` logical pixels).
#[derive(Debug, Clone, Copy)]
pub struct ScreenMap {
    pub camera: Vec2,
    pub scale: f32,
    pub screen_centre: egui::Pos2,
    pub zoom: f32,
}

impl ScreenMap {
    pub fn new(camera: Vec2, scale: f32, screen: egui::Rect, zoom: f32) -> ScreenMap {
        ScreenMap { camera, scale, screen_centre: screen.center(), zoom: zoom.max(0.01) }
    }

    /// The board point under a screen point.
    pub fn to_board(&self, p: egui::Pos2) -> Vec2 {
        let d = (p - self.screen_centre) * self.zoom * self.scale;
        Vec2::new(self.camera.x + d.x, self.camera.y - d.y)
    }

    /// The screen point of a board point.
    pub fn to_screen(&self, p: [f32; 2]) -> egui::Pos2 {
        let k = 1.0 / (self.zoom * self.scale);
        self.screen_centre + egui::vec2((p[0] - self.camera.x) * k, (self.camera.y - p[1]) * k)
    }

    /// Board units per screen point.
    pub fn units_per_point(&self) -> f32 {
        self.zoom * self.scale
    }
}

#[derive(Resource)]
struct CanvasAssets {
    disc: Handle<Image>,
    ring: Handle<Image>,
    edges: Handle<Mesh>,
    material: Handle<ColorMaterial>,
}

/// What was drawn, to redraw only on change.
#[derive(Resource, Default)]
struct Drawn {
    revision: u64,
    selected: Vec<NodeRef>,
    scale: f32,
    nodes: Vec<Entity>,
    halos: Vec<Entity>,
}

#[derive(Component)]
struct EdgeMesh;

/// The canvas's input: what egui leaves to it, after the panels took theirs.
pub fn input_plugin(app: &mut App) {
    app.add_systems(
        EguiPrimaryContextPass,
        (input, fit)
            .chain()
            .after(super::panels::investigation_panels)
            .before(super::panels::canvas_overlay)
            .run_if(in_state(Screen::Investigation).and_then(resource_exists::<Graph>)),
    );
}

/// The canvas drawn on the GPU.
pub fn draw_plugin(app: &mut App) {
    app.init_resource::<Drawn>()
        .add_systems(Startup, make_assets)
        .add_systems(OnEnter(Screen::Investigation), enter)
        .add_systems(OnExit(Screen::Investigation), leave)
        .add_systems(
            Update,
            draw.after(super::graph::apply).run_if(in_state(Screen::Investigation).and_then(resource_exists::<Graph>)),
        );
}

fn rgb(c: [u8; 3], alpha: f32) -> Color {
    Color::srgba_u8(c[0], c[1], c[2], (alpha * 255.0) as u8)
}

/// `rgb(c, alpha)` as the linear colour a mesh's vertices carry, the same to the bit, from a
/// table: the mesh of every edge is rebuilt each frame while the layout moves the nodes, and
/// three `powf` per edge were a twentieth of such a frame at 20k nodes.
fn linear(c: [u8; 3], alpha: f32) -> [f32; 4] {
    static TABLE: std::sync::LazyLock<[f32; 256]> =
        std::sync::LazyLock::new(|| std::array::from_fn(|v| Srgba::gamma_function(v as f32 / 255.0)));
    let t = &*TABLE;
    [t[c[0] as usize], t[c[1] as usize], t[c[2] as usize], f32::from((alpha * 255.0) as u8) / 255.0]
}

/// A white disc (or ring) with a soft edge, for sprites to tint.
fn round_image(ring: bool) -> Image {
    let n = 64u32;
    let mut data = Vec::with_capacity((n * n * 4) as usize);
    for y in 0..n {
        for x in 0..n {
            let (dx, dy) = (x as f32 + 0.5 - n as f32 / 2.0, y as f32 + 0.5 - n as f32 / 2.0);
            let r = (dx * dx + dy * dy).sqrt() / (n as f32 / 2.0);
            let outer = ((1.0 - r) * 24.0).clamp(0.0, 1.0);
            let a = if ring { outer * ((r - 0.72) * 24.0).clamp(0.0, 1.0) } else { outer };
            data.extend_from_slice(&[255, 255, 255, (a * 255.0) as u8]);
        }
    }
    Image::new(
        Extent3d { width: n, height: n, depth_or_array_layers: 1 },
        TextureDimension::D2,
        data,
        TextureFormat::Rgba8UnormSrgb,
        RenderAssetUsages::RENDER_WORLD,
    )
}

fn make_assets(
    mut commands: Commands,
    mut images: ResMut<Assets<Image>>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<ColorMaterial>>,
) {
    commands.insert_resource(CanvasAssets {
        disc: images.add(round_image(false)),
        ring: images.add(round_image(true)),
        edges: meshes.add(edge_mesh(Vec::new(), Vec::new(), Vec::new())),
        material: materials.add(ColorMaterial::from(Color::WHITE)),
    });
}

fn edge_mesh(pos: Vec<[f32; 3]>, col: Vec<[f32; 4]>, idx: Vec<u32>) -> Mesh {
    let (pos, col, idx) =
        if idx.is_empty() { (vec![[0.0; 3]; 3], vec![[0.0; 4]; 3], vec![0, 1, 2]) } else { (pos, col, idx) };
    Mesh::new(PrimitiveTopology::TriangleList, RenderAssetUsages::default())
        .with_inserted_attribute(Mesh::ATTRIBUTE_POSITION, pos)
        .with_inserted_attribute(Mesh::ATTRIBUTE_COLOR, col)
        .with_inserted_indices(Indices::U32(idx))
}

fn enter(
    mut commands: Commands,
    assets: Res<CanvasAssets>,
    mut drawn: ResMut<Drawn>,
    state: Option<ResMut<CanvasState>>,
) {
    commands.spawn((
        EdgeMesh,
        Mesh2d(assets.edges.clone()),
        MeshMaterial2d(assets.material.clone()),
        Transform::from_xyz(0.0, 0.0, 0.0),
        DespawnOnExit(Screen::Investigation),
    ));
    *drawn = Drawn { revision: u64::MAX, ..Drawn::default() };
    if let Some(mut state) = state {
        state.fit = true;
    }
}

fn leave(mut drawn: ResMut<Drawn>) {
    // The entities go with the screen (DespawnOnExit).
    *drawn = Drawn::default();
}

type CameraQuery<'w, 's> = Query<'w, 's, (&'static mut Transform, &'static mut Projection), With<Camera2d>>;

pub fn scale_of(p: &Projection) -> f32 {
    match p {
        Projection::Orthographic(o) => o.scale,
        _ => 1.0,
    }
}

/// The smallest and largest zoom (board units per logical pixel).
const SCALES: (f32, f32) = (0.02, 80.0);

/// The pointer on the canvas, as egui reports it where no panel, window or popup took it:
/// the wheel zooms about the pointer, right or middle drag pans, a click selects (Shift adds,
/// Ctrl toggles), a drag from a node moves the selection, a drag from empty space draws a
/// selection box, a double click expands (Shift: inputs).
pub fn input(
    mut contexts: EguiContexts,
    mut camera: CameraQuery,
    mut graph: ResMut<Graph>,
    mut state: ResMut<CanvasState>,
    mut actions: MessageWriter<GraphAction>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    let Some(r) = state.area.clone() else { return Ok(()) };
    let Ok((mut tf, mut proj)) = camera.single_mut() else { return Ok(()) };
    let scale = scale_of(&proj);
    let map = ScreenMap::new(tf.translation.truncate(), scale, ctx.content_rect(), ctx.zoom_factor());
    state.centre = map.to_board(r.rect.center()).into();
    let (mods, scroll, pinch, origin) =
        ctx.input(|i| (i.modifiers, i.smooth_scroll_delta, i.zoom_delta(), i.pointer.press_origin()));
    let board_at = |p: egui::Pos2| -> [f32; 2] { map.to_board(p).into() };
    state.hovered = r.hover_pos().and_then(|p| graph.board.hit(board_at(p), 3.0 * map.units_per_point()));

    // Panning with the right or middle button.
    if r.dragged_by(egui::PointerButton::Secondary) || r.dragged_by(egui::PointerButton::Middle) {
        let d = r.drag_delta() * map.units_per_point();
        tf.translation.x -= d.x;
        tf.translation.y += d.y;
    }
    // Zooming about the pointer: the wheel, or a pinch (Ctrl+wheel).
    if r.hovered()
        && (scroll.y != 0.0 || pinch != 1.0)
        && let (Some(p), Projection::Orthographic(o)) = (r.hover_pos(), &mut *proj)
    {
        let new_scale = (scale * 1.15f32.powf(-scroll.y / 40.0) / pinch).clamp(SCALES.0, SCALES.1);
        let w = map.to_board(p);
        let t = tf.translation.truncate();
        let moved = w + (t - w) * (new_scale / scale);
        tf.translation.x = moved.x;
        tf.translation.y = moved.y;
        o.scale = new_scale;
    }

    let add = mods.shift || mods.command;
    if r.drag_started_by(egui::PointerButton::Primary) {
        let from = origin.unwrap_or(r.rect.center());
        match graph.board.hit(board_at(from), 3.0 * map.units_per_point()) {
            Some(k) => {
                if !graph.board.selected.contains(&k) {
                    actions.write(GraphAction::Select { keys: vec![k], add });
                }
                actions.write(GraphAction::BeginMove);
                state.drag = Drag::Move { begun: true };
            }
            None => {
                let b = map.to_board(from);
                state.drag = Drag::Box { start: b, now: b };
            }
        }
    } else if r.dragged_by(egui::PointerButton::Primary) {
        let d = r.drag_delta() * map.units_per_point();
        match &mut state.drag {
            Drag::Move { .. } if d != egui::Vec2::ZERO => {
                actions.write(GraphAction::MoveBy([d.x, -d.y]));
            }
            Drag::Box { now, .. } => {
                if let Some(p) = r.interact_pointer_pos() {
                    *now = map.to_board(p);
                }
            }
            _ => {}
        }
    }
    if r.drag_stopped_by(egui::PointerButton::Primary) {
        if let Drag::Box { start, now } = state.drag {
            let keys = graph.board.in_rect(start.into(), now.into());
            actions.write(GraphAction::Select { keys, add });
        }
        state.drag = Drag::None;
    }

    if r.clicked_by(egui::PointerButton::Primary)
        && let Some(p) = r.interact_pointer_pos()
    {
        match graph.board.hit(board_at(p), 3.0 * map.units_per_point()) {
            Some(k) if r.double_clicked() => {
                actions.write(GraphAction::Select { keys: vec![k], add: false });
                actions.write(GraphAction::Expand(if mods.shift { Side::Inputs } else { Side::Outputs }));
            }
            Some(k) if mods.command && graph.board.selected.contains(&k) => {
                graph.board.selected.remove(&k);
            }
            Some(k) => {
                actions.write(GraphAction::Select { keys: vec![k], add });
            }
            None if !mods.shift => {
                actions.write(GraphAction::ClearSelection);
            }
            None => {}
        }
    }
    Ok(())
}

/// Frames everything on the board inside the visible canvas (on entering the screen, the
/// Home key, a new layout, nodes added out of view).
fn fit(
    mut contexts: EguiContexts,
    mut state: ResMut<CanvasState>,
    mut graph: ResMut<Graph>,
    mut camera: CameraQuery,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    let Some(area) = state.area.as_ref().map(|r| r.rect) else { return Ok(()) };
    let Ok((mut tf, mut proj)) = camera.single_mut() else { return Ok(()) };
    let zoom = ctx.zoom_factor().max(0.01);
    if graph.reveal {
        // New nodes outside the view: frame the board again so that they are seen.
        graph.reveal = false;
        let map = ScreenMap::new(tf.translation.truncate(), scale_of(&proj), ctx.content_rect(), zoom);
        let (lo, hi) = (map.to_board(area.left_bottom()), map.to_board(area.right_top()));
        if let Some((a, b)) = graph.board.view().bounds() {
            state.fit |= a[0] < lo.x || a[1] < lo.y || b[0] > hi.x || b[1] > hi.y;
        }
    }
    if !state.fit {
        return Ok(());
    }
    state.fit = false;
    let (lo, hi) = graph.board.view().bounds().unwrap_or(([0.0; 2], [0.0; 2]));
    let span_x = (hi[0] - lo[0]).max(200.0) / (area.width().max(50.0) * zoom);
    let span_y = (hi[1] - lo[1]).max(200.0) / (area.height().max(50.0) * zoom);
    let scale = (span_x.max(span_y) * 1.15).clamp(SCALES.0, SCALES.1);
    if let Projection::Orthographic(o) = &mut *proj {
        o.scale = scale;
    }
    // The middle of the board goes to the middle of the canvas, not of the window.
    let off = (area.center() - ctx.content_rect().center()) * zoom * scale;
    tf.translation.x = (lo[0] + hi[0]) / 2.0 - off.x;
    tf.translation.y = (lo[1] + hi[1]) / 2.0 + off.y;
    state.centre = [(lo[0] + hi[0]) / 2.0, (lo[1] + hi[1]) / 2.0];
    Ok(())
}

/// The width of an edge carrying `value` satoshis, in pixels at scale 1.
pub fn edge_width(value: u64) -> f32 {
    (1.0 + 1.3 * (1.0 + value as f64 / 1e8 * 10.0).log10() as f32).clamp(1.0, 9.0)
}

/// Redraws nodes, halos and edges when the board, the selection or the zoom changed.
#[allow(clippy::too_many_arguments)]
fn draw(
    mut commands: Commands,
    mut graph: ResMut<Graph>,
    mut drawn: ResMut<Drawn>,
    assets: Res<CanvasAssets>,
    mut meshes: ResMut<Assets<Mesh>>,
    camera: Query<&Projection, With<Camera2d>>,
    mut sprites: Query<(&mut Transform, &mut Sprite, &mut Visibility), Without<Camera2d>>,
) {
    let scale = camera.single().map_or(1.0, scale_of);
    let selected: Vec<NodeRef> = graph.board.selected.iter().copied().collect();
    let zoomed = (scale / drawn.scale.max(1e-6) - 1.0).abs() > 0.15;
    if graph.board.revision() == drawn.revision && selected == drawn.selected && !zoomed {
        return;
    }
    drawn.revision = graph.board.revision();
    drawn.selected = selected;
    drawn.scale = scale;
    let view = graph.board.view();

    // Nodes: one pooled sprite per shown node.
    while drawn.nodes.len() < view.nodes.len() {
        let e = commands.spawn((Sprite::default(), Transform::default(), DespawnOnExit(Screen::Investigation))).id();
        drawn.nodes.push(e);
    }
    for e in drawn.nodes.drain(view.nodes.len()..).collect::<Vec<_>>() {
        commands.entity(e).despawn();
    }
    let mut halos: Vec<(Vec2, f32, Color)> = Vec::new();
    for (i, n) in view.nodes.iter().enumerate() {
        let tint = n.colour.unwrap_or(match n.key {
            NodeRef::Tx(_) if n.category.is_none() => TX_RGB,
            _ => category_rgb(n.category),
        });
        let size = (n.radius * 2.0).max(4.0 * scale);
        let image = if matches!(n.key, NodeRef::Tx(_)) { Handle::default() } else { assets.disc.clone() };
        let spr = Sprite { image, color: rgb(tint, 1.0), custom_size: Some(Vec2::splat(size)), ..default() };
        let tf = Transform::from_xyz(n.pos[0], n.pos[1], 2.0 + (i as f32 / view.nodes.len() as f32));
        let vis = if n.hidden { Visibility::Hidden } else { Visibility::Inherited };
        match sprites.get_mut(drawn.nodes[i]) {
            Ok((mut t, mut s, mut v)) => {
                *t = tf;
                *s = spr;
                *v = vis;
            }
            Err(_) => {
                commands.entity(drawn.nodes[i]).insert((spr, tf, vis));
            }
        }
        if n.hidden {
            continue;
        }
        let p = Vec2::new(n.pos[0], n.pos[1]);
        if drawn.selected.contains(&n.key) {
            halos.push((p, n.radius * 3.0, Color::WHITE));
        }
        if n.highlighted {
            halos.push((p, n.radius * 2.5, rgb(HIGHLIGHT, 1.0)));
        }
        if n.pinned {
            halos.push((p, n.radius * 1.2, Color::srgba(0.0, 0.0, 0.0, 0.6)));
        }
    }
    while drawn.halos.len() < halos.len() {
        let e = commands.spawn((Sprite::default(), Transform::default(), DespawnOnExit(Screen::Investigation))).id();
        drawn.halos.push(e);
    }
    for e in drawn.halos.drain(halos.len()..).collect::<Vec<_>>() {
        commands.entity(e).despawn();
    }
    for (e, (p, size, colour)) in drawn.halos.iter().zip(halos) {
        let spr =
            Sprite { image: assets.ring.clone(), color: colour, custom_size: Some(Vec2::splat(size)), ..default() };
        let tf = Transform::from_xyz(p.x, p.y, 1.5);
        match sprites.get_mut(*e) {
            Ok((mut t, mut s, mut v)) => {
                *t = tf;
                *s = spr;
                *v = Visibility::Inherited;
            }
            Err(_) => {
                commands.entity(*e).insert((spr, tf));
            }
        }
    }

    // Edges: one mesh, a quad and an arrowhead each.
    let mut pos = Vec::with_capacity(view.edges.len() * 7);
    let mut col = Vec::with_capacity(view.edges.len() * 7);
    let mut idx = Vec::with_capacity(view.edges.len() * 9);
    for e in view.edges.iter().filter(|e| !e.hidden) {
        let (a, b) = (&view.nodes[e.from as usize], &view.nodes[e.to as usize]);
        let (pa, pb) = (Vec2::from(a.pos), Vec2::from(b.pos));
        let d = pb - pa;
        let len = d.length();
        if len < 1e-3 {
            continue;
        }
        let dir = d / len;
        let normal = Vec2::new(-dir.y, dir.x);
        let w = (edge_width(e.value) * if e.highlighted { 1.6 } else { 1.0 }).max(1.2 * scale);
        let (c, z) = if e.highlighted {
            (linear(HIGHLIGHT, 1.0), 1.0)
        } else {
            (linear(e.colour.unwrap_or(category_rgb(e.category)), 0.55), 0.5)
        };
        let base = pos.len() as u32;
        let start = pa + dir * a.radius;
        let end = pb - dir * b.radius;
        for p in [start + normal * w / 2.0, start - normal * w / 2.0, end - normal * w / 2.0, end + normal * w / 2.0] {
            pos.push([p.x, p.y, z]);
            col.push(c);
        }
        idx.extend_from_slice(&[base, base + 1, base + 2, base, base + 2, base + 3]);
        // The arrowhead, two thirds of the way along.
        let head = (w * 2.5).max(6.0 * scale.min(1.0)).min(len / 3.0);
        let tip = start + (end - start) * 0.66;
        for p in [
            tip + dir * head,
            tip - dir * head * 0.5 + normal * head * 0.7,
            tip - dir * head * 0.5 - normal * head * 0.7,
        ] {
            pos.push([p.x, p.y, z]);
            col.push(c);
        }
        idx.extend_from_slice(&[base + 4, base + 5, base + 6]);
    }
    if let Some(mut m) = meshes.get_mut(&assets.edges) {
        *m = edge_mesh(pos, col, idx);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_edge_colour_table_gives_bevys_own_linear_colours() {
        for v in 0..=255u8 {
            for alpha in [1.0, 0.55] {
                let c = [v, 255 - v, v / 2];
                assert_eq!(linear(c, alpha), rgb(c, alpha).to_linear().to_f32_array(), "{c:?} at {alpha}");
            }
        }
    }
}
