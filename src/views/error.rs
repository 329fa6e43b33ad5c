use askama::Template;

use super::PageContext;

/// The page for every error status: what happened and what to do next.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub ctx: PageContext,
    pub status: u16,
    pub title: String,
    pub message: String,
}
