use actix_web::cookie::{Cookie, SameSite, time::Duration};
use actix_web::{HttpResponse, get, http::header, web};
use serde::Deserialize;

use super::error::WebError;
use super::i18n::{LANG_COOKIE, Lang};

#[derive(Deserialize)]
struct SwitchQuery {
    next: Option<String>,
}

/// Where to go back to: a local path, with anything outside ASCII percent-encoded as a
/// `Location` header must be (`/services?q=食品` arrives decoded from the query).
fn local_path(next: Option<&str>) -> String {
    let path = super::forms::local_path(next.unwrap_or("/"));
    let mut encoded = String::with_capacity(path.len());
    for ch in path.chars() {
        if ch.is_ascii() && !ch.is_ascii_control() {
            encoded.push(ch);
        } else {
            let mut bytes = [0; 4];
            for byte in ch.encode_utf8(&mut bytes).bytes() {
                encoded.push_str(&format!("%{byte:02X}"));
            }
        }
    }
    encoded
}

/// The language switch: remembers the choice in a cookie and goes back to the page.
/// It changes only a preference of this browser, so it is a plain link (no form, no CSRF).
#[get("/lang/{code}")]
pub async fn switch(
    code: web::Path<String>,
    query: web::Query<SwitchQuery>,
) -> Result<HttpResponse, WebError> {
    let lang = Lang::parse(&code).ok_or(WebError::NotFound)?;
    Ok(remember_and_return(
        LANG_COOKIE,
        lang.code().to_owned(),
        &query,
    ))
}

/// A preference of this browser remembered for a year, and back to the page it was chosen on.
fn remember_and_return(cookie: &'static str, value: String, query: &SwitchQuery) -> HttpResponse {
    let cookie = Cookie::build(cookie, value)
        .path("/")
        .max_age(Duration::days(365))
        .same_site(SameSite::Lax)
        .http_only(true)
        .finish();
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, local_path(query.next.as_deref())))
        .cookie(cookie)
        .finish()
}

/// The cookie that remembers large text (适老化), like the language.
pub const TEXT_COOKIE: &str = "onestop_text";

/// The large-text switch (适老化): a plain link, like the language switch, that remembers the
/// choice of this browser and goes back to the page.
#[get("/text/{size}")]
pub async fn text_size(
    size: web::Path<String>,
    query: web::Query<SwitchQuery>,
) -> Result<HttpResponse, WebError> {
    let size = match size.as_str() {
        "large" | "normal" => size.into_inner(),
        _ => return Err(WebError::NotFound),
    };
    Ok(remember_and_return(TEXT_COOKIE, size, &query))
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn the_switch_only_returns_to_local_paths() {
        assert_eq!(
            local_path(Some("/services?q=食品")),
            "/services?q=%E9%A3%9F%E5%93%81"
        );
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "javascript:x",
        ] {
            assert_eq!(local_path(Some(bad)), "/", "{bad}");
        }
        assert_eq!(local_path(None), "/");
    }
}
