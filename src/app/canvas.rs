//! The graph canvas, drawn by Bevy on the GPU: a sprite per node (discs for addresses and
//! clusters, squares for transactions), a halo for the selected and highlighted ones, and one
//! mesh for all edges (width after value, colour after tag or category, an arrowhead showing
//! the way the money went). The mouse pans, zooms, selects, box-selects, drags and expands.

use std::time::Duration;

use bevy::asset::RenderAssetUsages;
use bevy::input::mouse::{AccumulatedMouseMotion, AccumulatedMouseScroll, MouseScrollUnit};
use bevy::mesh::{Indices, PrimitiveTopology};
use bevy::prelude::*;
use bevy::render::render_resource::{Extent3d, TextureDimension, TextureFormat};
use bevy::window::PrimaryWindow;
use bevy_egui::input::EguiWantsInput;
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

/// The canvas's view and pointer state.
#[derive(Resource, Debug, Default)]
pub struct CanvasState {
    pub drag: Drag,
    /// The node under the pointer.
    pub hovered: Option<NodeRef>,
    last_click: Option<(NodeRef, Duration)>,
    /// Ask the camera to frame everything (on entering, or the Home key).
    pub fit: bool,
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

pub fn plugin(app: &mut App) {
    app.init_resource::<CanvasState>()
        .init_resource::<Drawn>()
        .add_systems(Startup, make_assets)
        .add_systems(OnEnter(Screen::Investigation), enter)
        .add_systems(OnExit(Screen::Investigation), leave)
        .add_systems(
            Update,
            (pointer, fit, draw)
                .chain()
                .after(super::graph::apply)
                .run_if(in_state(Screen::Investigation).and_then(resource_exists::<Graph>)),
        );
}

fn rgb(c: [u8; 3], alpha: f32) -> Color {
    Color::srgba_u8(c[0], c[1], c[2], (alpha * 255.0) as u8)
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

fn enter(mut commands: Commands, assets: Res<CanvasAssets>, mut drawn: ResMut<Drawn>, mut state: ResMut<CanvasState>) {
    commands.spawn((
        EdgeMesh,
        Mesh2d(assets.edges.clone()),
        MeshMaterial2d(assets.material.clone()),
        Transform::from_xyz(0.0, 0.0, 0.0),
        DespawnOnExit(Screen::Investigation),
    ));
    *drawn = Drawn { revision: u64::MAX, ..Drawn::default() };
    state.fit = true;
}

fn leave(mut drawn: ResMut<Drawn>) {
    // The entities go with the screen (DespawnOnExit).
    *drawn = Drawn::default();
}

type CameraQuery<'w, 's> = Query<
    'w,
    's,
    (&'static Camera, &'static GlobalTransform, &'static mut Transform, &'static mut Projection),
    With<Camera2d>,
>;

fn scale_of(p: &Projection) -> f32 {
    match p {
        Projection::Orthographic(o) => o.scale,
        _ => 1.0,
    }
}

/// Mouse on the canvas: wheel zooms about the pointer, right or middle button pans, left
/// button selects, drags the selection or draws a selection box, double-click expands.
#[allow(clippy::too_many_arguments)]
fn pointer(
    buttons: Res<ButtonInput<MouseButton>>,
    keys: Res<ButtonInput<KeyCode>>,
    scroll: Res<AccumulatedMouseScroll>,
    motion: Res<AccumulatedMouseMotion>,
    windows: Query<&Window, With<PrimaryWindow>>,
    mut camera: CameraQuery,
    wants: Option<Res<EguiWantsInput>>,
    time: Res<Time<Real>>,
    mut graph: ResMut<Graph>,
    mut state: ResMut<CanvasState>,
    mut actions: MessageWriter<GraphAction>,
) {
    let Ok(window) = windows.single() else { return };
    let Ok((cam, gt, mut tf, mut proj)) = camera.single_mut() else { return };
    let scale = scale_of(&proj);
    let over_panels = wants.as_ref().is_some_and(|w| w.is_pointer_over_area() || w.wants_pointer_input());
    let busy = !matches!(state.drag, Drag::None);
    let cursor = window.cursor_position();
    let world = cursor.and_then(|c| cam.viewport_to_world_2d(gt, c).ok());
    state.hovered = match (world, over_panels) {
        (Some(w), false) => graph.board.hit([w.x, w.y], 3.0 * scale),
        _ => None,
    };
    // Panning.
    if (buttons.pressed(MouseButton::Right) || buttons.pressed(MouseButton::Middle)) && (!over_panels || busy) {
        let d = motion.delta;
        tf.translation.x -= d.x * scale;
        tf.translation.y += d.y * scale;
    }
    // Zooming about the pointer.
    if scroll.delta.y != 0.0 && !over_panels {
        let notches = match scroll.unit {
            MouseScrollUnit::Line => scroll.delta.y,
            MouseScrollUnit::Pixel => scroll.delta.y / 40.0,
        };
        let new_scale = (scale * 1.15f32.powf(-notches)).clamp(0.02, 80.0);
        if let (Some(w), Projection::Orthographic(o)) = (world, &mut *proj) {
            let t = tf.translation.truncate();
            let moved = w + (t - w) * (new_scale / scale);
            tf.translation.x = moved.x;
            tf.translation.y = moved.y;
            o.scale = new_scale;
        }
    }
    let Some(w) = world else { return };
    let shift = keys.pressed(KeyCode::ShiftLeft) || keys.pressed(KeyCode::ShiftRight);
    let ctrl = keys.pressed(KeyCode::ControlLeft) || keys.pressed(KeyCode::ControlRight);
    if buttons.just_pressed(MouseButton::Left) && !over_panels {
        match state.hovered {
            Some(k) => {
                let now = time.elapsed();
                let double = state.last_click.is_some_and(|(n, t)| n == k && now - t < Duration::from_millis(400));
                state.last_click = Some((k, now));
                if double {
                    actions.write(GraphAction::Select { keys: vec![k], add: false });
                    actions.write(GraphAction::Expand(if shift { Side::Inputs } else { Side::Outputs }));
                } else if ctrl && graph.board.selected.contains(&k) {
                    graph.board.selected.remove(&k);
                } else if !graph.board.selected.contains(&k) {
                    actions.write(GraphAction::Select { keys: vec![k], add: shift || ctrl });
                }
                state.drag = Drag::Move { begun: false };
            }
            None => state.drag = Drag::Box { start: w, now: w },
        }
    } else if buttons.pressed(MouseButton::Left) {
        match &mut state.drag {
            Drag::Move { begun } => {
                let d = motion.delta;
                if d != Vec2::ZERO {
                    if !*begun {
                        actions.write(GraphAction::BeginMove);
                        *begun = true;
                    }
                    actions.write(GraphAction::MoveBy([d.x * scale, -d.y * scale]));
                }
            }
            Drag::Box { now, .. } => *now = w,
            Drag::None => {}
        }
    }
    if buttons.just_released(MouseButton::Left) {
        if let Drag::Box { start, now } = state.drag {
            if (start - now).length() < 2.0 * scale {
                if !shift {
                    actions.write(GraphAction::ClearSelection);
                }
            } else {
                let keys = graph.board.in_rect([start.x, start.y], [now.x, now.y]);
                actions.write(GraphAction::Select { keys, add: shift || ctrl });
            }
        }
        state.drag = Drag::None;
    }
}

/// Frames everything on the board (on entering the screen, or when asked).
fn fit(
    mut state: ResMut<CanvasState>,
    mut graph: ResMut<Graph>,
    windows: Query<&Window, With<PrimaryWindow>>,
    mut camera: CameraQuery,
) {
    if !state.fit {
        return;
    }
    state.fit = false;
    let Ok(window) = windows.single() else { return };
    let Ok((_, _, mut tf, mut proj)) = camera.single_mut() else { return };
    let Some((lo, hi)) = graph.board.view().bounds() else {
        tf.translation.x = 0.0;
        tf.translation.y = 0.0;
        return;
    };
    let (w, h) = (window.width().max(1.0), window.height().max(1.0));
    // Leave room for the side panels.
    let span_x = (hi[0] - lo[0]).max(200.0) / (w * 0.5);
    let span_y = (hi[1] - lo[1]).max(200.0) / (h * 0.75);
    if let Projection::Orthographic(o) = &mut *proj {
        o.scale = (span_x.max(span_y) * 1.1).clamp(0.02, 80.0);
    }
    tf.translation.x = (lo[0] + hi[0]) / 2.0;
    tf.translation.y = (lo[1] + hi[1]) / 2.0;
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
            (rgb(HIGHLIGHT, 1.0), 1.0)
        } else {
            (rgb(e.colour.unwrap_or(category_rgb(e.category)), 0.55), 0.5)
        };
        let c = c.to_linear().to_f32_array();
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
