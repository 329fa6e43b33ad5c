//! The web layer's one error type, and the one place that turns error statuses into pages:
//! an HTML page in the visitor's language, or a JSON body under `/api/`.

use actix_web::body::BoxBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::{StatusCode, header};
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

use super::i18n::Lang;
use crate::services::ServiceError;
use crate::views::{PageContext, error::ErrorPage};

/// A query parameter that could not be used, named by its translation key under `error.param`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadParameter {
    Page,
    Limit,
    Offset,
    Applicant,
    ItemType,
    Query,
    /// A queue or log filter names no known value.
    Filter,
    /// A date is not YYYY-MM-DD.
    Date,
    /// A calendar year the editor cannot show (see `services::admin::CALENDAR_YEARS`).
    Year,
    /// The query string itself could not be decoded.
    Malformed,
    /// A NUL character in the path, the query or a form (see `web::input`).
    Nul,
}

impl BadParameter {
    fn message_key(self) -> &'static str {
        match self {
            BadParameter::Page => "error.param.page",
            BadParameter::Limit => "error.param.limit",
            BadParameter::Offset => "error.param.offset",
            BadParameter::Applicant => "error.param.applicant",
            BadParameter::ItemType => "error.param.type",
            BadParameter::Query => "error.param.q",
            BadParameter::Filter => "error.param.filter",
            BadParameter::Date => "error.param.date",
            BadParameter::Year => "admin_pages.year_out_of_range",
            BadParameter::Malformed => "error.bad_request.body",
            BadParameter::Nul => "error.param.nul",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("not found")]
    NotFound,
    #[error("bad parameter {0:?}")]
    BadRequest(BadParameter),
    /// A state-changing request without the right CSRF token.
    #[error("missing or wrong CSRF token")]
    CsrfRejected,
    /// An anonymous visitor asked for a page that needs an account: to the login page and back.
    #[error("sign-in required for {0}")]
    SignInRequired(String),
    /// A service's refusal or failure that the handler did not turn into a page itself.
    #[error(transparent)]
    Service(ServiceError),
    /// A body larger than the route takes (an upload over its limit), with that limit.
    #[error("body over the limit of {limit_bytes} bytes")]
    TooLarge { limit_bytes: usize },
    /// Unexpected: logged once with its cause, shown as a generic page.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<ServiceError> for WebError {
    fn from(error: ServiceError) -> Self {
        match error {
            ServiceError::NotFound => WebError::NotFound,
            other => WebError::Service(other),
        }
    }
}

impl From<actix_web::error::BlockingError> for WebError {
    fn from(error: actix_web::error::BlockingError) -> Self {
        WebError::Internal(error.to_string())
    }
}

/// Carried on an error response so that the page renderer knows the precise message.
#[derive(Debug, Clone, Copy)]
struct ErrorDetail {
    message_key: &'static str,
    /// A size the message names, in whole megabytes (`%{n}`).
    megabytes: Option<usize>,
}

impl ResponseError for WebError {
    fn status_code(&self) -> StatusCode {
        match self {
            WebError::NotFound => StatusCode::NOT_FOUND,
            WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            WebError::CsrfRejected => StatusCode::FORBIDDEN,
            WebError::SignInRequired(_) => StatusCode::SEE_OTHER,
            WebError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            WebError::Service(error) => match error {
                ServiceError::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
                ServiceError::Conflict(_) => StatusCode::CONFLICT,
                ServiceError::InvalidCredentials | ServiceError::WrongPassword => {
                    StatusCode::UNAUTHORIZED
                }
                ServiceError::InvalidToken
                | ServiceError::UnknownDepartment(_)
                | ServiceError::DepartmentRequired
                | ServiceError::DepartmentNotAllowed
                | ServiceError::NotStaff
                | ServiceError::SelfDeactivation
                | ServiceError::DeclarationMissing
                | ServiceError::Incomplete(_)
                | ServiceError::NotForThisApplicant
                | ServiceError::Upload(_)
                | ServiceError::MaterialsMissing(_) => StatusCode::BAD_REQUEST,
                ServiceError::Refused(_) => StatusCode::FORBIDDEN,
                ServiceError::Rejected(_) => StatusCode::UNPROCESSABLE_ENTITY,
                ServiceError::NotADraft
                | ServiceError::StaleVersion
                | ServiceError::NotWithdrawable => StatusCode::CONFLICT,
                ServiceError::NotFound => StatusCode::NOT_FOUND,
                error if error.is_database_unavailable() => StatusCode::SERVICE_UNAVAILABLE,
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            },
        }
    }

    fn error_response(&self) -> HttpResponse<BoxBody> {
        let mut response = HttpResponse::new(self.status_code());
        if response.status() == StatusCode::SERVICE_UNAVAILABLE {
            // The database is restarting or overloaded: nothing was changed, come back shortly.
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static("5"));
        }
        match self {
            WebError::BadRequest(parameter) => {
                response.extensions_mut().insert(ErrorDetail {
                    message_key: parameter.message_key(),
                    megabytes: None,
                });
            }
            WebError::TooLarge { limit_bytes } => {
                response.extensions_mut().insert(ErrorDetail {
                    message_key: "error.payload_too_large.limit",
                    megabytes: Some(limit_bytes.div_ceil(1024 * 1024)),
                });
            }
            WebError::Internal(cause) => tracing::error!(%cause, "request failed"),
            WebError::SignInRequired(next) => {
                let query =
                    serde_urlencoded::to_string([("next", next.as_str())]).unwrap_or_default();
                if let Ok(location) = header::HeaderValue::from_str(&format!("/login?{query}")) {
                    response.headers_mut().insert(header::LOCATION, location);
                }
            }
            WebError::Service(error) if self.status_code().is_server_error() => {
                tracing::error!(cause = %error, "request failed");
            }
            WebError::Service(_) | WebError::NotFound | WebError::CsrfRejected => {}
        }
        response
    }
}

fn keys_for(status: StatusCode) -> (&'static str, &'static str) {
    match status {
        StatusCode::NOT_FOUND => ("error.not_found.title", "error.not_found.body"),
        StatusCode::BAD_REQUEST => ("error.bad_request.title", "error.bad_request.body"),
        StatusCode::FORBIDDEN => ("error.forbidden.title", "error.forbidden.body"),
        StatusCode::PAYLOAD_TOO_LARGE => (
            "error.payload_too_large.title",
            "error.payload_too_large.body",
        ),
        StatusCode::METHOD_NOT_ALLOWED => (
            "error.method_not_allowed.title",
            "error.method_not_allowed.body",
        ),
        s if s.is_server_error() => ("error.internal.title", "error.internal.body"),
        _ => ("error.generic.title", "error.generic.body"),
    }
}

/// Replaces the body of every 4xx/5xx response that has none of its own (no content type, or
/// actix's plain text): with a JSON error under `/api/`, with an error page elsewhere. Pages a
/// handler rendered itself (a form with its errors, 422) pass unchanged.
pub fn render_error<B>(res: ServiceResponse<B>) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let rendered = res
        .response()
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| !v.as_bytes().starts_with(b"text/plain"));
    if rendered {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let (title_key, default_body_key) = keys_for(status);
    let detail = res.response().extensions().get::<ErrorDetail>().copied();
    let body_key = detail.map_or(default_body_key, |d| d.message_key);
    let megabytes = detail.and_then(|d| d.megabytes);
    let (req, old) = res.into_parts();
    let mut builder = HttpResponse::build(status);
    for (name, value) in old.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            builder.append_header((name.clone(), value.clone()));
        }
    }
    let response = if req.path().starts_with("/api/") {
        let message = match megabytes {
            Some(n) => Lang::En.tf(body_key, &[("n", &n)]),
            None => Lang::En.t(body_key).into_owned(),
        };
        builder.json(serde_json::json!({
            "error": { "status": status.as_u16(), "message": message }
        }))
    } else {
        let ctx = PageContext::of_request(&req);
        let page = ErrorPage {
            status: status.as_u16(),
            title: ctx.t(title_key).into_owned(),
            message: match megabytes {
                Some(n) => ctx.lang.tf(body_key, &[("n", &n)]),
                None => ctx.t(body_key).into_owned(),
            },
            ctx,
        };
        match page.render() {
            Ok(html) => builder.content_type("text/html; charset=utf-8").body(html),
            Err(e) => {
                tracing::error!(error = %e, "error page failed to render");
                builder
                    .content_type("text/plain; charset=utf-8")
                    .body(status.to_string())
            }
        }
    };
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, response).map_into_right_body(),
    ))
}

/// The multipart extractor's errors: a body over a limit is 413 with the limit named (the file
/// limit for materials, the import limit for workflow files), whatever part of it overflowed;
/// anything else stays the extractor's own 400.
pub fn multipart_refused(
    error: actix_multipart::MultipartError,
    req: &actix_web::HttpRequest,
) -> actix_web::Error {
    use actix_web::error::PayloadError;
    if !matches!(
        error,
        actix_multipart::MultipartError::Payload(PayloadError::Overflow)
    ) {
        return error.into();
    }
    let limit_bytes = if req.path().starts_with("/admin/") {
        super::admin_rules::IMPORT_LIMIT_BYTES
    } else {
        req.app_data::<actix_web::web::Data<crate::services::applications::UploadLimits>>()
            .map_or(super::MAX_BODY_BYTES, |limits| limits.per_file)
    };
    WebError::TooLarge { limit_bytes }.into()
}
