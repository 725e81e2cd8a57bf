//! The alert cases over HTTP: `GET /api/v1/cases` (`cases list --format json`),
//! `GET /api/v1/cases/{id}` (`cases show --format json`), and the changes as
//! `POST /api/v1/cases/{id}/{action}`, which always need the bearer token: a server started
//! without one refuses them (403), whatever address it listens on. SQLite work runs on a
//! blocking thread; the store's errors become 404 (no case), 409 (a transition the state does
//! not allow, naming the state), 403 (a read-only directory), 507 (the device holding the
//! database is full; nothing was changed) or 500 (a damaged file).

use super::error::ApiError;
use super::routes::bad;
use super::state::ServerState;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use returnrisk_cases::{ActionInput, ActionVerb, CaseAction, CaseState, CaseStore, StoreError};
use serde::Deserialize;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;

type Shared = State<Arc<ServerState>>;
type Answer = Result<Json<Value>, ApiError>;

/// What a change may carry (every field optional; unknown fields are a 400).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseChangeBody {
    /// Who is acting (default `api`).
    pub user: Option<String>,
    /// A note with a transition; the text of `note`.
    pub note: Option<String>,
    /// `snooze`: until this date (`YYYY-MM-DD`).
    pub until: Option<String>,
    /// `snooze`: this many days after the latest evaluation's data date.
    #[schema(minimum = 0, maximum = 3650)]
    #[serde(default, deserialize_with = "whole_days")]
    pub days: Option<u32>,
    /// `assign`: who gets the case.
    pub assignee: Option<String>,
}

/// `days` as JSON Schema's integer: a whole number, written `30` or `30.0`.
fn whole_days<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    let v: Option<f64> = serde::Deserialize::deserialize(d)?;
    v.map(|x| {
        if x.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&x) {
            Ok(x as u32)
        } else {
            Err(serde::de::Error::custom(format!(
                "days must be a whole number of days: {x}"
            )))
        }
    })
    .transpose()
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        let msg = e.to_string();
        match e {
            StoreError::NoCase(_) => ApiError::not_found(msg),
            StoreError::Transition(_) => {
                ApiError::new(StatusCode::CONFLICT, "invalid_transition", msg)
            }
            StoreError::ReadOnly { .. } => ApiError::new(StatusCode::FORBIDDEN, "read_only", msg),
            StoreError::Action(e) => ApiError::invalid(e.field, e.message),
            StoreError::DiskFull { .. } => {
                ApiError::new(StatusCode::INSUFFICIENT_STORAGE, "disk_full", msg)
            }
            _ => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "case_store", msg),
        }
    }
}

/// Runs `work` on the case store of the served data directory, off the async threads.
async fn with_store<T: Send + 'static>(
    st: &ServerState,
    work: impl FnOnce(&mut CaseStore) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let dir = st.data_dir.clone();
    tokio::task::spawn_blocking(move || work(&mut CaseStore::open(&dir)?))
        .await
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "panic", e.to_string()))?
}

fn case_id(id: &str) -> Result<i64, ApiError> {
    id.parse()
        .map_err(|_| bad("id", format!("a case id is a whole number: {id:?}")))
}

/// `GET /api/v1/cases`: the worklist, optionally in one state.
#[utoipa::path(get, path = "/api/v1/cases", params(("state" = Option<String>, Query, description = "new, acknowledged, investigating, escalated, snoozed, recovered or resolved (default: all)")), responses((status = 200, description = "cases list --format json: open first, most severe, oldest"), (status = 400, description = "an unknown state", body = super::error::ErrorBody)))]
pub async fn list(State(st): Shared, Query(q): Query<HashMap<String, String>>) -> Answer {
    let state = match q.get("state") {
        None => None,
        Some(s) => Some(CaseState::parse(s).ok_or_else(|| {
            let known: Vec<&str> = CaseState::ALL.iter().map(|s| s.as_str()).collect();
            bad(
                "state",
                format!("unknown state {s:?}: expected {}", known.join(", ")),
            )
        })?),
    };
    let cases = with_store(&st, move |s| Ok(s.list(state)?)).await?;
    Ok(Json(super::routes::to_json(&cases)))
}

/// `GET /api/v1/cases/{id}`: one case with its numbers at each evaluation, history and notes.
#[utoipa::path(get, path = "/api/v1/cases/{id}", params(("id" = i64, Path, description = "the case's number")), responses((status = 200, description = "cases show --format json"), (status = 400, description = "an id that is not a number", body = super::error::ErrorBody), (status = 404, description = "no such case", body = super::error::ErrorBody)))]
pub async fn show(State(st): Shared, Path(id): Path<String>) -> Answer {
    let id = case_id(&id)?;
    let detail = with_store(&st, move |s| Ok(s.detail(id)?)).await?;
    Ok(Json(super::routes::to_json(&detail)))
}

/// The action `action` names with the body's fields, checked by the rules the command line
/// and the dashboard use: an unknown action is a 404, a bad or missing field a 422 naming it.
fn action_of(action: &str, b: CaseChangeBody) -> Result<CaseAction, ApiError> {
    let verb = ActionVerb::parse(action).ok_or_else(|| {
        let known: Vec<&str> = ActionVerb::ALL.iter().map(|v| v.as_str()).collect();
        ApiError::not_found(format!(
            "no case action {action:?}: expected {}",
            known.join(", ")
        ))
        .on("action")
    })?;
    let input = ActionInput {
        note: b.note,
        assignee: b.assignee,
        until: b.until,
        days: b.days.map(u64::from),
    };
    CaseAction::new(verb, input).map_err(|e| ApiError::invalid(e.field, e.message))
}

/// `POST /api/v1/cases/{id}/{action}`: ack, investigate, escalate, resolve, reopen, snooze, note or
/// assign; answers the case as it is after the change.
#[utoipa::path(post, path = "/api/v1/cases/{id}/{action}", params(("id" = i64, Path, description = "the case's number"), ("action" = String, Path, description = "ack, investigate, escalate, resolve, reopen, snooze, note or assign")), request_body(content = Option<CaseChangeBody>, description = "optional: user, note; snooze: until or days; note: note; assign: assignee"), responses((status = 200, description = "the case after the change (as cases ack prints it)"), (status = 400, description = "bad JSON or id", body = super::error::ErrorBody), (status = 401, description = "no or a wrong token", body = super::error::ErrorBody), (status = 403, description = "the server has no token (changes always need one), or the directory is read-only", body = super::error::ErrorBody), (status = 404, description = "no such case or action", body = super::error::ErrorBody), (status = 409, description = "a transition the case's state does not allow", body = super::error::ErrorBody), (status = 422, description = "a missing or bad field", body = super::error::ErrorBody)))]
pub async fn change(
    State(st): Shared,
    Path((id, action)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> Answer {
    if !st.token_required {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "token_required",
            "changing cases needs a bearer token: start serve with --token-file FILE or RETURNRISK_TOKEN",
        ));
    }
    let id = case_id(&id)?;
    // No body, or `null`: a change without fields.
    let b: CaseChangeBody = if body.iter().all(u8::is_ascii_whitespace) {
        CaseChangeBody::default()
    } else {
        serde_json::from_slice::<Option<CaseChangeBody>>(&body)
            .map_err(|e| ApiError::bad_request("bad_json", e.to_string()))?
            .unwrap_or_default()
    };
    let user = b
        .user
        .clone()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| "api".into());
    let action = action_of(&action, b)?;
    let notify = st.notify.clone();
    let case = with_store(&st, move |s| {
        let case = s.act(id, &action, &user)?;
        // An escalation is told at once; a webhook that is down is retried in the background.
        if let Err(e) = s.notify(&notify) {
            tracing::warn!("webhook messages not sent: {e}");
        }
        Ok(s.case(case.id)?)
    })
    .await?;
    Ok(Json(super::routes::to_json(&case)))
}

/// Sends the webhook messages that are due every few seconds (retries wait a doubling
/// time), for as long as the server runs; nothing when no webhook is configured.
pub fn spawn_notifier(st: Arc<ServerState>) {
    if st.notify.webhooks.is_empty() {
        return;
    }
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(returnrisk_cases::deliver::NOTIFY_INTERVAL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let (dir, notify) = (st.data_dir.clone(), st.notify.clone());
            let round = tokio::task::spawn_blocking(move || {
                CaseStore::open(&dir).and_then(|mut s| s.notify(&notify))
            });
            match round.await {
                Ok(Ok(s)) if s.failed + s.gave_up > 0 => tracing::warn!(
                    "webhook messages not delivered: {}",
                    s.first_error.unwrap_or_default()
                ),
                Ok(Err(e)) => tracing::warn!("webhook messages not sent: {e}"),
                _ => {}
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_device_is_507_and_only_a_damaged_file_is_500() {
        let path = std::path::PathBuf::from("/d/cases.sqlite");
        let sqlite = |code| rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), None);
        let full = ApiError::from(StoreError::DiskFull {
            path: path.clone(),
            source: sqlite(rusqlite::ffi::SQLITE_FULL),
        });
        assert_eq!((full.status.as_u16(), full.code), (507, "disk_full"));
        assert!(full.message.contains("no space left"), "{}", full.message);
        let damaged = ApiError::from(StoreError::Damaged {
            path,
            source: sqlite(rusqlite::ffi::SQLITE_NOTADB),
        });
        assert_eq!((damaged.status.as_u16(), damaged.code), (500, "case_store"));
    }
}
