//! What a trainee's app calls: joining with the code, the pack, the case synced, legal
//! requests answered within the budget, the submission scored, the debrief once released.
//! Writes an app may send twice carry the app's own id and are answered from the first.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use offramp_core::case::{Case, HintUse, Request as LegalRequest};
use offramp_core::class::normal_name;
use offramp_core::scenario::Scenario;
use serde::Deserialize;
use serde_json::{Value, json};
use sqlx::Row;

use super::{Caller, MAX_FIELD, MAX_ID, MAX_NAME, Reading, Server, Shared, Writing, check_len};
use crate::auth;
use crate::db::Db;
use crate::error::{ApiError, ApiResult, Body};
use crate::limits;

/// The trainee's endpoints.
pub(super) fn routes() -> Router<Shared> {
    Router::new()
        .route("/api/join", post(join))
        .route("/api/trainees/{tid}", get(trainee_status))
        .route("/api/trainees/{tid}/packs/{scenario}", get(pack))
        .route("/api/trainees/{tid}/cases/{scenario}", get(get_case).put(put_case))
        .route("/api/trainees/{tid}/legal/{scenario}", get(list_legal).post(legal))
        .route("/api/trainees/{tid}/submission/{scenario}", get(get_submission).post(submit))
        .route("/api/trainees/{tid}/debrief/{scenario}", get(debrief))
}

// ---------------------------------------------------------------------------------------
// Joining

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JoinBody {
    code: String,
    name: String,
}

async fn join(
    State(s): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Body(b): Body<JoinBody>,
) -> ApiResult<Response> {
    let from = peer.ip().to_string();
    let wait = |w| ApiError::too_many("join attempts", w);
    s.limits.left("join-miss", &from, limits::JOIN_MISS).map_err(wait)?;
    check_len("the join code", &b.code, MAX_FIELD)?;
    if !auth::same(&auth::normal_code(&b.code), &auth::normal_code(&s.session.join_code)) {
        s.limits.take("join-miss", &from, limits::JOIN_MISS).map_err(wait)?;
        return Err(ApiError::not_found("no class has this join code: check it against the one the instructor shows"));
    }
    s.limits.take("join", &from, limits::JOIN).map_err(wait)?;
    let name = b.name.trim();
    if name.is_empty() || name.chars().all(|c| !c.is_alphanumeric()) {
        return Err(ApiError::bad("give your name (as your instructor knows it)"));
    }
    if name.chars().count() > MAX_NAME || name.chars().any(char::is_control) {
        return Err(ApiError::bad(format!("a name is at most {MAX_NAME} characters, on one line")));
    }
    s.still_open().await?;
    let norm = normal_name(name);
    let existing = sqlx::query("SELECT id, rejoin FROM trainees WHERE session_id = $1 AND norm_name = $2")
        .bind(&s.session.id)
        .bind(&norm)
        .fetch_optional(&s.db.pool)
        .await?;
    let now = crate::now_ms();
    let (id, token) = match existing {
        Some(row) => {
            let id: String = row.try_get("id")?;
            if row.try_get::<i64, _>("rejoin")? == 0 {
                return Err(ApiError::conflict(
                    "name_taken",
                    format!(
                        "\"{name}\" has already joined this class. If that is you on another computer, ask the instructor to let you rejoin; otherwise join with your full name"
                    ),
                ));
            }
            let token = auth::trainee_token(&id);
            sqlx::query("UPDATE trainees SET token_hash = $1, rejoin = 0, last_seen = $2 WHERE id = $3")
                .bind(auth::hash(&token))
                .bind(now)
                .bind(&id)
                .execute(&s.db.pool)
                .await?;
            s.audit(name, "rejoin", json!({ "trainee": id })).await?;
            (id, token)
        }
        None => {
            let id = auth::id();
            let token = auth::trainee_token(&id);
            let inserted = sqlx::query(
                "INSERT INTO trainees (id, session_id, name, norm_name, token_hash, joined_at, last_seen, rejoin) VALUES ($1, $2, $3, $4, $5, $6, $6, 0)",
            )
            .bind(&id)
            .bind(&s.session.id)
            .bind(name)
            .bind(&norm)
            .bind(auth::hash(&token))
            .bind(now)
            .execute(&s.db.pool)
            .await;
            match inserted {
                Err(e) if Db::is_conflict(&e) => {
                    return Err(ApiError::conflict("name_taken", format!("\"{name}\" has just joined this class")));
                }
                r => r?,
            };
            s.audit(name, "join", json!({ "trainee": id })).await?;
            (id, token)
        }
    };
    let body = json!({
        "trainee": id,
        "name": name,
        "token": token,
        "scenarios": scenario_list(&s),
    });
    Ok((StatusCode::OK, axum::Json(body)).into_response())
}

fn scenario_list(s: &Server) -> Vec<Value> {
    s.room
        .scenarios
        .iter()
        .map(|sc| json!({ "id": sc.meta.id, "title": sc.meta.title, "objectives": sc.objectives.len() }))
        .collect()
}

async fn trainee_status(State(s): State<Shared>, headers: HeaderMap, Path(tid): Path<String>) -> ApiResult<Response> {
    let (_, name) = s.reader(&headers, &tid).await?;
    let times = s.times().await?;
    let mut scenarios = Vec::new();
    for sc in &s.room.scenarios {
        let id = &sc.meta.id;
        let case = sqlx::query("SELECT revision FROM cases WHERE trainee_id = $1 AND scenario = $2")
            .bind(&tid)
            .bind(id)
            .fetch_optional(&s.db.pool)
            .await?;
        let submitted = sqlx::query("SELECT earned, possible FROM submissions WHERE trainee_id = $1 AND scenario = $2")
            .bind(&tid)
            .bind(id)
            .fetch_optional(&s.db.pool)
            .await?;
        let used = legal_count(&s, &tid, id).await?;
        scenarios.push(json!({
            "id": id,
            "title": sc.meta.title,
            "revision": case.map(|r| r.try_get::<i64, _>("revision")).transpose()?,
            "submitted": submitted.is_some(),
            "legal_used": used,
            "legal_budget": sc.legal.budget,
        }));
    }
    Ok(axum::Json(json!({
        "trainee": tid,
        "name": name,
        "session": times,
        "now": crate::now_ms(),
        "scenarios": scenarios,
    }))
    .into_response())
}

async fn pack(State(s): State<Shared>, Reading { scenario, name, sc, .. }: Reading) -> ApiResult<Response> {
    let world = s.room.world(&sc, &name).await.map_err(ApiError::internal)?;
    let key = s.room.key.clone();
    let bytes = tokio::task::spawn_blocking(move || offramp_core::pack::online(&world, &name, Some(&key)))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?;
    let file = offramp_core::pack::file_name(&scenario, "class");
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file}\"")),
        ],
        bytes,
    )
        .into_response())
}

// ---------------------------------------------------------------------------------------
// Cases

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseBody {
    /// The app's count of its own saves: only a newer revision replaces the stored one.
    revision: i64,
    /// The case file's text (RON), as the app saves it.
    case: String,
}

/// Reads a case sent for `sc`, as the app saves it: located errors when it does not parse.
pub(super) fn parse_case(text: &str, sc: &Scenario) -> ApiResult<Case> {
    Case::parse(text, "case", sc).map_err(|d| {
        let mut e = ApiError::bad("the case does not read as a case of this scenario");
        e.problems = d.0.iter().map(|p| p.to_string()).collect();
        e
    })
}

fn answered(case: &Case) -> Vec<String> {
    case.answers.iter().filter(|(_, g)| !g.is_blank()).map(|(id, _)| id.clone()).collect()
}

async fn put_case(
    State(s): State<Shared>,
    Writing { tid, scenario, sc, .. }: Writing,
    Body(b): Body<CaseBody>,
) -> ApiResult<Response> {
    s.limits.take("sync", &tid, limits::SYNC).map_err(|w| ApiError::too_many("case syncs", w))?;
    s.still_open().await?;
    let case = parse_case(&b.case, &sc)?;
    let stored = store_case(&s, &tid, &scenario, b.revision, &b.case, &case).await?;
    if stored.0 {
        s.touch();
    }
    Ok(axum::Json(json!({ "stored": stored.0, "revision": stored.1 })).into_response())
}

/// Stores a case when `revision` is newer than the stored one; the hints it lists are added
/// to those seen before (a hint once unlocked stays charged). (stored?, revision now held).
async fn store_case(
    s: &Server,
    tid: &str,
    scenario: &str,
    revision: i64,
    text: &str,
    case: &Case,
) -> ApiResult<(bool, i64)> {
    let now = crate::now_ms();
    let mut tx = s.db.pool.begin().await?;
    let row = sqlx::query("SELECT revision, hints FROM cases WHERE trainee_id = $1 AND scenario = $2")
        .bind(tid)
        .bind(scenario)
        .fetch_optional(&mut *tx)
        .await?;
    let mut hints: BTreeSet<(String, u32)> = case.hints.iter().map(|h| (h.objective.clone(), h.hint)).collect();
    let answered = serde_json::to_string(&answered(case)).expect("strings");
    match row {
        Some(row) => {
            let held: i64 = row.try_get("revision")?;
            if revision <= held {
                return Ok((false, held));
            }
            let before: Vec<(String, u32)> =
                serde_json::from_str(&row.try_get::<String, _>("hints")?).unwrap_or_default();
            hints.extend(before);
            sqlx::query(
                "UPDATE cases SET revision = $1, body = $2, answered = $3, hints = $4, seconds = $5, changed_at = $6 WHERE trainee_id = $7 AND scenario = $8",
            )
            .bind(revision)
            .bind(text)
            .bind(&answered)
            .bind(serde_json::to_string(&hints).expect("hints"))
            .bind(case.seconds as i64)
            .bind(now)
            .bind(tid)
            .bind(scenario)
            .execute(&mut *tx)
            .await?;
        }
        None => {
            let r = sqlx::query(
                "INSERT INTO cases (trainee_id, scenario, revision, body, answered, hints, seconds, changed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(tid)
            .bind(scenario)
            .bind(revision)
            .bind(text)
            .bind(&answered)
            .bind(serde_json::to_string(&hints).expect("hints"))
            .bind(case.seconds as i64)
            .bind(now)
            .execute(&mut *tx)
            .await;
            if let Err(e) = &r
                && Db::is_conflict(e)
            {
                // Two syncs at once: the other one is stored; the app sends again if it must.
                return Ok((false, revision));
            }
            r?;
        }
    }
    tx.commit().await?;
    Ok((true, revision))
}

async fn get_case(State(s): State<Shared>, Reading { tid, scenario, .. }: Reading) -> ApiResult<Response> {
    let row = sqlx::query("SELECT revision, body FROM cases WHERE trainee_id = $1 AND scenario = $2")
        .bind(&tid)
        .bind(&scenario)
        .fetch_optional(&s.db.pool)
        .await?
        .ok_or_else(|| ApiError::not_found("no case of this scenario has been sent yet"))?;
    Ok(axum::Json(json!({
        "revision": row.try_get::<i64, _>("revision")?,
        "case": row.try_get::<String, _>("body")?,
    }))
    .into_response())
}

// ---------------------------------------------------------------------------------------
// Legal requests

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LegalBody {
    /// The app's id for this request: sent again, it gets the first answer.
    id: String,
    exchange: String,
    address: String,
}

async fn legal_count(s: &Server, tid: &str, scenario: &str) -> ApiResult<i64> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM legal_requests WHERE trainee_id = $1 AND scenario = $2")
        .bind(tid)
        .bind(scenario)
        .fetch_one(&s.db.pool)
        .await?;
    Ok(row.try_get("n")?)
}

/// The legal requests the server answered for a trainee, in order: what scoring counts.
async fn requests_of(s: &Server, tid: &str, scenario: &str) -> ApiResult<Vec<LegalRequest>> {
    let rows = sqlx::query(
        "SELECT exchange, address FROM legal_requests WHERE trainee_id = $1 AND scenario = $2 ORDER BY seq",
    )
    .bind(tid)
    .bind(scenario)
    .fetch_all(&s.db.pool)
    .await?;
    rows.iter().map(|r| Ok(LegalRequest { exchange: r.try_get("exchange")?, address: r.try_get("address")? })).collect()
}

fn legal_row(r: &sqlx::any::AnyRow) -> ApiResult<Value> {
    Ok(json!({
        "id": r.try_get::<String, _>("client_id")?,
        "seq": r.try_get::<i64, _>("seq")?,
        "exchange": r.try_get::<String, _>("exchange")?,
        "address": r.try_get::<String, _>("address")?,
        "reply": serde_json::from_str::<Value>(&r.try_get::<String, _>("reply")?).unwrap_or(Value::Null),
        "at": r.try_get::<i64, _>("at")?,
    }))
}

async fn legal(
    State(s): State<Shared>,
    Writing { tid, scenario, name, sc }: Writing,
    Body(b): Body<LegalBody>,
) -> ApiResult<Response> {
    check_len("a request id", &b.id, MAX_ID)?;
    check_len("the exchange", &b.exchange, MAX_FIELD)?;
    check_len("the address", &b.address, MAX_FIELD)?;
    if b.id.trim().is_empty() {
        return Err(ApiError::bad("a legal request needs the app's id for it (any text, unique per request)"));
    }
    // The request the app sent before under this id, answered as it was then.
    let stored = async |id: &str| -> ApiResult<Option<Response>> {
        let row = sqlx::query(
            "SELECT client_id, seq, exchange, address, reply, at FROM legal_requests WHERE trainee_id = $1 AND scenario = $2 AND client_id = $3",
        )
        .bind(&tid)
        .bind(&scenario)
        .bind(id)
        .fetch_optional(&s.db.pool)
        .await?;
        row.map(|r| {
            let mut v = legal_row(&r)?;
            v["budget"] = json!(sc.legal.budget);
            Ok(axum::Json(v).into_response())
        })
        .transpose()
    };
    if let Some(r) = stored(&b.id).await? {
        return Ok(r);
    }
    s.limits.take("legal", &tid, limits::LEGAL).map_err(|w| ApiError::too_many("legal requests", w))?;
    s.still_open().await?;
    offramp_core::legal::check_request(&sc, &b.exchange, &b.address).map_err(|e| ApiError::bad(e.to_string()))?;
    if sqlx::query("SELECT at FROM submissions WHERE trainee_id = $1 AND scenario = $2")
        .bind(&tid)
        .bind(&scenario)
        .fetch_optional(&s.db.pool)
        .await?
        .is_some()
    {
        return Err(ApiError::conflict("submitted", "the case is submitted: no more legal requests"));
    }
    let world = s.room.world(&sc, &name).await.map_err(ApiError::internal)?;
    let reply =
        offramp_core::legal::request(&world, &b.exchange, &b.address).map_err(|e| ApiError::bad(e.to_string()))?;
    let reply_json = serde_json::to_string(&reply).expect("a reply serializes");
    // The sequence number is the request's place; two at once cannot take the same one.
    for _ in 0..5 {
        let used = legal_count(&s, &tid, &scenario).await?;
        if used >= i64::from(sc.legal.budget) {
            return Err(ApiError::conflict(
                "budget_spent",
                format!("the legal budget is spent ({used} of {} requests)", sc.legal.budget),
            ));
        }
        let r = sqlx::query(
            "INSERT INTO legal_requests (trainee_id, scenario, client_id, seq, exchange, address, reply, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&tid)
        .bind(&scenario)
        .bind(&b.id)
        .bind(used + 1)
        .bind(b.exchange.trim())
        .bind(b.address.trim())
        .bind(&reply_json)
        .bind(crate::now_ms())
        .execute(&s.db.pool)
        .await;
        match r {
            Ok(_) => {
                s.audit(
                    &name,
                    "legal",
                    json!({ "scenario": scenario, "exchange": b.exchange, "address": b.address, "seq": used + 1 }),
                )
                .await?;
                return stored(&b.id).await?.ok_or_else(|| ApiError::internal("a stored request is gone"));
            }
            Err(e) if Db::is_conflict(&e) => {
                // The same id sent twice at once: answer with the one stored.
                if let Some(r) = stored(&b.id).await? {
                    return Ok(r);
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::conflict("busy", "too many requests at once; send it again"))
}

async fn list_legal(State(s): State<Shared>, Reading { tid, scenario, sc, .. }: Reading) -> ApiResult<Response> {
    let rows = sqlx::query(
        "SELECT client_id, seq, exchange, address, reply, at FROM legal_requests WHERE trainee_id = $1 AND scenario = $2 ORDER BY seq",
    )
    .bind(&tid)
    .bind(&scenario)
    .fetch_all(&s.db.pool)
    .await?;
    let list: Vec<Value> = rows.iter().map(legal_row).collect::<ApiResult<_>>()?;
    Ok(axum::Json(json!({ "budget": sc.legal.budget, "requests": list })).into_response())
}

// ---------------------------------------------------------------------------------------
// Submissions and results

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SubmitBody {
    /// The app's id for this submission: sent again, it gets the first answer.
    id: String,
    case: String,
}

async fn submit(
    State(s): State<Shared>,
    Writing { tid, scenario, name, sc }: Writing,
    Body(b): Body<SubmitBody>,
) -> ApiResult<Response> {
    check_len("a submission id", &b.id, MAX_ID)?;
    if let Some(v) = submission_of(&s, &tid, &scenario).await? {
        if v["id"] == json!(b.id) {
            return result(&s, &tid, &scenario, v).await;
        }
        return Err(ApiError::conflict("submitted", "this case was submitted already; a submission is final"));
    }
    s.limits.take("submit", &tid, limits::SUBMIT).map_err(|w| ApiError::too_many("submissions", w))?;
    s.still_open().await?;
    let case = parse_case(&b.case, &sc)?;
    score_and_store(&s, &tid, &name, &sc, &b.id, &b.case, case, true).await?;
    let v =
        submission_of(&s, &tid, &scenario).await?.ok_or_else(|| ApiError::internal("a stored submission is gone"))?;
    result(&s, &tid, &scenario, v).await
}

/// Scores `case` (the server's record of legal requests and of hints seen, not the case's)
/// and stores it as `tid`'s submission. A second submission racing this one loses quietly.
#[allow(clippy::too_many_arguments)]
pub async fn score_and_store(
    s: &Server,
    tid: &str,
    name: &str,
    sc: &Arc<Scenario>,
    client_id: &str,
    text: &str,
    mut case: Case,
    by_trainee: bool,
) -> ApiResult<()> {
    let scenario = sc.meta.id.as_str();
    // The hints every synced version of the case showed, with this one's.
    store_case(s, tid, scenario, i64::MAX, text, &case).await?;
    let row = sqlx::query("SELECT hints FROM cases WHERE trainee_id = $1 AND scenario = $2")
        .bind(tid)
        .bind(scenario)
        .fetch_optional(&s.db.pool)
        .await?;
    if let Some(row) = row {
        let hints: Vec<(String, u32)> = serde_json::from_str(&row.try_get::<String, _>("hints")?).unwrap_or_default();
        case.hints = hints.into_iter().map(|(objective, hint)| HintUse { objective, hint }).collect();
    }
    let requests = requests_of(s, tid, scenario).await?;
    let world = s.room.world(sc, name).await.map_err(ApiError::internal)?;
    let trainee = name.to_string();
    let report = tokio::task::spawn_blocking(move || crate::room::score_case(&world, case, &trainee, requests))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?;
    let r = sqlx::query(
        "INSERT INTO submissions (trainee_id, scenario, client_id, body, report, earned, possible, by_trainee, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(tid)
    .bind(scenario)
    .bind(client_id)
    .bind(text)
    .bind(serde_json::to_string(&report).expect("a report serializes"))
    .bind(report.earned)
    .bind(report.possible)
    .bind(i64::from(by_trainee))
    .bind(crate::now_ms())
    .execute(&s.db.pool)
    .await;
    match r {
        Err(e) if Db::is_conflict(&e) => return Ok(()),
        r => r?,
    };
    let what = if by_trainee { "submit" } else { "submitted at the end" };
    s.audit(name, what, json!({ "scenario": scenario, "earned": report.earned, "possible": report.possible })).await
}

async fn submission_of(s: &Server, tid: &str, scenario: &str) -> ApiResult<Option<Value>> {
    let row = sqlx::query(
        "SELECT client_id, report, by_trainee, at FROM submissions WHERE trainee_id = $1 AND scenario = $2",
    )
    .bind(tid)
    .bind(scenario)
    .fetch_optional(&s.db.pool)
    .await?;
    row.map(|r| {
        Ok(json!({
            "id": r.try_get::<String, _>("client_id")?,
            "report": serde_json::from_str::<Value>(&r.try_get::<String, _>("report")?).unwrap_or(Value::Null),
            "by_trainee": r.try_get::<i64, _>("by_trainee")? != 0,
            "at": r.try_get::<i64, _>("at")?,
        }))
    })
    .transpose()
}

/// The instructor's adjustments to a trainee's score, and their sum.
pub(super) async fn adjustments_of(s: &Server, tid: &str, scenario: &str) -> ApiResult<(Vec<Value>, f64)> {
    let rows = sqlx::query(
        "SELECT points, reason, at FROM adjustments WHERE trainee_id = $1 AND scenario = $2 ORDER BY at, id",
    )
    .bind(tid)
    .bind(scenario)
    .fetch_all(&s.db.pool)
    .await?;
    let mut sum = 0.0;
    let mut list = Vec::new();
    for r in rows {
        let points: f64 = r.try_get("points")?;
        sum += points;
        list.push(
            json!({ "points": points, "reason": r.try_get::<String, _>("reason")?, "at": r.try_get::<i64, _>("at")? }),
        );
    }
    Ok((list, sum))
}

async fn result(s: &Server, tid: &str, scenario: &str, mut v: Value) -> ApiResult<Response> {
    let (list, sum) = adjustments_of(s, tid, scenario).await?;
    let earned = v["report"]["earned"].as_f64().unwrap_or(0.0);
    let possible = v["report"]["possible"].as_f64().unwrap_or(0.0);
    v["adjustments"] = json!(list);
    v["total"] = json!(round2((earned + sum).clamp(0.0, possible.max(earned + sum.max(0.0)))));
    v["debrief_released"] = json!(s.times().await?.debriefs);
    Ok(axum::Json(v).into_response())
}

pub(super) fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

async fn get_submission(State(s): State<Shared>, Reading { tid, scenario, .. }: Reading) -> ApiResult<Response> {
    let v = submission_of(&s, &tid, &scenario).await?.ok_or_else(|| ApiError::not_found("not submitted yet"))?;
    result(&s, &tid, &scenario, v).await
}

async fn debrief(State(s): State<Shared>, Reading { caller, tid, scenario, name, sc }: Reading) -> ApiResult<Response> {
    if matches!(caller, Caller::Trainee { .. }) && !s.times().await?.debriefs {
        return Err(ApiError::conflict("not_released", "the instructor has not released the debrief yet"));
    }
    let v = submission_of(&s, &tid, &scenario)
        .await?
        .ok_or_else(|| ApiError::conflict("not_submitted", "the debrief comes after the case is submitted"))?;
    let row = sqlx::query("SELECT body FROM submissions WHERE trainee_id = $1 AND scenario = $2")
        .bind(&tid)
        .bind(&scenario)
        .fetch_one(&s.db.pool)
        .await?;
    let text: String = row.try_get("body")?;
    let case = parse_case(&text, &sc)?;
    let world = s.room.world(&sc, &name).await.map_err(ApiError::internal)?;
    let d = tokio::task::spawn_blocking(move || {
        let ex = offramp_core::forensics::load::explorer_of(&world);
        let d = offramp_core::debrief::debrief(&world, &ex, Some(&case));
        (serde_json::to_value(&d).expect("a debrief serializes"), offramp_core::preview::key_lines(&world))
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(axum::Json(json!({ "scenario": scenario, "report": v["report"], "debrief": d.0, "key": d.1 })).into_response())
}
