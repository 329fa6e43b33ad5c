//! Application forms: the item's own form where `catalog/forms/<item code>.toml` has one (for
//! its 新办 or only service), otherwise a form generated from the item type and variant; then
//! the standard blocks every form ends with: the optional agent (经办人) and the delivery of the
//! result. The applicant block is not in the form: it is filled from the account.

use crate::domain::catalog::{Item, Service, Variant};
use crate::domain::forms::{
    Choice, Condition, Constraints, Field, FieldKind, FormDefinition, Section, Text,
};

/// The items' own forms, by item code.
const OWN_FORMS: &[(&str, &str)] = &[
    (
        "440306-CGJ-XK-0001",
        include_str!("../../catalog/forms/440306-CGJ-XK-0001.toml"),
    ),
    (
        "440306-JTJ-XK-0002",
        include_str!("../../catalog/forms/440306-JTJ-XK-0002.toml"),
    ),
    (
        "440306-MZJ-JF-0001",
        include_str!("../../catalog/forms/440306-MZJ-JF-0001.toml"),
    ),
    (
        "440306-MZJ-XK-0002",
        include_str!("../../catalog/forms/440306-MZJ-XK-0002.toml"),
    ),
    (
        "440306-SJJ-XK-0001",
        include_str!("../../catalog/forms/440306-SJJ-XK-0001.toml"),
    ),
    (
        "440306-SJJ-XK-0013",
        include_str!("../../catalog/forms/440306-SJJ-XK-0013.toml"),
    ),
    (
        "440306-STHJ-XK-0004",
        include_str!("../../catalog/forms/440306-STHJ-XK-0004.toml"),
    ),
    (
        "440306-WJJ-XK-0001",
        include_str!("../../catalog/forms/440306-WJJ-XK-0001.toml"),
    ),
    (
        "440306-WJJ-XK-0008",
        include_str!("../../catalog/forms/440306-WJJ-XK-0008.toml"),
    ),
    (
        "440306-WTLJ-XK-0001",
        include_str!("../../catalog/forms/440306-WTLJ-XK-0001.toml"),
    ),
    (
        "440306-ZJJ-XK-0001",
        include_str!("../../catalog/forms/440306-ZJJ-XK-0001.toml"),
    ),
];

/// Parses an item's own form, if it has one.
pub fn own_form(item_code: &str) -> Option<Result<FormDefinition, String>> {
    OWN_FORMS
        .iter()
        .find(|(code, _)| *code == item_code)
        .map(|(code, text)| {
            toml::from_str::<FormDefinition>(text)
                .map_err(|e| format!("catalog/forms/{code}.toml: {e}"))
        })
}

fn field(name: &str, zh: &str, en: &str, kind: FieldKind, required: bool) -> Field {
    Field {
        name: name.to_owned(),
        label: Text::new(zh, en),
        help: None,
        kind,
        required,
        required_when: None,
        constraints: Constraints::default(),
    }
}

fn choice(value: &str, zh: &str, en: &str) -> Choice {
    Choice {
        value: value.to_owned(),
        label: Text::new(zh, en),
    }
}

/// The generated form of a service without its own: what is asked, by variant.
fn generated(item: &Item, variant: Variant) -> FormDefinition {
    let mut fields = Vec::new();
    match variant {
        Variant::Change => {
            fields.push(field(
                "licence_number",
                "原证件编号",
                "Number of the current licence",
                FieldKind::Text,
                true,
            ));
            fields.push(field(
                "change_items",
                "变更事项及变更前后内容",
                "What changes, before and after",
                FieldKind::LongText,
                true,
            ));
        }
        Variant::Renewal => {
            fields.push(field(
                "licence_number",
                "原证件编号",
                "Number of the current licence",
                FieldKind::Text,
                true,
            ));
            fields.push(field(
                "licence_expiry",
                "原证件有效期至",
                "Current licence valid until",
                FieldKind::Date,
                true,
            ));
        }
        Variant::Cancellation => {
            fields.push(field(
                "licence_number",
                "原证件编号",
                "Number of the licence",
                FieldKind::Text,
                true,
            ));
            fields.push(field(
                "cancel_reason",
                "注销原因",
                "Reason for cancellation",
                FieldKind::Select {
                    options: vec![
                        choice(
                            "own_request",
                            "申请人主动申请注销",
                            "At the holder's request",
                        ),
                        choice(
                            "entity_ended",
                            "主体资格终止",
                            "The holder has ceased to exist",
                        ),
                        choice("expired", "有效期届满未延续", "Expired without renewal"),
                        choice("other", "其他", "Other"),
                    ],
                },
                true,
            ));
        }
        Variant::New | Variant::Single => {
            let mut matter = field(
                "matter",
                "申请事项说明",
                "What you apply for",
                FieldKind::LongText,
                true,
            );
            matter.help = Some(Text::new(
                &format!("请简要说明申请办理“{}”的具体内容和理由", item.name),
                "Briefly describe what you ask for and why",
            ));
            matter.constraints.max_length = Some(2000);
            fields.push(matter);
        }
    }
    let mut phone = field(
        "contact_phone",
        "联系电话",
        "Contact phone",
        FieldKind::Phone,
        true,
    );
    phone.help = Some(Text::new(
        "办理过程中工作人员与您联系的号码",
        "The number the clerk will call about this application",
    ));
    fields.push(phone);
    FormDefinition {
        licence: None,
        sections: vec![Section {
            key: "application".to_owned(),
            title: Text::new("申请内容", "Your application"),
            all_or_none: false,
            fields,
        }],
    }
}

/// The agent block (optional, all or nothing) and the delivery of the result.
fn standard_sections() -> Vec<Section> {
    let mut post_address = field(
        "post_address",
        "邮寄地址",
        "Postal address",
        FieldKind::Address,
        false,
    );
    post_address.required_when = Some(Condition {
        field: "delivery".to_owned(),
        equals: "post".to_owned(),
    });
    vec![
        Section {
            key: "agent".to_owned(),
            title: Text::new(
                "经办人（委托他人办理时填写）",
                "Agent (only if someone applies for you)",
            ),
            all_or_none: true,
            fields: vec![
                field(
                    "agent_name",
                    "经办人姓名",
                    "Agent's name",
                    FieldKind::Text,
                    false,
                ),
                field(
                    "agent_id_number",
                    "经办人身份证号码",
                    "Agent's resident ID number",
                    FieldKind::NationalId,
                    false,
                ),
                field(
                    "agent_phone",
                    "经办人手机号码",
                    "Agent's mobile number",
                    FieldKind::Phone,
                    false,
                ),
            ],
        },
        Section {
            key: "delivery".to_owned(),
            title: Text::new("结果领取方式", "How you receive the result"),
            all_or_none: false,
            fields: vec![
                field(
                    "delivery",
                    "领取方式",
                    "Delivery",
                    FieldKind::Select {
                        options: vec![
                            choice(
                                "electronic",
                                "电子证照（网上下载）",
                                "Electronic (download online)",
                            ),
                            choice("hall", "窗口领取", "Collect at the service hall"),
                            choice("post", "邮寄（EMS）", "By post (EMS)"),
                        ],
                    },
                    true,
                ),
                post_address,
            ],
        },
    ]
}

/// The whole form of a service.
pub fn form_for(item: &Item, service: &Service) -> Result<FormDefinition, String> {
    let own = match service.variant {
        Variant::New | Variant::Single => own_form(item.code.as_str()).transpose()?,
        _ => None,
    };
    let mut form = own.unwrap_or_else(|| generated(item, service.variant));
    form.sections.extend(standard_sections());
    form.check().map_err(|errors| {
        let errors: Vec<String> = errors.iter().map(ToString::to_string).collect();
        format!("form of {}: {}", service.code, errors.join("; "))
    })?;
    Ok(form)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;

    #[test]
    fn every_service_gets_a_valid_form() {
        let catalog = Catalog::embedded().unwrap();
        for service in &catalog.services {
            let item = catalog
                .items
                .iter()
                .find(|i| i.code == service.item)
                .unwrap();
            let form = form_for(item, service).unwrap_or_else(|e| panic!("{e}"));
            assert!(
                form.fields().any(|f| f.name == "delivery"),
                "{}",
                service.code
            );
        }
    }

    #[test]
    fn the_ten_common_items_have_their_own_rich_forms() {
        assert!(OWN_FORMS.len() >= 10);
        for (code, _) in OWN_FORMS {
            let form = own_form(code).unwrap().unwrap();
            assert!(form.fields().count() >= 8, "{code}");
        }
        let food = own_form("440306-SJJ-XK-0013").unwrap().unwrap();
        assert!(food.fields().any(|f| f.name == "premises_address"));
    }
}
