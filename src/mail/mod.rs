//! Outgoing mail. Until the outbox and SMTP delivery exist, every message is written as an `.eml`
//! file to the mail folder (default `data/mail`), where a newcomer can open it.

use std::path::PathBuf;

use lettre::message::{Mailbox, SinglePart};
use lettre::{FileTransport, Message, Transport};

#[derive(Debug, Clone)]
pub struct Mailer {
    folder: PathBuf,
    from: Mailbox,
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("cannot build the message: {0}")]
    Build(String),
    #[error("cannot write the message to {folder}: {message}")]
    Write { folder: String, message: String },
}

impl Mailer {
    pub fn new(folder: PathBuf) -> Self {
        let from = "宝安一网通办 <noreply@onestop.baoan.example>"
            .parse()
            .expect("valid sender");
        Self { folder, from }
    }

    pub fn folder(&self) -> &std::path::Path {
        &self.folder
    }

    /// Writes one plain-text message; returns the file's path.
    pub fn send(&self, to: &str, subject: &str, body: String) -> Result<PathBuf, MailError> {
        let to: Mailbox = to
            .parse()
            .map_err(|e: lettre::address::AddressError| MailError::Build(e.to_string()))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            // lettre picks the transfer encoding (quoted-printable or base64 for Chinese text).
            .singlepart(SinglePart::plain(body))
            .map_err(|e| MailError::Build(e.to_string()))?;
        let write_error = |message: String| MailError::Write {
            folder: self.folder.display().to_string(),
            message,
        };
        std::fs::create_dir_all(&self.folder).map_err(|e| write_error(e.to_string()))?;
        let transport = FileTransport::new(&self.folder);
        let id = transport
            .send(&message)
            .map_err(|e| write_error(e.to_string()))?;
        Ok(self.folder.join(format!("{id}.eml")))
    }
}
