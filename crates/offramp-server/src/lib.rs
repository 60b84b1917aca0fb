//! Offramp's classroom server (`offramp serve`): one instructor, a class of trainees, each
//! playing their own variant of the session's scenarios at once. The truth stays here:
//! trainees get packs (their chain and intel, no answers), the server answers their legal
//! requests, scores their submissions and shows the instructor a live dashboard.
//! See docs/classroom.md for running a class and docs/classroom-api.md for the API.

pub mod api;
pub mod auth;
pub mod client;
pub mod dashboard;
pub mod db;
pub mod error;
pub mod limits;
pub mod loadtest;
pub mod room;
pub mod session;

use std::net::SocketAddr;
use std::sync::Arc;

use offramp_core::class::ClassKey;
use offramp_core::scenario::Scenario;

/// Milliseconds since the Unix epoch: every time the database keeps.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// What `offramp serve` was asked for.
pub struct Config {
    pub scenarios: Vec<Scenario>,
    /// Where to listen (127.0.0.1 unless told otherwise).
    pub bind: String,
    /// A database URL (see [`db::url_of`]).
    pub db: String,
    pub class_key: Option<ClassKey>,
    /// The session's length, for a new session; none: until the instructor ends it.
    pub minutes: Option<u64>,
    /// End the open session of these scenarios and begin another.
    pub new_session: bool,
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Db(#[from] db::DbError),
    #[error(transparent)]
    Session(#[from] session::SessionError),
    #[error("cannot listen on {addr}: {why}")]
    Bind { addr: String, why: std::io::Error },
    #[error("{0}")]
    Config(String),
}

/// A server listening, not yet serving.
pub struct Started {
    pub addr: SocketAddr,
    pub join_code: String,
    pub instructor_token: String,
    /// Whether this run began the session (false: it goes on with the one in the database).
    pub new_session: bool,
    pub server: api::Shared,
    listener: tokio::net::TcpListener,
}

impl Started {
    /// The dashboard's address.
    pub fn dashboard(&self) -> String {
        format!("http://{}/dashboard", self.addr)
    }

    /// The lines `offramp serve` prints, one per line.
    pub fn banner(&self) -> String {
        format!(
            "join code: {}\ndashboard: {}\ninstructor token: {}\n",
            self.join_code,
            self.dashboard(),
            self.instructor_token
        )
    }

    /// Serves until `shutdown` resolves; the session's deadline is watched meanwhile.
    ///
    /// # Errors
    /// The listener's error.
    pub async fn serve(self, shutdown: impl std::future::Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        let watcher = tokio::spawn(watch_deadline(Arc::clone(&self.server)));
        let app = api::router(self.server).into_make_service_with_connect_info::<SocketAddr>();
        let r = axum::serve(self.listener, app).with_graceful_shutdown(shutdown).await;
        watcher.abort();
        r
    }
}

/// Opens the database and the session and binds the address.
///
/// # Errors
/// [`ServeError`].
pub async fn start(config: Config) -> Result<Started, ServeError> {
    if config.scenarios.is_empty() {
        return Err(ServeError::Config("name at least one scenario to run".into()));
    }
    let mut ids: Vec<String> = Vec::new();
    for sc in &config.scenarios {
        if ids.contains(&sc.meta.id) {
            return Err(ServeError::Config(format!("scenario \"{}\" is named twice", sc.meta.id)));
        }
        ids.push(sc.meta.id.clone());
    }
    let url = db::url_of(&config.db)?;
    let db = db::Db::open(&url).await?;
    let session = session::open(&db, &ids, config.class_key.as_ref(), config.minutes, config.new_session).await?;
    let listener = tokio::net::TcpListener::bind(&config.bind)
        .await
        .map_err(|why| ServeError::Bind { addr: config.bind.clone(), why })?;
    let addr = listener.local_addr().map_err(|why| ServeError::Bind { addr: config.bind.clone(), why })?;
    let (changed, _) = tokio::sync::watch::channel(0u64);
    let server = Arc::new(api::Server {
        db,
        room: room::Room::new(config.scenarios, session.key.clone()),
        session: session.clone(),
        limits: limits::Limiter::default(),
        changed,
    });
    if session.new {
        server.audit("instructor", "begin", serde_json::json!({ "scenarios": ids })).await.ok();
    } else {
        server.audit("instructor", "server restarted", serde_json::json!({})).await.ok();
    }
    Ok(Started {
        addr,
        join_code: session.join_code,
        instructor_token: session.instructor_token,
        new_session: session.new,
        server,
        listener,
    })
}

/// Ends the session when its time is up (checked every second).
async fn watch_deadline(s: api::Shared) {
    loop {
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        let Ok(t) = s.times().await else { continue };
        if t.ended_at.is_none()
            && t.ends_at.is_some_and(|e| e <= now_ms())
            && let Err(e) = api::end_session(&s, "clock").await
        {
            eprintln!("offramp serve: ending the session at its time failed: {}", e.message);
        }
    }
}
