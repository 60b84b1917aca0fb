//! The GPU drawing path, rendered offscreen (`--offscreen`: no window, no display) with the
//! machine's Vulkan driver; CI installs Mesa's software one (lavapipe). The investigation
//! screen comes out with its panels written and the canvas's nodes and edges drawn.

use std::process::Command;

/// What `--offscreen` says when the machine has no GPU and no software renderer at all.
fn no_renderer(stderr: &str) -> bool {
    stderr.contains("found no GPU and no software renderer")
}

/// The share of pixels in a rectangle that differ clearly from its most common colour.
fn drawn_share(rgba: &[u8], width: usize, x: std::ops::Range<usize>, y: std::ops::Range<usize>) -> f64 {
    let px = |i: usize, j: usize| {
        let k = (j * width + i) * 4;
        [rgba[k], rgba[k + 1], rgba[k + 2]]
    };
    let mut counts = std::collections::HashMap::new();
    for j in y.clone() {
        for i in x.clone() {
            *counts.entry(px(i, j)).or_insert(0usize) += 1;
        }
    }
    let (bg, _) = counts.iter().max_by_key(|(_, n)| **n).expect("pixels");
    let far = |c: [u8; 3]| c.iter().zip(bg).map(|(a, b)| (i32::from(*a) - i32::from(*b)).abs()).sum::<i32>() > 60;
    let total = x.len() * y.len();
    let mut n = 0;
    for j in y {
        for i in x.clone() {
            n += usize::from(far(px(i, j)));
        }
    }
    n as f64 / total as f64
}

/// `offramp play SHIPPED --screenshot SHOT --offscreen` with no display, and `env` set.
fn screenshot_offscreen(shot: &std::path::Path, env: &[(&str, &std::ffi::OsStr)]) -> std::process::Output {
    let scenario = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/beginner-careless-vendor.ron");
    Command::new(env!("CARGO_BIN_EXE_offramp"))
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .envs(env.iter().copied())
        .args(["play", scenario, "--screenshot", shot.to_str().unwrap(), "--offscreen"])
        .output()
        .expect("the binary runs")
}

#[test]
fn the_investigation_screen_renders_offscreen_with_its_panels_and_a_drawn_canvas() {
    let tmp = tempfile::tempdir().unwrap();
    let shot = tmp.path().join("shot.png");
    let out = screenshot_offscreen(&shot, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() && no_renderer(&stderr) {
        eprintln!("skipped: this machine has no Vulkan driver (.ci/run installs mesa-vulkan-drivers)");
        return;
    }
    assert!(out.status.success(), "offscreen screenshot failed:\n{stderr}");
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&shot).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!((info.width, info.height), (1600, 900), "the offscreen image is the windowed runs' size");
    let rgba: Vec<u8> = match info.color_type {
        png::ColorType::Rgba => buf[..info.buffer_size()].to_vec(),
        png::ColorType::Rgb => buf[..info.buffer_size()].chunks(3).flat_map(|c| [c[0], c[1], c[2], 255]).collect(),
        other => panic!("unexpected PNG colour type {other:?}"),
    };
    let w = info.width as usize;
    // The top bar and the left panel carry text; the canvas between the panels carries the
    // board's nodes, edges and labels (60 nodes and more), not an empty background.
    let top = drawn_share(&rgba, w, 0..1600, 2..28);
    let left = drawn_share(&rgba, w, 0..330, 40..300);
    let canvas = drawn_share(&rgba, w, 360..1220, 60..840);
    assert!(top > 0.02, "the top bar looks empty ({top:.3} of its pixels drawn)");
    assert!(left > 0.02, "the left panel looks empty ({left:.3})");
    assert!(canvas > 0.02, "the canvas looks empty ({canvas:.3})");
}

#[test]
fn offscreen_without_any_renderer_says_what_to_install_and_never_panics() {
    let tmp = tempfile::tempdir().unwrap();
    let shot = tmp.path().join("shot.png");
    // Vulkan only, and no Vulkan driver: what a machine without a GPU or Mesa looks like.
    let none = tmp.path().join("no-driver.json");
    let env = [
        ("WGPU_BACKEND", std::ffi::OsStr::new("vulkan")),
        ("VK_ICD_FILENAMES", none.as_os_str()),
        ("VK_DRIVER_FILES", none.as_os_str()),
    ];
    let out = screenshot_offscreen(&shot, &env);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(no_renderer(&stderr) && stderr.contains("mesa-vulkan-drivers"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!shot.exists());
}
