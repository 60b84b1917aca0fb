//! Joining a class: the server's address and join code from the instructor's screen, and the
//! trainee's name. Each class this computer joined is kept (with the trainee's token, readable
//! by this user only), so that the app comes back to it, online or not, without joining again.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use bevy::prelude::*;
use offramp_core::text::slug;
use offramp_server::client::{self, ClientError, Membership};

/// Joins a class (the library's form, or `offramp play --join`).
#[derive(Message, Debug, Clone)]
pub struct JoinClass {
    pub url: String,
    pub code: String,
    pub name: String,
}

/// A join under way on its own thread: its outcome, once there.
pub type Joining = Arc<Mutex<Option<Result<Membership, String>>>>;

/// The classes this computer joined, and the library's join form.
#[derive(Resource, Default)]
pub struct Classes {
    /// Where memberships are kept (`None`: not kept).
    pub dir: Option<PathBuf>,
    pub joined: Vec<Membership>,
    pub url: String,
    pub code: String,
    /// A join under way.
    pub job: Option<Joining>,
    /// Why the last join failed.
    pub error: Option<String>,
}

impl Classes {
    /// The classes kept in `dir`.
    pub fn load(dir: Option<PathBuf>) -> Classes {
        let joined = dir.as_deref().map(saved).unwrap_or_default();
        Classes { dir, joined, ..Classes::default() }
    }

    pub fn joining(&self) -> bool {
        self.job.is_some()
    }
}

/// The folder of joined classes: `$OFFRAMP_CLASSES`, or `~/.local/share/offramp/classes`.
pub fn classes_dir() -> Option<PathBuf> {
    std::env::var_os("OFFRAMP_CLASSES")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share/offramp/classes")))
}

fn file_of(dir: &Path, m: &Membership) -> PathBuf {
    dir.join(format!("{}--{}.class.json", slug(&m.code), slug(&m.name)))
}

/// The classes kept in `dir`, oldest first; a file that does not read is skipped.
pub fn saved(dir: &Path) -> Vec<Membership> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.to_string_lossy().ends_with(".class.json"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files.iter().filter_map(|p| serde_json::from_slice(&std::fs::read(p).ok()?).ok()).collect()
}

/// Keeps a membership in `dir`, readable by this user only (it holds the trainee's token).
///
/// # Errors
/// The file system's.
pub fn save(dir: &Path, m: &Membership) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let path = file_of(dir, m);
    let text = serde_json::to_vec_pretty(m).expect("a membership serializes");
    offramp_core::case::write_atomic(&path, &text)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(path)
}

/// Whether `m` is the membership of this server, code and name (as people type them).
fn same_class(m: &Membership, url: &str, code: &str, name: &str) -> bool {
    let code_of = |c: &str| c.chars().filter(char::is_ascii_alphanumeric).collect::<String>().to_ascii_uppercase();
    client::base_url(url).is_ok_and(|u| u == m.url)
        && code_of(code) == code_of(&m.code)
        && offramp_core::class::normal_name(name) == offramp_core::class::normal_name(&m.name)
}

/// Joins the class, or comes back to it when this computer joined it already as `name`; the
/// membership is kept in `dir`. Errors say what to do.
///
/// # Errors
/// Why the trainee is not in the class, in words for them.
pub fn join_or_resume(dir: Option<&Path>, url: &str, code: &str, name: &str) -> Result<Membership, String> {
    if name.trim().is_empty() {
        return Err("Type your name first (as your instructor knows it).".into());
    }
    if code.trim().is_empty() {
        return Err("Type the join code the instructor shows.".into());
    }
    if let Some(m) = dir.map(saved).unwrap_or_default().into_iter().find(|m| same_class(m, url, code, name)) {
        return Ok(m);
    }
    let m = client::join(url, code, name).map_err(|e| match e {
        ClientError::Away(why) => {
            format!("{why}. Check the address the instructor shows and that this computer is on the class's network.")
        }
        ClientError::Refused { message, .. } => format!("The class server says: {message}."),
    })?;
    if let Some(d) = dir
        && let Err(e) = save(d, &m)
    {
        return Err(format!(
            "Joined, but this computer cannot keep the class in {} ({e}): ask the instructor to let you rejoin once that is fixed.",
            d.display()
        ));
    }
    Ok(m)
}

pub fn plugin(app: &mut App) {
    app.insert_resource(Classes::load(classes_dir()))
        .add_message::<JoinClass>()
        .add_systems(Update, (start_join, finish_join).chain());
}

fn start_join(mut asked: MessageReader<JoinClass>, mut classes: ResMut<Classes>) {
    for j in asked.read() {
        if classes.joining() {
            continue;
        }
        let out = Arc::new(Mutex::new(None));
        let (slot, dir, j) = (Arc::clone(&out), classes.dir.clone(), j.clone());
        std::thread::spawn(move || {
            let r = join_or_resume(dir.as_deref(), &j.url, &j.code, &j.name);
            *slot.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(r);
        });
        classes.error = None;
        classes.job = Some(out);
    }
}

fn finish_join(mut classes: ResMut<Classes>) {
    let Some(job) = &classes.job else { return };
    let Some(r) = job.lock().ok().and_then(|mut o| o.take()) else { return };
    classes.job = None;
    match r {
        Ok(m) => {
            classes.joined.retain(|k| !(k.url == m.url && k.code == m.code && k.trainee == m.trainee));
            classes.joined.push(m);
            classes.code.clear();
        }
        Err(e) => classes.error = Some(e),
    }
}
