//! Checks on uploaded files, by their content.

/// The file types accepted for materials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileType {
    Pdf,
    Jpeg,
    Png,
}

impl FileType {
    /// The type the first bytes show, whatever the file is called or claims to be.
    pub fn sniff(content: &[u8]) -> Option<FileType> {
        if content.starts_with(b"%PDF-") {
            Some(FileType::Pdf)
        } else if content.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(FileType::Jpeg)
        } else if content.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(FileType::Png)
        } else {
            None
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            FileType::Pdf => "application/pdf",
            FileType::Jpeg => "image/jpeg",
            FileType::Png => "image/png",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            FileType::Pdf => "pdf",
            FileType::Jpeg => "jpg",
            FileType::Png => "png",
        }
    }
}

/// Characters that change how a name is displayed without being seen: bidirectional overrides
/// and isolates (`\u{202e}` turns `fdp.html` into what reads as `lmth.pdf`), zero-width and other
/// format characters (Unicode category Cf), and variation or tag characters.
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}'
        | '\u{FFA0}' | '\u{FFF0}'..='\u{FFFB}' | '\u{1D173}'..='\u{1D17A}'
        | '\u{E0000}'..='\u{E0FFF}')
}

/// A file name safe to show and to offer back: no folders (`../`, `C:\`), no control or
/// invisible characters, at most 120 characters, never empty, and always ending in the extension
/// of the type its content has. Whatever extension the name had is replaced, so that neither
/// `scan.pdf.hta` nor a name that only looks like `.pdf` reaches a clerk's computer as anything
/// but what it is.
pub fn clean_file_name(name: &str, file_type: FileType) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .filter(|c| {
            !c.is_control()
                && !is_invisible(*c)
                && !matches!(c, '"' | '<' | '>' | ':' | '*' | '?' | '|')
        })
        .take(120)
        .collect();
    // A name that is only an extension (`.pdf`, `.htaccess`) has no stem to keep.
    let mut stem = without_extension(cleaned.trim()).trim_start_matches('.');
    let wanted = file_type.extension();
    // `scan.pdf.hta` becomes `scan.pdf`, not `scan.pdf.pdf`; `photo.jpeg` becomes `photo.jpg`.
    if let Some(inner) = stem
        .rsplit_once('.')
        .map(|(s, e)| (s, e.to_ascii_lowercase()))
        && (inner.1 == wanted || (wanted == "jpg" && inner.1 == "jpeg"))
    {
        stem = inner.0;
    }
    let stem = stem.trim_end_matches(['.', ' ']);
    if stem.is_empty() {
        format!("material.{wanted}")
    } else {
        format!("{stem}.{wanted}")
    }
}

/// The name without its last extension (up to 10 letters or digits after the last dot).
fn without_extension(name: &str) -> &str {
    match name.rsplit_once('.') {
        Some((stem, ext))
            if !ext.is_empty()
                && ext.len() <= 10
                && ext.chars().all(|c| c.is_ascii_alphanumeric()) =>
        {
            stem
        }
        _ => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_told_by_content_not_by_name() {
        assert_eq!(FileType::sniff(b"%PDF-1.7 ..."), Some(FileType::Pdf));
        assert_eq!(
            FileType::sniff(&[0xFF, 0xD8, 0xFF, 0xE0]),
            Some(FileType::Jpeg)
        );
        assert_eq!(
            FileType::sniff(b"\x89PNG\r\n\x1a\n...."),
            Some(FileType::Png)
        );
        assert_eq!(FileType::sniff(b"MZ\x90\x00 an exe renamed .pdf"), None);
        assert_eq!(FileType::sniff(b""), None);
    }

    #[test]
    fn file_names_lose_their_folders_and_tricks() {
        assert_eq!(
            clean_file_name("../../etc/passwd", FileType::Pdf),
            "passwd.pdf"
        );
        assert_eq!(
            clean_file_name("C:\\Users\\li\\营业执照.pdf", FileType::Pdf),
            "营业执照.pdf"
        );
        assert_eq!(clean_file_name("a\"b\r\n.pdf", FileType::Pdf), "ab.pdf");
        assert_eq!(clean_file_name("..", FileType::Png), "material.png");
        assert_eq!(clean_file_name("", FileType::Jpeg), "material.jpg");
    }

    #[test]
    fn file_names_show_what_they_are() {
        // A right-to-left override that makes `fdp.html` read as `lmth.pdf`.
        assert_eq!(
            clean_file_name("申请表\u{202e}fdp.html", FileType::Pdf),
            "申请表fdp.pdf"
        );
        assert_eq!(clean_file_name("scan.pdf.hta", FileType::Pdf), "scan.pdf");
        assert_eq!(
            clean_file_name("scan.pdf.hta", FileType::Png),
            "scan.pdf.png"
        );
        assert_eq!(clean_file_name("photo.JPEG", FileType::Jpeg), "photo.jpg");
        assert_eq!(
            clean_file_name("营业执照.PDF", FileType::Pdf),
            "营业执照.pdf"
        );
        assert_eq!(clean_file_name("invoice.exe", FileType::Pdf), "invoice.pdf");
        assert_eq!(
            clean_file_name("a\u{200b}b\u{2066}c\u{feff}.pdf", FileType::Pdf),
            "abc.pdf"
        );
        assert_eq!(
            clean_file_name("\u{202e}.pdf", FileType::Pdf),
            "material.pdf"
        );
        assert_eq!(
            clean_file_name("版本 1.2 说明", FileType::Pdf),
            "版本 1.2 说明.pdf"
        );
        for tricky in ["a\u{202e}b.pdf.exe", "x.html", "y.svg", "z"] {
            let name = clean_file_name(tricky, FileType::Png);
            assert!(name.ends_with(".png"), "{name}");
            assert!(!name.chars().any(is_invisible), "{name:?}");
        }
    }
}
