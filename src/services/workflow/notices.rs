//! What the engine tells people: the applicant's and the staff's mails, written to the outbox in
//! the same transaction as the change they report.

use super::*;

/// Whom a case's mails go to: its applicant's account, or the email a hotline caller left.
#[derive(Clone)]
pub(super) struct Addressee {
    pub(super) recipient_id: Option<i64>,
    pub(super) email: String,
    pub(super) name: String,
    pub(super) lang: String,
}

/// The addressee of `case`'s mails, if it has one (a phone caller without an email has none:
/// the operator calls them back).
pub(super) fn addressee(
    conn: &mut DbConnection,
    case: &CaseRow,
) -> Result<Option<Addressee>, ServiceError> {
    if let Some(applicant_id) = case.applicant_id {
        let (email, name, lang) = queries::contact(conn, applicant_id)?;
        return Ok(Some(Addressee {
            recipient_id: Some(applicant_id),
            email,
            name,
            lang,
        }));
    }
    Ok(
        crate::db::hotline::caller_email(conn, case.id)?.map(|(email, name)| Addressee {
            recipient_id: None,
            email,
            name,
            lang: "zh-CN".to_owned(),
        }),
    )
}

/// Addressees and service titles read once each: the day's first supervision pass writes a
/// mail for every lapsed acceptance (hundreds of thousands on the benchmark's data) to
/// applicants and of services that repeat, and would otherwise read the same two rows again
/// for each. Lives for one pass; cases without an applicant account or a service (hotline
/// callers, grid events) are read each time.
#[derive(Default)]
pub(super) struct MailNames {
    addressees: std::collections::HashMap<i64, Option<Addressee>>,
    titles: std::collections::HashMap<i64, crate::domain::catalog::Names>,
}

impl MailNames {
    pub(super) fn addressee(
        &mut self,
        conn: &mut DbConnection,
        case: &CaseRow,
    ) -> Result<Option<Addressee>, ServiceError> {
        let Some(applicant_id) = case.applicant_id else {
            return addressee(conn, case);
        };
        if let Some(known) = self.addressees.get(&applicant_id) {
            return Ok(known.clone());
        }
        let found = addressee(conn, case)?;
        self.addressees.insert(applicant_id, found.clone());
        Ok(found)
    }

    pub(super) fn title(
        &mut self,
        conn: &mut DbConnection,
        case: &CaseRow,
    ) -> Result<crate::domain::catalog::Names, ServiceError> {
        let Some(service_id) = case.service_id else {
            return case_title(conn, case);
        };
        if let Some(known) = self.titles.get(&service_id) {
            return Ok(known.clone());
        }
        let found = case_title(conn, case)?;
        self.titles.insert(service_id, found.clone());
        Ok(found)
    }
}

/// The page a case's mail links to: the applicant's page, or a hotline request's public page.
pub(super) fn applicant_link(case: &CaseRow) -> String {
    if case.kind == crate::domain::grid_event::KIND_EVENT {
        format!(
            "/grid/reports/{}",
            case.tracking_number.as_deref().unwrap_or("")
        )
    } else if case.kind == crate::domain::hotline::KIND_HOTLINE {
        format!(
            "/hotline/requests/{}",
            case.tracking_number.as_deref().unwrap_or("")
        )
    } else {
        format!("/applications/{}", case.id)
    }
}

/// The page staff open from a mail about a case.
pub(super) fn staff_link(case: &CaseRow) -> String {
    if case.kind == crate::domain::grid_event::KIND_EVENT {
        format!("/grid/events/{}", case.id)
    } else if case.kind == crate::domain::hotline::KIND_HOTLINE {
        format!("/workspace/hotline/{}", case.id)
    } else {
        format!("/workspace/applications/{}", case.id)
    }
}

/// Queues a mail about `case` to its applicant (`to`: email, name, language): the subject after
/// the tracking number, the greeting, then `body`; its button opens the application.
pub(super) fn queue_case_mail(
    conn: &mut DbConnection,
    case: &CaseRow,
    kind: &str,
    to: &Addressee,
    subject: &str,
    body: &str,
    stamp: NaiveDateTime,
) -> Result<(), ServiceError> {
    let number = case.tracking_number.as_deref().unwrap_or("");
    let lang = crate::services::accounts::mail_lang(&to.lang);
    let greeting = crate::mail::translate(lang, "mail.greeting", &[("name", &to.name)]);
    crate::db::outbox::enqueue_mail(
        conn,
        &crate::db::outbox::NewMail {
            application_id: Some(case.id),
            recipient_id: to.recipient_id,
            recipient_email: &to.email,
            lang,
            kind,
            subject: &format!("[{number}] {subject}"),
            body: &format!("{greeting}\n{body}"),
            link_path: Some(&applicant_link(case)),
            status: "pending",
            next_attempt_at: stamp,
            created_at: stamp,
        },
    )?;
    Ok(())
}

/// What fills a notice's placeholders besides the application's own facts.
pub(super) struct NoticeTexts<'a> {
    pub(super) note: &'a str,
    pub(super) decision: &'a str,
    /// The deadline of the application's next step after the change, if one runs.
    pub(super) deadline: Option<NaiveDate>,
    /// The co-reviewing departments' opinions (`{opinions}`), for a joint review's decision.
    pub(super) opinions: &'a [queries::OpinionRow],
    /// The case's title (`{service}`) when the caller has it at hand (a report knows its
    /// type's names); read from the case otherwise.
    pub(super) title: Option<&'a crate::domain::catalog::Names>,
}

/// The case's title: as the caller gave it, or read.
fn title_of(
    conn: &mut DbConnection,
    case: &CaseRow,
    texts: &NoticeTexts<'_>,
) -> Result<crate::domain::catalog::Names, ServiceError> {
    match texts.title {
        Some(title) => Ok(title.clone()),
        None => case_title(conn, case),
    }
}

/// Writes the applicant's mail for a transition to the outbox, in their language.
pub(super) fn notify_applicant(
    conn: &mut DbConnection,
    case: &CaseRow,
    notice: &engine::Notice,
    kind: &str,
    texts: &NoticeTexts<'_>,
    stamp: NaiveDateTime,
) -> Result<(), ServiceError> {
    let Some(to) = addressee(conn, case)? else {
        return Ok(());
    };
    let title = title_of(conn, case, texts)?;
    let mail = ApplicantMail {
        application_id: case.id,
        to,
        tracking_number: case.tracking_number.as_deref().unwrap_or(""),
        service_name: &title,
        link: applicant_link(case),
    };
    write_applicant_mail(conn, &mail, notice, kind, texts, stamp)
}

/// Whom an applicant's mail is about.
pub(super) struct ApplicantMail<'a> {
    pub(super) application_id: i64,
    pub(super) to: Addressee,
    pub(super) tracking_number: &'a str,
    pub(super) service_name: &'a crate::domain::catalog::Names,
    pub(super) link: String,
}

pub(super) fn write_applicant_mail(
    conn: &mut DbConnection,
    mail: &ApplicantMail<'_>,
    notice: &engine::Notice,
    kind: &str,
    texts: &NoticeTexts<'_>,
    stamp: NaiveDateTime,
) -> Result<(), ServiceError> {
    let lang = crate::services::accounts::mail_lang(&mail.to.lang);
    let service = mail.service_name.for_lang(lang);
    let (subject, body) = fill_notice(notice, lang, mail.tracking_number, service, texts);
    let greeting = crate::mail::translate(lang, "mail.greeting", &[("name", &mail.to.name)]);
    crate::db::outbox::enqueue_mail(
        conn,
        &crate::db::outbox::NewMail {
            application_id: Some(mail.application_id),
            recipient_id: mail.to.recipient_id,
            recipient_email: &mail.to.email,
            lang,
            kind: &format!("transition:{kind}"),
            subject: &subject,
            body: &format!("{greeting}\n{body}"),
            link_path: Some(&mail.link),
            status: "pending",
            next_attempt_at: stamp,
            created_at: stamp,
        },
    )?;
    Ok(())
}

/// Writes the staff's mail for a transition: to the assigned clerk, or without one to the
/// department's clerks and heads; never to the one who acted.
pub(super) fn notify_staff(
    conn: &mut DbConnection,
    case: &CaseRow,
    notice: &engine::Notice,
    kind: &str,
    texts: &NoticeTexts<'_>,
    actor_id: i64,
    stamp: NaiveDateTime,
) -> Result<(), ServiceError> {
    let Some(department_id) = case.department_id else {
        return Ok(());
    };
    let staff = crate::db::outbox::department_recipients(conn, department_id)?;
    let assigned: Vec<_> = staff
        .iter()
        .filter(|s| Some(s.id) == case.assignee_id)
        .collect();
    let recipients: Vec<_> = if assigned.is_empty() {
        staff.iter().collect()
    } else {
        assigned
    }
    .into_iter()
    .filter(|s| s.id != actor_id)
    .collect();
    if recipients.is_empty() {
        return Ok(());
    }
    let service = title_of(conn, case, texts)?;
    for recipient in recipients {
        let lang = crate::services::accounts::mail_lang(&recipient.lang);
        let (subject, body) = fill_notice(
            notice,
            lang,
            case.tracking_number.as_deref().unwrap_or(""),
            service.for_lang(lang),
            texts,
        );
        let greeting = crate::mail::translate(lang, "mail.greeting", &[("name", &recipient.name)]);
        crate::db::outbox::enqueue_mail(
            conn,
            &crate::db::outbox::NewMail {
                application_id: Some(case.id),
                recipient_id: Some(recipient.id),
                recipient_email: &recipient.email,
                lang,
                kind: &format!("staff:{kind}"),
                subject: &subject,
                body: &format!("{greeting}\n{body}"),
                link_path: Some(&staff_link(case)),
                status: "pending",
                next_attempt_at: stamp,
                created_at: stamp,
            },
        )?;
    }
    Ok(())
}

/// What a case is about, as its mails name it: the service applied for, or a hotline request's
/// subject.
pub(super) fn case_title(
    conn: &mut DbConnection,
    case: &CaseRow,
) -> Result<crate::domain::catalog::Names, ServiceError> {
    match case.service_id {
        Some(service_id) => service_name(conn, service_id),
        None if case.kind == crate::domain::grid_event::KIND_EVENT => {
            let event = crate::db::grid::find_event(conn, case.id)?
                .ok_or_else(|| corrupt(format!("event {}", case.id)))?;
            let kind = crate::db::grid::event_type(conn, &event.event_type)?
                .ok_or_else(|| corrupt(format!("event type {}", event.event_type)))?;
            Ok(crate::domain::catalog::Names {
                zh: kind.name_zh,
                en: kind.name_en,
            })
        }
        None => {
            let subject = crate::db::hotline::subject(conn, case.id)?
                .ok_or_else(|| corrupt(format!("case {} has no service", case.id)))?;
            Ok(crate::domain::catalog::Names {
                zh: subject.clone(),
                en: subject,
            })
        }
    }
}

pub(super) fn service_name(
    conn: &mut DbConnection,
    service_id: i64,
) -> Result<crate::domain::catalog::Names, ServiceError> {
    crate::db::catalog::service_name(conn, service_id)?
        .ok_or_else(|| corrupt(format!("service {service_id}")))
}

/// A notice's (subject, body) in `lang` with its placeholders filled; the subject starts with
/// the tracking number.
pub(super) fn fill_notice(
    notice: &engine::Notice,
    lang: &str,
    number: &str,
    service: &str,
    texts: &NoticeTexts<'_>,
) -> (String, String) {
    let deadline = texts
        .deadline
        .filter(|d| *d != NO_DEADLINE)
        .map_or_else(|| "—".to_owned(), |d| d.to_string());
    let opinions = texts
        .opinions
        .iter()
        .map(|o| {
            let verdict = if o.agrees {
                "opinion.agrees"
            } else {
                "opinion.disagrees"
            };
            crate::mail::translate(
                lang,
                "opinion.line",
                &[
                    ("department", &o.department_name),
                    ("verdict", &crate::mail::translate(lang, verdict, &[])),
                    ("text", o.opinion.as_deref().unwrap_or("").trim()),
                ],
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    let fill = |text: &str| {
        text.replace("{service}", service)
            .replace("{opinions}", &opinions)
            .replace("{note}", texts.note.trim())
            .replace("{decision}", texts.decision.trim())
            .replace("{deadline}", &deadline)
            .replace("{tracking_number}", number)
    };
    let (subject, body) = if lang == "en" {
        (&notice.subject_en, &notice.body_en)
    } else {
        (&notice.subject_zh, &notice.body_zh)
    };
    (
        format!("[{number}] {}", fill(subject)),
        fill(body).trim().to_owned(),
    )
}

/// The application a receipt is for.
pub struct Receipt<'a> {
    pub application_id: i64,
    pub applicant_id: i64,
    pub tracking_number: &'a str,
    pub service_name: &'a crate::domain::catalog::Names,
}

/// The submission receipt, written with the submission: the number and the deadlines pinned.
pub fn enqueue_receipt(
    conn: &mut DbConnection,
    receipt: &Receipt<'_>,
    pinned: &Pinned,
    stamp: NaiveDateTime,
) -> Result<(), ServiceError> {
    let deadlines = &pinned.receipt_deadlines;
    let fmt = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    let notice = engine::Notice {
        subject_zh: "已收到您的申请".into(),
        subject_en: "We have received your application".into(),
        body_zh: format!(
            "您申请的“{{service}}”已提交，办件编号 {{tracking_number}}。\n我们将在 {} 前作出是否受理的决定；受理后承诺于 {} 前办结（法定期限 {}）。\n可凭办件编号随时查询办理进度。",
            fmt(deadlines.acceptance_due),
            fmt(deadlines.promised_due),
            fmt(deadlines.legal_due)
        ),
        body_en: format!(
            "Your application for “{{service}}” was submitted with tracking number {{tracking_number}}.\nWe will decide whether to accept it by {}; once accepted, we promise a decision by {} (legal limit {}).\nYou can follow its progress with the tracking number at any time.",
            fmt(deadlines.acceptance_due),
            fmt(deadlines.promised_due),
            fmt(deadlines.legal_due)
        ),
    };
    let texts = NoticeTexts {
        note: "",
        decision: "",
        deadline: deadlines.acceptance_due,
        opinions: &[],
        title: None,
    };
    let (email, name, lang) = queries::contact(conn, receipt.applicant_id)?;
    let mail = ApplicantMail {
        application_id: receipt.application_id,
        to: Addressee {
            recipient_id: Some(receipt.applicant_id),
            email,
            name,
            lang,
        },
        tracking_number: receipt.tracking_number,
        service_name: receipt.service_name,
        link: format!("/applications/{}", receipt.application_id),
    };
    write_applicant_mail(conn, &mail, &notice, "submitted", &texts, stamp)
}
