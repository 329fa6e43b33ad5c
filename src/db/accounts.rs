//! Account tables: users and their departments, sessions, login failures, one-time tokens.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{
    departments, login_failures, one_time_tokens, sessions, sign_in_trust, user_departments, users,
};

/// A user as stored. Its `Debug` leaves the password hash out, so that no log line shows it.
#[derive(Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: i64,
    pub email: String,
    pub password_hash: String,
    pub role: String,
    pub name: String,
    pub national_id: Option<String>,
    pub phone: Option<String>,
    pub credit_code: Option<String>,
    pub legal_representative: Option<String>,
    pub contact_name: Option<String>,
    pub email_verified: bool,
    pub active: bool,
    pub created_at: NaiveDateTime,
}

impl std::fmt::Debug for UserRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserRow")
            .field("id", &self.id)
            .field("email", &self.email)
            .field("role", &self.role)
            .field("active", &self.active)
            .finish_non_exhaustive()
    }
}

#[derive(Clone, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub email: &'a str,
    pub password_hash: &'a str,
    pub role: &'a str,
    pub name: &'a str,
    pub national_id: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub credit_code: Option<&'a str>,
    pub legal_representative: Option<&'a str>,
    pub contact_name: Option<&'a str>,
    pub email_verified: bool,
    pub active: bool,
    pub created_at: NaiveDateTime,
    /// The language of the user's mails.
    pub lang: &'a str,
}

pub fn mail_language(conn: &mut DbConnection, user_id: i64) -> QueryResult<String> {
    users::table.find(user_id).select(users::lang).first(conn)
}

pub fn set_mail_language(conn: &mut DbConnection, user_id: i64, lang: &str) -> QueryResult<()> {
    diesel::update(users::table.find(user_id))
        .set(users::lang.eq(lang))
        .execute(conn)?;
    Ok(())
}

pub fn insert_user(conn: &mut DbConnection, user: &NewUser<'_>) -> QueryResult<i64> {
    diesel::insert_into(users::table)
        .values(user)
        .execute(conn)?;
    users::table
        .filter(users::email.eq(user.email))
        .select(users::id)
        .first(conn)
}

pub fn email_taken(conn: &mut DbConnection, email: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        users::table.filter(users::email.eq(email)),
    ))
    .get_result(conn)
}

/// The account that holds this resident ID number, if any.
pub fn national_id_holder(conn: &mut DbConnection, id: &str) -> QueryResult<Option<i64>> {
    users::table
        .filter(users::national_id.eq(id))
        .select(users::id)
        .first(conn)
        .optional()
}

/// The account that holds this unified social credit code, if any.
pub fn credit_code_holder(conn: &mut DbConnection, code: &str) -> QueryResult<Option<i64>> {
    users::table
        .filter(users::credit_code.eq(code))
        .select(users::id)
        .first(conn)
        .optional()
}

pub fn find_user_by_email(conn: &mut DbConnection, email: &str) -> QueryResult<Option<UserRow>> {
    users::table
        .filter(users::email.eq(email))
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_user(conn: &mut DbConnection, id: i64) -> QueryResult<Option<UserRow>> {
    users::table
        .find(id)
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

pub fn set_password_hash(conn: &mut DbConnection, id: i64, hash: &str) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set(users::password_hash.eq(hash))
        .execute(conn)
}

pub fn set_active(conn: &mut DbConnection, id: i64, active: bool) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set(users::active.eq(active))
        .execute(conn)
}

pub fn set_role(conn: &mut DbConnection, id: i64, role: &str) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set(users::role.eq(role))
        .execute(conn)
}

pub fn set_email_verified(conn: &mut DbConnection, id: i64) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set(users::email_verified.eq(true))
        .execute(conn)
}

/// The codes of the departments a user belongs to, in catalog order.
pub fn department_codes(conn: &mut DbConnection, user_id: i64) -> QueryResult<Vec<String>> {
    user_departments::table
        .inner_join(departments::table)
        .filter(user_departments::user_id.eq(user_id))
        .order(departments::position.asc())
        .select(departments::code)
        .load(conn)
}

/// The ids of the given department codes; unknown codes are left out.
pub fn department_ids(
    conn: &mut DbConnection,
    codes: &[String],
) -> QueryResult<Vec<(i64, String)>> {
    departments::table
        .filter(departments::code.eq_any(codes))
        .select((departments::id, departments::code))
        .load(conn)
}

pub fn set_departments(
    conn: &mut DbConnection,
    user_id: i64,
    department_ids: &[i64],
) -> QueryResult<()> {
    diesel::delete(user_departments::table.filter(user_departments::user_id.eq(user_id)))
        .execute(conn)?;
    for department_id in department_ids {
        diesel::insert_into(user_departments::table)
            .values((
                user_departments::user_id.eq(user_id),
                user_departments::department_id.eq(department_id),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Users whose email or name contains `text`, optionally of one role, by id after `after`
/// (keyset pagination).
pub fn list_users(
    conn: &mut DbConnection,
    text: Option<&str>,
    role: Option<&str>,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<UserRow>> {
    let mut query = users::table.filter(users::id.gt(after)).into_boxed();
    if let Some(text) = text {
        let pattern = super::catalog::like_pattern(text);
        query = query.filter(
            users::email
                .like(pattern.clone())
                .escape('\\')
                .or(users::name.like(pattern).escape('\\')),
        );
    }
    if let Some(role) = role {
        query = query.filter(users::role.eq(role));
    }
    query
        .order(users::id.asc())
        .limit(limit)
        .select(UserRow::as_select())
        .load(conn)
}

// ---- Sessions ----

pub fn insert_session(
    conn: &mut DbConnection,
    id: &str,
    user_id: i64,
    csrf_token: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::insert_into(sessions::table)
        .values((
            sessions::id.eq(id),
            sessions::user_id.eq(user_id),
            sessions::csrf_token.eq(csrf_token),
            sessions::created_at.eq(now),
            sessions::last_seen_at.eq(now),
        ))
        .execute(conn)
}

#[derive(Debug, Clone, Queryable)]
pub struct SessionRow {
    pub id: String,
    pub csrf_token: String,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
}

/// A session with its user, in one query.
pub fn find_session(
    conn: &mut DbConnection,
    id: &str,
) -> QueryResult<Option<(SessionRow, UserRow)>> {
    sessions::table
        .inner_join(users::table)
        .filter(sessions::id.eq(id))
        .select((
            (
                sessions::id,
                sessions::csrf_token,
                sessions::created_at,
                sessions::last_seen_at,
            ),
            UserRow::as_select(),
        ))
        .first(conn)
        .optional()
}

pub fn touch_session(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(sessions::table.find(id))
        .set(sessions::last_seen_at.eq(now))
        .execute(conn)
}

pub fn delete_session(conn: &mut DbConnection, id: &str) -> QueryResult<usize> {
    diesel::delete(sessions::table.find(id)).execute(conn)
}

/// Ends every session of a user but `keep` (the one in use, when changing a password).
pub fn delete_user_sessions(
    conn: &mut DbConnection,
    user_id: i64,
    keep: Option<&str>,
) -> QueryResult<usize> {
    let query = sessions::table.filter(sessions::user_id.eq(user_id));
    match keep {
        Some(id) => diesel::delete(query.filter(sessions::id.ne(id))).execute(conn),
        None => diesel::delete(query).execute(conn),
    }
}

// ---- Login throttling ----

/// Failures of `key` since `since`: how many, and the earliest.
pub fn failures_since(
    conn: &mut DbConnection,
    key: &str,
    since: NaiveDateTime,
) -> QueryResult<(i64, Option<NaiveDateTime>)> {
    login_failures::table
        .filter(
            login_failures::throttle_key
                .eq(key)
                .and(login_failures::failed_at.gt(since)),
        )
        .select((
            diesel::dsl::count_star(),
            diesel::dsl::min(login_failures::failed_at),
        ))
        .get_result(conn)
}

/// Failures of every key starting with `prefix` since `since`: how many, and the earliest.
pub fn failures_since_prefix(
    conn: &mut DbConnection,
    prefix: &str,
    since: NaiveDateTime,
) -> QueryResult<(i64, Option<NaiveDateTime>)> {
    let mut pattern = String::new();
    for ch in prefix.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(ch);
    }
    pattern.push('%');
    login_failures::table
        .filter(
            login_failures::throttle_key
                .like(pattern)
                .escape('\\')
                .and(login_failures::failed_at.gt(since)),
        )
        .select((
            diesel::dsl::count_star(),
            diesel::dsl::min(login_failures::failed_at),
        ))
        .get_result(conn)
}

/// The latest failure of `key`, if any.
pub fn latest_failure(conn: &mut DbConnection, key: &str) -> QueryResult<Option<NaiveDateTime>> {
    login_failures::table
        .filter(login_failures::throttle_key.eq(key))
        .select(diesel::dsl::max(login_failures::failed_at))
        .get_result(conn)
}

/// Serialises the throttled work on `key` until the transaction ends. SQLite's write transaction
/// is one at a time already; on PostgreSQL two attempts would otherwise both count the failures
/// before either records its own, and both slip past a limit.
pub fn lock_throttle(conn: &mut DbConnection, key: &str) -> QueryResult<()> {
    use diesel::sql_types::Text;
    if let DbConnection::Postgres(pg) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext($1))")
            .bind::<Text, _>(key)
            .execute(pg)?;
    }
    Ok(())
}

pub fn record_failure(
    conn: &mut DbConnection,
    key: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::insert_into(login_failures::table)
        .values((
            login_failures::throttle_key.eq(key),
            login_failures::failed_at.eq(now),
        ))
        .execute(conn)
}

/// Removes the failure recorded for `key` at `at` (an attempt that turned out to succeed).
pub fn forget_failure(conn: &mut DbConnection, key: &str, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(
        login_failures::table.filter(
            login_failures::throttle_key
                .eq(key)
                .and(login_failures::failed_at.eq(at)),
        ),
    )
    .execute(conn)
}

pub fn clear_failures(conn: &mut DbConnection, keys: &[String]) -> QueryResult<usize> {
    diesel::delete(login_failures::table.filter(login_failures::throttle_key.eq_any(keys)))
        .execute(conn)
}

/// Accounts with at least `threshold` failures since `since`: the throttle key (`account:…`),
/// how many, and the latest; most first.
pub fn accounts_failing_since(
    conn: &mut DbConnection,
    since: NaiveDateTime,
    threshold: i64,
) -> QueryResult<Vec<(String, i64, Option<NaiveDateTime>)>> {
    use diesel::dsl::{count_star, max};
    login_failures::table
        .filter(
            login_failures::throttle_key
                .like("account:%")
                .and(login_failures::failed_at.gt(since)),
        )
        .group_by(login_failures::throttle_key)
        .having(count_star().ge(threshold))
        .select((
            login_failures::throttle_key,
            count_star(),
            max(login_failures::failed_at),
        ))
        .order_by(count_star().desc())
        .limit(100)
        .load(conn)
}

/// Whether the user has signed in successfully from any of these (kind, hash) sources.
pub fn trusted_source(
    conn: &mut DbConnection,
    user_id: i64,
    kind: &str,
    value_hash: &str,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        sign_in_trust::table.filter(
            sign_in_trust::user_id
                .eq(user_id)
                .and(sign_in_trust::kind.eq(kind))
                .and(sign_in_trust::value_hash.eq(value_hash)),
        ),
    ))
    .get_result(conn)
}

/// Forgets every device and address the user signed in from (after a password change).
pub fn forget_trusted_sources(conn: &mut DbConnection, user_id: i64) -> QueryResult<usize> {
    diesel::delete(sign_in_trust::table.filter(sign_in_trust::user_id.eq(user_id))).execute(conn)
}

/// Records (or refreshes) a source the user signed in from.
pub fn trust_source(
    conn: &mut DbConnection,
    user_id: i64,
    kind: &str,
    value_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let upsert = diesel::insert_into(sign_in_trust::table)
        .values((
            sign_in_trust::user_id.eq(user_id),
            sign_in_trust::kind.eq(kind),
            sign_in_trust::value_hash.eq(value_hash),
            sign_in_trust::last_used_at.eq(now),
        ))
        .on_conflict((
            sign_in_trust::user_id,
            sign_in_trust::kind,
            sign_in_trust::value_hash,
        ))
        .do_update()
        .set(sign_in_trust::last_used_at.eq(now));
    // A `MultiConnection` has no upsert: it runs on the backend's own connection.
    super::on_backend!(conn, |inner| upsert.execute(inner))
}

// ---- One-time tokens ----

pub fn insert_token(
    conn: &mut DbConnection,
    id: &str,
    user_id: i64,
    purpose: &str,
    expires_at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::insert_into(one_time_tokens::table)
        .values((
            one_time_tokens::id.eq(id),
            one_time_tokens::user_id.eq(user_id),
            one_time_tokens::purpose.eq(purpose),
            one_time_tokens::expires_at.eq(expires_at),
        ))
        .execute(conn)
}

/// Marks an unused, unexpired token of `purpose` used and returns its user; `None` if there is
/// no such token. One statement decides, so a token works once even when clicked twice at once.
pub fn use_token(
    conn: &mut DbConnection,
    id: &str,
    purpose: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<i64>> {
    let usable = one_time_tokens::table.filter(
        one_time_tokens::id
            .eq(id)
            .and(one_time_tokens::purpose.eq(purpose))
            .and(one_time_tokens::used_at.is_null())
            .and(one_time_tokens::expires_at.gt(now)),
    );
    let updated = diesel::update(usable)
        .set(one_time_tokens::used_at.eq(now))
        .execute(conn)?;
    if updated == 0 {
        return Ok(None);
    }
    one_time_tokens::table
        .find(id)
        .select(one_time_tokens::user_id)
        .first(conn)
        .optional()
}

/// Makes every unused token of `purpose` of a user unusable.
pub fn expire_tokens(
    conn: &mut DbConnection,
    user_id: i64,
    purpose: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        one_time_tokens::table.filter(
            one_time_tokens::user_id
                .eq(user_id)
                .and(one_time_tokens::purpose.eq(purpose))
                .and(one_time_tokens::used_at.is_null()),
        ),
    )
    .set(one_time_tokens::used_at.eq(now))
    .execute(conn)
}

/// The user of a usable token, without using it (to show the reset form).
pub fn peek_token(
    conn: &mut DbConnection,
    id: &str,
    purpose: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<i64>> {
    one_time_tokens::table
        .filter(
            one_time_tokens::id
                .eq(id)
                .and(one_time_tokens::purpose.eq(purpose))
                .and(one_time_tokens::used_at.is_null())
                .and(one_time_tokens::expires_at.gt(now)),
        )
        .select(one_time_tokens::user_id)
        .first(conn)
        .optional()
}
