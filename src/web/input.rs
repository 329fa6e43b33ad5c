//! What every request is made to fit before any handler sees it: `HEAD` answered as `GET`, and
//! text that no input may carry refused in one place.
//!
//! A NUL character is never part of a name, a note, a search or an address; PostgreSQL cannot
//! store it in text at all (SQLite can). So a request whose path, query or urlencoded form holds
//! one is answered 400 with a page that says what to do, on both databases alike.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{HttpMessage, web};

use super::error::{BadParameter, WebError};

/// Whether percent-encoded (or raw) text holds a NUL. In valid percent-encoding every `%` starts
/// an escape, so `%00` cannot be the tail of another escape (`%2500` is the text "%00").
fn holds_nul(encoded: &[u8]) -> bool {
    encoded.contains(&0) || encoded.windows(3).any(|w| w == b"%00")
}

/// Whether the body is a urlencoded form, by the media type as actix's `Form` reads it (in any
/// case: `Application/X-WWW-Form-Urlencoded` is one too).
pub fn is_urlencoded(req: &ServiceRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            v.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

/// A urlencoded body as this middleware read it (and put back for the handler).
#[derive(Clone)]
pub struct FormBody(pub web::Bytes);

/// Middleware: 400 for a NUL in the path, the query or a urlencoded body (read and put back).
pub async fn refuse_nul(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let mut found =
        holds_nul(req.uri().path().as_bytes()) || holds_nul(req.query_string().as_bytes());
    if !found && is_urlencoded(&req) {
        // A body over the limit gets its own 413 page from the extractor.
        let body = match req.extract::<web::Bytes>().await {
            Ok(body) => body,
            Err(error) => return Ok(req.error_response(error)),
        };
        found = holds_nul(&body);
        // Kept for the CSRF check, which would otherwise read the same body again.
        req.extensions_mut().insert(FormBody(body.clone()));
        let (_, mut payload) = actix_http::h1::Payload::create(true);
        payload.unread_data(body);
        req.set_payload(Payload::from(payload));
    }
    if found {
        tracing::info!(
            path = req.path(),
            "request refused: NUL character in its input"
        );
        return Ok(req.error_response(WebError::BadRequest(BadParameter::Nul)));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// Middleware: a `HEAD` request is answered as its `GET` would be, headers and status alike
/// (uptime monitors and link checkers use it). The HTTP layer sends no body for a `HEAD`
/// request whatever the handler wrote.
pub async fn head_as_get(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if req.method() == actix_web::http::Method::HEAD {
        req.head_mut().method = actix_web::http::Method::GET;
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

#[cfg(test)]
mod tests {
    use super::holds_nul;

    #[test]
    fn a_nul_is_found_encoded_or_raw_and_nothing_else_is() {
        assert!(holds_nul(b"q=%00"));
        assert!(holds_nul(b"/services/A%00B"));
        assert!(holds_nul(b"note=abc\0"));
        assert!(!holds_nul(b"q=%2500"));
        assert!(!holds_nul(b"q=100%25&page=2"));
        assert!(!holds_nul(b"q=%E9%A3%9F%E5%93%81"));
    }
}
