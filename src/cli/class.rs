//! The instructor's commands for a class: `class-key` and `grade`, and the seed a trainee's
//! name (with or without the class key) gives to `generate`, `play` and `score`.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use offramp_core::class::{ClassKey, trainee_seed};
use offramp_core::grade;
use offramp_core::scenario::Scenario;

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
