//! What the instructor's dashboard calls: the state, freezing the board, extending or ending
//! the session, releasing debriefs, adjusting a score with a reason, letting a trainee
//! rejoin, the key, the gradebook and report, the audit log. Every one takes only the
//! instructor's token and leaves a line in the audit log when it changes anything.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use offramp_core::class::normal_name;
use serde::Deserialize;
use serde_json::{Value, json};
use sqlx::Row;

use super::trainee::{adjustments_of, parse_case, round2};
use super::{Server, Shared, check_len, score_and_store};
use crate::auth;
use crate::error::{ApiError, ApiResult, Body};

/// The instructor's endpoints.
pub(super) fn routes() -> Router<Shared> {
    Router::new()
        .route("/api/admin/state", get(admin_state))
        .route("/api/admin/events", get(crate::dashboard::events))
        .route("/api/admin/freeze", post(freeze))
        .route("/api/admin/extend", post(extend))
        .route("/api/admin/end", post(end))
        .route("/api/admin/release", post(release))
        .route("/api/admin/adjust", post(adjust))
        .route("/api/admin/rejoin", post(rejoin))
        .route("/api/admin/key/{scenario}", get(key))
        .route("/api/admin/gradebook.csv", get(gradebook_csv))
        .route("/api/admin/report.html", get(report_html))
        .route("/api/admin/audit", get(audit_log))
}

impl Server {
    /// Sets the session's `column` (a name written in this file, never a caller's) to
    /// `value`, and records the instructor's `action` in the audit log.
    async fn set_session<T>(&self, column: &'static str, value: T, action: &str, detail: Value) -> ApiResult<()>
    where
        T: for<'q> sqlx::Encode<'q, sqlx::Any> + sqlx::Type<sqlx::Any> + Send + 'static,
    {
        let sql = format!("UPDATE sessions SET {column} = $1 WHERE id = $2");
        sqlx::query(&sql).bind(value).bind(&self.session.id).execute(&self.db.pool).await?;
        self.audit("instructor", action, detail).await
    }
}

async fn admin_state(State(s): State<Shared>, headers: HeaderMap) -> ApiResult<Response> {
    s.instructor(&headers).await?;
    Ok(axum::Json(crate::dashboard::snapshot(&s).await?).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FreezeBody {
    frozen: bool,
}

async fn freeze(State(s): State<Shared>, headers: HeaderMap, Body(b): Body<FreezeBody>) -> ApiResult<Response> {
    s.instructor(&headers).await?;
    let board = if b.frozen {
        let snap = crate::dashboard::snapshot(&s).await?;
        Some(snap["leaderboard"].to_string())
    } else {
        None
    };
    s.set_session("frozen", board, if b.frozen { "freeze" } else { "unfreeze" }, json!({})).await?;
    Ok(axum::Json(json!({ "frozen": b.frozen })).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExtendBody {
    minutes: i64,
}

async fn extend(State(s): State<Shared>, headers: HeaderMap, Body(b): Body<ExtendBody>) -> ApiResult<Response> {
    s.instructor(&headers).await?;
    if !(1..=24 * 60).contains(&b.minutes) {
        return Err(ApiError::bad("extend by 1 to 1440 minutes"));
    }
    let t = s.still_open().await?;
    let now = crate::now_ms();
    let ends = t.ends_at.unwrap_or(now).max(now) + b.minutes * 60_000;
    s.set_session("ends_at", ends, "extend", json!({ "minutes": b.minutes, "ends_at": ends })).await?;
    Ok(axum::Json(json!({ "ends_at": ends })).into_response())
}

async fn end(State(s): State<Shared>, headers: HeaderMap) -> ApiResult<Response> {
    s.instructor(&headers).await?;
    let n = end_session(&s, "instructor").await?;
    Ok(axum::Json(json!({ "ended": true, "submitted_at_end": n })).into_response())
}

/// Ends the session: every case a trainee synced and did not submit is scored as it was
/// last sent (marked as submitted at the end). Returns how many were.
pub async fn end_session(s: &Server, actor: &str) -> ApiResult<usize> {
    let now = crate::now_ms();
    // Ended once: a second end (the clock after the instructor) keeps the first moment.
    sqlx::query("UPDATE sessions SET ended_at = $1 WHERE id = $2 AND ended_at IS NULL")
        .bind(now)
        .bind(&s.session.id)
        .execute(&s.db.pool)
        .await?;
    let rows = sqlx::query(
        "SELECT c.trainee_id AS tid, t.name AS name, c.scenario AS scenario, c.body AS body FROM cases c JOIN trainees t ON t.id = c.trainee_id
         WHERE t.session_id = $1 AND NOT EXISTS (SELECT 1 FROM submissions x WHERE x.trainee_id = c.trainee_id AND x.scenario = c.scenario)",
    )
    .bind(&s.session.id)
    .fetch_all(&s.db.pool)
    .await?;
    let mut n = 0;
    for r in rows {
        let (tid, name, scenario, body): (String, String, String, String) =
            (r.try_get("tid")?, r.try_get("name")?, r.try_get("scenario")?, r.try_get("body")?);
        let Some(sc) = s.room.scenario(&scenario).cloned() else { continue };
        let Ok(case) = parse_case(&body, &sc) else { continue };
        score_and_store(s, &tid, &name, &sc, "end-of-session", &body, case, false).await?;
        n += 1;
    }
    s.audit(actor, "end", json!({ "submitted_at_end": n })).await?;
    Ok(n)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReleaseBody {
    released: bool,
}

async fn release(State(s): State<Shared>, headers: HeaderMap, Body(b): Body<ReleaseBody>) -> ApiResult<Response> {
    s.instructor(&headers).await?;
    let action = if b.released { "release debriefs" } else { "withhold debriefs" };
    s.set_session("debriefs", i64::from(b.released), action, json!({})).await?;
    Ok(axum::Json(json!({ "released": b.released })).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AdjustBody {
    trainee: String,
    scenario: String,
    points: f64,
    reason: String,
}

async fn adjust(State(s): State<Shared>, headers: HeaderMap, Body(b): Body<AdjustBody>) -> ApiResult<Response> {
    s.instructor(&headers).await?;
    let sc = s.scenario(&b.scenario)?;
    let name = s.trainee_name(&b.trainee).await?;
    if !b.points.is_finite() || b.points == 0.0 || b.points.abs() > 1000.0 {
        return Err(ApiError::bad("points: a number other than 0, at most 1000 either way"));
    }
    let reason = b.reason.trim();
    if reason.is_empty() {
        return Err(ApiError::bad("say why: an adjustment needs a reason (it goes in the audit log)"));
    }
    check_len("the reason", reason, 1000)?;
    let id = auth::id();
    sqlx::query(
        "INSERT INTO adjustments (id, trainee_id, scenario, points, reason, at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&id)
    .bind(&b.trainee)
    .bind(&sc.meta.id)
    .bind(b.points)
    .bind(reason)
    .bind(crate::now_ms())
    .execute(&s.db.pool)
    .await?;
    s.audit(
        "instructor",
        "adjust",
        json!({ "trainee": b.trainee, "name": name, "scenario": b.scenario, "points": b.points, "reason": reason }),
    )
    .await?;
    Ok(axum::Json(json!({ "id": id })).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RejoinBody {
    trainee: String,
}

async fn rejoin(State(s): State<Shared>, headers: HeaderMap, Body(b): Body<RejoinBody>) -> ApiResult<Response> {
    s.instructor(&headers).await?;
    let name = s.trainee_name(&b.trainee).await?;
    sqlx::query("UPDATE trainees SET rejoin = 1 WHERE id = $1").bind(&b.trainee).execute(&s.db.pool).await?;
    s.audit("instructor", "allow rejoin", json!({ "trainee": b.trainee, "name": name })).await?;
    Ok(axum::Json(json!({ "rejoin": true, "name": name })).into_response())
}

async fn key(
    State(s): State<Shared>,
    headers: HeaderMap,
    Path(scenario): Path<String>,
    Query(q): Query<BTreeMap<String, String>>,
) -> ApiResult<Response> {
    s.instructor(&headers).await?;
    let sc = Arc::clone(s.scenario(&scenario)?);
    let tid = q.get("trainee").ok_or_else(|| ApiError::bad("name the trainee: ?trainee=ID"))?;
    let name = s.trainee_name(tid).await?;
    let world = s.room.world(&sc, &name).await.map_err(ApiError::internal)?;
    let key = offramp_core::preview::key_lines(&world);
    Ok(axum::Json(json!({ "scenario": scenario, "trainee": name, "seed": world.seed, "key": key })).into_response())
}

/// The session's gradebook of one scenario, as `offramp grade` makes it from case files.
async fn gradebook(s: &Server, scenario: &str) -> ApiResult<offramp_core::grade::Gradebook> {
    let sc = s.scenario(scenario)?;
    let rows = sqlx::query(
        "SELECT t.id AS tid, t.name AS name, x.report AS report, x.by_trainee AS by_trainee, c.seconds AS seconds, c.hints AS hints
         FROM submissions x JOIN trainees t ON t.id = x.trainee_id LEFT JOIN cases c ON c.trainee_id = x.trainee_id AND c.scenario = x.scenario
         WHERE t.session_id = $1 AND x.scenario = $2",
    )
    .bind(&s.session.id)
    .bind(scenario)
    .fetch_all(&s.db.pool)
    .await?;
    let mut graded = Vec::new();
    for r in rows {
        let tid: String = r.try_get("tid")?;
        let name: String = r.try_get("name")?;
        let mut report: offramp_core::score::Report = serde_json::from_str(&r.try_get::<String, _>("report")?)
            .map_err(|e| ApiError::internal(format!("a stored report does not read back: {e}")))?;
        let (list, sum) = adjustments_of(s, &tid, scenario).await?;
        let mut flags = Vec::new();
        if r.try_get::<i64, _>("by_trainee")? == 0 {
            flags.push("not submitted by the trainee: scored as last synced when the session ended".to_string());
        }
        for a in &list {
            flags.push(format!(
                "adjusted {:+} by the instructor: {}",
                a["points"].as_f64().unwrap_or(0.0),
                a["reason"].as_str().unwrap_or("")
            ));
        }
        report.earned = round2((report.earned + sum).max(0.0));
        let hints: Vec<(String, u32)> =
            serde_json::from_str(&r.try_get::<Option<String>, _>("hints")?.unwrap_or_default()).unwrap_or_default();
        graded.push(offramp_core::grade::Graded {
            file: format!("server:{tid}"),
            trainee: name.clone(),
            seed: s.room.seed(scenario, &name),
            hints: hints.len(),
            requests: report.legal.requests,
            report,
            seconds: r.try_get::<Option<i64>, _>("seconds")?.unwrap_or(0).max(0) as u64,
            submitted: true,
            seal: offramp_core::class::Seal::Intact,
            flags,
        });
    }
    graded.sort_by_key(|g| normal_name(&g.trainee));
    Ok(offramp_core::grade::Gradebook {
        scenario: sc.meta.id.clone(),
        title: sc.meta.title.clone(),
        objectives: sc.objectives.iter().map(|o| (o.id.clone(), o.prompt.clone(), o.rule.points())).collect(),
        graded,
        rejected: Vec::new(),
        keyed: true,
    })
}

fn scenario_query<'q>(s: &'q Server, q: &'q BTreeMap<String, String>) -> ApiResult<&'q str> {
    match q.get("scenario") {
        Some(id) => Ok(id),
        None if s.room.scenarios.len() == 1 => Ok(&s.room.scenarios[0].meta.id),
        None => Err(ApiError::bad("this class runs several scenarios: name one with ?scenario=ID")),
    }
}

async fn gradebook_csv(
    State(s): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<BTreeMap<String, String>>,
) -> ApiResult<Response> {
    s.instructor(&headers).await?;
    let id = scenario_query(&s, &q)?;
    let book = gradebook(&s, id).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"gradebook-{id}.csv\"")),
        ],
        book.to_csv(),
    )
        .into_response())
}

async fn report_html(
    State(s): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<BTreeMap<String, String>>,
) -> ApiResult<Response> {
    s.instructor(&headers).await?;
    let id = scenario_query(&s, &q)?;
    let book = gradebook(&s, id).await?;
    Ok(([(header::CONTENT_TYPE, "text/html; charset=utf-8")], book.to_html()).into_response())
}

async fn audit_log(State(s): State<Shared>, headers: HeaderMap) -> ApiResult<Response> {
    s.instructor(&headers).await?;
    let rows = sqlx::query("SELECT at, actor, action, detail FROM audit WHERE session_id = $1 ORDER BY at, id")
        .bind(&s.session.id)
        .fetch_all(&s.db.pool)
        .await?;
    let list: Vec<Value> = rows
        .iter()
        .map(|r| {
            Ok(json!({
                "at": r.try_get::<i64, _>("at")?,
                "actor": r.try_get::<String, _>("actor")?,
                "action": r.try_get::<String, _>("action")?,
                "detail": serde_json::from_str::<Value>(&r.try_get::<String, _>("detail")?).unwrap_or(Value::Null),
            }))
        })
        .collect::<ApiResult<_>>()?;
    Ok(axum::Json(json!({ "audit": list })).into_response())
}
