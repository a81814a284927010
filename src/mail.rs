//! Sending email: over SMTP (lettre, rustls) or, without `[smtp]`, into a folder as
//! `.eml` files for demos and trials.

use crate::config::{Config, Smtp, SmtpSecurity};
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{Message, SmtpTransport, Transport};
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use std::time::Duration;
use thiserror::Error;

/// One email to send.
#[derive(Debug, Clone)]
pub struct OutgoingMail {
    pub to: Vec<String>,
    pub subject: String,
    pub body: String,
    /// File name and bytes of a PDF attachment.
    pub attachment: Option<(String, Vec<u8>)>,
}

/// What the server (or folder) took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    pub message_id: String,
    pub recipients: Vec<String>,
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum MailError {
    /// Worth trying again later: connection refused or dropped, timeouts, 4xx answers.
    #[error("{0}")]
    Temporary(String),
    /// Not worth retrying: 5xx answers, bad addresses, bad configuration.
    #[error("{0}")]
    Permanent(String),
}

enum Route {
    Smtp { transport: SmtpTransport, host: String },
    Folder(PathBuf),
}

/// Sends mail the configured way.
pub struct Mailer {
    route: Route,
    from: Mailbox,
    reply_to: Option<Mailbox>,
}

fn mailbox(text: &str, what: &str) -> Result<Mailbox, MailError> {
    text.parse::<Mailbox>()
        .map_err(|e| MailError::Permanent(format!("{what} `{text}` is not an email address: {e}")))
}

impl Mailer {
    /// The mailer the configuration asks for; `None` when neither `[smtp]` nor `[mail]
    /// folder` is configured.
    pub fn from_config(config: &Config) -> Result<Option<Mailer>, MailError> {
        if let Some(smtp) = &config.smtp {
            return Self::smtp(smtp).map(Some);
        }
        if let Some(m) = &config.mail {
            let from = config
                .company
                .as_ref()
                .and_then(|c| c.email.clone())
                .unwrap_or_else(|| "purser@localhost".to_string());
            return Ok(Some(Mailer {
                route: Route::Folder(m.folder.clone()),
                from: mailbox(&from, "from")?,
                reply_to: None,
            }));
        }
        Ok(None)
    }

    fn smtp(smtp: &Smtp) -> Result<Mailer, MailError> {
        let port = smtp.port.unwrap_or(match smtp.security {
            SmtpSecurity::Tls => 465,
            SmtpSecurity::Starttls => 587,
            SmtpSecurity::None => 25,
        });
        let tls = match smtp.security {
            SmtpSecurity::None => Tls::None,
            SmtpSecurity::Starttls | SmtpSecurity::Tls => {
                let params = TlsParameters::new(smtp.host.clone())
                    .map_err(|e| MailError::Permanent(format!("TLS for {}: {e}", smtp.host)))?;
                if smtp.security == SmtpSecurity::Tls {
                    Tls::Wrapper(params)
                } else {
                    Tls::Required(params)
                }
            }
        };
        let mut builder = SmtpTransport::builder_dangerous(&smtp.host)
            .port(port)
            .tls(tls)
            .timeout(Some(Duration::from_secs(smtp.timeout_secs.unwrap_or(30))));
        if let Some(user) = &smtp.username {
            let password = match (&smtp.password_env, &smtp.password_file) {
                (Some(env), _) => crate::secrets::from_env(env),
                (None, Some(file)) => crate::secrets::from_file(file),
                (None, None) => return Err(MailError::Permanent("[smtp] username without a password".into())),
            }
            .map_err(|e| MailError::Permanent(format!("SMTP password: {e}")))?;
            builder = builder.credentials(Credentials::new(user.clone(), password));
        }
        Ok(Mailer {
            route: Route::Smtp {
                transport: builder.build(),
                host: format!("{}:{port}", smtp.host),
            },
            from: mailbox(&smtp.from, "[smtp] from")?,
            reply_to: smtp
                .reply_to
                .as_deref()
                .map(|r| mailbox(r, "[smtp] reply_to"))
                .transpose()?,
        })
    }

    /// Builds the message (so its bytes can be checked) without sending it.
    pub fn build(&self, mail: &OutgoingMail) -> Result<(Message, String), MailError> {
        if mail.to.is_empty() {
            return Err(MailError::Permanent("no recipients".into()));
        }
        let domain = self.from.email.domain().to_string();
        let mut h = Sha256::new();
        h.update(mail.subject.as_bytes());
        h.update(chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0).to_le_bytes());
        h.update(std::process::id().to_le_bytes());
        let digest: String = h.finalize().iter().take(12).map(|b| format!("{b:02x}")).collect();
        let message_id = format!("<purser.{digest}@{domain}>");
        let mut builder = Message::builder()
            .from(self.from.clone())
            .subject(mail.subject.clone())
            .message_id(Some(message_id.clone()));
        if let Some(r) = &self.reply_to {
            builder = builder.reply_to(r.clone());
        }
        for to in &mail.to {
            builder = builder.to(mailbox(to, "recipient")?);
        }
        let text = SinglePart::builder()
            .header(ContentType::TEXT_PLAIN)
            .body(mail.body.clone());
        let message = match &mail.attachment {
            Some((name, bytes)) => builder.multipart(MultiPart::mixed().singlepart(text).singlepart(
                Attachment::new(name.clone()).body(
                    bytes.clone(),
                    ContentType::parse("application/pdf").expect("a valid content type"),
                ),
            )),
            None => builder.singlepart(text),
        }
        .map_err(|e| MailError::Permanent(format!("cannot build the message: {e}")))?;
        Ok((message, message_id))
    }

    /// Sends one email.
    pub fn send(&self, mail: &OutgoingMail) -> Result<Sent, MailError> {
        let (message, message_id) = self.build(mail)?;
        match &self.route {
            Route::Smtp { transport, host } => {
                transport.send(&message).map_err(|e| classify(&e, host))?;
            }
            Route::Folder(dir) => {
                std::fs::create_dir_all(dir)
                    .map_err(|e| MailError::Temporary(format!("cannot create {}: {e}", dir.display())))?;
                let stem: String = message_id.trim_matches(['<', '>']).replace(['@', '/'], "_");
                let path = dir.join(format!("{stem}.eml"));
                let tmp = dir.join(format!(".{stem}.eml.tmp"));
                std::fs::write(&tmp, message.formatted())
                    .and_then(|_| std::fs::rename(&tmp, &path))
                    .map_err(|e| MailError::Temporary(format!("cannot write {}: {e}", path.display())))?;
            }
        }
        Ok(Sent {
            message_id,
            recipients: mail.to.clone(),
        })
    }

    /// Where mail goes, for messages: `smtp host:port` or the folder.
    pub fn describe(&self) -> String {
        match &self.route {
            Route::Smtp { host, .. } => format!("SMTP server {host}"),
            Route::Folder(d) => format!("folder {}", d.display()),
        }
    }
}

fn classify(e: &lettre::transport::smtp::Error, host: &str) -> MailError {
    let text = format!("{host}: {e}");
    if e.is_permanent() {
        MailError::Permanent(text)
    } else {
        MailError::Temporary(text)
    }
}
