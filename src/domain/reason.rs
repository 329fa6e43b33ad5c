//! The reasons the server gives a person for refusing a change, in both page languages: an
//! administrator reading English gets English, one reading Chinese gets Chinese. `Display`
//! is the English, for logs and the command line.

use std::fmt;

/// Why something was refused, said in Chinese and in English. A reader's complaint about a text
/// (a TOML or JSON syntax error) also carries the place it points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    pub zh: String,
    pub en: String,
    pub place: Option<Place>,
}

impl Reason {
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Reason {
        Reason {
            zh: zh.into(),
            en: en.into(),
            place: None,
        }
    }

    /// The reason in English when `english`, else in Chinese.
    pub fn text(&self, english: bool) -> &str {
        if english { &self.en } else { &self.zh }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.en)?;
        if let Some(place) = &self.place {
            write!(f, " (line {}, column {})", place.line_number, place.column)?;
        }
        Ok(())
    }
}

/// A place in a text that a reason points at: the line as written and the part of it before
/// the place. A page shows the line and, under it, the part before drawn invisibly and then a
/// caret, so the caret stands under the exact character in any font, Chinese text and tabs
/// included (counting columns would misplace it under wide characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// From 1.
    pub line_number: usize,
    /// From 1, in characters.
    pub column: usize,
    pub line: String,
    pub before: String,
    /// The reader's own words (the TOML or JSON library's, in English).
    pub detail: String,
}

impl Place {
    /// The place of byte `offset` in `text` (an offset inside a character counts as that
    /// character; one past the end as the end of the last line).
    pub fn at(text: &str, offset: usize, detail: impl Into<String>) -> Place {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
        let before = &text[line_start..offset];
        Place {
            line_number: text[..line_start].matches('\n').count() + 1,
            column: before.chars().count() + 1,
            line: text[line_start..line_end].trim_end_matches('\r').to_owned(),
            before: before.to_owned(),
            detail: detail.into(),
        }
    }

    /// Spaces as wide as the line number, for the caret line's gutter.
    pub fn gutter(&self) -> String {
        " ".repeat(self.line_number.to_string().len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_place_is_its_line_and_what_comes_before_it_in_characters() {
        let text = "key = \"a\"\nname = \"食品经营\" x\nlast";
        let offset = text.find(" x").unwrap() + 1;
        let place = Place::at(text, offset, "expected newline");
        assert_eq!(place.line_number, 2);
        assert_eq!(place.line, "name = \"食品经营\" x");
        assert_eq!(place.before, "name = \"食品经营\" ");
        assert_eq!(place.column, 15, "characters, not bytes");
        assert_eq!(place.gutter(), " ");
    }

    #[test]
    fn a_place_at_the_end_or_inside_a_character_stays_in_the_text() {
        let text = "a = \n";
        let end = Place::at(text, 99, "unexpected end");
        assert_eq!((end.line_number, end.line.as_str()), (2, ""));
        let inside = Place::at("名", 1, "x");
        assert_eq!((inside.column, inside.before.as_str()), (1, ""));
    }
}
