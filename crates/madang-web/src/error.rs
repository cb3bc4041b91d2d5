//! Errors as readers see them: a status and a translated page, never debug text.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use madang_store::StoreError;

/// Everything a handler can fail with.
#[derive(Debug, Clone)]
pub enum AppError {
    /// No such board, post, file or page.
    NotFound,
    /// Malformed input; the text (a locale key) says what was wrong.
    BadRequest(&'static str),
    Forbidden,
    /// Allowed, but the site's rules refuse it as things stand (a reply past the thread
    /// limits, deleting a post that has replies); the text (a locale key) says why.
    Refused(&'static str),
    /// The address is longer than the site accepts.
    TooLong,
    /// The server's disk is full: nothing was saved; the operator must make room.
    StorageFull,
    /// A fault of ours: logged in full, shown as a generic page.
    Internal(String),
}

impl AppError {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::Refused(_) => StatusCode::CONFLICT,
            AppError::TooLong => StatusCode::URI_TOO_LONG,
            AppError::StorageFull => StatusCode::INSUFFICIENT_STORAGE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> AppError {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Reply(refusal) => AppError::Refused(refusal.message_key()),
            StoreError::Delete(refusal) => AppError::Refused(refusal.message_key()),
            StoreError::Restore(refusal) => AppError::Refused(refusal.message_key()),
            full if full.is_storage_full() => AppError::StorageFull,
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<madang_files::FilesError> for AppError {
    fn from(e: madang_files::FilesError) -> AppError {
        if e.is_storage_full() {
            return AppError::StorageFull;
        }
        AppError::Internal(format!("file storage: {e}"))
    }
}

/// A response carrying an [`AppError`] in its extensions, rendered into a page by the
/// error layer, which knows the language and the theme.
impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Internal(detail) = &self {
            tracing::error!(%detail, "request failed");
        }
        if let AppError::StorageFull = &self {
            tracing::error!(
                "a write failed because the disk is full; make room on the data folder's disk"
            );
        }
        let mut response = self.status().into_response();
        response.extensions_mut().insert(self);
        response
    }
}
