use askama::Template;
use askama_web::WebTemplate;

use super::PageContext;
use crate::services::accounts::{Account, User};
use crate::web::forms::FormState;

#[derive(Template, WebTemplate)]
#[template(path = "accounts/login.html")]
pub struct LoginPage {
    pub ctx: PageContext,
    pub form: FormState,
    pub next: String,
    pub notice: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "accounts/register.html")]
pub struct RegisterChoicePage {
    pub ctx: PageContext,
}

#[derive(Template, WebTemplate)]
#[template(path = "accounts/register_citizen.html")]
pub struct CitizenRegisterPage {
    pub ctx: PageContext,
    pub form: FormState,
}

#[derive(Template, WebTemplate)]
#[template(path = "accounts/register_firm.html")]
pub struct FirmRegisterPage {
    pub ctx: PageContext,
    pub form: FormState,
}

#[derive(Template, WebTemplate)]
#[template(path = "accounts/account.html")]
pub struct AccountPage {
    pub ctx: PageContext,
    pub user: User,
    pub notice: Option<String>,
    /// `zh-CN` or `en`.
    pub mail_lang: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "accounts/password_change.html")]
pub struct PasswordChangePage {
    pub ctx: PageContext,
    pub form: FormState,
}

#[derive(Template, WebTemplate)]
#[template(path = "accounts/password_forgot.html")]
pub struct PasswordForgotPage {
    pub ctx: PageContext,
    pub form: FormState,
    pub sent: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "accounts/password_reset.html")]
pub struct PasswordResetPage {
    pub ctx: PageContext,
    pub form: FormState,
    pub token: String,
}

/// A page that only tells something: a link used, a wait imposed.
#[derive(Template, WebTemplate)]
#[template(path = "message.html")]
pub struct MessagePage {
    pub ctx: PageContext,
    pub title: String,
    pub message: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/users.html")]
pub struct UsersPage {
    pub ctx: PageContext,
    pub accounts: Vec<Account>,
    /// Accounts many wrong passwords were tried for in the last minutes: (email, how many and
    /// the latest, in words).
    pub under_attack: Vec<(String, String)>,
    pub q: String,
    pub role: String,
    pub next_href: Option<String>,
}

/// The administrators' outbox page.
#[derive(Template, WebTemplate)]
#[template(path = "admin/outbox.html")]
pub struct OutboxPage {
    pub ctx: PageContext,
    pub counts: Vec<(&'static str, i64)>,
    pub entries: Vec<crate::db::outbox::OutboxEntry>,
    pub status: String,
    pub q: String,
    pub next_href: Option<String>,
    pub notice: Option<String>,
}

impl OutboxPage {
    pub fn time(&self, at: &chrono::NaiveDateTime) -> String {
        super::applications::local_time(at)
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/user_new.html")]
pub struct NewStaffPage {
    pub ctx: PageContext,
    pub form: FormState,
    pub departments: Vec<crate::db::catalog::DepartmentSummary>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/user.html")]
pub struct UserPage {
    pub ctx: PageContext,
    pub account: Account,
    pub form: FormState,
    pub departments: Vec<crate::db::catalog::DepartmentSummary>,
    pub notice: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "workspace/index.html")]
pub struct WorkspacePage {
    pub ctx: PageContext,
    pub departments: Vec<crate::db::catalog::DepartmentSummary>,
}
