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

/// A file name safe to show and to offer back: no folders (`../`, `C:\`), no control
/// characters, at most 120 characters, never empty.
pub fn clean_file_name(name: &str, file_type: FileType) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>' | ':' | '*' | '?' | '|'))
        .take(120)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_owned();
    if cleaned.is_empty() {
        format!("material.{}", file_type.extension())
    } else {
        cleaned
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
        assert_eq!(clean_file_name("../../etc/passwd", FileType::Pdf), "passwd");
        assert_eq!(
            clean_file_name("C:\\Users\\li\\营业执照.pdf", FileType::Pdf),
            "营业执照.pdf"
        );
        assert_eq!(clean_file_name("a\"b\r\n.pdf", FileType::Pdf), "ab.pdf");
        assert_eq!(clean_file_name("..", FileType::Png), "material.png");
        assert_eq!(clean_file_name("", FileType::Jpeg), "material.jpg");
    }
}
