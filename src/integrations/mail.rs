//! Sending email: over SMTP (lettre, rustls) or, without `[smtp]`, into a folder as
//! `.eml` files for demos and trials.

use crate::config::{Config, Smtp, SmtpSecurity};
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::{Credentials, DEFAULT_MECHANISMS};
use lettre::transport::smtp::client::{SmtpConnection, Tls, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};
use lettre::Message;
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
    /// The whole message was handed over, then the connection broke or timed out before
    /// the server said whether it took it: it may have been delivered.
    #[error("{0}")]
    Uncertain(String),
}

/// How to reach the SMTP server. Each send opens its own connection, so that what
/// happened can be told apart step by step.
struct SmtpRoute {
    server: String,
    port: u16,
    tls: Tls,
    timeout: Duration,
    credentials: Option<Credentials>,
    /// `host:port`, for messages.
    host: String,
}

enum Route {
    Smtp(SmtpRoute),
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
        let credentials = match &smtp.username {
            Some(user) => {
                let password = match (&smtp.password_env, &smtp.password_file) {
                    (Some(env), _) => crate::secrets::from_env(env),
                    (None, Some(file)) => crate::secrets::from_file(file),
                    (None, None) => return Err(MailError::Permanent("[smtp] username without a password".into())),
                }
                .map_err(|e| MailError::Permanent(format!("SMTP password: {e}")))?;
                Some(Credentials::new(user.clone(), password))
            }
            None => None,
        };
        Ok(Mailer {
            route: Route::Smtp(SmtpRoute {
                server: smtp.host.clone(),
                port,
                tls,
                timeout: Duration::from_secs(smtp.timeout_secs.unwrap_or(30)),
                credentials,
                host: format!("{}:{port}", smtp.host),
            }),
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
            Route::Smtp(route) => route.send(&message)?,
            Route::Folder(dir) => {
                std::fs::create_dir_all(dir)
                    .map_err(|e| MailError::Temporary(format!("cannot create {}: {e}", dir.display())))?;
                let stem: String = message_id.trim_matches(['<', '>']).replace(['@', '/'], "_");
                let path = dir.join(format!("{stem}.eml"));
                crate::fsutil::write_atomically(&path, &message.formatted())
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
            Route::Smtp(route) => format!("SMTP server {}", route.host),
            Route::Folder(d) => format!("folder {}", d.display()),
        }
    }
}

impl SmtpRoute {
    /// Sends one message over a connection of its own, in the steps lettre's transport
    /// takes, so that a failure can be placed: anything up to and including `DATA` left
    /// nothing with the server (retry or refuse as the answer says); a broken connection
    /// or a timeout while the message itself goes over may have delivered it.
    fn send(&self, message: &Message) -> Result<(), MailError> {
        let hello = ClientId::default();
        let wrapper = match &self.tls {
            Tls::Wrapper(params) => Some(params),
            _ => None,
        };
        let mut conn = SmtpConnection::connect(
            (self.server.as_str(), self.port),
            Some(self.timeout),
            &hello,
            wrapper,
            None,
        )
        .map_err(|e| self.fail(&e))?;
        let sent = self.send_on(&mut conn, &hello, message);
        conn.abort();
        sent
    }

    /// A failure that left nothing with the server: before the message went over, or the
    /// server's own refusal or deferral of it.
    fn fail(&self, e: &lettre::transport::smtp::Error) -> MailError {
        classify(e, &self.host)
    }

    fn send_on(&self, conn: &mut SmtpConnection, hello: &ClientId, message: &Message) -> Result<(), MailError> {
        if let Tls::Required(params) = &self.tls {
            conn.starttls(params, hello).map_err(|e| self.fail(&e))?;
        }
        if let Some(credentials) = &self.credentials {
            conn.auth(DEFAULT_MECHANISMS, credentials).map_err(|e| self.fail(&e))?;
        }
        let envelope = message.envelope();
        let bytes = message.formatted();
        let mut options = Vec::new();
        let ascii = |a: &lettre::Address| AsRef::<str>::as_ref(a).is_ascii();
        let ascii_addresses = envelope.to().iter().all(ascii) && envelope.from().is_none_or(ascii);
        if !ascii_addresses {
            if !conn.server_info().supports_feature(Extension::SmtpUtfEight) {
                return Err(MailError::Permanent(format!(
                    "{}: an address is not plain ASCII and the server does not take SMTPUTF8",
                    self.host
                )));
            }
            options.push(MailParameter::SmtpUtfEight);
        }
        if !bytes.is_ascii() {
            if !conn.server_info().supports_feature(Extension::EightBitMime) {
                return Err(MailError::Permanent(format!(
                    "{}: the message is not plain ASCII and the server does not take 8BITMIME",
                    self.host
                )));
            }
            options.push(MailParameter::Body(MailBodyParameter::EightBitMime));
        }
        conn.command(Mail::new(envelope.from().cloned(), options))
            .map_err(|e| self.fail(&e))?;
        for to in envelope.to() {
            conn.command(Rcpt::new(to.clone(), vec![])).map_err(|e| self.fail(&e))?;
        }
        conn.command(Data).map_err(|e| self.fail(&e))?;
        match conn.message(&bytes) {
            Ok(_) => Ok(()),
            // The server answered: it refused or deferred the message, so it does not have it.
            Err(e) if e.is_permanent() || e.is_transient() => Err(self.fail(&e)),
            Err(e) => Err(MailError::Uncertain(format!(
                "{}: the connection broke while the message went over ({e}); the server may have taken it",
                self.host
            ))),
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
