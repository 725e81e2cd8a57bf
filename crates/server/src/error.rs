//! Every error a client can cause, as a 4xx with a JSON body
//! `{"error": {"code", "message", "field"}}`; never a 500 for anything a client sends.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// The error body of every 4xx (and 503).
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable code: bad_json, bad_query, invalid_field, not_found, too_large, batch_too_large,
    /// unauthorized, unavailable, method_not_allowed.
    pub code: String,
    /// For a person.
    pub message: String,
    /// The request field it is about (`window`, `Product_Price`, `orders[3].Payment_Method`).
    pub field: Option<String>,
}

/// An error answer.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable machine-readable code (`bad_json`, `invalid_field`, `not_found`, ...).
    pub code: &'static str,
    /// What is wrong, for a person.
    pub message: String,
    /// The request field it is about, when there is one.
    pub field: Option<String>,
}

#[derive(Serialize)]
struct Body<'a> {
    error: Inner<'a>,
}

#[derive(Serialize)]
struct Inner<'a> {
    code: &'a str,
    message: &'a str,
    field: Option<&'a str>,
}

impl ApiError {
    /// An error with a status, code and message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            field: None,
        }
    }

    /// The same, about `field`.
    pub fn on(mut self, field: impl Into<String>) -> ApiError {
        self.field = Some(field.into());
        self
    }

    /// The same error about an element of a request (`orders[3]`): its field becomes
    /// `orders[3].field`, or `orders[3]` itself.
    pub fn within(mut self, element: &str) -> ApiError {
        self.field = Some(match self.field.take() {
            Some(f) => format!("{element}.{f}"),
            None => element.to_string(),
        });
        self
    }

    /// 400: a request that cannot be read (bad JSON, a bad query value).
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 404: no such seller, category, marketplace or route.
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// 422: well-formed, but a value the loader would reject.
    pub fn invalid(field: &str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", message).on(field)
    }

    /// 503: the server cannot answer yet (models loading) or at all (no models).
    pub fn unavailable(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", message)
    }
}

/// The longest message an error body carries, in characters (an echo of a client's 6 MB
/// array is not sent back).
pub const MAX_MESSAGE_CHARS: usize = 400;
/// The longest field name an error body carries.
pub const MAX_FIELD_CHARS: usize = 80;

/// `s` cut to `max` characters, saying its full length when cut.
fn cut(s: &str, max: usize) -> std::borrow::Cow<'_, str> {
    let n = s.chars().count();
    if n <= max {
        return s.into();
    }
    let head: String = s.chars().take(max).collect();
    format!("{head}… ({n} characters)").into()
}

impl ApiError {
    /// The JSON body, its message and field cut to [`MAX_MESSAGE_CHARS`] and
    /// [`MAX_FIELD_CHARS`].
    pub fn body(&self) -> Vec<u8> {
        let message = cut(&self.message, MAX_MESSAGE_CHARS);
        let field = self.field.as_deref().map(|f| cut(f, MAX_FIELD_CHARS));
        let body = Body {
            error: Inner {
                code: self.code,
                message: &message,
                field: field.as_deref(),
            },
        };
        serde_json::to_vec(&body).unwrap_or_default()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let json = [(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("application/json"),
        )];
        (self.status, json, self.body()).into_response()
    }
}

/// The longest request target (path and query) answered; a longer one is a JSON 414. (A
/// target over 64 KiB is refused by the HTTP parser itself, before any handler; its empty
/// 414 is made the same JSON by [`super::parse_errors`].)
pub const MAX_URI_BYTES: usize = 8 * 1024;

/// Middleware: 414 for a request target over [`MAX_URI_BYTES`].
pub async fn uri_limit(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let len = req.uri().path_and_query().map_or(0, |p| p.as_str().len());
    if len > MAX_URI_BYTES {
        return ApiError::new(
            StatusCode::URI_TOO_LONG,
            "uri_too_long",
            format!("the request target is {len} bytes; at most {MAX_URI_BYTES}"),
        )
        .into_response();
    }
    next.run(req).await
}

/// Middleware: an error answer that is not yet the documented JSON (an extractor's
/// plain-text rejection such as a 413 on a too large body or a 400 on a path that is not
/// UTF-8, the timeout's empty 408) becomes `{"error": {...}}` with the same status, its
/// text (when plain) as the message.
pub async fn json_errors(res: Response) -> Response {
    let status = res.status();
    let headers = res.headers();
    let json = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || json {
        return res;
    }
    let plain = !headers.contains_key(axum::http::header::CONTENT_ENCODING);
    let text = match plain {
        true => axum::body::to_bytes(res.into_body(), 64 * 1024)
            .await
            .map(|b| String::from_utf8_lossy(&b).trim().to_string())
            .unwrap_or_default(),
        false => String::new(),
    };
    let reason = status.canonical_reason().unwrap_or("error");
    let message = if text.is_empty() {
        reason.to_lowercase()
    } else {
        text
    };
    let code = match status {
        StatusCode::BAD_REQUEST => "bad_request",
        StatusCode::PAYLOAD_TOO_LARGE => "too_large",
        StatusCode::REQUEST_TIMEOUT => "timeout",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::UNPROCESSABLE_ENTITY => "invalid_field",
        _ => "error",
    };
    ApiError::new(status, code, message).into_response()
}

impl From<returnrisk_core::engine::EngineError> for ApiError {
    fn from(e: returnrisk_core::engine::EngineError) -> ApiError {
        match &e {
            returnrisk_core::engine::EngineError::UnknownSeller(_) => {
                ApiError::not_found(e.to_string())
            }
            returnrisk_core::engine::EngineError::UnknownMarketplace { .. } => {
                ApiError::not_found(e.to_string()).on("marketplace")
            }
            returnrisk_core::engine::EngineError::NeedsOrders { .. } => {
                ApiError::new(StatusCode::NOT_IMPLEMENTED, "needs_orders", e.to_string())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_messages_and_fields_are_cut_with_their_length() {
        let long = "S".repeat(7000);
        let e = ApiError::not_found(format!("unknown seller {long}")).on(long.clone());
        let r = e.into_response();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let bytes = rt
            .block_on(axum::body::to_bytes(r.into_body(), 1 << 20))
            .unwrap();
        assert!(bytes.len() < 700, "{}", bytes.len());
        let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        let m = v["error"]["message"].as_str().unwrap();
        assert!(m.ends_with("… (7015 characters)"), "{m}");
        assert!(
            v["error"]["field"]
                .as_str()
                .unwrap()
                .ends_with("… (7000 characters)")
        );
        assert_eq!(cut("short", 40), "short");
    }
}
