//! Accounts: registration, login with throttling, server-side sessions, password change and
//! reset, email verification, and the administrators' user management.

use chrono::{Duration, NaiveDateTime, Utc};

use super::ServiceError;
use super::secrets::{hash_password, random_token, token_id, verify_password};
use crate::db::accounts::{self as queries, NewUser, UserRow};
use crate::db::{DbConnection, DbPool};
use crate::domain::identity::{CreditCode, Email, NationalId, NewPassword, Phone, Role};

/// Failed logins allowed within the window for one account from one client address: past them
/// that address must wait before guessing that account's password again.
pub const MAX_FAILURES: i64 = 5;
/// Failed logins for one account from all addresses together, past which the account is under
/// attack: only a device or address it signed in from before may still try.
pub const MAX_ACCOUNT_FAILURES: i64 = 20;
/// Failed logins from one address for all accounts together: high enough for an office or a
/// service hall behind one NAT address, low enough to stop one machine spraying passwords.
pub const MAX_ADDRESS_FAILURES: i64 = 100;
pub const FAILURE_WINDOW_MINUTES: i64 = 15;
/// A device or address that signed in before is never locked out: past [`MAX_FAILURES`] of its
/// own it may try once every this many seconds.
pub const SLOW_DOWN_SECONDS: i64 = 30;
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

/// The user of account `id`, if it exists.
pub fn user_by_id(conn: &mut DbConnection, id: i64) -> Result<Option<User>, ServiceError> {
    match crate::db::accounts::find_user(conn, id)? {
        Some(row) => Ok(Some(user_of(conn, &row)?)),
        None => Ok(None),
    }
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

/// Registrations one client address may attempt within an hour.
pub const MAX_REGISTRATIONS_PER_HOUR: i64 = 10;

/// How an applicant's account comes to be.
#[derive(Clone, Copy)]
pub enum Intake<'a> {
    /// Through the registration form, from this client address.
    Online { client: &'a str },
    /// By `onestop demo`: verified at once, no mail, an existing account left as it is
    /// (`Conflict`).
    Demo,
}

/// Creates an applicant's account and mails the verification link; or, when the email address
/// or the identity number (`claimed_by`: the account that holds it already) is taken, creates
/// nothing and tells that account's owner by mail instead. Either way the answer is the same,
/// after the same work, so that the form cannot tell who has an account. One address may try
/// [`MAX_REGISTRATIONS_PER_HOUR`] times an hour. The argon2 hash is made by the caller, before
/// any connection is taken.
fn register(
    pool: &DbPool,
    user: &NewUser<'_>,
    intake: Intake<'_>,
    claimed_by: &dyn Fn(&mut DbConnection) -> diesel::QueryResult<Option<i64>>,
) -> Result<(), ServiceError> {
    crate::db::write_transaction(&mut *pool.get()?, |conn| {
        let now = now();
        if let Intake::Online { client } = intake {
            let window = Duration::hours(1);
            let key = format!("register:{client}");
            queries::lock_throttle(conn, &key)?;
            let (attempts, oldest) = queries::failures_since(conn, &key, now - window)?;
            if attempts >= MAX_REGISTRATIONS_PER_HOUR {
                return Err(ServiceError::Throttled {
                    until: oldest.unwrap_or(now) + window,
                });
            }
            queries::record_failure(conn, &key, now)?;
        }
        let holder = match queries::find_user_by_email(conn, user.email)? {
            Some(row) => Some(row.id),
            None => claimed_by(conn)?,
        };
        match (holder, intake) {
            (Some(_), Intake::Demo) => Err(ServiceError::Conflict("email")),
            (Some(owner), Intake::Online { .. }) => {
                queue_account_mail(conn, owner, "account:exists", "exists", "/password/forgot")?;
                tracing::info!(
                    user.id = owner,
                    "registration for an existing account: owner told"
                );
                Ok(())
            }
            (None, Intake::Demo) => {
                let verified = NewUser {
                    email_verified: true,
                    ..*user
                };
                queries::insert_user(conn, &verified).map_err(conflict_on_race)?;
                Ok(())
            }
            (None, Intake::Online { .. }) => {
                let user_id = queries::insert_user(conn, user).map_err(conflict_on_race)?;
                send_link(conn, user_id, verification_link())
            }
        }
    })
}

/// Registers a citizen (see [`register`]); a verification link goes to their email.
pub fn register_citizen(
    pool: &DbPool,
    form: &CitizenRegistration,
    lang: &str,
    intake: Intake<'_>,
) -> Result<(), ServiceError> {
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
    let holder =
        |conn: &mut DbConnection| queries::national_id_holder(conn, form.national_id.as_str());
    register(pool, &user, intake, &holder)
}

/// Registers a firm (see [`register`]), whose contact person (经办人) signs in and acts for it.
pub fn register_firm(
    pool: &DbPool,
    form: &FirmRegistration,
    lang: &str,
    intake: Intake<'_>,
) -> Result<(), ServiceError> {
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
    let holder =
        |conn: &mut DbConnection| queries::credit_code_holder(conn, form.credit_code.as_str());
    register(pool, &user, intake, &holder)
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
    queries::insert_token(
        conn,
        &token_id(&token),
        user_id,
        link.purpose,
        now() + link.valid,
    )?;
    let path = format!("{}?token={token}", link.path);
    queue_account_mail(conn, user_id, link.kind, link.text, &path)?;
    tracing::info!(
        user.id = user_id,
        purpose = link.purpose,
        "one-time link queued in the outbox"
    );
    Ok(())
}

/// Queues an account mail to the user: its subject and body are the locale texts
/// `mail.{text}.subject` and `.body`, its button opens `link_path`.
fn queue_account_mail(
    conn: &mut DbConnection,
    user_id: i64,
    kind: &str,
    text: &str,
    link_path: &str,
) -> Result<(), ServiceError> {
    let now = now();
    let (email, name, lang) = crate::db::workflow::contact(conn, user_id)?;
    let greeting = crate::mail::translate(&lang, "mail.greeting", &[("name", &name)]);
    let body = crate::mail::translate(&lang, &format!("mail.{text}.body"), &[]);
    let subject = crate::mail::translate(&lang, &format!("mail.{text}.subject"), &[]);
    crate::db::outbox::enqueue_mail(
        conn,
        &crate::db::outbox::NewMail {
            application_id: None,
            recipient_id: Some(user_id),
            recipient_email: &email,
            lang: mail_lang(&lang),
            kind,
            subject: &subject,
            body: &format!("{greeting}\n{body}"),
            link_path: Some(link_path),
            status: "pending",
            next_attempt_at: now,
            created_at: now,
        },
    )?;
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
/// so that the same rows count the failures for one account from that address.
fn client_prefix(client: &str) -> String {
    format!("client:{client}|")
}

const TRUST_DEVICE: &str = "device";
const TRUST_ADDRESS: &str = "address";

/// A signed-in session, and the device token to keep in the browser (a new one when it came
/// without a token the account knows).
pub struct SignIn {
    pub session: NewSession,
    pub device_token: String,
    /// The role, for where the user lands when no page asked for the sign-in.
    pub role: Role,
}

/// Where an attempt comes from: the client's address and the device token its browser holds.
pub struct Source<'a> {
    pub address: &'a str,
    pub device_token: Option<&'a str>,
}

/// Checks the password and opens a session, throttled so that an attacker slows only themselves:
///
/// - one address may fail [`MAX_FAILURES`] times per account in the window, then waits;
/// - an account that failed [`MAX_ACCOUNT_FAILURES`] times from anywhere is under attack: from
///   then on until the window passes only a device or an address that signed in to it before may
///   try (so that its owner still gets in), and administrators see it listed;
/// - one address may fail [`MAX_ADDRESS_FAILURES`] times for all accounts together.
///
/// A device (its cookie) or an address that signed in to the account before is never locked out:
/// past [`MAX_FAILURES`] of its own it may try once every [`SLOW_DOWN_SECONDS`]. Each attempt is recorded as a
/// failure before the password is checked (a success takes its own back, and clears that
/// address's failures for the account), so that simultaneous attempts,
/// on one node or several, cannot slip past the count. An unknown email and a wrong password get
/// the same answer after the same work. The argon2 check runs without holding a connection.
pub fn sign_in(
    pool: &DbPool,
    email: &str,
    password: &str,
    source: &Source<'_>,
) -> Result<SignIn, ServiceError> {
    let now = now();
    let window = Duration::minutes(FAILURE_WINDOW_MINUTES);
    let account = account_key(email);
    let prefix = client_prefix(source.address);
    let pair = format!("{prefix}{}", email.trim().to_lowercase());
    let address_hash = token_id(source.address);
    let device_hash = source.device_token.map(token_id);
    let device_key = device_hash
        .as_ref()
        .map(|hash| format!("device:{hash}|{}", email.trim().to_lowercase()));
    let row = crate::db::write_transaction(&mut *pool.get()?, |conn| {
        queries::lock_throttle(conn, &account)?;
        let row = match Email::parse(email) {
            Ok(email) => queries::find_user_by_email(conn, email.as_str())?,
            Err(_) => None,
        };
        let trusted =
            |conn: &mut DbConnection, kind: &str, hash: Option<&String>| match (&row, hash) {
                (Some(row), Some(hash)) => queries::trusted_source(conn, row.id, kind, hash),
                _ => Ok(false),
            };
        let known_device = trusted(conn, TRUST_DEVICE, device_hash.as_ref())?;
        let known_address = !known_device && trusted(conn, TRUST_ADDRESS, Some(&address_hash))?;
        if known_device || known_address {
            // Slowed down, never locked out: its own failures only, then one try at a time.
            let own = match (&device_key, known_device) {
                (Some(key), true) => key.as_str(),
                _ => pair.as_str(),
            };
            let (failures, _) = queries::failures_since(conn, own, now - window)?;
            if failures >= MAX_FAILURES
                && let Some(latest) = queries::latest_failure(conn, own)?
                && now < latest + Duration::seconds(SLOW_DOWN_SECONDS)
            {
                return Err(ServiceError::Throttled {
                    until: latest + Duration::seconds(SLOW_DOWN_SECONDS),
                });
            }
        } else {
            for ((failures, oldest), limit) in [
                (
                    queries::failures_since(conn, &pair, now - window)?,
                    MAX_FAILURES,
                ),
                (
                    queries::failures_since(conn, &account, now - window)?,
                    MAX_ACCOUNT_FAILURES,
                ),
                (
                    queries::failures_since_prefix(conn, &prefix, now - window)?,
                    MAX_ADDRESS_FAILURES,
                ),
            ] {
                if failures >= limit {
                    let until = oldest.unwrap_or(now) + window;
                    return Err(ServiceError::Throttled { until });
                }
            }
        }
        queries::record_failure(conn, &account, now)?;
        queries::record_failure(conn, &pair, now)?;
        if let Some(key) = &device_key {
            queries::record_failure(conn, key, now)?;
        }
        let (account_failures, _) = queries::failures_since(conn, &account, now - window)?;
        if account_failures == MAX_ACCOUNT_FAILURES {
            tracing::warn!(
                user.id = row.as_ref().map(|r| r.id),
                failures = account_failures,
                "account under attack: only devices and addresses it used before may sign in"
            );
        }
        Ok(row)
    })?;
    let matches = verify_password(password, row.as_ref().map(|r| r.password_hash.as_str()));
    // An account whose email is not verified yet cannot sign in, and is answered exactly like a
    // wrong password: otherwise registering someone's address and signing in with one's own
    // password would tell whether the address was free.
    match row {
        Some(row) if matches && row.active && row.email_verified => {
            crate::db::write_transaction(&mut *pool.get()?, |conn| {
                // Only this address's failures for the account: the account-wide count goes on,
                // so that an attack from elsewhere does not get a fresh budget from the owner's
                // sign-in.
                let mut own = vec![pair];
                own.extend(device_key);
                queries::clear_failures(conn, &own)?;
                queries::forget_failure(conn, &account, now)?;
                // One browser is one device for every account signed in from it (a shared
                // counter PC keeps its cookie), so a token it brings is kept, not replaced.
                let device_token = source.device_token.map_or_else(random_token, str::to_owned);
                queries::trust_source(conn, row.id, TRUST_DEVICE, &token_id(&device_token), now)?;
                queries::trust_source(conn, row.id, TRUST_ADDRESS, &address_hash, now)?;
                let session = open_session(conn, row.id)?;
                Ok(SignIn {
                    session,
                    device_token,
                    role: stored_role(&row.role)?,
                })
            })
        }
        _ => Err(ServiceError::InvalidCredentials),
    }
}

/// An account that many wrong passwords were tried for in the current window.
pub struct AccountUnderAttack {
    pub email: String,
    pub failures: i64,
    pub latest: Option<NaiveDateTime>,
}

/// Accounts with at least half of [`MAX_ACCOUNT_FAILURES`] failures in the current window, for
/// the administrators' page; the most attacked first.
pub fn accounts_under_attack(
    conn: &mut DbConnection,
) -> Result<Vec<AccountUnderAttack>, ServiceError> {
    let since = now() - Duration::minutes(FAILURE_WINDOW_MINUTES);
    Ok(
        queries::accounts_failing_since(conn, since, MAX_ACCOUNT_FAILURES / 2)?
            .into_iter()
            .map(|(key, failures, latest)| AccountUnderAttack {
                email: key.trim_start_matches("account:").to_owned(),
                failures,
                latest,
            })
            .collect(),
    )
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
        queries::forget_trusted_sources(conn, row.id)?;
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

/// The email address and name of the account a usable reset link belongs to (so that the new
/// password can be checked against them), or `None`.
pub fn reset_link_owner(
    conn: &mut DbConnection,
    token: &str,
) -> Result<Option<(String, String)>, ServiceError> {
    let Some(user_id) = queries::peek_token(conn, &token_id(token), PURPOSE_RESET, now())? else {
        return Ok(None);
    };
    Ok(queries::find_user(conn, user_id)?.map(|row| (row.email, row.name)))
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
        // The link came through the mailbox: the address is verified, and no device or address
        // that knew the old password is trusted any more.
        queries::set_email_verified(conn, user_id)?;
        queries::forget_trusted_sources(conn, user_id)?;
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
