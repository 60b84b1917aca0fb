//! The HTTP API (documented endpoint by endpoint in docs/classroom-api.md).
//!
//! Trainees join with the code and a name and get a token; every trainee endpoint is under
//! `/api/trainees/{id}/…` and takes only that trainee's token (the instructor's reads too).
//! Admin endpoints under `/api/admin/` take only the instructor's token. Writes a trainee's
//! app may send twice (a legal request, a submission, after a lost answer) carry the app's
//! own id and are answered from the first.

//!
//! `trainee.rs` holds what a trainee's app calls (joining, cases, legal requests,
//! submissions, the debrief); `admin.rs` what the instructor's dashboard calls. Who may call
//! what is decided here ([`Server::caller`] and the checks beside it).

mod admin;
mod trainee;

pub use admin::end_session;
pub use trainee::score_and_store;

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequestParts, Path};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Redirect;
use axum::routing::get;
use offramp_core::scenario::Scenario;
use serde::Serialize;
use serde_json::{Value, json};
use sqlx::Row;

use crate::auth;
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::limits::Limiter;
use crate::room::Room;
use crate::session::Session;

/// The largest request body the server reads: a case with a large board fits many times.
pub const MAX_BODY: usize = 8 << 20;
/// Longest trainee name, client request id, exchange or address the server takes.
pub(super) const MAX_NAME: usize = 80;
pub(super) const MAX_ID: usize = 64;
pub(super) const MAX_FIELD: usize = 200;
/// A trainee not heard from for this long is shown offline; one whose case has not changed
/// for [`IDLE_MS`] (while online) idle.
pub const OFFLINE_MS: i64 = 60_000;
pub const IDLE_MS: i64 = 5 * 60_000;

/// What every handler shares.
pub struct Server {
    pub db: Db,
    pub room: Room,
    pub session: Session,
    pub limits: Limiter,
    /// Bumped on every change a dashboard shows; dashboards wait on it.
    pub changed: tokio::sync::watch::Sender<u64>,
}

pub type Shared = Arc<Server>;

pub fn router(server: Shared) -> Router {
    Router::new()
        .route("/", get(|| async { Redirect::to("/dashboard") }))
        .route("/dashboard", get(crate::dashboard::page))
        .route("/api/health", get(|| async { axum::Json(json!({ "ok": true })) }))
        .merge(trainee::routes())
        .merge(admin::routes())
        .fallback(|| async { ApiError::not_found("no such endpoint (see docs/classroom-api.md)") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "this endpoint does not take that method",
            )
        })
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(server)
}

// ---------------------------------------------------------------------------------------
// Who is calling

/// The caller a token names.
#[derive(Debug, Clone)]
pub enum Caller {
    Instructor,
    Trainee { id: String, name: String },
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

impl Server {
    /// Who the request's token belongs to.
    ///
    /// # Errors
    /// 401 for a request with no token, or one that is no one's.
    pub async fn caller(&self, headers: &HeaderMap) -> ApiResult<Caller> {
        let token = bearer(headers).ok_or_else(|| {
            ApiError::unauthorized(
                "this needs a token: send `Authorization: Bearer TOKEN` (your token came with your join)",
            )
        })?;
        if auth::same(token, &self.session.instructor_token) {
            return Ok(Caller::Instructor);
        }
        let invalid = || ApiError::unauthorized("this token is no one's in this class; join again with the join code");
        let id = auth::trainee_of(token).ok_or_else(invalid)?;
        let row = sqlx::query("SELECT name, token_hash FROM trainees WHERE id = $1 AND session_id = $2")
            .bind(id)
            .bind(&self.session.id)
            .fetch_optional(&self.db.pool)
            .await?
            .ok_or_else(invalid)?;
        let stored: String = row.try_get("token_hash")?;
        if !auth::same(&auth::hash(token), &stored) {
            return Err(invalid());
        }
        sqlx::query("UPDATE trainees SET last_seen = $1 WHERE id = $2")
            .bind(crate::now_ms())
            .bind(id)
            .execute(&self.db.pool)
            .await?;
        Ok(Caller::Trainee { id: id.to_string(), name: row.try_get("name")? })
    }

    pub(super) async fn instructor(&self, headers: &HeaderMap) -> ApiResult<()> {
        match self.caller(headers).await? {
            Caller::Instructor => Ok(()),
            Caller::Trainee { .. } => Err(ApiError::forbidden("only the instructor's token opens this")),
        }
    }

    /// The trainee `tid` when the caller may read their things: themselves or the instructor.
    pub(super) async fn reader(&self, headers: &HeaderMap, tid: &str) -> ApiResult<(Caller, String)> {
        let caller = self.caller(headers).await?;
        match &caller {
            Caller::Trainee { id, name } if id == tid => {
                let name = name.clone();
                Ok((caller, name))
            }
            Caller::Trainee { .. } => Err(ApiError::forbidden("a trainee's token opens only their own case")),
            Caller::Instructor => {
                let name = self.trainee_name(tid).await?;
                Ok((caller, name))
            }
        }
    }

    /// The trainee `tid`'s name when the caller is that trainee (writes are theirs alone).
    async fn writer(&self, headers: &HeaderMap, tid: &str) -> ApiResult<String> {
        match self.caller(headers).await? {
            Caller::Trainee { id, name } if id == tid => Ok(name),
            Caller::Trainee { .. } => Err(ApiError::forbidden("a trainee's token opens only their own case")),
            Caller::Instructor => Err(ApiError::forbidden(
                "only the trainee writes their case (the instructor adjusts scores with /api/admin/adjust)",
            )),
        }
    }

    pub(super) async fn trainee_name(&self, tid: &str) -> ApiResult<String> {
        let row = sqlx::query("SELECT name FROM trainees WHERE id = $1 AND session_id = $2")
            .bind(tid)
            .bind(&self.session.id)
            .fetch_optional(&self.db.pool)
            .await?
            .ok_or_else(|| ApiError::not_found(format!("no trainee {tid} in this class")))?;
        Ok(row.try_get("name")?)
    }

    pub(super) fn scenario(&self, id: &str) -> ApiResult<&Arc<Scenario>> {
        self.room.scenario(id).ok_or_else(|| {
            let ids: Vec<&str> = self.room.scenarios.iter().map(|s| s.meta.id.as_str()).collect();
            ApiError::not_found(format!("this class runs no scenario \"{id}\" (it runs {})", ids.join(", ")))
        })
    }

    /// The session's times and flags as they are now.
    pub async fn times(&self) -> ApiResult<Times> {
        let row = sqlx::query("SELECT created_at, ends_at, ended_at, frozen, debriefs FROM sessions WHERE id = $1")
            .bind(&self.session.id)
            .fetch_one(&self.db.pool)
            .await?;
        Ok(Times {
            created_at: row.try_get("created_at")?,
            ends_at: row.try_get("ends_at")?,
            ended_at: row.try_get("ended_at")?,
            frozen: row.try_get::<Option<String>, _>("frozen")?,
            debriefs: row.try_get::<i64, _>("debriefs")? != 0,
        })
    }

    /// Refuses a trainee's write once the session is over.
    pub(super) async fn still_open(&self) -> ApiResult<Times> {
        let t = self.times().await?;
        if t.ended_at.is_some() {
            return Err(ApiError::conflict("session_ended", "the session has ended: nothing more can be sent"));
        }
        Ok(t)
    }

    /// Records an action in the audit log and tells the dashboards.
    pub async fn audit(&self, actor: &str, action: &str, detail: Value) -> ApiResult<()> {
        sqlx::query("INSERT INTO audit (id, session_id, at, actor, action, detail) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(auth::id())
            .bind(&self.session.id)
            .bind(crate::now_ms())
            .bind(actor)
            .bind(action)
            .bind(detail.to_string())
            .execute(&self.db.pool)
            .await?;
        self.touch();
        Ok(())
    }

    /// Tells the dashboards something changed.
    pub fn touch(&self) {
        self.changed.send_modify(|n| *n += 1);
    }
}

/// A call about one of a trainee's scenarios (`/api/trainees/{tid}/…/{scenario}`) by someone
/// who may read it: the trainee or the instructor. Checked before the body is read.
pub(super) struct Reading {
    pub caller: Caller,
    pub tid: String,
    pub scenario: String,
    pub name: String,
    pub sc: Arc<Scenario>,
}

/// The same, by the trainee themselves: the only one who writes their case.
pub(super) struct Writing {
    pub tid: String,
    pub scenario: String,
    pub name: String,
    pub sc: Arc<Scenario>,
}

async fn trainee_and_scenario(parts: &mut Parts, s: &Shared) -> ApiResult<(String, String)> {
    let Path(p) = Path::<(String, String)>::from_request_parts(parts, s)
        .await
        .map_err(|e| ApiError::bad(format!("the address does not read: {}", e.body_text())))?;
    Ok(p)
}

impl FromRequestParts<Shared> for Reading {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, s: &Shared) -> ApiResult<Self> {
        let (tid, scenario) = trainee_and_scenario(parts, s).await?;
        let (caller, name) = s.reader(&parts.headers, &tid).await?;
        let sc = Arc::clone(s.scenario(&scenario)?);
        Ok(Reading { caller, tid, scenario, name, sc })
    }
}

impl FromRequestParts<Shared> for Writing {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, s: &Shared) -> ApiResult<Self> {
        let (tid, scenario) = trainee_and_scenario(parts, s).await?;
        let name = s.writer(&parts.headers, &tid).await?;
        let sc = Arc::clone(s.scenario(&scenario)?);
        Ok(Writing { tid, scenario, name, sc })
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Times {
    pub created_at: i64,
    pub ends_at: Option<i64>,
    pub ended_at: Option<i64>,
    /// The leaderboard as it stood when frozen (JSON), while frozen.
    #[serde(skip)]
    pub frozen: Option<String>,
    pub debriefs: bool,
}

pub(super) fn check_len(what: &str, s: &str, max: usize) -> ApiResult<()> {
    if s.len() > max {
        return Err(ApiError::bad(format!("{what} is longer than {max} bytes")));
    }
    Ok(())
}
