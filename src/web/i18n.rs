//! The translation layer: every visible string of the interface goes through [`Lang::t`].
//! Texts live in `locales/zh-CN.yml` and `locales/en.yml`; catalog names come in both
//! languages with the catalog (see `PageContext::pick`).

use std::borrow::Cow;

use actix_web::HttpRequest;
use actix_web::http::header;

/// The cookie that remembers the language chosen with the switch.
pub const LANG_COOKIE: &str = "lang";

/// The interface language: Simplified Chinese first, English second.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Zh, Lang::En];

    /// The BCP 47 tag, used for `<html lang>` and as the locale of the texts.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// The other language, which the switch offers.
    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }

    /// Parses `zh`, `zh-CN`, `zh-Hans…`, `en`, `en-GB`… (any case).
    pub fn parse(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "zh" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The cookie set by the switch wins; then the first supported language of
    /// `Accept-Language` by quality; then Chinese.
    pub fn of_request(req: &HttpRequest) -> Lang {
        if let Some(lang) = req.cookie(LANG_COOKIE).and_then(|c| Lang::parse(c.value())) {
            return lang;
        }
        req.headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(Lang::from_accept_language)
            .unwrap_or_default()
    }

    fn from_accept_language(value: &str) -> Option<Lang> {
        let mut best: Option<(f32, Lang)> = None;
        for part in value.split(',') {
            let mut pieces = part.split(';');
            let Some(lang) = pieces.next().and_then(Lang::parse) else {
                continue;
            };
            let quality = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            if quality > 0.0 && best.is_none_or(|(q, _)| quality > q) {
                best = Some((quality, lang));
            }
        }
        best.map(|(_, lang)| lang)
    }

    /// The text for `key` in this language (the key itself if a text is missing, which the
    /// locale tests rule out for every key the code uses).
    pub fn t(self, key: &str) -> Cow<'static, str> {
        match crate::_rust_i18n_try_translate(self.code(), key) {
            Some(text) => text,
            None => {
                tracing::warn!(key, lang = self.code(), "missing translation");
                Cow::Owned(key.to_owned())
            }
        }
    }

    /// The text for `key` with `%{name}` placeholders filled in.
    pub fn tf(self, key: &str, args: &[(&str, &dyn std::fmt::Display)]) -> String {
        let mut text = self.t(key).into_owned();
        for (name, value) in args {
            text = text.replace(&format!("%{{{name}}}"), &value.to_string());
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::Lang;

    #[test]
    fn accept_language_picks_the_best_supported_language() {
        assert_eq!(Lang::from_accept_language("en-US,en;q=0.9"), Some(Lang::En));
        assert_eq!(
            Lang::from_accept_language("fr;q=1, zh-CN;q=0.8, en;q=0.5"),
            Some(Lang::Zh)
        );
        assert_eq!(
            Lang::from_accept_language("en;q=0.3, zh-TW;q=0.7"),
            Some(Lang::Zh)
        );
        assert_eq!(Lang::from_accept_language("de, fr"), None);
        assert_eq!(Lang::from_accept_language("en;q=0"), None);
    }

    #[test]
    fn placeholders_are_filled() {
        assert_eq!(
            Lang::En.tf("catalog.results", &[("n", &12)]),
            "12 services found"
        );
    }
}
