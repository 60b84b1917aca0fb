//! Embeds every scenario of scenarios/ in the binary, so that a new scenario file is
//! shipped without touching the code.

use std::io::Write;

fn main() {
    // Read when the script runs, not when it was compiled: cargo may reuse one compiled build
    // script for copies of the project in other directories.
    let root = std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let dir = std::path::Path::new(&root).join("scenarios");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(&dir)
        .expect("scenarios/ exists")
        .map(|e| e.expect("readable").path())
        .filter(|p| p.extension().is_some_and(|e| e == "ron"))
        .collect();
    files.sort();
    let out = std::path::Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("library.rs");
    let mut f = std::fs::File::create(out).expect("OUT_DIR is writable");
    writeln!(f, "&[").unwrap();
    for p in files {
        println!("cargo:rerun-if-changed={}", p.display());
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        writeln!(f, "    ({name:?}, include_str!({:?})),", p.display().to_string()).unwrap();
    }
    writeln!(f, "]").unwrap();
}
