//! The app as a person uses it: the pointer, the wheel and the keyboard arrive as a window's
//! events, the way winit hands them to Bevy (`WindowEvent`, `CursorMoved`, `MouseButtonInput`,
//! `MouseWheel`, `KeyboardInput`); bevy_egui turns them into egui input for the real egui
//! context, Bevy's own input sees them too, the real panels lay themselves out, and the canvas
//! must get only what egui leaves to it. No GPU (`offramp::app::headless`).

use bevy::input::ButtonState;
use bevy::input::keyboard::{Key, KeyboardInput};
use bevy::input::mouse::{MouseButtonInput, MouseScrollUnit, MouseWheel};
use bevy::input::touch::TouchPhase;
use bevy::prelude::*;
use bevy::window::{CursorMoved, WindowEvent};
use bevy_egui::{EguiContext, egui};
use offramp::app::canvas::scale_of;
use offramp::app::graph::GraphAction;
use offramp::app::inspector::TAG_LABEL;
use offramp::app::investigation::panels::Panels;
use offramp_core::board::NodeRef;

use super::common::*;

/// The window the tests pretend to have, in logical pixels (egui points at scale 1).
const SCREEN: (u32, u32) = (1600, 900);

/// An app with the logic, a window, the real egui context and every panel; no GPU.
pub struct Person {
    pub app: App,
    window: Entity,
    at: Vec2,
}

impl Person {
    pub fn new() -> Person {
        let (app, window) = offramp::app::headless::app(SCREEN.0, SCREEN.1, false);
        Person { app, window, at: Vec2::ZERO }
    }

    /// Opens a shipped scenario and goes to its investigation screen.
    pub fn investigate(scenario: &str) -> Person {
        let p = Person::new();
        let mut p = Person { app: open(p.app, scenario, "Tess"), ..p };
        to_investigation(&mut p.app);
        p.frames(3);
        p
    }

    pub fn frames(&mut self, n: usize) {
        for _ in 0..n {
            self.app.update();
        }
    }

    pub fn egui(&mut self) -> egui::Context {
        let mut q = self.app.world_mut().query::<&mut EguiContext>();
        q.single_mut(self.app.world_mut()).unwrap().get_mut().clone()
    }

    pub fn move_to(&mut self, at: egui::Pos2) {
        let (window, position) = (self.window, Vec2::new(at.x, at.y));
        let delta = Some(position - self.at);
        self.at = position;
        let w = self.app.world_mut();
        w.entity_mut(window).get_mut::<Window>().unwrap().set_cursor_position(Some(position));
        let m = CursorMoved { window, position, delta };
        w.write_message(m.clone());
        w.write_message(WindowEvent::CursorMoved(m));
        self.app.update();
    }

    fn button(&mut self, state: ButtonState) {
        let m = MouseButtonInput { button: MouseButton::Left, state, window: self.window };
        self.app.world_mut().write_message(m);
        self.app.world_mut().write_message(WindowEvent::MouseButtonInput(m));
        self.app.update();
    }

    /// A left click at `at`: the pointer moves there, the button goes down, then up.
    pub fn click(&mut self, at: egui::Pos2) {
        self.move_to(at);
        self.button(ButtonState::Pressed);
        self.button(ButtonState::Released);
        self.frames(1);
    }

    /// The wheel turned `lines` notches (positive: away from the user) where the pointer is.
    pub fn wheel(&mut self, at: egui::Pos2, lines: f32) {
        self.move_to(at);
        let m =
            MouseWheel { unit: MouseScrollUnit::Line, x: 0.0, y: lines, window: self.window, phase: TouchPhase::Moved };
        self.app.world_mut().write_message(m);
        self.app.world_mut().write_message(WindowEvent::MouseWheel(m));
        // egui spreads a wheel turn over a few frames.
        self.frames(20);
    }

    /// Types `text` as a keyboard does: each key's press with its character, then its release.
    pub fn type_text(&mut self, text: &str) {
        for ch in text.chars() {
            let key_code = match ch.to_ascii_lowercase() {
                c @ 'a'..='z' => {
                    let codes = [
                        KeyCode::KeyA,
                        KeyCode::KeyB,
                        KeyCode::KeyC,
                        KeyCode::KeyD,
                        KeyCode::KeyE,
                        KeyCode::KeyF,
                        KeyCode::KeyG,
                        KeyCode::KeyH,
                        KeyCode::KeyI,
                        KeyCode::KeyJ,
                        KeyCode::KeyK,
                        KeyCode::KeyL,
                        KeyCode::KeyM,
                        KeyCode::KeyN,
                        KeyCode::KeyO,
                        KeyCode::KeyP,
                        KeyCode::KeyQ,
                        KeyCode::KeyR,
                        KeyCode::KeyS,
                        KeyCode::KeyT,
                        KeyCode::KeyU,
                        KeyCode::KeyV,
                        KeyCode::KeyW,
                        KeyCode::KeyX,
                        KeyCode::KeyY,
                        KeyCode::KeyZ,
                    ];
                    codes[(c as u8 - b'a') as usize]
                }
                _ => KeyCode::Space,
            };
            self.key(key_code, Key::Character(ch.to_string().into()), Some(ch));
        }
        self.frames(1);
    }

    /// Presses and releases a named key (Enter, Tab…).
    pub fn press(&mut self, key_code: KeyCode, logical_key: Key) {
        self.key(key_code, logical_key, None);
        self.frames(1);
    }

    /// One key's press (with the character it types, if any), then its release.
    fn key(&mut self, key_code: KeyCode, logical_key: Key, typed: Option<char>) {
        for state in [ButtonState::Pressed, ButtonState::Released] {
            let m = KeyboardInput {
                key_code,
                logical_key: logical_key.clone(),
                state,
                text: typed.filter(|_| state == ButtonState::Pressed).map(|c| c.to_string().into()),
                repeat: false,
                window: self.window,
            };
            self.app.world_mut().write_message(m.clone());
            self.app.world_mut().write_message(WindowEvent::KeyboardInput(m));
            self.app.update();
        }
    }

    /// Puts the intel's first address on the board (it is then selected).
    pub fn add_intel(&mut self) {
        let a = intel_address(&self.app);
        act(&mut self.app, GraphAction::Add(a));
        self.frames(3);
    }

    pub fn panels(&self) -> &Panels {
        self.app.world().resource::<Panels>()
    }

    pub fn selected(&self) -> Vec<NodeRef> {
        board(&self.app).selected.iter().copied().collect()
    }

    pub fn camera_scale(&mut self) -> f32 {
        let mut q = self.app.world_mut().query_filtered::<&Projection, With<Camera2d>>();
        scale_of(q.single(self.app.world()).unwrap())
    }

    /// A point of the canvas (between the panels) with no node under it.
    pub fn empty_canvas(&self) -> egui::Pos2 {
        let (l, r) = (self.panels().left, self.panels().right);
        egui::pos2(l.max.x + 40.0, (l.min.y + l.max.y) / 2.0 + 150.0).min(egui::pos2(r.min.x - 40.0, SCREEN.1 as f32))
    }
}

#[test]
fn a_click_in_a_panel_keeps_the_selection_and_typing_in_a_field_fires_no_shortcut() {
    let mut p = Person::investigate("beginner-careless-vendor.ron");
    p.add_intel();
    let chosen = p.selected();
    assert_eq!(chosen.len(), 1, "what is put on the board is selected");
    let nodes = board(&p.app).len();

    // The inspector shows the address's tag editor; clicking its Label field keeps all that.
    let label = p.egui().read_response(egui::Id::new(TAG_LABEL)).expect("the inspector shows the tag editor").rect;
    assert!(p.panels().right.contains(label.center()), "the label field is in the inspector");
    p.click(label.center());
    assert_eq!(p.selected(), chosen, "a click on the inspector's field does not reach the canvas");
    assert!(p.egui().memory(|m| m.has_focus(egui::Id::new(TAG_LABEL))), "the field has the keyboard");

    // Letters typed there are the label, not the shortcuts E (expand), T (time layout), L, F, C.
    p.type_text("eltfc");
    assert_eq!(board(&p.app).len(), nodes, "no shortcut expanded or removed anything");
    assert!(!board(&p.app).settling(), "no layout started");
    assert_eq!(p.selected(), chosen);
    assert_eq!(p.panels().draft.tag.label, "eltfc", "the letters went into the field");
}

#[test]
fn clicks_on_tabs_and_empty_panel_space_keep_the_selection_and_only_the_canvas_clears_it() {
    let mut p = Person::investigate("beginner-careless-vendor.ron");
    p.add_intel();
    let chosen = p.selected();
    assert_eq!(chosen.len(), 1);
    let left = p.panels().left;
    // The tab row at the top of the left panel, then empty space low in it.
    p.click(left.min + egui::vec2(30.0, 14.0));
    assert_eq!(p.selected(), chosen, "clicking a tab deselected");
    p.click(egui::pos2(left.max.x - 12.0, left.max.y - 12.0));
    assert_eq!(p.selected(), chosen, "clicking empty panel space deselected");
    p.click(egui::pos2(p.panels().right.min.x + 8.0, p.panels().right.max.y - 12.0));
    assert_eq!(p.selected(), chosen, "clicking empty inspector space deselected");
    // The same click on empty canvas does clear it: the canvas still gets what is its own.
    let empty = p.empty_canvas();
    p.click(empty);
    assert!(p.selected().is_empty(), "a click on empty canvas clears the selection");
}

#[test]
fn the_wheel_over_a_panel_scrolls_the_panel_and_never_zooms_the_canvas() {
    let mut p = Person::investigate("beginner-careless-vendor.ron");
    p.add_intel();
    let before = p.camera_scale();
    let left = p.panels().left;
    p.wheel(left.center(), -3.0);
    assert_eq!(p.camera_scale(), before, "the wheel over the left panel zoomed the canvas");
    let right = p.panels().right;
    p.wheel(right.center(), 3.0);
    assert_eq!(p.camera_scale(), before, "the wheel over the inspector zoomed the canvas");
    // Over the canvas it zooms: in when turned away from the user.
    let empty = p.empty_canvas();
    p.wheel(empty, 3.0);
    assert!(p.camera_scale() < before, "the wheel over the canvas zooms in ({before} → {})", p.camera_scale());
}

#[test]
fn shortcuts_reach_the_canvas_when_no_field_has_the_keyboard() {
    let mut p = Person::investigate("beginner-careless-vendor.ron");
    p.add_intel();
    let nodes = board(&p.app).len();
    // A click on a panel's link or button gives it focus; keys still reach the shortcuts.
    let left = p.panels().left;
    p.click(left.min + egui::vec2(30.0, 14.0));
    p.type_text("e");
    p.frames(2);
    assert!(board(&p.app).len() > nodes, "E expanded the selected address");
}

#[test]
fn a_click_on_a_node_selects_it_and_a_double_click_expands_it() {
    let mut p = Person::investigate("beginner-careless-vendor.ron");
    p.add_intel();
    let k = p.selected()[0];
    act(&mut p.app, GraphAction::ClearSelection);
    // Where the node is drawn: the board point through the camera, as the canvas maps it.
    let at = p.node_on_screen(k);
    assert!(p.panels().left.max.x < at.x && at.x < p.panels().right.min.x, "new nodes appear on the visible canvas");
    p.click(at);
    assert_eq!(p.selected(), vec![k], "a click on the node selects it");
    let nodes = board(&p.app).len();
    p.click(at);
    p.frames(2);
    assert!(board(&p.app).len() > nodes, "a double click expanded the node");
}

impl Person {
    /// The screen point where the canvas draws node `k`.
    pub fn node_on_screen(&mut self, k: NodeRef) -> egui::Pos2 {
        let pos = board(&self.app).position(k).expect("on the board");
        let mut q = self.app.world_mut().query_filtered::<(&Transform, &Projection), With<Camera2d>>();
        let (tf, proj) = q.single(self.app.world()).unwrap();
        let (cam, scale) = (tf.translation.truncate(), scale_of(proj));
        let ctx = self.egui();
        let map = offramp::app::canvas::ScreenMap::new(cam, scale, ctx.content_rect(), ctx.zoom_factor());
        map.to_screen(pos)
    }
}

#[test]
fn edges_carry_their_value_and_date_and_no_label_overlaps_another_or_a_panel() {
    use offramp::app::canvas::CanvasState;
    use offramp::app::investigation::panels::CanvasLabels;
    use offramp_core::board::Side;
    let mut p = Person::investigate("beginner-careless-vendor.ron");
    p.add_intel();
    act(&mut p.app, GraphAction::Expand(Side::Outputs));
    act(&mut p.app, GraphAction::SelectAll);
    act(&mut p.app, GraphAction::Expand(Side::Outputs));
    act(&mut p.app, GraphAction::TimeLayout);
    p.app.world_mut().resource_mut::<CanvasState>().fit = true;
    p.frames(4);
    let labels = p.app.world().resource::<CanvasLabels>().clone();
    assert!(!labels.edges.is_empty(), "some edges are labelled");
    for (_, text) in &labels.edges {
        let (amount, date) = text.split_once(" · ").expect("value · date");
        assert!(amount.ends_with(" BTC") && amount[..amount.len() - 4].parse::<f64>().is_ok(), "{text}");
        assert!(date.len() == 10 && date.starts_with("20"), "{text}");
    }
    assert!(!labels.nodes.is_empty(), "nodes are named");
    let (left, right) = (p.panels().left, p.panels().right);
    let all: Vec<_> = labels.nodes.iter().chain(&labels.edges).collect();
    for (i, (r, text)) in all.iter().enumerate() {
        assert!(r.min.x >= left.max.x && r.max.x <= right.min.x, "{text:?} is drawn over a panel: {r:?}");
        for (q, other) in &all[i + 1..] {
            assert!(!r.intersects(*q), "{text:?} overlaps {other:?}");
        }
    }
    // U shows the values in dollars at the time.
    p.type_text("u");
    p.frames(1);
    let labels = p.app.world().resource::<CanvasLabels>().clone();
    assert!(!labels.edges.is_empty() && labels.edges.iter().all(|(_, t)| t.starts_with('$')), "{:?}", labels.edges);
}

#[test]
fn labels_follow_the_camera_and_every_edit_of_the_board() {
    use offramp::app::investigation::panels::CanvasLabels;
    use offramp_core::board::{Side, Tag};
    let mut p = Person::investigate("beginner-careless-vendor.ron");
    p.add_intel();
    act(&mut p.app, GraphAction::Expand(Side::Outputs));
    p.frames(3);
    let labels = |p: &Person| p.app.world().resource::<CanvasLabels>().clone();
    let before = labels(&p);
    let (rect, name) = before.nodes.first().cloned().expect("a named node");
    // Frames where nothing changed paint the same labels.
    p.frames(2);
    assert_eq!(labels(&p).nodes, before.nodes);
    // The camera moves 40 units right: every label moves 40 points left with it.
    let scale = p.camera_scale();
    p.app
        .world_mut()
        .query_filtered::<&mut Transform, With<Camera2d>>()
        .single_mut(p.app.world_mut())
        .unwrap()
        .translation
        .x += 40.0 * scale;
    p.frames(1);
    let moved = labels(&p);
    let again = moved.nodes.iter().find(|(_, t)| *t == name).expect("still named").0;
    assert!((again.min.x - (rect.min.x - 40.0)).abs() < 0.5, "{rect:?} -> {again:?}");
    // A tag renames the node at once.
    let key = board(&p.app).cached_view().nodes.iter().find(|n| n.label == name).map(|n| n.key).expect("the node");
    let tag = Tag { label: "suspect payout".into(), ..Tag::default() };
    act(&mut p.app, GraphAction::SetTag(key, tag));
    p.frames(1);
    assert!(labels(&p).nodes.iter().any(|(_, t)| t == "suspect payout"), "{:?}", labels(&p).nodes);
}

#[test]
fn nodes_added_by_an_expansion_are_brought_into_view() {
    use offramp_core::board::Side;
    let mut p = Person::investigate("beginner-careless-vendor.ron");
    p.add_intel();
    for _ in 0..3 {
        act(&mut p.app, GraphAction::SelectAll);
        act(&mut p.app, GraphAction::Expand(Side::Outputs));
        p.frames(2);
    }
    let keys: Vec<NodeRef> = board(&p.app).cached_view().nodes.iter().map(|n| n.key).collect();
    assert!(keys.len() > 3, "the expansions added nodes");
    let (l, r) = (p.panels().left, p.panels().right);
    for k in keys {
        let at = p.node_on_screen(k);
        assert!(
            l.max.x <= at.x && at.x <= r.min.x && l.min.y <= at.y && at.y <= l.max.y,
            "{k:?} is out of view at {at:?}"
        );
    }
}
