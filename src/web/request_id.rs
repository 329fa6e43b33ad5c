//! Every request gets an id: taken from `X-Request-Id` when a trusted reverse proxy sent one
//! (`ONESTOP_TRUST_PROXY`), else made here. It is returned in the response's `X-Request-Id`,
//! carried by every log line of the request (a tracing span, which [`super::run`] carries onto
//! the blocking pool), and shown on an error page for the person to quote.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, web};
use tracing::Instrument;

pub const HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// The request's id, in the request's extensions.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// An id a proxy may hand on: 1 to 64 letters, digits, `-`, `_` or `.` (so that it can go into
/// a header, a log line and a page as it is).
fn acceptable(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// 128 random bits in hex.
fn new_id() -> String {
    let mut bytes = [0u8; 16];
    // The id only has to be unique; without randomness a time-based one does.
    if getrandom::fill(&mut bytes).is_err() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        bytes = nanos.to_be_bytes();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Middleware: gives the request its id and runs it in a span that names it.
pub async fn assign(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let trusted = req
        .app_data::<web::Data<crate::services::accounts::AccountSettings>>()
        .is_some_and(|s| s.trust_proxy);
    let id = req
        .headers()
        .get(&HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|id| trusted && acceptable(id))
        .map_or_else(new_id, str::to_owned);
    req.extensions_mut().insert(RequestId(id.clone()));
    let span = tracing::info_span!("request", id = %id);
    let mut response = next.call(req).instrument(span).await?;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(HEADER, value);
    }
    Ok(response)
}

/// The id of the request, if the middleware gave it one.
pub fn of(req: &actix_web::HttpRequest) -> Option<String> {
    req.extensions().get::<RequestId>().map(|r| r.0.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_short_ids_are_taken_from_a_proxy() {
        assert!(acceptable("5f0c2a9e-1b7d-4c11-9d3e-7a1f00c0ffee"));
        assert!(!acceptable(""));
        assert!(!acceptable(&"a".repeat(65)));
        assert!(!acceptable("id with spaces"));
        assert!(!acceptable("<script>"));
        let made = new_id();
        assert_eq!(made.len(), 32);
        assert_ne!(made, new_id());
    }
}
