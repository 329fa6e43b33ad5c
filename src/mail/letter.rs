//! The two parts of every mail, plain text and HTML, rendered from the templates in
//! `templates/mail/`. A mail's content is stored as text in the outbox; lines are paragraphs,
//! and lines that start with "- " form a list. The HTML part has no images, scripts or remote
//! resources: nothing in it can tell anyone that the mail was opened.

use askama::Template;

/// A paragraph, or a list of consecutive "- " lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    Paragraph(String),
    List(Vec<String>),
}

/// Splits stored content into blocks; blank lines only separate.
pub fn blocks(content: &str) -> Vec<Block> {
    let mut blocks: Vec<Block> = Vec::new();
    for line in content.lines().map(str::trim_end) {
        if line.trim().is_empty() {
            continue;
        }
        match (line.strip_prefix("- "), blocks.last_mut()) {
            (Some(item), Some(Block::List(items))) => items.push(item.to_owned()),
            (Some(item), _) => blocks.push(Block::List(vec![item.to_owned()])),
            (None, _) => blocks.push(Block::Paragraph(line.to_owned())),
        }
    }
    blocks
}

/// What a mail says, ready for its templates.
#[derive(Debug, Clone)]
pub struct Letter {
    /// `zh-CN` or `en`.
    pub lang: String,
    pub subject: String,
    pub blocks: Vec<Block>,
    /// The one action of the mail: (label, absolute address).
    pub action: Option<(String, String)>,
    pub footer: String,
}

impl Letter {
    /// A letter of `kind` (which names its button) in `lang`, with `link_path` made absolute
    /// against the portal's public address.
    pub fn new(
        lang: &str,
        kind: &str,
        subject: &str,
        content: &str,
        link_path: Option<&str>,
        public_url: &str,
    ) -> Self {
        let lang = if lang == "en" { "en" } else { "zh-CN" };
        let label_key = match kind.split(':').next().unwrap_or_default() {
            "account" if kind.ends_with("reset") => "mail.action.reset",
            "account" if kind.ends_with("exists") => "mail.action.forgot",
            "account" => "mail.action.verify",
            "digest" => "mail.action.workspace",
            _ => "mail.action.application",
        };
        Letter {
            lang: lang.to_owned(),
            subject: subject.to_owned(),
            blocks: blocks(content),
            action: link_path.map(|path| {
                (
                    text(lang, label_key),
                    format!("{}{path}", public_url.trim_end_matches('/')),
                )
            }),
            footer: text(lang, "mail.footer"),
        }
    }

    /// (plain text, HTML).
    pub fn render(&self) -> Result<(String, String), askama::Error> {
        let text = PlainPart { letter: self }.render()?;
        let html = HtmlPart { letter: self }.render()?;
        Ok((text, html))
    }
}

fn text(lang: &str, key: &str) -> String {
    translate(lang, key, &[])
}

/// The text of `key` in `lang` (`zh-CN` or `en`) from `locales/`, with each `%{name}` replaced
/// by its value.
pub fn translate(lang: &str, key: &str, values: &[(&str, &str)]) -> String {
    let mut text = crate::_rust_i18n_try_translate(lang, key)
        .map(|t| t.into_owned())
        .unwrap_or_else(|| {
            tracing::warn!(key, lang, "missing translation");
            key.to_owned()
        });
    for (name, value) in values {
        text = text.replace(&format!("%{{{name}}}"), value);
    }
    text
}

#[derive(Template)]
#[template(path = "mail/letter.txt")]
struct PlainPart<'a> {
    letter: &'a Letter,
}

#[derive(Template)]
#[template(path = "mail/letter.html")]
struct HtmlPart<'a> {
    letter: &'a Letter,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_become_paragraphs_and_dashes_lists() {
        assert_eq!(
            blocks("尊敬的 张三：\n\n请补正：\n- 营业执照\n- 身份证\n补正后重新提交。"),
            vec![
                Block::Paragraph("尊敬的 张三：".into()),
                Block::Paragraph("请补正：".into()),
                Block::List(vec!["营业执照".into(), "身份证".into()]),
                Block::Paragraph("补正后重新提交。".into()),
            ]
        );
    }

    #[test]
    fn both_parts_carry_the_content_and_the_html_is_escaped() {
        let letter = Letter::new(
            "en",
            "transition:accept",
            "[4403] Accepted",
            "Dear <script>alert(1)</script>,\n- one & two",
            Some("/applications/7"),
            "https://onestop.example/",
        );
        let (text, html) = letter.render().expect("renders");
        assert!(text.contains("Dear <script>alert(1)</script>,"));
        assert!(text.contains("https://onestop.example/applications/7"));
        assert!(
            html.contains("Dear &#60;script&#62;alert(1)&#60;/script&#62;,"),
            "{html}"
        );
        assert!(html.contains("<li>one &#38; two</li>"), "{html}");
        assert!(html.contains(r#"href="https://onestop.example/applications/7""#));
        assert!(html.contains(r#"<html lang="en">"#));
        assert!(!html.contains("<img"), "no images, so no tracking pixels");
    }
}
