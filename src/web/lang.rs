use actix_web::cookie::{Cookie, SameSite, time::Duration};
use actix_web::{HttpResponse, get, http::header, web};
use serde::Deserialize;

use super::error::WebError;
use super::i18n::{LANG_COOKIE, Lang};

#[derive(Deserialize)]
struct SwitchQuery {
    next: Option<String>,
}

fn local_path(next: Option<&str>) -> &str {
    super::forms::local_path(next.unwrap_or("/"))
}

/// The language switch: remembers the choice in a cookie and goes back to the page.
/// It changes only a preference of this browser, so it is a plain link (no form, no CSRF).
#[get("/lang/{code}")]
pub async fn switch(
    code: web::Path<String>,
    query: web::Query<SwitchQuery>,
) -> Result<HttpResponse, WebError> {
    let lang = Lang::parse(&code).ok_or(WebError::NotFound)?;
    let cookie = Cookie::build(LANG_COOKIE, lang.code())
        .path("/")
        .max_age(Duration::days(365))
        .same_site(SameSite::Lax)
        .http_only(true)
        .finish();
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, local_path(query.next.as_deref())))
        .cookie(cookie)
        .finish())
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn the_switch_only_returns_to_local_paths() {
        assert_eq!(local_path(Some("/services?q=食品")), "/services?q=食品");
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
