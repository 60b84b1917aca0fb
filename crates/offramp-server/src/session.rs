//! A class session: its join code, the instructor's token and the class key, kept in the
//! database so that a restarted server (after a crash, or kill -9) goes on with the same
//! session: the same code, the same tokens, every trainee's work.

use offramp_core::class::ClassKey;
use sqlx::Row;

use crate::db::Db;

#[derive(Clone)]
pub struct Session {
    pub id: String,
    /// As shown: `XXXX-XXXX-XXXX`.
    pub join_code: String,
    pub instructor_token: String,
    pub key: ClassKey,
    /// Whether this run of the server began it (false: an earlier run did, and it goes on).
    pub new: bool,
}

/// Why the session could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error(transparent)]
    Sql(#[from] sqlx::Error),
    #[error(
        "the database's open session for these scenarios was started with another class key; give the same --class-key, or none (the stored one is used), or end that session first with `--new-session`"
    )]
    OtherKey,
    #[error("the database holds a class key that does not read back: {0}")]
    BadKey(String),
}

/// The session's scenario list as stored: their ids, in the order given.
pub fn scenario_list(ids: &[String]) -> String {
    serde_json::to_string(ids).expect("strings serialize")
}

/// Opens the open session that runs `scenarios`, or begins one. `key` is the class key
/// given on the command line: a new session takes it (or a fresh one); an open session must
/// have been started with it. `fresh` ends any open session for these scenarios first.
///
/// # Errors
/// [`SessionError`].
pub async fn open(
    db: &Db,
    scenarios: &[String],
    key: Option<&ClassKey>,
    minutes: Option<u64>,
    fresh: bool,
) -> Result<Session, SessionError> {
    let list = scenario_list(scenarios);
    let now = crate::now_ms();
    if fresh {
        sqlx::query("UPDATE sessions SET ended_at = $1 WHERE scenarios = $2 AND ended_at IS NULL")
            .bind(now)
            .bind(&list)
            .execute(&db.pool)
            .await?;
    }
    let open = sqlx::query(
        "SELECT id, join_code, instructor_token, class_key FROM sessions WHERE scenarios = $1 AND ended_at IS NULL ORDER BY created_at DESC LIMIT 1",
    )
    .bind(&list)
    .fetch_optional(&db.pool)
    .await?;
    if let Some(row) = open {
        let stored: String = row.try_get("class_key")?;
        let stored = ClassKey::parse(&stored, "the database").map_err(|e| SessionError::BadKey(e.to_string()))?;
        if key.is_some_and(|k| k.to_text() != stored.to_text()) {
            return Err(SessionError::OtherKey);
        }
        return Ok(Session {
            id: row.try_get("id")?,
            join_code: row.try_get("join_code")?,
            instructor_token: row.try_get("instructor_token")?,
            key: stored,
            new: false,
        });
    }
    let key = match key {
        Some(k) => k.clone(),
        None => ClassKey::generate().map_err(|e| SessionError::BadKey(e.to_string()))?,
    };
    let session = Session {
        id: crate::auth::id(),
        join_code: crate::auth::join_code(),
        instructor_token: crate::auth::secret("i"),
        key,
        new: true,
    };
    sqlx::query(
        "INSERT INTO sessions (id, join_code, instructor_token, class_key, scenarios, created_at, ends_at, debriefs, revision) VALUES ($1, $2, $3, $4, $5, $6, $7, 0, 0)",
    )
    .bind(&session.id)
    .bind(&session.join_code)
    .bind(&session.instructor_token)
    .bind(session.key.to_text())
    .bind(&list)
    .bind(now)
    .bind(minutes.map(|m| now + (m as i64) * 60_000))
    .execute(&db.pool)
    .await?;
    Ok(session)
}
