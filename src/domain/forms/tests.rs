use super::*;

fn field(name: &str, kind: FieldKind, required: bool) -> Field {
    Field {
        name: name.into(),
        label: Text::new(name, name),
        help: None,
        kind,
        required,
        required_when: None,
        constraints: Constraints::default(),
    }
}

fn options(values: &[&str]) -> Vec<Choice> {
    values
        .iter()
        .map(|v| Choice {
            value: (*v).into(),
            label: Text::new(v, v),
        })
        .collect()
}

fn form(fields: Vec<Field>) -> FormDefinition {
    FormDefinition {
        licence: None,
        sections: vec![Section {
            key: "main".into(),
            title: Text::new("主", "Main"),
            all_or_none: false,
            fields,
        }],
    }
}

fn input(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn problems(definition: &FormDefinition, pairs: &[(&str, &str)]) -> Vec<(String, Problem)> {
    definition
        .validate(&input(pairs), true)
        .err()
        .unwrap_or_default()
        .into_iter()
        .map(|p| (p.field, p.problem))
        .collect()
}

#[test]
fn required_fields_must_be_filled_and_optional_ones_may_stay_empty() {
    let f = form(vec![
        field("name", FieldKind::Text, true),
        field("notes", FieldKind::LongText, false),
    ]);
    assert_eq!(
        problems(&f, &[("name", "  ")]),
        [("name".to_owned(), Problem::Required)]
    );
    let values = f.validate(&input(&[("name", " 张三 ")]), true).unwrap();
    assert_eq!(values["name"], "张三");
    assert!(!values.contains_key("notes"));
}

#[test]
fn text_lengths_are_counted_in_characters() {
    let mut name = field("name", FieldKind::Text, true);
    name.constraints = Constraints {
        min_length: Some(2),
        max_length: Some(4),
        ..Constraints::default()
    };
    let f = form(vec![name]);
    assert!(f.validate(&input(&[("name", "食品经营")]), true).is_ok());
    assert_eq!(
        problems(&f, &[("name", "食品经营许")]),
        [("name".to_owned(), Problem::TooLong(4))]
    );
    assert_eq!(
        problems(&f, &[("name", "食")]),
        [("name".to_owned(), Problem::TooShort(2))]
    );
    let long = form(vec![field("text", FieldKind::Text, true)]);
    assert_eq!(
        problems(&long, &[("text", &"字".repeat(201))]),
        [("text".to_owned(), Problem::TooLong(200))]
    );
}

#[test]
fn numbers_and_money_are_exact_decimals_within_bounds() {
    let mut area = field("area", FieldKind::Number, true);
    area.constraints = Constraints {
        min: Some(1.0),
        max: Some(100_000.0),
        ..Constraints::default()
    };
    let f = form(vec![area, field("capital", FieldKind::Money, false)]);
    let values = f
        .validate(&input(&[("area", "0120.50"), ("capital", "100.1")]), true)
        .unwrap();
    assert_eq!(values["area"], "120.5");
    assert_eq!(values["capital"], "100.1");
    assert_eq!(
        problems(&f, &[("area", "abc")]),
        [("area".to_owned(), Problem::NotANumber)]
    );
    assert_eq!(
        problems(&f, &[("area", "1e3")]),
        [("area".to_owned(), Problem::NotANumber)]
    );
    assert_eq!(
        problems(&f, &[("area", "0.5")]),
        [("area".to_owned(), Problem::BelowMin(1.0))]
    );
    assert_eq!(
        problems(&f, &[("area", "100001")]),
        [("area".to_owned(), Problem::AboveMax(100_000.0))]
    );
    assert_eq!(
        problems(&f, &[("area", "10"), ("capital", "1.234")]),
        [("capital".to_owned(), Problem::TooManyDecimals(2))]
    );
    assert_eq!(
        problems(&f, &[("area", "10"), ("capital", "-5")]),
        [("capital".to_owned(), Problem::BelowMin(0.0))]
    );
}

#[test]
fn dates_must_be_real_calendar_dates() {
    let f = form(vec![field("start", FieldKind::Date, true)]);
    assert_eq!(
        f.validate(&input(&[("start", "2026-02-28")]), true)
            .unwrap()["start"],
        "2026-02-28"
    );
    for bad in ["2026-02-29", "2026-13-01", "28/02/2026", "tomorrow"] {
        assert_eq!(
            problems(&f, &[("start", bad)]),
            [("start".to_owned(), Problem::NotADate)],
            "{bad}"
        );
    }
}

#[test]
fn choices_must_be_among_the_options() {
    let f = form(vec![
        field(
            "format",
            FieldKind::Select {
                options: options(&["sales", "catering"]),
            },
            true,
        ),
        field(
            "items",
            FieldKind::MultiSelect {
                options: options(&["a", "b", "c"]),
            },
            true,
        ),
        field("online", FieldKind::Checkbox, false),
    ]);
    let values = f
        .validate(
            &input(&[
                ("format", "catering"),
                ("items", "c"),
                ("items", "a"),
                ("online", "on"),
            ]),
            true,
        )
        .unwrap();
    assert_eq!(values["format"], "catering");
    assert_eq!(values["items"], serde_json::json!(["a", "c"]));
    assert_eq!(values["online"], true);
    assert_eq!(
        problems(&f, &[("format", "weapons"), ("items", "a"), ("items", "z")]),
        [
            ("format".to_owned(), Problem::NotAnOption),
            ("items".to_owned(), Problem::NotAnOption)
        ]
    );
    assert_eq!(
        problems(&f, &[("format", "sales")]),
        [("items".to_owned(), Problem::Required)]
    );
}

#[test]
fn identity_fields_are_checked_and_normalised() {
    let f = form(vec![
        field("id", FieldKind::NationalId, true),
        field("code", FieldKind::CreditCode, false),
        field("phone", FieldKind::Phone, true),
        field("email", FieldKind::Email, false),
    ]);
    let values = f
        .validate(
            &input(&[
                ("id", "11010519491231002x"),
                ("phone", "138 0013 8000"),
                ("email", "A@B.CN"),
            ]),
            true,
        )
        .unwrap();
    assert_eq!(values["id"], "11010519491231002X");
    assert_eq!(values["phone"], "13800138000");
    assert_eq!(values["email"], "a@b.cn");
    assert_eq!(
        problems(
            &f,
            &[
                ("id", "110105194912310021"),
                ("code", "91350100M000100Y44"),
                ("phone", "123")
            ]
        ),
        [
            (
                "id".to_owned(),
                Problem::Identity(IdentityError::NationalIdCheckDigit)
            ),
            (
                "code".to_owned(),
                Problem::Identity(IdentityError::CreditCodeCheck)
            ),
            ("phone".to_owned(), Problem::Identity(IdentityError::Phone)),
        ]
    );
}

#[test]
fn table_rows_are_validated_cell_by_cell_and_empty_rows_dropped() {
    let columns = vec![
        Column {
            name: "name".into(),
            label: Text::new("姓名", "Name"),
            kind: ColumnKind::Text,
            required: true,
        },
        Column {
            name: "id".into(),
            label: Text::new("身份证", "ID"),
            kind: ColumnKind::NationalId,
            required: true,
        },
        Column {
            name: "income".into(),
            label: Text::new("月收入", "Income"),
            kind: ColumnKind::Money,
            required: false,
        },
    ];
    let f = form(vec![field(
        "family",
        FieldKind::Table {
            columns,
            max_rows: 3,
        },
        true,
    )]);
    let ok = f
        .validate(
            &input(&[
                ("family.1.name", "李明"),
                ("family.1.id", "11010519491231002X"),
                ("family.2.name", ""),
                ("family.3.name", "李华"),
                ("family.3.id", "11010519491231002X"),
                ("family.3.income", "3000"),
            ]),
            true,
        )
        .unwrap();
    assert_eq!(ok["family"].as_array().unwrap().len(), 2);
    assert_eq!(ok["family"][1]["income"], "3000");
    assert_eq!(
        problems(
            &f,
            &[
                ("family.1.name", "李明"),
                ("family.5.name", "李华"),
                ("family.5.id", "123")
            ]
        ),
        [
            ("family.1.id".to_owned(), Problem::Required),
            (
                "family.2.id".to_owned(),
                Problem::Identity(IdentityError::NationalIdFormat)
            ),
        ]
    );
    let four: Vec<(String, String)> = (1..=4)
        .map(|i| (format!("family.{i}.name"), "某".to_owned()))
        .collect();
    let too_many = f.validate(&four, true).unwrap_err();
    assert_eq!(too_many[0].problem, Problem::TooManyRows(3));
    assert_eq!(
        problems(&f, &[]),
        [("family".to_owned(), Problem::Required)]
    );
}

#[test]
fn conditional_and_all_or_none_rules() {
    let mut address = field("post_address", FieldKind::Address, false);
    address.required_when = Some(Condition {
        field: "delivery".into(),
        equals: "post".into(),
    });
    let delivery = form(vec![
        field(
            "delivery",
            FieldKind::Select {
                options: options(&["electronic", "post"]),
            },
            true,
        ),
        address,
    ]);
    assert!(
        delivery
            .validate(&input(&[("delivery", "electronic")]), true)
            .is_ok()
    );
    assert_eq!(
        problems(&delivery, &[("delivery", "post")]),
        [("post_address".to_owned(), Problem::Required)]
    );

    let agent = FormDefinition {
        licence: None,
        sections: vec![Section {
            key: "agent".into(),
            title: Text::new("经办人", "Agent"),
            all_or_none: true,
            fields: vec![
                field("agent_name", FieldKind::Text, false),
                field("agent_phone", FieldKind::Phone, false),
            ],
        }],
    };
    assert!(agent.validate(&input(&[]), true).is_ok());
    assert_eq!(
        problems(&agent, &[("agent_name", "王五")]),
        [("agent_phone".to_owned(), Problem::IncompleteSection)]
    );
}

#[test]
fn a_draft_keeps_what_is_missing_but_not_what_is_malformed() {
    let f = form(vec![
        field("name", FieldKind::Text, true),
        field("phone", FieldKind::Phone, true),
    ]);
    assert!(f.validate(&input(&[("name", "张三")]), false).is_ok());
    let malformed = f.validate(&input(&[("phone", "123")]), false).unwrap_err();
    assert_eq!(malformed.len(), 1);
    assert_eq!(malformed[0].field, "phone");
}

#[test]
fn definitions_are_checked_and_round_trip_through_json() {
    let good = form(vec![field(
        "format",
        FieldKind::Select {
            options: options(&["a"]),
        },
        true,
    )]);
    assert!(good.check().is_ok());
    let json = serde_json::to_string(&good).unwrap();
    assert_eq!(serde_json::from_str::<FormDefinition>(&json).unwrap(), good);
    let bad = form(vec![
        field("Bad Name", FieldKind::Text, true),
        field("x", FieldKind::Select { options: vec![] }, true),
        field("x", FieldKind::Text, true),
    ]);
    let errors = bad.check().unwrap_err();
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert!(
        serde_json::from_str::<FormDefinition>(r#"{"sections":[],"surprise":1}"#).is_err(),
        "unknown keys are refused"
    );
}
