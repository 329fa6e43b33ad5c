//! The 12345 hotline's own rules: the types of request and their time limits, the topics an
//! operator dispatches by, what a request must say, and the caller's rating. The request moves
//! through its workflow on the one engine (`workflows/hotline.toml`).

use super::labelled::labelled_enum;
use serde::Deserialize;
use std::sync::LazyLock;

/// The kind of case of a hotline request (`applications.kind`).
pub const KIND_HOTLINE: &str = "hotline";
/// The key of the shipped hotline workflow.
pub const HOTLINE_WORKFLOW: &str = "hotline";

/// The states in which a department holds a request: an urgent one still there after its
/// hours gets a yellow card.
pub const URGENT_SUPERVISED: &[&str] = &["dispatched", "handling", "extension_requested"];

/// The steps a caller takes themselves (the request online, and the rating that closes or
/// reopens it): a 保密 caller is not named to the department on them.
pub const CALLER_STEPS: &[&str] = &["hotline_received", "close", "reopen", "reopen_at_hotline"];

labelled_enum! {
    /// What the caller wants.
    pub enum RequestType as "request type" {
        Consultation = ("consultation", "咨询"),
        Help = ("help", "求助"),
        Complaint = ("complaint", "投诉"),
        Report = ("report", "举报"),
        Suggestion = ("suggestion", "建议"),
    }
}

labelled_enum! {
    /// How the request came in.
    pub enum Channel as "channel" {
        Online = ("online", "网上"),
        Phone = ("phone", "电话"),
    }
}

labelled_enum! {
    /// The caller's word on the answer. 不满意 reopens the request once (重办).
    pub enum Satisfaction as "satisfaction" {
        Satisfied = ("satisfied", "满意"),
        Basic = ("basically_satisfied", "基本满意"),
        Unsatisfied = ("unsatisfied", "不满意"),
    }
}

impl Satisfaction {
    pub fn en(self) -> &'static str {
        match self {
            Satisfaction::Satisfied => "Satisfied",
            Satisfaction::Basic => "Basically satisfied",
            Satisfaction::Unsatisfied => "Unsatisfied",
        }
    }
}

/// A type of request with its time limits, as shipped (the database holds the current ones).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TypeLimits {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// Working days from receipt.
    pub answer_days: u32,
    /// Hours from receipt, when the request is urgent.
    pub urgent_hours: u32,
}

/// A topic of the classification: the department it goes to, and the words that suggest it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Topic {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// The catalog's department code.
    pub department: String,
    pub keywords: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Shipped {
    types: Vec<TypeLimits>,
    topics: Vec<Topic>,
}

static SHIPPED: LazyLock<Shipped> = LazyLock::new(|| {
    toml::from_str(include_str!("hotline.toml")).expect("hotline.toml is checked by the tests")
});

/// The shipped types and limits, in the order offered.
pub fn shipped_types() -> &'static [TypeLimits] {
    &SHIPPED.types
}

/// The shipped classification of topics.
pub fn topics() -> &'static [Topic] {
    &SHIPPED.topics
}

pub fn topic(code: &str) -> Option<&'static Topic> {
    topics().iter().find(|t| t.code == code)
}

/// The topic an operator is offered first for a request: the one whose words occur most often
/// in its subject and description (the first listed on a tie), if any does.
pub fn suggest_topic(subject: &str, description: &str) -> Option<&'static Topic> {
    let text = format!("{subject} {description}");
    topics()
        .iter()
        .map(|t| {
            (
                t.keywords
                    .iter()
                    .filter(|k| text.contains(k.as_str()))
                    .count(),
                t,
            )
        })
        .filter(|(hits, _)| *hits > 0)
        .fold(None::<(usize, &Topic)>, |best, (hits, t)| match best {
            Some((most, _)) if most >= hits => best,
            _ => Some((hits, t)),
        })
        .map(|(_, t)| t)
}

/// A field of the request form that can be wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntakeField {
    RequestType,
    Subject,
    Description,
    Location,
    CallerName,
    Phone,
    Email,
    Attachment,
}

impl IntakeField {
    /// The form field's name.
    pub fn name(self) -> &'static str {
        match self {
            IntakeField::RequestType => "request_type",
            IntakeField::Subject => "subject",
            IntakeField::Description => "description",
            IntakeField::Location => "location",
            IntakeField::CallerName => "caller_name",
            IntakeField::Phone => "caller_phone",
            IntakeField::Email => "caller_email",
            IntakeField::Attachment => "attachment",
        }
    }
}

/// What was wrong with a field: the locale key of the message.
pub type IntakeError = (IntakeField, &'static str);

/// The form as typed.
#[derive(Debug, Clone, Default)]
pub struct IntakeInput {
    pub request_type: String,
    pub subject: String,
    pub description: String,
    pub location: String,
    pub caller_name: String,
    pub caller_phone: String,
    pub caller_email: String,
    pub confidential: bool,
    pub urgent: bool,
}

/// A request as it is recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Intake {
    pub request_type: RequestType,
    pub subject: String,
    pub description: String,
    pub location: String,
    pub caller_name: String,
    /// Digits only (a leading + kept).
    pub caller_phone: String,
    pub caller_email: String,
    pub confidential: bool,
    pub urgent: bool,
}

pub const SUBJECT_MAX: usize = 80;
pub const DESCRIPTION_MAX: usize = 4000;
pub const LOCATION_MAX: usize = 200;
pub const NAME_MAX: usize = 50;
/// How many files a request may carry (photos of the place, a receipt…).
pub const ATTACHMENTS_MAX: usize = 3;
/// The name under which a request's files are kept beside an application's materials.
pub const ATTACHMENT_MATERIAL: &str = "诉求附件";

/// A phone number as a caller says it: spaces, dashes and brackets dropped; 7 to 15 digits
/// (a landline with its area code, an 11-digit mobile, or an international number with +).
pub fn normalise_phone(text: &str) -> Option<String> {
    let kept: String = text
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '（' | '）'))
        .collect();
    let digits = kept.strip_prefix('+').unwrap_or(&kept);
    (digits.len() >= 7 && digits.len() <= 15 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then_some(kept)
}

impl Intake {
    /// Checks the form. `contact_needed`: the request has no account behind it (an anonymous
    /// online request), so a phone number or an email to answer at is required. A phone call
    /// always has the caller's number (`phone_needed`).
    pub fn parse(
        input: &IntakeInput,
        contact_needed: bool,
        phone_needed: bool,
    ) -> Result<Intake, Vec<IntakeError>> {
        let mut errors = Vec::new();
        let request_type = input.request_type.parse::<RequestType>().ok();
        if request_type.is_none() {
            errors.push((IntakeField::RequestType, "hotline.error.type"));
        }
        let subject = input.subject.trim();
        if subject.is_empty() {
            errors.push((IntakeField::Subject, "hotline.error.subject"));
        } else if subject.chars().count() > SUBJECT_MAX {
            errors.push((IntakeField::Subject, "hotline.error.subject_long"));
        }
        let description = input.description.trim();
        if description.is_empty() {
            errors.push((IntakeField::Description, "hotline.error.description"));
        } else if description.chars().count() > DESCRIPTION_MAX {
            errors.push((IntakeField::Description, "hotline.error.description_long"));
        }
        let location = input.location.trim();
        if location.chars().count() > LOCATION_MAX {
            errors.push((IntakeField::Location, "hotline.error.location_long"));
        }
        let caller_name = input.caller_name.trim();
        if caller_name.chars().count() > NAME_MAX {
            errors.push((IntakeField::CallerName, "hotline.error.name_long"));
        }
        let phone_text = input.caller_phone.trim();
        let phone = normalise_phone(phone_text);
        if !phone_text.is_empty() && phone.is_none() {
            errors.push((IntakeField::Phone, "hotline.error.phone"));
        } else if phone_needed && phone.is_none() {
            errors.push((IntakeField::Phone, "hotline.error.phone_needed"));
        }
        let email = input.caller_email.trim();
        let email_ok = email.is_empty() || crate::domain::identity::Email::parse(email).is_ok();
        if !email_ok {
            errors.push((IntakeField::Email, "hotline.error.email"));
        }
        if contact_needed && !phone_needed && phone.is_none() && email.is_empty() && email_ok {
            errors.push((IntakeField::Phone, "hotline.error.contact"));
        }
        match request_type {
            Some(request_type) if errors.is_empty() => Ok(Intake {
                request_type,
                subject: subject.to_owned(),
                description: description.to_owned(),
                location: location.to_owned(),
                caller_name: caller_name.to_owned(),
                caller_phone: phone.unwrap_or_default(),
                caller_email: email.to_lowercase(),
                confidential: input.confidential,
                urgent: input.urgent,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> IntakeInput {
        IntakeInput {
            request_type: "complaint".into(),
            subject: "夜间施工噪音".into(),
            description: "小区旁工地每晚施工到凌晨两点。".into(),
            caller_phone: "138-0013-8000".into(),
            ..IntakeInput::default()
        }
    }

    #[test]
    fn shipped_data_is_complete() {
        let codes: Vec<&str> = shipped_types().iter().map(|t| t.code.as_str()).collect();
        let slugs: Vec<&str> = RequestType::ALL.iter().map(|t| t.slug()).collect();
        assert_eq!(codes, slugs, "one limit per type, in the form's order");
        let days: Vec<u32> = shipped_types().iter().map(|t| t.answer_days).collect();
        assert_eq!(
            days,
            [1, 3, 5, 5, 10],
            "咨询 1, 求助 3, 投诉 5, 举报 5, 建议 10"
        );
        assert!(topics().len() >= 10);
        let mut seen = std::collections::HashSet::new();
        assert!(topics().iter().all(|t| seen.insert(t.code.clone())));
    }

    #[test]
    fn the_topic_with_most_words_is_suggested() {
        let noise = suggest_topic("夜间施工噪音", "工地每晚施工");
        assert_eq!(noise.map(|t| t.code.as_str()), Some("housing"));
        let wages = suggest_topic("老板拖欠工资", "");
        assert_eq!(wages.map(|t| t.department.as_str()), Some("RLZYJ"));
        assert_eq!(suggest_topic("你好", "谢谢"), None);
    }

    #[test]
    fn a_phone_number_is_read_as_said() {
        assert_eq!(
            normalise_phone("138 0013 8000").as_deref(),
            Some("13800138000")
        );
        assert_eq!(
            normalise_phone("(0755) 2779-1234").as_deref(),
            Some("075527791234")
        );
        assert_eq!(
            normalise_phone("+852 9123 4567").as_deref(),
            Some("+85291234567")
        );
        assert_eq!(normalise_phone("12345"), None);
        assert_eq!(normalise_phone("138abc"), None);
    }

    #[test]
    fn a_request_needs_its_type_subject_description_and_a_way_back() {
        let ok = Intake::parse(&input(), true, false).unwrap();
        assert_eq!(ok.request_type, RequestType::Complaint);
        assert_eq!(ok.caller_phone, "13800138000");

        let blank = IntakeInput {
            request_type: "gossip".into(),
            ..IntakeInput::default()
        };
        let errors = Intake::parse(&blank, true, false).unwrap_err();
        let fields: Vec<IntakeField> = errors.iter().map(|(f, _)| *f).collect();
        assert_eq!(
            fields,
            [
                IntakeField::RequestType,
                IntakeField::Subject,
                IntakeField::Description,
                IntakeField::Phone
            ]
        );

        let mut signed_in = input();
        signed_in.caller_phone.clear();
        assert!(
            Intake::parse(&signed_in, false, false).is_ok(),
            "an account is a way back"
        );
        assert_eq!(
            Intake::parse(&signed_in, false, true).unwrap_err(),
            [(IntakeField::Phone, "hotline.error.phone_needed")],
            "a phone call is recorded with the caller's number"
        );

        let mut long = input();
        long.subject = "长".repeat(SUBJECT_MAX + 1);
        long.caller_email = "not an email".into();
        let errors = Intake::parse(&long, true, false).unwrap_err();
        assert_eq!(
            errors,
            [
                (IntakeField::Subject, "hotline.error.subject_long"),
                (IntakeField::Email, "hotline.error.email")
            ]
        );
    }
}
