//! Every refusal the server gives: an HTTP status, a stable code and a sentence. Nothing from a
//! request's content is echoed back.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use tend_sync::protocol::ErrorBody;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("no valid device token was given")]
    Unauthorized,
    #[error("this device was revoked by the clinic's admin; pair it again to sync")]
    Revoked,
    #[error(
        "this device was restored from a backup and now syncs as a new device; its old token \
         no longer works"
    )]
    Replaced,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Conflict(String),
    #[error("the request is larger than this server accepts")]
    TooLarge,
    #[error(
        "this clinic's storage on the sync server is full; nothing was stored (ask the server's \
         administrator for more)"
    )]
    Full,
    #[error("too many requests; slow down and retry")]
    RateLimited,
    #[error("the request took too long to arrive")]
    Timeout,
    #[error("protocol version {0} is not served here; this server speaks version 1")]
    Version(u32),
    #[error("the server could not complete the request")]
    Internal(#[from] sqlx::Error),
}

impl ApiError {
    fn parts(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            ApiError::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ApiError::Revoked => (StatusCode::FORBIDDEN, "revoked"),
            ApiError::Replaced => (StatusCode::FORBIDDEN, "replaced"),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            ApiError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            ApiError::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
            ApiError::Full => (StatusCode::INSUFFICIENT_STORAGE, "full"),
            ApiError::RateLimited => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            ApiError::Timeout => (StatusCode::REQUEST_TIMEOUT, "timeout"),
            ApiError::Version(_) => (StatusCode::BAD_REQUEST, "version"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.parts();
        if let ApiError::Internal(e) = &self {
            tracing::error!(error = %e, "request failed");
        }
        let body = ErrorBody {
            error: code.to_owned(),
            message: self.to_string(),
        };
        (status, Json(body)).into_response()
    }
}
