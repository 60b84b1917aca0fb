//! The instructor's commands for a class: `class-key`, `pack` and `grade`, and the seed a trainee's
//! name (with or without the class key) gives to `generate`, `play` and `score`.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use offramp_core::class::{ClassKey, same_name, trainee_seed};
use offramp_core::scenario::Scenario;
use offramp_core::sim::{self, Options};
use offramp_core::{grade, pack};

use super::{Outcome, load};

/// `offramp class-key [--out FILE]`: a new key, printed or kept in a file only its owner reads.
pub fn class_key(out: &mut dyn Write, dest: Option<&Path>) -> Outcome {
    let key = ClassKey::generate()?;
    let text = key.to_text();
    match dest {
        None => writeln!(out, "{text}")?,
        Some(p) => {
            write_private(p, format!("{text}\n").as_bytes())?;
            writeln!(
                out,
                "class key written to {} (keep it: it names every trainee's world and checks their seals)",
                p.display()
            )?;
        }
    }
    Ok(())
}

/// Creates `path` readable by its owner only; an existing file is never replaced (losing a
/// class key loses the class's variants and seals).
fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = match opts.open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            bail!("{}: already exists; a class key is never overwritten (choose another file name)", path.display())
        }
        Err(e) => return Err(e).with_context(|| format!("cannot create {}", path.display())),
    };
    f.write_all(bytes).and_then(|()| f.sync_all()).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// The key given with `--class-key`, read.
pub fn read_key(arg: Option<&str>) -> anyhow::Result<Option<ClassKey>> {
    arg.map(ClassKey::from_arg).transpose().map_err(Into::into)
}

/// The seed of a world: `--seed` as given, else the trainee's (their class variant with a
/// key, their practice seed without), else the scenario's own.
pub fn seed_for(
    sc: &Scenario,
    seed: Option<u64>,
    trainee: Option<&str>,
    key: Option<&ClassKey>,
) -> anyhow::Result<Option<u64>> {
    match (seed, trainee.map(str::trim).filter(|t| !t.is_empty())) {
        (Some(s), _) => Ok(Some(s)),
        (None, Some(name)) => Ok(Some(trainee_seed(key, &sc.meta.id, name))),
        (None, None) if key.is_some() => {
            bail!("--class-key needs --trainee NAME: the key and the name together choose the world")
        }
        (None, None) => Ok(None),
    }
}

/// Whom `offramp pack` makes packs for.
pub enum Trainees {
    One(String),
    /// A file of names, one per line.
    Roster(PathBuf),
}

/// `offramp pack SCENARIO (--trainee NAME | --roster FILE) [--class-key K] [--signed] --out PATH`.
pub fn pack(
    out: &mut dyn Write,
    scenario: &Path,
    who: Trainees,
    key: Option<&str>,
    signed: bool,
    dest: &Path,
) -> Outcome {
    let sc = load(scenario)?;
    let key = read_key(key)?;
    let packs: Vec<(String, PathBuf)> = match who {
        Trainees::One(name) => {
            let name = name.trim().to_string();
            if name.is_empty() {
                bail!("--trainee needs the trainee's name: it chooses their world and goes on their case file");
            }
            vec![(name, dest.to_path_buf())]
        }
        Trainees::Roster(file) => {
            let names = roster(&file, &sc.meta.id)?;
            std::fs::create_dir_all(dest).with_context(|| format!("cannot create the folder {}", dest.display()))?;
            names.into_iter().map(|n| (n.clone(), dest.join(pack::file_name(&sc.meta.id, &n)))).collect()
        }
    };
    for (name, path) in packs {
        let t0 = std::time::Instant::now();
        let seed = trainee_seed(key.as_ref(), &sc.meta.id, &name);
        let world = sim::generate(&sc, &Options { seed: Some(seed), signed }, &mut |_, _, _| {})?;
        let written = pack::write(&world, &name, key.as_ref(), &path)?;
        writeln!(
            out,
            "{name}: {} ({:.1} MB, {}, {:.1} s)",
            path.display(),
            written.bytes as f64 / 1e6,
            if written.sealed { "sealed on submission" } else { "practice: no class key, not sealed" },
            t0.elapsed().as_secs_f64()
        )?;
    }
    Ok(())
}

/// The names of a roster file, checked: none twice (as people write names), no two sharing a
/// pack's file name, at least one.
fn roster(file: &Path, scenario: &str) -> anyhow::Result<Vec<String>> {
    let text = std::fs::read_to_string(file).with_context(|| format!("cannot read the roster {}", file.display()))?;
    let mut names: Vec<(String, usize, String)> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let name = line.trim();
        if name.is_empty() || name.starts_with('#') {
            continue;
        }
        let file_name = pack::file_name(scenario, name);
        if let Some((_, at, _)) = names.iter().find(|(n, _, _)| same_name(n, name)) {
            bail!("{}:{}:1: \"{name}\" is on line {at} already", file.display(), i + 1);
        }
        if let Some((other, at, _)) = names.iter().find(|(_, _, f)| *f == file_name) {
            bail!(
                "{}:{}:1: \"{name}\" and \"{other}\" (line {at}) would share the pack file {file_name}; tell them apart",
                file.display(),
                i + 1
            );
        }
        names.push((name.to_string(), i + 1, file_name));
    }
    if names.is_empty() {
        bail!("{}: no names in the roster (one trainee per line)", file.display());
    }
    Ok(names.into_iter().map(|(n, _, _)| n).collect())
}

/// `offramp grade SCENARIO CASES... [--class-key K] [--csv OUT] [--html OUT] [--json]`.
pub fn grade(
    out: &mut dyn Write,
    scenario: &Path,
    cases: &[PathBuf],
    key: Option<&str>,
    csv: Option<&Path>,
    html: Option<&Path>,
    json: bool,
) -> Outcome {
    let sc = load(scenario)?;
    let key = read_key(key)?;
    let (files, mut missing) = grade::collect(cases);
    if files.is_empty() && missing.is_empty() {
        bail!(
            "no case files (*.ron) in {}",
            cases.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
        );
    }
    let interactive = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let progress = |done: usize, total: usize| {
        if interactive {
            eprint!("\rgrading: {done}/{total} worlds generated");
            if done == total {
                eprintln!();
            }
        }
    };
    let mut book = grade::grade(&sc, &files, key.as_ref(), &progress);
    book.rejected.append(&mut missing);
    book.rejected.sort_by(|a, b| a.file.cmp(&b.file));
    if let Some(p) = csv {
        offramp_core::case::write_atomic(p, book.to_csv().as_bytes())
            .with_context(|| format!("cannot write the gradebook to {}", p.display()))?;
    }
    if let Some(p) = html {
        offramp_core::case::write_atomic(p, book.to_html().as_bytes())
            .with_context(|| format!("cannot write the report to {}", p.display()))?;
    }
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(&book)?)?;
        return Ok(());
    }
    let w = book.graded.iter().map(|g| g.trainee.chars().count()).max().unwrap_or(0).clamp(9, 40);
    writeln!(out, "{} — {} graded, {} not graded", book.title, book.graded.len(), book.rejected.len())?;
    for g in &book.graded {
        let name: String = g.trainee.chars().take(40).collect();
        writeln!(
            out,
            "  {:<w$} {:>6} / {:<6} {:>5}  {}",
            if name.is_empty() { "(no name)".to_string() } else { name },
            offramp_core::format::points(g.report.earned),
            offramp_core::format::points(g.report.possible),
            offramp_core::format::hours_minutes(g.seconds),
            book.status(g)
        )?;
    }
    if !book.rejected.is_empty() {
        writeln!(out, "not graded:")?;
        for r in &book.rejected {
            writeln!(out, "  {}: {}", r.file, r.reason)?;
        }
    }
    for (what, p) in [("gradebook", csv), ("report", html)] {
        if let Some(p) = p {
            writeln!(out, "{what}: {}", p.display())?;
        }
    }
    Ok(())
}
