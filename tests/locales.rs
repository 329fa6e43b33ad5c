//! Every interface text exists in both languages, and every key the code uses exists.

use std::collections::BTreeSet;

use onestop::domain::catalog::{
    ApplicantType, ItemType, MaterialForm, MaterialSource, Necessity, Variant,
};
use onestop::domain::identity::Role;
use onestop::services::applications;
use onestop::web::i18n::Lang;

/// The dotted keys of a locale file (nested YAML maps of strings, two-space indentation).
fn keys(text: &str) -> BTreeSet<String> {
    let mut path: Vec<String> = Vec::new();
    let mut keys = BTreeSet::new();
    for line in text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
    {
        let depth = (line.len() - line.trim_start().len()) / 2;
        let Some((key, value)) = line.trim().split_once(':') else {
            continue;
        };
        if key == "_version" {
            continue;
        }
        path.truncate(depth);
        if value.trim().is_empty() {
            path.push(key.to_owned());
        } else {
            keys.insert(
                path.iter()
                    .map(String::as_str)
                    .chain([key])
                    .collect::<Vec<_>>()
                    .join("."),
            );
        }
    }
    keys
}

#[test]
fn both_languages_have_the_same_texts() {
    let zh = keys(include_str!("../locales/zh-CN.yml"));
    let en = keys(include_str!("../locales/en.yml"));
    assert!(zh.len() > 150, "{}", zh.len());
    assert_eq!(
        zh.difference(&en).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "only in zh-CN"
    );
    assert_eq!(
        en.difference(&zh).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "only in en"
    );
}

/// Every string literal of the form `section.key…` in templates and code, for a known section.
fn used_keys(sections: &BTreeSet<String>) -> BTreeSet<String> {
    let mut files = Vec::new();
    let mut folders = vec![
        std::path::PathBuf::from("templates"),
        std::path::PathBuf::from("src"),
    ];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(folder).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "rs" || e == "html") {
                files.push(std::fs::read_to_string(path).unwrap());
            }
        }
    }
    let mut used = BTreeSet::new();
    for text in files {
        for literal in text.split('"').skip(1).step_by(2) {
            let dotted = literal.contains('.')
                && literal.split('.').all(|p| {
                    !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
                });
            let template_name = literal.ends_with(".html") || literal.ends_with(".toml");
            if dotted && !template_name && sections.contains(literal.split('.').next().unwrap()) {
                used.insert(literal.to_owned());
            }
        }
    }
    used
}

#[test]
fn every_key_the_code_uses_has_a_text_in_both_languages() {
    let defined = keys(include_str!("../locales/zh-CN.yml"));
    let sections: BTreeSet<String> = defined
        .iter()
        .map(|k| k.split('.').next().unwrap().to_owned())
        .collect();
    let mut used = used_keys(&sections);
    assert!(used.len() > 100, "{}", used.len());
    // Labels are looked up as `kind.slug`.
    used.extend(
        ItemType::ALL
            .iter()
            .map(|v| format!("item_type.{}", v.slug())),
    );
    used.extend(
        ApplicantType::ALL
            .iter()
            .map(|v| format!("applicant.{}", v.slug())),
    );
    used.extend(Variant::ALL.iter().map(|v| format!("variant.{}", v.slug())));
    used.extend(
        MaterialForm::ALL
            .iter()
            .map(|v| format!("material_form.{}", v.slug())),
    );
    used.extend(
        Necessity::ALL
            .iter()
            .map(|v| format!("necessity.{}", v.slug())),
    );
    used.extend(
        MaterialSource::ALL
            .iter()
            .map(|v| format!("source.{}", v.slug())),
    );
    used.extend(Role::ALL.iter().map(|v| format!("role.{}", v.slug())));
    // The hotline's labels are looked up as `hotline.{kind}.slug`; the kind alone is no text.
    for kind in ["hotline.type", "hotline.channel", "hotline.satisfaction"] {
        used.remove(kind);
    }
    use onestop::domain::hotline::{Channel, RequestType, Satisfaction};
    used.extend(
        RequestType::ALL
            .iter()
            .map(|v| format!("hotline.type.{}", v.slug())),
    );
    used.extend(
        Channel::ALL
            .iter()
            .map(|v| format!("hotline.channel.{}", v.slug())),
    );
    used.extend(
        Satisfaction::ALL
            .iter()
            .map(|v| format!("hotline.satisfaction.{}", v.slug())),
    );
    used.insert(format!("status.{}", applications::DRAFT));
    used.extend(["draft_started", "submitted", "assign", "release"].map(|e| format!("event.{e}")));
    // Every state and transition of the shipped workflows has its name in both languages, as
    // the applicant's pages and the audit log label them by code.
    used.insert(format!("next.{}", applications::DRAFT));
    for definition in onestop::domain::workflow::shipped() {
        used.extend(definition.states.iter().map(|s| format!("next.{}", s.code)));
        used.extend(
            definition
                .states
                .iter()
                .map(|s| format!("status.{}", s.code)),
        );
        used.extend(
            definition
                .transitions
                .iter()
                .map(|t| format!("event.{}", t.name)),
        );
    }
    used.extend(
        onestop::domain::clock::Level::ALL
            .iter()
            .map(|l| format!("level.{}", l.code())),
    );
    used.extend(["received", "accepted", "decided", "closed"].map(|f| format!("dashboard.{f}")));
    used.extend(
        onestop::services::outbox::STATUSES
            .iter()
            .map(|s| format!("mail_status.{s}")),
    );
    used.extend(
        ["verify", "reset"]
            .iter()
            .flat_map(|m| [format!("mail.{m}.subject"), format!("mail.{m}.body")]),
    );
    used.extend(
        onestop::services::admin::EVENT_KINDS
            .iter()
            .map(|k| format!("admin_event.{}", k.replace('.', "_"))),
    );
    let missing: Vec<&String> = used.iter().filter(|k| !defined.contains(*k)).collect();
    assert!(missing.is_empty(), "keys without a text: {missing:?}");
    for key in &used {
        for lang in Lang::ALL {
            assert_ne!(lang.t(key), key.as_str(), "{key} in {}", lang.code());
        }
    }
}

/// A placeholder is written `%{name}`: a bare `{name}` is shown to the reader as it stands
/// (the grid's report receipt once said "处置时限：{date} 前。"). The one text that names the
/// mail templates' own `{placeholders}` for administrators is the exception.
#[test]
fn every_placeholder_is_one_the_translator_fills() {
    for file in ["locales/zh-CN.yml", "locales/en.yml"] {
        let text = std::fs::read_to_string(file).unwrap();
        for (number, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("placeholders_hint:") {
                continue;
            }
            let bytes = line.as_bytes();
            for (at, _) in line.match_indices('{') {
                let name: String = line[at + 1..]
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                    .collect();
                let closed = line[at + 1 + name.len()..].starts_with('}');
                let marked = at > 0 && bytes[at - 1] == b'%';
                assert!(
                    name.is_empty() || !closed || marked,
                    "{file}:{}: `{{{name}}}` should be `%{{{name}}}`",
                    number + 1
                );
            }
        }
    }
}
