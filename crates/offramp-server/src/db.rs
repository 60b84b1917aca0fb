//! Storage: one database layer (sqlx's `Any` driver) over the embedded SQLite default and an
//! academy's PostgreSQL. Every statement here is written once and runs on both: `$N`
//! placeholders, `BIGINT`, `DOUBLE PRECISION` and `TEXT` columns, flags as 0/1 and times as
//! Unix milliseconds. The schema is versioned by [`MIGRATIONS`], applied in order, each in a
//! transaction, and recorded in `offramp_migrations`.

use std::path::Path;
use std::str::FromStr;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Row};

/// Which server a database URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The schema, one migration per entry; a released migration is never edited, only followed.
pub const MIGRATIONS: &[(i64, &str, &str)] = &[(
    1,
    "sessions, trainees, cases, legal requests, submissions, adjustments, audit",
    "CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        join_code TEXT NOT NULL UNIQUE,
        instructor_token TEXT NOT NULL,
        class_key TEXT NOT NULL,
        scenarios TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        ends_at BIGINT,
        ended_at BIGINT,
        frozen TEXT,
        debriefs BIGINT NOT NULL DEFAULT 0,
        revision BIGINT NOT NULL DEFAULT 0
    );
    CREATE TABLE trainees (
        id TEXT PRIMARY KEY,
        session_id TEXT NOT NULL REFERENCES sessions(id),
        name TEXT NOT NULL,
        norm_name TEXT NOT NULL,
        token_hash TEXT NOT NULL,
        joined_at BIGINT NOT NULL,
        last_seen BIGINT NOT NULL,
        rejoin BIGINT NOT NULL DEFAULT 0,
        UNIQUE (session_id, norm_name)
    );
    CREATE TABLE cases (
        trainee_id TEXT NOT NULL REFERENCES trainees(id),
        scenario TEXT NOT NULL,
        revision BIGINT NOT NULL,
        body TEXT NOT NULL,
        answered TEXT NOT NULL,
        hints TEXT NOT NULL,
        seconds BIGINT NOT NULL,
        changed_at BIGINT NOT NULL,
        PRIMARY KEY (trainee_id, scenario)
    );
    CREATE TABLE legal_requests (
        trainee_id TEXT NOT NULL REFERENCES trainees(id),
        scenario TEXT NOT NULL,
        client_id TEXT NOT NULL,
        seq BIGINT NOT NULL,
        exchange TEXT NOT NULL,
        address TEXT NOT NULL,
        reply TEXT NOT NULL,
        at BIGINT NOT NULL,
        PRIMARY KEY (trainee_id, scenario, client_id),
        UNIQUE (trainee_id, scenario, seq)
    );
    CREATE TABLE submissions (
        trainee_id TEXT NOT NULL REFERENCES trainees(id),
        scenario TEXT NOT NULL,
        client_id TEXT NOT NULL,
        body TEXT NOT NULL,
        report TEXT NOT NULL,
        earned DOUBLE PRECISION NOT NULL,
        possible DOUBLE PRECISION NOT NULL,
        by_trainee BIGINT NOT NULL,
        at BIGINT NOT NULL,
        PRIMARY KEY (trainee_id, scenario)
    );
    CREATE TABLE adjustments (
        id TEXT PRIMARY KEY,
        trainee_id TEXT NOT NULL REFERENCES trainees(id),
        scenario TEXT NOT NULL,
        points DOUBLE PRECISION NOT NULL,
        reason TEXT NOT NULL,
        at BIGINT NOT NULL
    );
    CREATE TABLE audit (
        id TEXT PRIMARY KEY,
        session_id TEXT NOT NULL,
        at BIGINT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        detail TEXT NOT NULL
    );
    CREATE INDEX audit_by_time ON audit (session_id, at);
    CREATE INDEX trainees_by_session ON trainees (session_id)",
)];

/// Why the database could not be opened or used.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("{url}: {why}")]
    Open { url: String, why: String },
    #[error("database: {0}")]
    Sql(#[from] sqlx::Error),
    #[error(
        "{url}: this database was written by a newer Offramp (schema {found}; this Offramp knows up to {known}): update Offramp"
    )]
    Newer { url: String, found: i64, known: i64 },
}

/// The URL a `--db` argument names: a PostgreSQL or SQLite URL as it is, anything else a
/// SQLite file (created if missing).
///
/// # Errors
/// A path sqlx could not read back as a URL.
pub fn url_of(arg: &str) -> Result<String, DbError> {
    if arg.starts_with("postgres://") || arg.starts_with("postgresql://") || arg.starts_with("sqlite:") {
        return Ok(arg.to_string());
    }
    if arg.contains(['?', '#']) {
        return Err(DbError::Open {
            url: arg.to_string(),
            why: "a database file's name cannot hold '?' or '#'".into(),
        });
    }
    let abs = std::path::absolute(Path::new(arg)).unwrap_or_else(|_| Path::new(arg).to_path_buf());
    Ok(format!("sqlite://{}?mode=rwc", abs.display()))
}

/// The URL without its password, for messages and logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &creds[..c], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// The database, with the server it is on.
#[derive(Clone)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
}

impl Db {
    /// Opens the database at `url` and brings its schema up to date. SQLite runs in WAL mode
    /// with full syncs (an acknowledged write survives the server being killed, and the
    /// machine losing power), behind one connection (SQLite has one writer at a time anyway,
    /// and so no writer ever waits on a lock held by a reader of its own pool).
    ///
    /// # Errors
    /// [`DbError`] naming the database (its password left out).
    pub async fn open(url: &str) -> Result<Db, DbError> {
        sqlx::any::install_default_drivers();
        let shown = redact(url);
        let open_err = |e: sqlx::Error| DbError::Open { url: shown.clone(), why: e.to_string() };
        let backend = if url.starts_with("sqlite:") { Backend::Sqlite } else { Backend::Postgres };
        let options = AnyConnectOptions::from_str(url).map_err(open_err)?;
        let pool = match backend {
            Backend::Sqlite => AnyPoolOptions::new()
                .max_connections(1)
                .after_connect(|conn, _| {
                    Box::pin(async move {
                        for pragma in [
                            "PRAGMA journal_mode = WAL",
                            "PRAGMA synchronous = FULL",
                            "PRAGMA foreign_keys = ON",
                            "PRAGMA busy_timeout = 5000",
                        ] {
                            sqlx::query(pragma).execute(&mut *conn).await?;
                        }
                        Ok(())
                    })
                })
                .connect_with(options)
                .await
                .map_err(open_err)?,
            Backend::Postgres => {
                AnyPoolOptions::new().max_connections(8).connect_with(options).await.map_err(open_err)?
            }
        };
        let db = Db { pool, backend };
        db.migrate(&shown).await?;
        Ok(db)
    }

    async fn migrate(&self, shown: &str) -> Result<(), DbError> {
        sqlx::query("CREATE TABLE IF NOT EXISTS offramp_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, at BIGINT NOT NULL)")
            .execute(&self.pool)
            .await?;
        let row =
            sqlx::query("SELECT COALESCE(MAX(version), 0) AS v FROM offramp_migrations").fetch_one(&self.pool).await?;
        let have: i64 = row.try_get("v")?;
        let known = MIGRATIONS.last().map_or(0, |m| m.0);
        if have > known {
            return Err(DbError::Newer { url: shown.to_string(), found: have, known });
        }
        for (version, name, sql) in MIGRATIONS.iter().filter(|m| m.0 > have) {
            let mut tx = self.pool.begin().await?;
            for statement in sql.split(';').map(str::trim).filter(|s| !s.is_empty()) {
                sqlx::query(statement).execute(&mut *tx).await?;
            }
            sqlx::query("INSERT INTO offramp_migrations (version, name, at) VALUES ($1, $2, $3)")
                .bind(*version)
                .bind(*name)
                .bind(crate::now_ms())
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        }
        Ok(())
    }

    /// Whether `e` is a unique-key violation: another request got there first.
    pub fn is_conflict(e: &sqlx::Error) -> bool {
        match e {
            sqlx::Error::Database(d) => {
                d.is_unique_violation()
                    || d.code().is_some_and(|c| c == "23505" || c == "2067" || c == "1555")
                    || d.message().contains("UNIQUE constraint failed")
            }
            _ => false,
        }
    }
}
