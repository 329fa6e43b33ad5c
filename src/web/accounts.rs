//! Signing in and out, registration, email verification, password change and reset.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::Deserialize;

use super::error::WebError;
use super::forms::{Fields, FormState, local_path, page_with_status, see_other};
use super::run;
use super::session::{
    CSRF_COOKIE, SESSION_COOKIE, SignedIn, Visitor, device_cookie, removal, session_cookie,
};
use crate::db::DbPool;
use crate::domain::identity::{CreditCode, Email, NationalId, NewPassword, Phone, parse_name};
use crate::services::ServiceError;
use crate::services::accounts::{
    self as service, AccountSettings, CitizenRegistration, FirmRegistration, NewSession,
};
use crate::views::PageContext;
use crate::views::accounts::{
    AccountPage, CitizenRegisterPage, FirmRegisterPage, LoginPage, MessagePage, PasswordChangePage,
    PasswordForgotPage, PasswordResetPage, RegisterChoicePage,
};

#[derive(Deserialize)]
struct NoticeQuery {
    notice: Option<String>,
    next: Option<String>,
}

/// Texts for `?notice=` keys; anything else shows nothing.
fn notice(ctx: &PageContext, key: Option<&str>) -> Option<String> {
    let key = match key? {
        "verified" => "notice.verified",
        "password_changed" => "notice.password_changed",
        "password_reset" => "notice.password_reset",
        "signed_out" => "notice.signed_out",
        "mail_language" => "notice.mail_language",
        _ => return None,
    };
    Some(ctx.t(key).into_owned())
}

/// The redirect that ends a successful sign-in: a new session cookie, the anonymous CSRF
/// cookie gone (so nothing from before the sign-in survives it).
fn signed_in(
    session: &NewSession,
    settings: &AccountSettings,
    visitor: &Visitor,
    next: &str,
) -> HttpResponse {
    let mut response = see_other(local_path(next));
    let _ = response.add_cookie(&session_cookie(session, settings, visitor.secure));
    let _ = response.add_cookie(&removal(CSRF_COOKIE));
    response
}

/// Where a role works, for a sign-in that no page asked for: applicants on their applications,
/// clerks and heads on their workspace, hotline operators on their console, administrators on their home, which summarises every
/// admin area.
fn landing(role: crate::domain::identity::Role) -> &'static str {
    use crate::domain::identity::Role;
    match role {
        Role::Citizen | Role::Firm => "/applications",
        Role::Clerk | Role::Head => "/workspace",
        Role::Admin => "/admin",
        Role::Operator => "/hotline/console",
        Role::GridWorker => "/grid",
        Role::Inspector => "/grid/inspection",
        Role::Commander => "/grid/command",
    }
}

#[get("/login")]
async fn login_form(ctx: PageContext, query: web::Query<NoticeQuery>) -> LoginPage {
    LoginPage {
        notice: notice(&ctx, query.notice.as_deref()),
        // No `next`: the user lands where their role works (see `landing`).
        next: query
            .next
            .as_deref()
            .map(local_path)
            .unwrap_or_default()
            .to_owned(),
        form: FormState::default(),
        ctx,
    }
}

/// Throttled: 429 with the time to try again, in China Standard Time.
fn throttled(ctx: PageContext, until: chrono::NaiveDateTime) -> Result<HttpResponse, WebError> {
    let seconds = (until - service::now()).num_seconds().max(1);
    let local = until + chrono::Duration::hours(8);
    let page = MessagePage {
        title: ctx.t("login.throttled_title").into_owned(),
        message: ctx.lang.tf(
            "login.throttled",
            &[
                ("time", &local.format("%H:%M")),
                ("minutes", &((seconds + 59) / 60)),
            ],
        ),
        ctx,
    };
    let mut response = page_with_status(StatusCode::TOO_MANY_REQUESTS, &page)?;
    response.headers_mut().insert(
        actix_web::http::header::RETRY_AFTER,
        actix_web::http::header::HeaderValue::from(seconds),
    );
    Ok(response)
}

#[post("/login")]
async fn login(
    req: HttpRequest,
    ctx: PageContext,
    visitor: Visitor,
    pool: web::Data<DbPool>,
    settings: web::Data<AccountSettings>,
    fields: Fields,
) -> Result<HttpResponse, WebError> {
    let mut form = FormState::new(fields.into_inner());
    let next = form.value("next").to_owned();
    let (email, password) = (
        form.value("email").to_owned(),
        form.value("password").to_owned(),
    );
    let client = super::client_address(&req);
    let device = super::session::device_token(&req);
    match super::run_pooled(&pool, move |pool| {
        let source = service::Source {
            address: &client,
            device_token: device.as_deref(),
        };
        service::sign_in(pool, &email, &password, &source)
    })
    .await
    {
        Ok(service::SignIn {
            session,
            device_token,
            role,
        }) => {
            // Signing in again (as someone else, say) ends the session this browser had.
            if let Some(old) = visitor.session.clone() {
                run(&pool, move |conn| {
                    service::close_session(conn, &old.session_id)
                })
                .await?;
            }
            let next = if next.is_empty() {
                landing(role)
            } else {
                local_path(&next)
            };
            let mut response = signed_in(&session, &settings, &visitor, next);
            let _ = response.add_cookie(&device_cookie(&device_token, visitor.secure));
            Ok(response)
        }
        Err(WebError::Service(ServiceError::Throttled { until })) => throttled(ctx, until),
        Err(WebError::Service(ServiceError::InvalidCredentials)) => {
            form.add("email", ctx.t("login.invalid"));
            page_with_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &LoginPage {
                    ctx,
                    form,
                    next,
                    notice: None,
                },
            )
        }
        Err(other) => Err(other),
    }
}

#[post("/logout")]
async fn logout(visitor: Visitor, pool: web::Data<DbPool>) -> Result<HttpResponse, WebError> {
    if let Some(session) = visitor.session {
        run(&pool, move |conn| {
            service::close_session(conn, &session.session_id)
        })
        .await?;
    }
    let mut response = see_other("/login?notice=signed_out");
    let _ = response.add_cookie(&removal(SESSION_COOKIE));
    Ok(response)
}

#[get("/register")]
async fn register_choice(ctx: PageContext) -> RegisterChoicePage {
    RegisterChoicePage { ctx }
}

#[get("/register/citizen")]
async fn citizen_form(ctx: PageContext) -> CitizenRegisterPage {
    CitizenRegisterPage {
        ctx,
        form: FormState::default(),
    }
}

#[get("/register/firm")]
async fn firm_form(ctx: PageContext) -> FirmRegisterPage {
    FirmRegisterPage {
        ctx,
        form: FormState::default(),
    }
}

/// The new password and its confirmation, checked together; the password may not contain the
/// account's `personal` details (its email, names, numbers).
fn new_password(ctx: &PageContext, form: &mut FormState, personal: &[&str]) -> Option<NewPassword> {
    let password = form.parse(ctx.lang, "password", |value| {
        NewPassword::parse_for(value, personal)
    })?;
    if form.value("password_confirm") != password.expose() {
        form.add("password_confirm", ctx.t("form.error.password_mismatch"));
        return None;
    }
    Some(password)
}

/// Runs a registration through the form, from the request's client address.
async fn register_online(
    req: &HttpRequest,
    pool: &DbPool,
    lang: crate::web::i18n::Lang,
    register: impl FnOnce(&DbPool, &str, service::Intake<'_>) -> Result<(), ServiceError>
    + Send
    + 'static,
) -> Result<(), WebError> {
    let client = super::client_address(req);
    let lang = lang.code();
    super::run_pooled(pool, move |pool| {
        register(pool, lang, service::Intake::Online { client: &client })
    })
    .await
}

/// The one answer to a registration the service took, whether the account is new or its email or
/// number was registered before (its owner is told by mail): "check your email".
fn registration_answer(
    ctx: PageContext,
    registered: Result<(), WebError>,
) -> Result<HttpResponse, WebError> {
    match registered {
        Ok(()) => Ok(see_other("/register/sent")),
        Err(WebError::Service(ServiceError::Throttled { until })) => {
            let minutes = ((until - service::now()).num_seconds().max(1) + 59) / 60;
            let page = MessagePage {
                title: ctx.t("register.throttled_title").into_owned(),
                message: ctx.lang.tf("register.throttled", &[("minutes", &minutes)]),
                ctx,
            };
            page_with_status(StatusCode::TOO_MANY_REQUESTS, &page)
        }
        Err(other) => Err(other),
    }
}

#[get("/register/sent")]
async fn registration_sent(ctx: PageContext) -> Result<HttpResponse, WebError> {
    let page = MessagePage {
        title: ctx.t("register.sent_title").into_owned(),
        message: ctx.t("register.sent").into_owned(),
        ctx,
    };
    page_with_status(StatusCode::OK, &page)
}

#[post("/register/citizen")]
async fn register_citizen(
    req: HttpRequest,
    ctx: PageContext,
    pool: web::Data<DbPool>,
    fields: Fields,
) -> Result<HttpResponse, WebError> {
    let mut form = FormState::new(fields.into_inner());
    let lang = ctx.lang;
    let name = form.parse(lang, "name", parse_name);
    let national_id = form.parse(lang, "national_id", NationalId::parse);
    let phone = form.parse(lang, "phone", Phone::parse);
    let email = form.parse(lang, "email", Email::parse);
    let personal = ["email", "name", "national_id", "phone"].map(|f| form.value(f).to_owned());
    let password = new_password(&ctx, &mut form, &personal.each_ref().map(String::as_str));
    if let (Some(name), Some(national_id), Some(phone), Some(email), Some(password)) =
        (name, national_id, phone, email, password)
    {
        let registration = CitizenRegistration {
            name,
            national_id,
            phone,
            email,
            password,
        };
        let registered = register_online(&req, &pool, lang, move |pool, lang, intake| {
            service::register_citizen(pool, &registration, lang, intake)
        })
        .await;
        return registration_answer(ctx, registered);
    }
    page_with_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &CitizenRegisterPage { ctx, form },
    )
}

#[post("/register/firm")]
async fn register_firm(
    req: HttpRequest,
    ctx: PageContext,
    pool: web::Data<DbPool>,
    fields: Fields,
) -> Result<HttpResponse, WebError> {
    let mut form = FormState::new(fields.into_inner());
    let lang = ctx.lang;
    let company = form.parse(lang, "company", parse_name);
    let credit_code = form.parse(lang, "credit_code", CreditCode::parse);
    let legal_representative = form.parse(lang, "legal_representative", parse_name);
    let contact_name = form.parse(lang, "contact_name", parse_name);
    let email = form.parse(lang, "email", Email::parse);
    let personal = [
        "email",
        "company",
        "credit_code",
        "legal_representative",
        "contact_name",
    ]
    .map(|f| form.value(f).to_owned());
    let password = new_password(&ctx, &mut form, &personal.each_ref().map(String::as_str));
    if let (
        Some(company),
        Some(credit_code),
        Some(legal_representative),
        Some(contact_name),
        Some(email),
        Some(password),
    ) = (
        company,
        credit_code,
        legal_representative,
        contact_name,
        email,
        password,
    ) {
        let registration = FirmRegistration {
            company,
            credit_code,
            legal_representative,
            contact_name,
            email,
            password,
        };
        let registered = register_online(&req, &pool, lang, move |pool, lang, intake| {
            service::register_firm(pool, &registration, lang, intake)
        })
        .await;
        return registration_answer(ctx, registered);
    }
    page_with_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &FirmRegisterPage { ctx, form },
    )
}

#[derive(Deserialize)]
struct TokenQuery {
    token: Option<String>,
}

fn link_invalid(ctx: PageContext) -> Result<HttpResponse, WebError> {
    let page = MessagePage {
        title: ctx.t("link.invalid_title").into_owned(),
        message: ctx.t("link.invalid").into_owned(),
        ctx,
    };
    page_with_status(StatusCode::BAD_REQUEST, &page)
}

#[get("/verify-email")]
async fn verify_email(
    ctx: PageContext,
    visitor: Visitor,
    pool: web::Data<DbPool>,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, WebError> {
    let token = query.token.clone().unwrap_or_default();
    match run(&pool, move |conn| service::verify_email(conn, &token)).await {
        // Verified: on to sign in (the link does not sign anyone in: it may be opened on
        // another device than the one that registered).
        Ok(()) if visitor.session.is_some() => Ok(see_other("/account?notice=verified")),
        Ok(()) => Ok(see_other("/login?notice=verified")),
        Err(WebError::Service(ServiceError::InvalidToken)) => link_invalid(ctx),
        Err(other) => Err(other),
    }
}

#[get("/account")]
async fn account(
    ctx: PageContext,
    SignedIn(session): SignedIn,
    pool: web::Data<DbPool>,
    query: web::Query<NoticeQuery>,
) -> Result<AccountPage, WebError> {
    let user_id = session.user.id;
    let mail_lang = run(&pool, move |conn| service::mail_language(conn, user_id)).await?;
    Ok(AccountPage {
        notice: notice(&ctx, query.notice.as_deref()),
        user: session.user,
        mail_lang,
        ctx,
    })
}

/// The language of the user's mails: a preference kept with the account, unlike the switch,
/// which is one browser's.
#[post("/account/mail-language")]
async fn set_mail_language(
    SignedIn(session): SignedIn,
    pool: web::Data<DbPool>,
    fields: Fields,
) -> Result<HttpResponse, WebError> {
    let form = FormState::new(fields.into_inner());
    let lang = super::i18n::Lang::parse(form.value("lang"))
        .ok_or(WebError::BadRequest(super::error::BadParameter::Malformed))?;
    let user_id = session.user.id;
    run(&pool, move |conn| {
        service::set_mail_language(conn, user_id, lang.code())
    })
    .await?;
    Ok(see_other("/account?notice=mail_language"))
}

#[get("/account/password")]
async fn password_form(ctx: PageContext, _user: SignedIn) -> PasswordChangePage {
    PasswordChangePage {
        ctx,
        form: FormState::default(),
    }
}

#[post("/account/password")]
async fn change_password(
    ctx: PageContext,
    SignedIn(session): SignedIn,
    pool: web::Data<DbPool>,
    fields: Fields,
) -> Result<HttpResponse, WebError> {
    let mut form = FormState::new(fields.into_inner());
    let personal = [session.user.email.as_str(), session.user.name.as_str()];
    if let Some(password) = new_password(&ctx, &mut form, &personal) {
        let current = form.value("current_password").to_owned();
        match super::run_pooled(&pool, move |pool| {
            service::change_password(pool, &session, &current, &password)
        })
        .await
        {
            Ok(()) => return Ok(see_other("/account?notice=password_changed")),
            Err(WebError::Service(ServiceError::WrongPassword)) => {
                form.add("current_password", ctx.t("form.error.current_password"));
            }
            Err(other) => return Err(other),
        }
    }
    page_with_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &PasswordChangePage { ctx, form },
    )
}

#[get("/password/forgot")]
async fn forgot_form(ctx: PageContext) -> PasswordForgotPage {
    PasswordForgotPage {
        ctx,
        form: FormState::default(),
        sent: false,
    }
}

/// Always the same answer, so that the form cannot tell which addresses have accounts.
#[post("/password/forgot")]
async fn forgot(
    ctx: PageContext,
    pool: web::Data<DbPool>,
    fields: Fields,
) -> Result<PasswordForgotPage, WebError> {
    let mut form = FormState::new(fields.into_inner());
    let Some(email) = form.parse(ctx.lang, "email", Email::parse) else {
        return Ok(PasswordForgotPage {
            ctx,
            form,
            sent: false,
        });
    };
    run(&pool, move |conn| {
        service::request_password_reset(conn, email.as_str())
    })
    .await?;
    Ok(PasswordForgotPage {
        ctx,
        form,
        sent: true,
    })
}

#[get("/password/reset")]
async fn reset_form(
    ctx: PageContext,
    pool: web::Data<DbPool>,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, WebError> {
    let token = query.token.clone().unwrap_or_default();
    let check = token.clone();
    if !run(&pool, move |conn| service::reset_link_usable(conn, &check)).await? {
        return link_invalid(ctx);
    }
    page_with_status(
        StatusCode::OK,
        &PasswordResetPage {
            ctx,
            form: FormState::default(),
            token,
        },
    )
}

#[post("/password/reset")]
async fn reset(
    ctx: PageContext,
    pool: web::Data<DbPool>,
    fields: Fields,
) -> Result<HttpResponse, WebError> {
    let mut form = FormState::new(fields.into_inner());
    let token = form.value("token").to_owned();
    let owner = token.clone();
    let Some((email, name)) =
        run(&pool, move |conn| service::reset_link_owner(conn, &owner)).await?
    else {
        return link_invalid(ctx);
    };
    if let Some(password) = new_password(&ctx, &mut form, &[&email, &name]) {
        let used = token.clone();
        match super::run_pooled(&pool, move |pool| {
            service::reset_password(pool, &used, &password)
        })
        .await
        {
            Ok(()) => return Ok(see_other("/login?notice=password_reset")),
            Err(WebError::Service(ServiceError::InvalidToken)) => return link_invalid(ctx),
            Err(other) => return Err(other),
        }
    }
    page_with_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &PasswordResetPage { ctx, form, token },
    )
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(login_form)
        .service(login)
        .service(logout)
        .service(register_choice)
        .service(registration_sent)
        .service(citizen_form)
        .service(firm_form)
        .service(register_citizen)
        .service(register_firm)
        .service(verify_email)
        .service(account)
        .service(password_form)
        .service(change_password)
        .service(set_mail_language)
        .service(forgot_form)
        .service(forgot)
        .service(reset_form)
        .service(reset);
}
