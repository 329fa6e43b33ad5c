//! Outgoing mail: the delivery of outbox rows by SMTP or, without `SMTP_URL`, to the mail
//! folder, each as plain text and HTML rendered from the letter templates.

pub mod letter;

use std::path::PathBuf;

use lettre::message::{Mailbox, MultiPart};
use lettre::{Message, Transport};

pub use letter::{Letter, translate};

/// Where queued mails go: an SMTP server (`SMTP_URL`), or `.eml` files in the mail folder.
#[derive(Clone)]
pub enum Delivery {
    Smtp(lettre::SmtpTransport),
    Folder(PathBuf),
}

/// Why one mail was not delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryError {
    /// The server refused it for good (5xx): retrying will not help.
    pub permanent: bool,
    pub message: String,
}

impl Delivery {
    /// From `SMTP_URL` in lettre's form: `smtp://user:pass@host:587?tls=required` (STARTTLS),
    /// `smtps://user:pass@host:465` (TLS), or `smtp://127.0.0.1:2525` (plain, for a local relay).
    /// Without a URL, mails go to `folder`.
    pub fn from_url(url: Option<&str>, folder: PathBuf) -> Result<Self, String> {
        match url.map(str::trim).filter(|u| !u.is_empty()) {
            None => Ok(Delivery::Folder(folder)),
            Some(url) => lettre::SmtpTransport::from_url(url)
                .map(|builder| {
                    Delivery::Smtp(
                        builder
                            .timeout(Some(std::time::Duration::from_secs(20)))
                            .build(),
                    )
                })
                .map_err(|e| format!("SMTP_URL is not usable: {e}")),
        }
    }

    pub fn send(&self, message: &Message) -> Result<(), DeliveryError> {
        match self {
            Delivery::Smtp(transport) => {
                transport
                    .send(message)
                    .map(|_| ())
                    .map_err(|e| DeliveryError {
                        permanent: e.is_permanent(),
                        message: e.to_string(),
                    })
            }
            Delivery::Folder(folder) => {
                write_to_folder(folder, message).map_err(|e| DeliveryError {
                    permanent: false,
                    message: e.to_string(),
                })
            }
        }
    }
}

/// Writes a mail into the folder as `<its Message-ID>.eml`, through a temporary file, so that
/// a mail delivered again (a node killed between writing it and recording it as sent, its
/// lease then taken over by another node) is the same file, not a second mail.
fn write_to_folder(folder: &std::path::Path, message: &Message) -> std::io::Result<()> {
    std::fs::create_dir_all(folder)?;
    let id = message
        .headers()
        .get_raw("Message-ID")
        .unwrap_or_default()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '@'))
        .collect::<String>();
    let name = if id.is_empty() {
        format!("mail-{}", uuid_like())
    } else {
        id
    };
    let partial = folder.join(format!(".{name}.partial"));
    std::fs::write(&partial, message.formatted())?;
    std::fs::rename(partial, folder.join(format!("{name}.eml")))
}

/// A name for a mail without a Message-ID (none of OneStop's): the time in nanoseconds.
fn uuid_like() -> String {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos())
        .to_string()
}

/// The message for one outbox row. Its Message-ID is derived from the row, so a mail sent twice
/// (a crash between sending and recording it) is recognisably the same mail.
pub fn outbox_message(
    id: i64,
    created_micros: i64,
    to: &str,
    letter: &Letter,
) -> Result<Message, String> {
    let to: Mailbox = to
        .parse()
        .map_err(|e: lettre::address::AddressError| e.to_string())?;
    let from: Mailbox = SENDER.parse().expect("valid sender");
    let (text, html) = letter.render().map_err(|e| e.to_string())?;
    Message::builder()
        .from(from)
        .to(to)
        .subject(&letter.subject)
        .message_id(Some(format!(
            "<outbox-{id}-{created_micros}@onestop.baoan.example>"
        )))
        // lettre picks the transfer encoding (quoted-printable or base64 for Chinese text).
        .multipart(MultiPart::alternative_plain_html(text, html))
        .map_err(|e| e.to_string())
}

const SENDER: &str = "宝安一网通办 <noreply@onestop.baoan.example>";
