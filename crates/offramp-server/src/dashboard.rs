//! The instructor's live dashboard: one HTML page (no build step, no outside files) that
//! reads the session's state and then follows it as server-sent events; every action is a
//! call to the admin API with the instructor's token.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use sqlx::Row;

use crate::api::{IDLE_MS, OFFLINE_MS, Server, Shared};
use crate::error::ApiResult;

const PAGE: &str = include_str!("dashboard.html");

pub async fn page() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            // The page runs only its own script and talks only to this server.
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
            ),
            (header::REFERRER_POLICY, "no-referrer"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        PAGE,
    )
        .into_response()
}

/// What a trainee is doing now, from when they were last heard from and when their case
/// last changed.
fn presence(now: i64, last_seen: i64, changed: Option<i64>, submitted_all: bool) -> &'static str {
    if submitted_all {
        "done"
    } else if now - last_seen > OFFLINE_MS {
        "offline"
    } else if now - changed.unwrap_or(last_seen).max(0) > IDLE_MS {
        "idle"
    } else {
        "active"
    }
}

/// The session as the dashboard shows it: the trainee × objective matrix, the leaderboard
/// (as it stood when frozen, while frozen), hints, legal requests and time per trainee.
pub async fn snapshot(s: &Server) -> ApiResult<Value> {
    let times = s.times().await?;
    let now = crate::now_ms();
    let trainees =
        sqlx::query("SELECT id, name, joined_at, last_seen FROM trainees WHERE session_id = $1 ORDER BY joined_at, id")
            .bind(&s.session.id)
            .fetch_all(&s.db.pool)
            .await?;
    let cases = sqlx::query(
        "SELECT c.trainee_id AS tid, c.scenario AS scenario, c.answered AS answered, c.hints AS hints, c.seconds AS seconds, c.changed_at AS changed
         FROM cases c JOIN trainees t ON t.id = c.trainee_id WHERE t.session_id = $1",
    )
    .bind(&s.session.id)
    .fetch_all(&s.db.pool)
    .await?;
    let legal = sqlx::query(
        "SELECT l.trainee_id AS tid, l.scenario AS scenario, COUNT(*) AS n FROM legal_requests l JOIN trainees t ON t.id = l.trainee_id
         WHERE t.session_id = $1 GROUP BY l.trainee_id, l.scenario",
    )
    .bind(&s.session.id)
    .fetch_all(&s.db.pool)
    .await?;
    let subs = sqlx::query(
        "SELECT x.trainee_id AS tid, x.scenario AS scenario, x.report AS report, x.by_trainee AS by_trainee FROM submissions x JOIN trainees t ON t.id = x.trainee_id
         WHERE t.session_id = $1",
    )
    .bind(&s.session.id)
    .fetch_all(&s.db.pool)
    .await?;
    let adjust = sqlx::query(
        "SELECT a.trainee_id AS tid, a.scenario AS scenario, SUM(a.points) AS points FROM adjustments a JOIN trainees t ON t.id = a.trainee_id
         WHERE t.session_id = $1 GROUP BY a.trainee_id, a.scenario",
    )
    .bind(&s.session.id)
    .fetch_all(&s.db.pool)
    .await?;
    type Key = (String, String);
    let mut by_case: BTreeMap<Key, Value> = BTreeMap::new();
    let mut changed: BTreeMap<String, i64> = BTreeMap::new();
    for r in &cases {
        let key: Key = (r.try_get("tid")?, r.try_get("scenario")?);
        let answered: Vec<String> = serde_json::from_str(&r.try_get::<String, _>("answered")?).unwrap_or_default();
        let hints: Vec<Value> = serde_json::from_str(&r.try_get::<String, _>("hints")?).unwrap_or_default();
        let at: i64 = r.try_get("changed")?;
        let c = changed.entry(key.0.clone()).or_insert(at);
        *c = (*c).max(at);
        by_case.insert(
            key,
            json!({ "answered": answered, "hints": hints.len(), "seconds": r.try_get::<i64, _>("seconds")?, "legal": 0 }),
        );
    }
    let blank = || json!({ "answered": [], "hints": 0, "seconds": 0, "legal": 0 });
    for r in &legal {
        let key: Key = (r.try_get("tid")?, r.try_get("scenario")?);
        by_case.entry(key).or_insert_with(blank)["legal"] = json!(r.try_get::<i64, _>("n")?);
    }
    let mut adj: BTreeMap<Key, f64> = BTreeMap::new();
    for r in &adjust {
        adj.insert((r.try_get("tid")?, r.try_get("scenario")?), r.try_get::<f64, _>("points")?);
    }
    for r in &subs {
        let key: Key = (r.try_get("tid")?, r.try_get("scenario")?);
        let report: Value = serde_json::from_str(&r.try_get::<String, _>("report")?).unwrap_or(Value::Null);
        let by_trainee = r.try_get::<i64, _>("by_trainee")? != 0;
        let a = adj.get(&key).copied().unwrap_or(0.0);
        let earned = report["earned"].as_f64().unwrap_or(0.0);
        let objectives: BTreeMap<String, Value> = report["objectives"]
            .as_array()
            .map(|os| {
                os.iter()
                    .map(|o| (o["id"].as_str().unwrap_or("").to_string(), json!([o["earned"], o["possible"]])))
                    .collect()
            })
            .unwrap_or_default();
        let entry = by_case.entry(key).or_insert_with(blank);
        entry["submitted"] = json!({
            "by_trainee": by_trainee,
            "earned": earned,
            "adjusted": a,
            "total": ((earned + a).max(0.0) * 100.0).round() / 100.0,
            "possible": report["possible"],
            "objectives": objectives,
        });
    }
    let mut rows = Vec::new();
    let mut board = Vec::new();
    for t in &trainees {
        let id: String = t.try_get("id")?;
        let name: String = t.try_get("name")?;
        let last_seen: i64 = t.try_get("last_seen")?;
        let mut per = serde_json::Map::new();
        let (mut total, mut possible, mut submitted) = (0.0, 0.0, 0);
        for sc in &s.room.scenarios {
            let v = by_case.remove(&(id.clone(), sc.meta.id.clone())).unwrap_or_else(blank);
            if let Some(sub) = v.get("submitted") {
                total += sub["total"].as_f64().unwrap_or(0.0);
                possible += sub["possible"].as_f64().unwrap_or(0.0);
                submitted += 1;
            }
            per.insert(sc.meta.id.clone(), v);
        }
        let status = presence(now, last_seen, changed.get(&id).copied(), submitted == s.room.scenarios.len());
        if submitted > 0 {
            board.push(json!({ "name": name, "total": (total * 100.0f64).round() / 100.0, "possible": possible, "submitted": submitted }));
        }
        rows.push(json!({
            "id": id,
            "name": name,
            "joined_at": t.try_get::<i64, _>("joined_at")?,
            "last_seen": last_seen,
            "status": status,
            "scenarios": per,
        }));
    }
    board.sort_by(|a, b| {
        let pct = |v: &Value| v["total"].as_f64().unwrap_or(0.0) / v["possible"].as_f64().unwrap_or(1.0).max(1e-9);
        pct(b).total_cmp(&pct(a)).then_with(|| a["name"].as_str().cmp(&b["name"].as_str()))
    });
    let frozen = times.frozen.as_deref().map(|f| serde_json::from_str::<Value>(f).unwrap_or(Value::Null));
    Ok(json!({
        "join_code": s.session.join_code,
        "now": now,
        "session": times,
        "frozen": frozen.is_some(),
        "scenarios": s.room.scenarios.iter().map(|sc| json!({
            "id": sc.meta.id,
            "title": sc.meta.title,
            "budget": sc.legal.budget,
            "objectives": sc.objectives.iter().map(|o| json!({ "id": o.id, "prompt": o.prompt, "points": o.rule.points() })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "trainees": rows,
        "leaderboard": frozen.unwrap_or(json!(board)),
    }))
}

/// The session's state as server-sent events: one `state` event at once, and another each
/// time it changes (checked when something happens here, and every few seconds for what
/// happens elsewhere: the clock, another server process on the same database).
pub async fn events(State(s): State<Shared>, headers: HeaderMap) -> ApiResult<Response> {
    match s.caller(&headers).await? {
        crate::api::Caller::Instructor => {}
        crate::api::Caller::Trainee { .. } => {
            return Err(crate::error::ApiError::forbidden("only the instructor's token opens this"));
        }
    }
    let rx = s.changed.subscribe();
    let stream = futures_util::stream::unfold((s, rx, None::<String>), |(s, mut rx, mut last)| async move {
        loop {
            if last.is_some() {
                tokio::select! {
                    r = rx.changed() => if r.is_err() { return None },
                    () = tokio::time::sleep(Duration::from_secs(5)) => {},
                }
                // Let a burst of changes land before the next look.
                tokio::time::sleep(Duration::from_millis(150)).await;
            }
            let Ok(snap) = snapshot(&s).await else {
                // The database is away: look again after the next wait.
                last.get_or_insert_with(String::new);
                continue;
            };
            let mut body = snap.clone();
            body["now"] = Value::Null;
            let text = body.to_string();
            if last.as_deref() != Some(text.as_str()) {
                let event = Event::default().event("state").data(snap.to_string());
                return Some((Ok::<_, Infallible>(event), (s, rx, Some(text))));
            }
            last = Some(text);
        }
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()).into_response())
}
