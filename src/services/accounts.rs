//! Accounts: registration, login with throttling, server-side sessions, password change and
//! reset, email verification, and the administrators' user management.

use chrono::{Duration, NaiveDateTime, Utc};

use super::ServiceError;
use super::secrets::{hash_password, random_token, token_id, verify_password};
use crate::db::accounts::{self as queries, NewUser, UserRow};
use crate::db::{DbConnection, DbPool};
use crate::domain::identity::{CreditCode, Email, NationalId, NewPassword, Phone, Role};

/// Failed logins allowed per account and per client address within the window.
pub const MAX_FAILURES: i64 = 5;
pub const FAILURE_WINDOW_MINUTES: i64 = 15;
const RESET_VALID_MINUTES: i64 = 30;
const VERIFY_VALID_HOURS: i64 = 48;
/// `last_seen_at` is written at most this often, so that reading a page is not a write.
const TOUCH_EVERY_SECONDS: i64 = 60;

const PURPOSE_RESET: &str = "password_reset";
const PURPOSE_VERIFY: &str = "verify_email";

/// Session lifetimes and the address links in mails point to.
#[derive(Debug, Clone)]
pub struct AccountSettings {
    pub session_idle: Duration,
    pub session_lifetime: Duration,
    /// e.g. `http://127.0.0.1:8080`, no trailing slash. An `https` address makes cookies Secure.
    pub public_url: String,
    /// Take the client address from the proxy's headers.
    pub trust_proxy: bool,
}

pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc()
}

/// A signed-in user as every request sees them.
#[derive(Debug, Clone)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub role: Role,
    pub name: String,
    /// Department codes, for clerks and heads.
    pub departments: Vec<String>,
    pub email_verified: bool,
}

impl User {
    pub fn works_in(&self, department: &str) -> bool {
        self.role.is_staff() && self.departments.iter().any(|d| d == department)
    }
}

#[derive(Debug, Clone)]
pub struct SessionUser {
    /// The stored id (the hash of the cookie's token).
    pub session_id: String,
    pub csrf_token: String,
    pub user: User,
}

/// A session just opened: the token goes into the cookie, nowhere else.
#[derive(Debug)]
pub struct NewSession {
    pub token: String,
    pub csrf_token: String,
}

/// A unique constraint that a simultaneous request won: the field it names is taken.
fn conflict_on_race(error: diesel::result::Error) -> ServiceError {
    use diesel::result::{DatabaseErrorKind, Error};
    match &error {
        Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
            let message = info.message();
            if message.contains("national_id") {
                ServiceError::Conflict("national_id")
            } else if message.contains("credit_code") {
                ServiceError::Conflict("credit_code")
            } else {
                ServiceError::Conflict("email")
            }
        }
        _ => ServiceError::Database(error),
    }
}

fn stored_role(value: &str) -> Result<Role, ServiceError> {
    value
        .parse()
        .map_err(|_| ServiceError::Corrupt(format!("unknown role {value:?}")))
}

fn user_of(conn: &mut DbConnection, row: &UserRow) -> Result<User, ServiceError> {
    let role = stored_role(&row.role)?;
    let departments = if role.is_staff() {
        queries::department_codes(conn, row.id)?
    } else {
        Vec::new()
    };
    Ok(User {
        id: row.id,
        email: row.email.clone(),
        role,
        name: row.name.clone(),
        departments,
        email_verified: row.email_verified,
    })
}

pub fn open_session(conn: &mut DbConnection, user_id: i64) -> Result<NewSession, ServiceError> {
    let session = NewSession {
        token: random_token(),
        csrf_token: random_token(),
    };
    queries::insert_session(
        conn,
        &token_id(&session.token),
        user_id,
        &session.csrf_token,
        now(),
    )?;
    Ok(session)
}

/// The session of a cookie's token, if it is still alive: not idle too long, not older than its
/// lifetime, and its user active. A dead session is deleted.
pub fn load_session(
    conn: &mut DbConnection,
    token: &str,
    settings: &AccountSettings,
) -> Result<Option<SessionUser>, ServiceError> {
    let id = token_id(token);
    let Some((session, row)) = queries::find_session(conn, &id)? else {
        return Ok(None);
    };
    let now = now();
    let alive = row.active
        && now - session.created_at < settings.session_lifetime
        && now - session.last_seen_at < settings.session_idle;
    if !alive {
        queries::delete_session(conn, &id)?;
        return Ok(None);
    }
    if now - session.last_seen_at > Duration::seconds(TOUCH_EVERY_SECONDS) {
        queries::touch_session(conn, &id, now)?;
    }
    Ok(Some(SessionUser {
        session_id: session.id,
        csrf_token: session.csrf_token,
        user: user_of(conn, &row)?,
    }))
}

pub fn close_session(conn: &mut DbConnection, session_id: &str) -> Result<(), ServiceError> {
    queries::delete_session(conn, session_id)?;
    Ok(())
}

// ---- Registration ----

pub struct CitizenRegistration {
    pub name: String,
    pub national_id: NationalId,
    pub phone: Phone,
    pub email: Email,
    pub password: NewPassword,
}

pub struct FirmRegistration {
    pub company: String,
    pub credit_code: CreditCode,
    pub legal_representative: String,
    pub contact_name: String,
    pub email: Email,
    pub password: NewPassword,
}

/// A unique value a registration claims besides its email: its form field, and whether it is
/// taken already.
type UniqueClaim<'a> = (
    &'static str,
    &'a dyn Fn(&mut DbConnection) -> diesel::QueryResult<bool>,
);

/// Creates an applicant's account and signs them in, in one transaction; then mails the
/// verification link. The argon2 hash is made by the caller, before any connection is taken.
fn register(
    pool: &DbPool,
    user: &NewUser<'_>,
    (field, taken): UniqueClaim<'_>,
) -> Result<NewSession, ServiceError> {
    crate::db::write_transaction(&mut *pool.get()?, |conn| {
        if queries::email_taken(conn, user.email)? {
            return Err(ServiceError::Conflict("email"));
        }
        if taken(conn)? {
            return Err(ServiceError::Conflict(field));
        }
        let user_id = queries::insert_user(conn, user).map_err(conflict_on_race)?;
        let session = open_session(conn, user_id)?;
        send_link(conn, user_id, verification_link())?;
        Ok(session)
    })
}

/// Registers a citizen and signs them in; a verification link goes to their email.
pub fn register_citizen(
    pool: &DbPool,
    form: &CitizenRegistration,
    lang: &str,
) -> Result<NewSession, ServiceError> {
    let hash = hash_password(&form.password);
    let user = NewUser {
        email: form.email.as_str(),
        password_hash: &hash,
        role: Role::Citizen.slug(),
        name: &form.name,
        national_id: Some(form.national_id.as_str()),
        phone: Some(form.phone.as_str()),
        credit_code: None,
        legal_representative: None,
        contact_name: None,
        email_verified: false,
        active: true,
        created_at: now(),
        lang: mail_lang(lang),
    };
    let taken =
        |conn: &mut DbConnection| queries::national_id_taken(conn, form.national_id.as_str());
    register(pool, &user, ("national_id", &taken))
}

/// Registers a firm, whose contact person (经办人) signs in and acts for it.
pub fn register_firm(
    pool: &DbPool,
    form: &FirmRegistration,
    lang: &str,
) -> Result<NewSession, ServiceError> {
    let hash = hash_password(&form.password);
    let user = NewUser {
        email: form.email.as_str(),
        password_hash: &hash,
        role: Role::Firm.slug(),
        name: &form.company,
        national_id: None,
        phone: None,
        credit_code: Some(form.credit_code.as_str()),
        legal_representative: Some(&form.legal_representative),
        contact_name: Some(&form.contact_name),
        email_verified: false,
        active: true,
        created_at: now(),
        lang: mail_lang(lang),
    };
    let taken =
        |conn: &mut DbConnection| queries::credit_code_taken(conn, form.credit_code.as_str());
    register(pool, &user, ("credit_code", &taken))
}

/// A one-time link and the mail that carries it.
struct OneTimeLink {
    purpose: &'static str,
    valid: Duration,
    /// The page the link opens, e.g. `/verify-email`.
    path: &'static str,
    /// The outbox kind, which also names the mail's button.
    kind: &'static str,
    /// The locale keys of its subject and body are `mail.{text}.subject` and `.body`.
    text: &'static str,
}

fn verification_link() -> OneTimeLink {
    OneTimeLink {
        purpose: PURPOSE_VERIFY,
        valid: Duration::hours(VERIFY_VALID_HOURS),
        path: "/verify-email",
        kind: "account:verify",
        text: "verify",
    }
}

fn reset_link() -> OneTimeLink {
    OneTimeLink {
        purpose: PURPOSE_RESET,
        valid: Duration::minutes(RESET_VALID_MINUTES),
        path: "/password/reset",
        kind: "account:reset",
        text: "reset",
    }
}

/// The language of a user's mails.
pub fn mail_language(conn: &mut DbConnection, user_id: i64) -> Result<String, ServiceError> {
    Ok(queries::mail_language(conn, user_id)?)
}

pub fn set_mail_language(
    conn: &mut DbConnection,
    user_id: i64,
    lang: &str,
) -> Result<(), ServiceError> {
    queries::set_mail_language(conn, user_id, mail_lang(lang))?;
    Ok(())
}

/// The language mails are written in, from the interface language a person used.
pub fn mail_lang(lang: &str) -> &'static str {
    if lang == "en" { "en" } else { "zh-CN" }
}

/// Stores a new token (its hash) and queues the mail with its link, in the caller's transaction.
/// The link is in the outbox until the mail is sent, then removed; it is never logged.
fn send_link(conn: &mut DbConnection, user_id: i64, link: OneTimeLink) -> Result<(), ServiceError> {
    let token = random_token();
    let now = now();
    queries::insert_token(
        conn,
        &token_id(&token),
        user_id,
        link.purpose,
        now + link.valid,
    )?;
    let (email, name, lang) = crate::db::workflow::contact(conn, user_id)?;
    let greeting = crate::mail::translate(&lang, "mail.greeting", &[("name", &name)]);
    let body = crate::mail::translate(&lang, &format!("mail.{}.body", link.text), &[]);
    let subject = crate::mail::translate(&lang, &format!("mail.{}.subject", link.text), &[]);
    crate::db::outbox::enqueue_mail(
        conn,
        &crate::db::outbox::NewMail {
            application_id: None,
            recipient_id: Some(user_id),
            recipient_email: &email,
            lang: mail_lang(&lang),
            kind: link.kind,
            subject: &subject,
            body: &format!("{greeting}\n{body}"),
            link_path: Some(&format!("{}?token={token}", link.path)),
            status: "pending",
            next_attempt_at: now,
            created_at: now,
        },
    )?;
    tracing::info!(
        user.id = user_id,
        purpose = link.purpose,
        "one-time link queued in the outbox"
    );
    Ok(())
}

pub fn verify_email(conn: &mut DbConnection, token: &str) -> Result<(), ServiceError> {
    crate::db::write_transaction(conn, |conn| {
        let user_id = queries::use_token(conn, &token_id(token), PURPOSE_VERIFY, now())?
            .ok_or(ServiceError::InvalidToken)?;
        queries::set_email_verified(conn, user_id)?;
        Ok(())
    })
}

// ---- Signing in ----

/// The throttle key of an account.
fn account_key(email: &str) -> String {
    format!("account:{}", email.trim().to_lowercase())
}

/// Failures from a client address are counted by this prefix; each row also names the account,
/// so that a success clears only that account's failures from that address, not the guesses at
/// other accounts.
fn client_prefix(client: &str) -> String {
    format!("client:{client}|")
}

/// Checks the password and opens a session. After [`MAX_FAILURES`] failures within the window,
/// for the account or from the client address, it refuses until the oldest one leaves the window.
/// Each attempt is recorded as a failure before the password is checked (and cleared on success),
/// so that simultaneous attempts, on one node or several, cannot slip past the count.
/// An unknown email and a wrong password get the same answer after the same work. The argon2
/// check runs without holding a database connection.
pub fn sign_in(
    pool: &DbPool,
    email: &str,
    password: &str,
    client: &str,
) -> Result<NewSession, ServiceError> {
    let now = now();
    let window = Duration::minutes(FAILURE_WINDOW_MINUTES);
    let account = account_key(email);
    let prefix = client_prefix(client);
    let client_key = format!("{prefix}{}", email.trim().to_lowercase());
    let row = crate::db::write_transaction(&mut *pool.get()?, |conn| {
        for (failures, oldest) in [
            queries::failures_since(conn, &account, now - window)?,
            queries::failures_since_prefix(conn, &prefix, now - window)?,
        ] {
            if failures >= MAX_FAILURES {
                let until = oldest.unwrap_or(now) + window;
                return Err(ServiceError::Throttled { until });
            }
        }
        queries::record_failure(conn, &account, now)?;
        queries::record_failure(conn, &client_key, now)?;
        let row = match Email::parse(email) {
            Ok(email) => queries::find_user_by_email(conn, email.as_str())?,
            Err(_) => None,
        };
        Ok(row)
    })?;
    let matches = verify_password(password, row.as_ref().map(|r| r.password_hash.as_str()));
    match row {
        Some(row) if matches && row.active => {
            crate::db::write_transaction(&mut *pool.get()?, |conn| {
                queries::clear_failures(conn, &[account, client_key])?;
                open_session(conn, row.id)
            })
        }
        _ => Err(ServiceError::InvalidCredentials),
    }
}

/// Changes the password after checking the current one; every other session of the user ends,
/// and so do unused reset links.
pub fn change_password(
    pool: &DbPool,
    session: &SessionUser,
    current: &str,
    new: &NewPassword,
) -> Result<(), ServiceError> {
    let row =
        queries::find_user(&mut *pool.get()?, session.user.id)?.ok_or(ServiceError::NotFound)?;
    if !verify_password(current, Some(&row.password_hash)) {
        return Err(ServiceError::WrongPassword);
    }
    let hash = hash_password(new);
    crate::db::write_transaction(&mut *pool.get()?, |conn| {
        queries::set_password_hash(conn, row.id, &hash)?;
        queries::delete_user_sessions(conn, row.id, Some(&session.session_id))?;
        queries::expire_tokens(conn, row.id, PURPOSE_RESET, now())?;
        Ok(())
    })
}

/// Sends a reset link if the address belongs to an active account; says nothing either way.
pub fn request_password_reset(conn: &mut DbConnection, email: &str) -> Result<(), ServiceError> {
    let Ok(email) = Email::parse(email) else {
        return Ok(());
    };
    crate::db::write_transaction(conn, |conn| {
        match queries::find_user_by_email(conn, email.as_str())?.filter(|r| r.active) {
            Some(row) => send_link(conn, row.id, reset_link()),
            None => Ok(()),
        }
    })
}

/// Whether a reset link can still be used (to show its form).
pub fn reset_link_usable(conn: &mut DbConnection, token: &str) -> Result<bool, ServiceError> {
    Ok(queries::peek_token(conn, &token_id(token), PURPOSE_RESET, now())?.is_some())
}

/// Sets a new password through a reset link, once; every session of the user ends, every other
/// reset link of theirs stops working, and the login throttle of the account is lifted.
pub fn reset_password(pool: &DbPool, token: &str, new: &NewPassword) -> Result<(), ServiceError> {
    let hash = hash_password(new);
    crate::db::write_transaction(&mut *pool.get()?, |conn| {
        let now = now();
        let user_id = queries::use_token(conn, &token_id(token), PURPOSE_RESET, now)?
            .ok_or(ServiceError::InvalidToken)?;
        let row = queries::find_user(conn, user_id)?.ok_or(ServiceError::InvalidToken)?;
        queries::set_password_hash(conn, user_id, &hash)?;
        queries::delete_user_sessions(conn, user_id, None)?;
        queries::expire_tokens(conn, user_id, PURPOSE_RESET, now)?;
        queries::clear_failures(conn, &[account_key(&row.email)])?;
        Ok(())
    })
}

// ---- Administration ----

/// A staff or applicant account created by an administrator or from the command line.
pub struct NewAccount {
    pub email: Email,
    pub name: String,
    pub role: Role,
    pub password: NewPassword,
    pub departments: Vec<String>,
}

/// Creates an account, already verified; clerks and heads need at least one department. The
/// creation is recorded with the administrator who made it (`None` from the command line).
pub fn create_account(
    pool: &DbPool,
    actor: Option<i64>,
    account: &NewAccount,
) -> Result<i64, ServiceError> {
    let hash = hash_password(&account.password);
    crate::db::write_transaction(&mut *pool.get()?, |conn| {
        if queries::email_taken(conn, account.email.as_str())? {
            return Err(ServiceError::Conflict("email"));
        }
        let department_ids = resolve_departments(conn, account.role, &account.departments)?;
        let user_id = queries::insert_user(
            conn,
            &NewUser {
                email: account.email.as_str(),
                password_hash: &hash,
                role: account.role.slug(),
                name: &account.name,
                national_id: None,
                phone: None,
                credit_code: None,
                legal_representative: None,
                contact_name: None,
                email_verified: true,
                active: true,
                created_at: now(),
                lang: "zh-CN",
            },
        )
        .map_err(conflict_on_race)?;
        queries::set_departments(conn, user_id, &department_ids)?;
        let after = format!("{} {}", account.role.slug(), account.departments.join(","));
        super::admin::record_change(
            conn,
            actor,
            "user.create",
            account.email.as_str(),
            None,
            Some(&after),
        )?;
        Ok(user_id)
    })
}

fn resolve_departments(
    conn: &mut DbConnection,
    role: Role,
    codes: &[String],
) -> Result<Vec<i64>, ServiceError> {
    let codes: Vec<String> = codes
        .iter()
        .map(|c| c.trim().to_uppercase())
        .filter(|c| !c.is_empty())
        .collect();
    let found = queries::department_ids(conn, &codes)?;
    if let Some(unknown) = codes
        .iter()
        .find(|c| !found.iter().any(|(_, code)| code == *c))
    {
        return Err(ServiceError::UnknownDepartment(unknown.clone()));
    }
    if role.is_staff() && found.is_empty() {
        return Err(ServiceError::DepartmentRequired);
    }
    if !role.is_staff() && !found.is_empty() {
        return Err(ServiceError::DepartmentNotAllowed);
    }
    Ok(found.into_iter().map(|(id, _)| id).collect())
}

/// An account as administrators see it.
#[derive(Debug, Clone)]
pub struct Account {
    pub row: UserRow,
    pub role: Role,
    pub departments: Vec<String>,
}

pub fn account(conn: &mut DbConnection, id: i64) -> Result<Account, ServiceError> {
    let row = queries::find_user(conn, id)?.ok_or(ServiceError::NotFound)?;
    let role = stored_role(&row.role)?;
    let departments = queries::department_codes(conn, id)?;
    Ok(Account {
        row,
        role,
        departments,
    })
}

/// Accounts matching `text` (email or name) and `role`, 50 a page after id `after`.
pub fn accounts(
    conn: &mut DbConnection,
    text: Option<&str>,
    role: Option<Role>,
    after: i64,
) -> Result<Vec<Account>, ServiceError> {
    let rows = queries::list_users(conn, text, role.map(Role::slug), after, ACCOUNTS_PAGE)?;
    rows.into_iter()
        .map(|row| {
            let role = stored_role(&row.role)?;
            let departments = if role.is_staff() {
                queries::department_codes(conn, row.id)?
            } else {
                Vec::new()
            };
            Ok(Account {
                row,
                role,
                departments,
            })
        })
        .collect()
}

pub const ACCOUNTS_PAGE: i64 = 50;

/// Changes a staff member's role (clerk, head) and departments.
pub fn update_staff(
    conn: &mut DbConnection,
    actor: i64,
    id: i64,
    role: Role,
    departments: &[String],
) -> Result<(), ServiceError> {
    crate::db::write_transaction(conn, |conn| {
        let current = account(conn, id)?;
        if !current.role.is_staff() || !role.is_staff() {
            return Err(ServiceError::NotStaff);
        }
        let department_ids = resolve_departments(conn, role, departments)?;
        queries::set_role(conn, id, role.slug())?;
        queries::set_departments(conn, id, &department_ids)?;
        let before = format!("{} {}", current.role.slug(), current.departments.join(","));
        let after = format!("{} {}", role.slug(), departments.join(","));
        super::admin::record_change(
            conn,
            Some(actor),
            "user.update",
            &current.row.email,
            Some(&before),
            Some(&after),
        )
    })
}

/// Deactivates (ending every session at once) or reactivates an account. Administrators cannot
/// deactivate themselves, so that one always remains.
pub fn set_account_active(
    conn: &mut DbConnection,
    actor: i64,
    id: i64,
    active: bool,
) -> Result<(), ServiceError> {
    if actor == id && !active {
        return Err(ServiceError::SelfDeactivation);
    }
    crate::db::write_transaction(conn, |conn| {
        let current = account(conn, id)?;
        queries::set_active(conn, id, active)?;
        if !active {
            queries::delete_user_sessions(conn, id, None)?;
        }
        let (kind, state) = if active {
            ("user.activate", "active")
        } else {
            ("user.deactivate", "inactive")
        };
        let before = if current.row.active {
            "active"
        } else {
            "inactive"
        };
        super::admin::record_change(
            conn,
            Some(actor),
            kind,
            &current.row.email,
            Some(before),
            Some(state),
        )
    })
}
