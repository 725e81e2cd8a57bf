//! MLflow's tracking server through its REST API (`/api/2.0/mlflow/...`, and
//! `/api/2.0/mlflow-artifacts/...` for artifacts the server stores): the public interface
//! of every MLflow deployment, so users need no Python.

use serde_json::{Value, json};
use std::time::Duration;

/// Why a call failed: one line naming the server, the call and what it answered.
#[derive(Debug, thiserror::Error)]
pub enum MlflowError {
    /// No answer (connection refused, DNS, timeout).
    #[error("cannot reach MLflow at {uri}: {message}")]
    Unreachable {
        /// The tracking URI.
        uri: String,
        /// What went wrong.
        message: String,
    },
    /// The run's artifacts go somewhere the server does not serve.
    #[error(
        "MLflow at {uri} keeps run artifacts at {artifact_uri}, outside the server: start it \
         with artifact serving (the default of `mlflow server`)"
    )]
    ArtifactsElsewhere {
        /// The tracking URI.
        uri: String,
        /// Where the run's artifacts go.
        artifact_uri: String,
    },
    /// A file to log could not be read.
    #[error("{path}: {message}")]
    Local {
        /// The file or folder.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// An answer other than success.
    #[error("MLflow at {uri} refused {call}: HTTP {status}{message}")]
    Refused {
        /// The tracking URI.
        uri: String,
        /// Method and path.
        call: String,
        /// HTTP status.
        status: u16,
        /// MLflow's error code and message, when it gave one.
        message: String,
    },
}

/// A tracking server.
pub struct Client {
    uri: String,
    agent: ureq::Agent,
}

impl Client {
    /// A client of the server at `uri` (`http://host:port`, a trailing `/` allowed).
    pub fn new(uri: &str) -> Client {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(120)))
            .http_status_as_error(false)
            .user_agent(concat!("returnrisk-tui/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Client {
            uri: uri.trim_end_matches('/').to_string(),
            agent,
        }
    }

    /// `GET /api/2.0/mlflow/{path}?{query}`; `None` when the server answers 404.
    pub fn get(&self, path: &str, query: &[(&str, &str)]) -> Result<Option<Value>, MlflowError> {
        let mut req = self
            .agent
            .get(format!("{}/api/2.0/mlflow/{path}", self.uri));
        for (k, v) in query {
            req = req.query(*k, *v);
        }
        self.answer(&format!("GET {path}"), req.call(), true)
    }

    /// `POST /api/2.0/mlflow/{path}` with a JSON body.
    pub fn post(&self, path: &str, body: &Value) -> Result<Value, MlflowError> {
        let url = format!("{}/api/2.0/mlflow/{path}", self.uri);
        let sent = self
            .agent
            .post(url)
            .header("Content-Type", "application/json")
            .send(body.to_string());
        let answer = self.answer(&format!("POST {path}"), sent, false)?;
        Ok(answer.unwrap_or_else(|| json!({})))
    }

    /// Stores `bytes` as the artifact `rel` of a run whose artifact URI is
    /// `mlflow-artifacts:/...` (the server keeps its artifacts).
    pub fn put_artifact(
        &self,
        artifact_uri: &str,
        rel: &str,
        bytes: &[u8],
    ) -> Result<(), MlflowError> {
        let root = artifact_uri
            .strip_prefix("mlflow-artifacts:")
            .map(|r| r.trim_start_matches('/'))
            .ok_or_else(|| MlflowError::ArtifactsElsewhere {
                uri: self.uri.clone(),
                artifact_uri: artifact_uri.to_string(),
            })?;
        let path = format!("{root}/{rel}");
        let url = format!("{}/api/2.0/mlflow-artifacts/artifacts/{path}", self.uri);
        let sent = self.agent.put(url).send(bytes);
        self.answer(&format!("PUT artifacts/{path}"), sent, false)
            .map(|_| ())
    }

    /// The JSON of a successful answer (`None` for an allowed 404 or an empty body).
    fn answer(
        &self,
        call: &str,
        sent: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
        missing_ok: bool,
    ) -> Result<Option<Value>, MlflowError> {
        let mut answer = sent.map_err(|e| MlflowError::Unreachable {
            uri: self.uri.clone(),
            message: e.to_string(),
        })?;
        let status = answer.status().as_u16();
        let text = answer
            .body_mut()
            .with_config()
            .limit(64 << 20)
            .read_to_string()
            .unwrap_or_default();
        let body: Option<Value> = serde_json::from_str(&text).ok();
        if (200..300).contains(&status) {
            return Ok(body);
        }
        if status == 404 && missing_ok {
            return Ok(None);
        }
        let said = |k: &str| {
            body.as_ref()
                .and_then(|b| b[k].as_str())
                .map(str::to_string)
        };
        let message = match (said("error_code"), said("message")) {
            (Some(code), Some(m)) => format!(" {code}: {m}"),
            (None, Some(m)) | (Some(m), None) => format!(": {m}"),
            (None, None) => String::new(),
        };
        Err(MlflowError::Refused {
            uri: self.uri.clone(),
            call: call.to_string(),
            status,
            message,
        })
    }
}
