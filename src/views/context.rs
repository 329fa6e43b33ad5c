//! What every page's layout needs: the language, the way to switch it, and the stylesheet URL.

use std::borrow::Cow;
use std::future::{Ready, ready};
use std::sync::LazyLock;

use actix_web::{FromRequest, HttpRequest, dev::Payload};

use crate::domain::catalog::Fee;
use crate::domain::identity::Role;
use crate::web::i18n::Lang;
use crate::web::session::Visitor;

/// The stylesheet, served with a content hash in its URL so that it can be cached for a year.
pub static STYLESHEET: &str = include_str!("../../static/app.css");

static STYLESHEET_HREF: LazyLock<String> = LazyLock::new(|| {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    STYLESHEET.hash(&mut hasher);
    format!("/static/app.css?v={:016x}", hasher.finish())
});

/// The signed-in user, as the page header shows them.
#[derive(Debug, Clone)]
pub struct Badge {
    pub name: String,
    pub role: Role,
}

/// The workflow labels every node keeps in memory for [`PageContext::label`], refreshed at
/// start, after each publication on this node, and every few minutes for the others'.
#[derive(Debug, Default)]
pub struct SharedLabels(
    std::sync::RwLock<std::sync::Arc<crate::services::workflow::WorkflowLabels>>,
);

impl SharedLabels {
    pub fn replace(&self, labels: crate::services::workflow::WorkflowLabels) {
        if let Ok(mut current) = self.0.write() {
            *current = std::sync::Arc::new(labels);
        }
    }

    fn snapshot(&self) -> std::sync::Arc<crate::services::workflow::WorkflowLabels> {
        self.0.read().map(|l| l.clone()).unwrap_or_default()
    }
}

#[derive(Debug, Clone)]
pub struct PageContext {
    pub lang: Lang,
    /// Names of workflow states and transitions that the locale files do not have.
    labels: std::sync::Arc<crate::services::workflow::WorkflowLabels>,
    /// The current path and query, where the language switch comes back to.
    path: String,
    pub user: Option<Badge>,
    /// The token every form of the page carries (see `macros.html`).
    pub csrf_token: String,
    /// Who runs the site (the footer).
    pub site: std::sync::Arc<crate::web::SiteIdentity>,
    /// The reader chose large text (适老化).
    pub large_text: bool,
    /// The request's id, for an error page to quote (see `web::request_id`).
    pub request_id: Option<String>,
}

impl PageContext {
    pub fn of_request(req: &HttpRequest) -> Self {
        let path = req.uri().path_and_query().map_or("/", |p| p.as_str());
        let visitor = Visitor::of(req);
        let user = visitor
            .as_ref()
            .and_then(|v| v.session.as_ref())
            .map(|s| Badge {
                name: s.user.name.clone(),
                role: s.user.role,
            });
        let labels = req
            .app_data::<actix_web::web::Data<SharedLabels>>()
            .map(|shared| shared.snapshot())
            .unwrap_or_default();
        Self {
            lang: Lang::of_request(req),
            labels,
            path: path.to_owned(),
            user,
            // Masked afresh for every page, so that compression cannot leak it (BREACH).
            csrf_token: visitor
                .map(|v| crate::services::secrets::masked(&v.csrf_token))
                .unwrap_or_default(),
            site: req
                .app_data::<actix_web::web::Data<crate::web::AppInfo>>()
                .map(|info| std::sync::Arc::clone(&info.site))
                .unwrap_or_default(),
            large_text: req
                .cookie(crate::web::lang::TEXT_COOKIE)
                .is_some_and(|c| c.value() == "large"),
            request_id: crate::web::request_id::of(req),
        }
    }

    /// Whether the page is in English (for texts that carry both languages, like
    /// [`crate::domain::reason::Reason`]).
    pub fn english(&self) -> bool {
        self.lang == crate::web::i18n::Lang::En
    }

    /// Whether `text`, shown as it was typed or named, should be marked `lang="zh-CN"`: on an
    /// English page, text with Chinese in it, so that a screen reader reads it as Chinese.
    pub fn marks_zh(&self, text: &str) -> bool {
        self.lang == crate::web::i18n::Lang::En && text.chars().any(is_cjk)
    }

    /// The link that switches text size and comes back here.
    pub fn text_size_href(&self) -> String {
        let query = serde_urlencoded::to_string([("next", self.path.as_str())]).unwrap_or_default();
        let size = if self.large_text { "normal" } else { "large" };
        format!("/text/{size}?{query}")
    }

    pub fn is_staff(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.role.is_staff())
    }

    pub fn is_applicant(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.role.is_applicant())
    }

    pub fn is_operator(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.role == Role::Operator)
    }

    pub fn is_grid(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.role.is_grid())
    }

    pub fn is_grid_worker(&self) -> bool {
        self.user
            .as_ref()
            .is_some_and(|u| u.role == Role::GridWorker)
    }

    pub fn is_inspector(&self) -> bool {
        self.user
            .as_ref()
            .is_some_and(|u| u.role == Role::Inspector)
    }

    pub fn is_commander(&self) -> bool {
        self.user
            .as_ref()
            .is_some_and(|u| u.role == Role::Commander)
    }

    pub fn is_admin(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.role == Role::Admin)
    }

    pub fn t(&self, key: &str) -> Cow<'static, str> {
        self.lang.t(key)
    }

    pub fn tf(&self, key: &str, args: &[(&str, &dyn std::fmt::Display)]) -> String {
        self.lang.tf(key, args)
    }

    /// The text for `key` with its one date placeholder `%{date}` filled in.
    pub fn t_date(&self, key: &str, date: &chrono::NaiveDate) -> String {
        self.lang.tf(key, &[("date", date)])
    }

    /// The text for `key` with its one number placeholder `%{n}` filled in.
    pub fn tn(&self, key: &str, n: impl std::fmt::Display) -> String {
        self.lang.tf(key, &[("n", &n)])
    }

    pub fn page_of(&self, page: i64, pages: i64) -> String {
        self.lang
            .tf("pagination.position", &[("page", &page), ("pages", &pages)])
    }

    pub fn fee(&self, fee: &Fee) -> String {
        if fee.is_free() {
            self.t("guide.free").into_owned()
        } else {
            self.lang.tf("guide.yuan", &[("amount", fee)])
        }
    }

    /// The text in the page's language, of two the data carries (catalog and workflow names,
    /// notices).
    pub fn pick<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        crate::domain::catalog::pick(self.lang.code(), zh, en)
    }

    /// The translated name of an enum value: `label("item_type", "licensing")`. A workflow
    /// state or transition the locale files do not know (an administrator added it) is named
    /// as its definition names it.
    pub fn label(&self, kind: &str, slug: &str) -> Cow<'static, str> {
        let key = format!("{kind}.{slug}");
        if let Some(text) = crate::_rust_i18n_try_translate(self.lang.code(), &key) {
            return text;
        }
        match self.labels.lookup(kind, slug) {
            Some((zh, en)) => Cow::Owned(self.pick(zh, en).to_owned()),
            None => self.lang.t(&key),
        }
    }

    /// A time limit in working days, 0 meaning decided on the spot.
    pub fn days(&self, days: &i32) -> String {
        if *days == 0 {
            self.t("guide.on_the_spot").into_owned()
        } else {
            self.tf("guide.working_days", &[("n", days)])
        }
    }

    /// The link that switches to the other language and comes back here.
    pub fn switch_href(&self) -> String {
        let query = serde_urlencoded::to_string([("next", self.path.as_str())]).unwrap_or_default();
        format!("/lang/{}?{query}", self.lang.other().code())
    }

    /// The name of the other language, in that language.
    pub fn switch_label(&self) -> Cow<'static, str> {
        self.lang.other().t("lang.name")
    }

    pub fn switch_lang_code(&self) -> &'static str {
        self.lang.other().code()
    }

    pub fn stylesheet_href(&self) -> &'static str {
        &STYLESHEET_HREF
    }
}

impl FromRequest for PageContext {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Self::of_request(req)))
    }
}

/// A CJK ideograph or CJK punctuation.
fn is_cjk(ch: char) -> bool {
    matches!(ch, '\u{3000}'..='\u{303f}' | '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}' | '\u{f900}'..='\u{faff}' | '\u{ff00}'..='\u{ffef}')
}
