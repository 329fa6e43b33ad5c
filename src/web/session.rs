//! Sessions and CSRF, in one middleware that every request passes through.
//!
//! A signed-in visitor has a server-side session (the cookie holds a random token, the database
//! its hash) whose CSRF token every form carries. An anonymous visitor gets a random CSRF cookie
//! instead (double submit), so that the login and registration forms are protected too. Every
//! POST, PUT, PATCH and DELETE must carry the token — in the `csrf_token` form field, the
//! `X-CSRF-Token` header or, for multipart uploads, the `csrf_token` query parameter — or it is
//! refused with 403 before any handler runs.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use std::future::{Ready, ready};

use super::error::WebError;
use super::run;
use crate::db::DbPool;
use crate::domain::identity::Role;
use crate::services::accounts::{self, AccountSettings, NewSession, SessionUser};
use crate::services::secrets::{random_token, same_secret, unmasked};

pub const SESSION_COOKIE: &str = "onestop_session";
pub const CSRF_COOKIE: &str = "onestop_csrf";
pub const CSRF_FIELD: &str = "csrf_token";
/// A random token that marks a browser that signed in before (see `accounts::sign_in`): it
/// outlives sessions, so that an account under attack still lets its owner in from here.
pub const DEVICE_COOKIE: &str = "onestop_device";

/// Who is asking: their session if signed in, and the CSRF token their forms must carry.
#[derive(Debug, Clone)]
pub struct Visitor {
    pub session: Option<SessionUser>,
    pub csrf_token: String,
    /// Served over HTTPS: cookies get `Secure`, responses get HSTS.
    pub secure: bool,
}

fn is_token(value: &str) -> bool {
    value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The session cookie: HttpOnly, SameSite=Lax, Secure over HTTPS, gone with the session's lifetime.
pub fn session_cookie(
    session: &NewSession,
    settings: &AccountSettings,
    secure: bool,
) -> Cookie<'static> {
    Cookie::build(SESSION_COOKIE, session.token.clone())
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .max_age(CookieDuration::seconds(
            settings.session_lifetime.num_seconds(),
        ))
        .finish()
}

/// The device cookie: HttpOnly, SameSite=Lax, Secure over HTTPS, kept for a year.
pub fn device_cookie(token: &str, secure: bool) -> Cookie<'static> {
    Cookie::build(DEVICE_COOKIE, token.to_owned())
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .max_age(CookieDuration::days(365))
        .finish()
}

/// The device token the request carries, if it has the token's shape.
pub fn device_token(req: &HttpRequest) -> Option<String> {
    req.cookie(DEVICE_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|t| is_token(t))
}

/// A cookie that makes the browser forget `name`.
pub fn removal(name: &'static str) -> Cookie<'static> {
    let mut cookie = Cookie::build(name, "").path("/").finish();
    cookie.make_removal();
    cookie
}

fn anonymous_csrf_cookie(token: &str, secure: bool) -> Cookie<'static> {
    Cookie::build(CSRF_COOKIE, token.to_owned())
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .finish()
}

fn needs_csrf(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The grid devices' API authenticates each request by its bearer token alone, never by a
/// cookie, so a page elsewhere cannot forge one: it needs no CSRF token.
fn device_api(path: &str) -> bool {
    path.starts_with(crate::web::grid::DEVICE_API)
}

/// The token the request carries, reading (and putting back) a urlencoded body if needed.
async fn provided_token(req: &mut ServiceRequest) -> Result<Option<String>, actix_web::Error> {
    if let Some(value) = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
    {
        return Ok(Some(value.to_owned()));
    }
    if super::input::is_urlencoded(req) {
        // `input::refuse_nul`, which runs first, has read the body already.
        let read = req
            .extensions()
            .get::<super::input::FormBody>()
            .map(|b| b.0.clone());
        let body = match read {
            Some(body) => body,
            None => {
                let body = req.extract::<web::Bytes>().await?;
                let (_, mut payload) = actix_http::h1::Payload::create(true);
                payload.unread_data(body.clone());
                req.set_payload(Payload::from(payload));
                body
            }
        };
        let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
        return Ok(fields
            .into_iter()
            .find(|(k, _)| k == CSRF_FIELD)
            .map(|(_, v)| v));
    }
    let query: Vec<(String, String)> =
        serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
    Ok(query
        .into_iter()
        .find(|(k, _)| k == CSRF_FIELD)
        .map(|(_, v)| v))
}

pub async fn session_layer(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let settings = req
        .app_data::<web::Data<AccountSettings>>()
        .cloned()
        .expect("settings configured");
    let secure =
        req.connection_info().scheme() == "https" || settings.public_url.starts_with("https://");
    let session_token = req
        .cookie(SESSION_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|t| is_token(t));
    let had_session_cookie = req.cookie(SESSION_COOKIE).is_some();
    let session = match session_token {
        Some(token) => {
            let pool = req
                .app_data::<web::Data<DbPool>>()
                .cloned()
                .expect("pool configured");
            let settings = req
                .app_data::<web::Data<AccountSettings>>()
                .cloned()
                .expect("settings configured");
            match run(&pool, move |conn| {
                accounts::load_session(conn, &token, &settings)
            })
            .await
            {
                Ok(session) => session,
                Err(error) => return Ok(req.error_response(error)),
            }
        }
        None => None,
    };
    let anonymous_token = req
        .cookie(CSRF_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|t| is_token(t));
    let (csrf_token, new_anonymous_token) = match (&session, anonymous_token) {
        (Some(s), _) => (s.csrf_token.clone(), false),
        (None, Some(token)) => (token, false),
        (None, None) => (random_token(), true),
    };
    let session_ended = had_session_cookie && session.is_none();
    if needs_csrf(req.method()) && session_ended {
        // The session ran out while the form was open: sign in again, rather than a 403.
        let mut res = req.error_response(WebError::SignInRequired("/account".into()));
        res.response_mut().add_cookie(&removal(SESSION_COOKIE))?;
        return Ok(res);
    }
    if needs_csrf(req.method()) && !device_api(req.path()) {
        // A body that cannot be read (too large) gets its error page, not a dropped connection.
        let provided = match provided_token(&mut req).await {
            Ok(provided) => provided,
            Err(error) => return Ok(req.error_response(error)),
        };
        let valid = !new_anonymous_token
            && provided.is_some_and(|p| {
                // Pages carry the token masked (see `secrets::masked`); a client that read it
                // from elsewhere may send it plain.
                let token = if p.len() == 2 * csrf_token.len() {
                    unmasked(&p).unwrap_or(p)
                } else {
                    p
                };
                same_secret(&token, &csrf_token)
            });
        if !valid {
            tracing::warn!(
                path = req.path(),
                "request refused: missing or wrong CSRF token"
            );
            return Ok(req.error_response(WebError::CsrfRejected));
        }
    }
    let clear_session_cookie = session_ended;
    let signed_in = session.is_some();
    req.extensions_mut().insert(Visitor {
        session,
        csrf_token: csrf_token.clone(),
        secure,
    });
    let mut res = next.call(req).await?.map_into_boxed_body();
    if new_anonymous_token && res.response().cookies().all(|c| c.name() != CSRF_COOKIE) {
        res.response_mut()
            .add_cookie(&anonymous_csrf_cookie(&csrf_token, secure))?;
    }
    if clear_session_cookie && res.response().cookies().all(|c| c.name() != SESSION_COOKIE) {
        res.response_mut().add_cookie(&removal(SESSION_COOKIE))?;
    }
    // A page for a signed-in user (or the answer that signs one in) shows personal data: no
    // browser, proxy or shared computer may keep it. A response that chose its own caching (the
    // fingerprinted stylesheet) keeps that.
    let signing_in = res.response().cookies().any(|c| c.name() == SESSION_COOKIE);
    if (signed_in || signing_in) && !res.headers().contains_key(header::CACHE_CONTROL) {
        res.headers_mut().insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("no-store"),
        );
    }
    if secure {
        res.headers_mut().insert(
            header::STRICT_TRANSPORT_SECURITY,
            header::HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    Ok(res)
}

impl Visitor {
    pub fn of(req: &HttpRequest) -> Option<Visitor> {
        req.extensions().get::<Visitor>().cloned()
    }
}

impl FromRequest for Visitor {
    type Error = WebError;
    type Future = Ready<Result<Self, WebError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            Visitor::of(req).ok_or_else(|| WebError::Internal("session layer not mounted".into())),
        )
    }
}

/// The path and query of a request, for coming back after signing in.
fn here(req: &HttpRequest) -> String {
    req.uri()
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned()
}

/// A signed-in user; anonymous visitors are sent to the login page and back.
pub struct SignedIn(pub SessionUser);

/// Authorization in one place: which roles reach which areas. A signed-in user outside the
/// area gets 404, so that the area cannot be probed.
fn guard(req: &HttpRequest, allowed: impl Fn(Role) -> bool) -> Result<SessionUser, WebError> {
    let visitor =
        Visitor::of(req).ok_or_else(|| WebError::Internal("session layer not mounted".into()))?;
    match visitor.session {
        None => Err(WebError::SignInRequired(here(req))),
        Some(session) if allowed(session.user.role) => Ok(session),
        Some(_) => Err(WebError::NotFound),
    }
}

impl FromRequest for SignedIn {
    type Error = WebError;
    type Future = Ready<Result<Self, WebError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(guard(req, |_| true).map(SignedIn))
    }
}

/// An administrator.
pub struct Admin(pub SessionUser);

impl FromRequest for Admin {
    type Error = WebError;
    type Future = Ready<Result<Self, WebError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(guard(req, |role| role == Role::Admin).map(Admin))
    }
}

/// A clerk or department head; which departments they may act in is checked with
/// [`Staff::department`].
pub struct Staff(pub SessionUser);

impl Staff {
    /// The department `code` if the staff member works in it; otherwise 404.
    pub fn department(&self, code: &str) -> Result<String, WebError> {
        let code = code.to_uppercase();
        if self.0.user.works_in(&code) {
            Ok(code)
        } else {
            Err(WebError::NotFound)
        }
    }
}

impl FromRequest for Staff {
    type Error = WebError;
    type Future = Ready<Result<Self, WebError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(guard(req, Role::is_staff).map(Staff))
    }
}
