//! Mail out: the templates, the message of a delivery, and the transports
//! that carry it (an SMTP server, or the database's mailbox when none is
//! configured and mail is kept); webhook calls in [`webhook`].

pub mod message;
pub mod networks;
pub mod templates;
pub mod webhook;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use kept_app::Context;
use kept_app::notify::{Delivered, Notice, Transport};
use kept_domain::{Channel, Timestamp};
use kept_store::notify::{Delivery, KeptMail};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::config::{Config, SmtpTls};
use message::Letterhead;
use templates::Templates;

/// How long one SMTP exchange may take before the attempt fails.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// Where email goes.
pub enum Mailer {
    /// To an SMTP server.
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// Into the database, for the admin's mail view.
    Keep,
    /// Nowhere yet: email waits in the outbox.
    Hold,
}

/// The transport of this server's deliveries.
pub struct Outgoing {
    templates: Templates,
    letterhead: Letterhead,
    mailer: Mailer,
}

impl Outgoing {
    /// The transport `config` describes; its templates are loaded (and
    /// checked) here, so a broken one stops start-up.
    pub fn from_config(config: &Config) -> anyhow::Result<Arc<Self>> {
        let dir = (!config.mail_templates_dir.is_empty())
            .then(|| std::path::PathBuf::from(&config.mail_templates_dir));
        let templates = Templates::load(dir.as_deref())?;
        let from: lettre::message::Mailbox = config
            .mail_from
            .parse()
            .map_err(|e| anyhow::anyhow!("mail_from {:?}: {e}", config.mail_from))?;
        let reply_to = if config.mail_reply_to.is_empty() {
            from.email.clone()
        } else {
            config
                .mail_reply_to
                .parse()
                .map_err(|e| anyhow::anyhow!("mail_reply_to {:?}: {e}", config.mail_reply_to))?
        };
        let mailer = if !config.smtp_host.is_empty() {
            Mailer::Smtp(smtp(config)?)
        } else if config.mail_keep {
            Mailer::Keep
        } else {
            Mailer::Hold
        };
        Ok(Arc::new(Self {
            templates,
            letterhead: Letterhead {
                from,
                reply_to,
                public_url: config.effective_public_url(),
            },
            mailer,
        }))
    }

    /// What happens to email, in words, for the start-up log.
    pub fn describe(&self) -> &'static str {
        match self.mailer {
            Mailer::Smtp(_) => "sent through the SMTP server",
            Mailer::Keep => "kept in the database and shown on /admin/mail (no SMTP server)",
            Mailer::Hold => {
                "held in the outbox: no SMTP server is configured (set smtp_host, or mail_keep)"
            }
        }
    }
}

/// The SMTP transport `config` describes.
fn smtp(config: &Config) -> anyhow::Result<AsyncSmtpTransport<Tokio1Executor>> {
    let host = config.smtp_host.as_str();
    let builder = match config.smtp_tls {
        SmtpTls::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)?,
        SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host)?,
        SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
    };
    let mut builder = builder.port(config.smtp_port).timeout(Some(SMTP_TIMEOUT));
    if !config.smtp_username.is_empty() {
        builder = builder.credentials(Credentials::new(
            config.smtp_username.clone(),
            config.smtp_password.clone(),
        ));
    }
    Ok(builder.build())
}

#[async_trait]
impl Transport for Outgoing {
    fn channels(&self) -> Vec<Channel> {
        match self.mailer {
            Mailer::Hold => Vec::new(),
            _ => vec![Channel::Email],
        }
    }

    async fn deliver(&self, _ctx: &Context, delivery: &Delivery) -> Result<Delivered, String> {
        let (message, subject) = message::build(&self.templates, &self.letterhead, delivery)?;
        match &self.mailer {
            Mailer::Smtp(smtp) => {
                smtp.send(message).await.map_err(|e| e.to_string())?;
                Ok(Delivered::Sent)
            }
            Mailer::Keep => {
                let notice: Option<Notice> = serde_json::from_value(delivery.payload.clone()).ok();
                Ok(Delivered::Kept(KeptMail {
                    delivery_id: delivery.id,
                    recipient: delivery.recipient.clone(),
                    user_id: delivery.user_id,
                    request_id: notice.and_then(|n| n.request.map(|r| r.id)),
                    subject,
                    message: String::from_utf8_lossy(&message.formatted()).into_owned(),
                    created_at: Timestamp::now(),
                }))
            }
            Mailer::Hold => Err("no SMTP server is configured".into()),
        }
    }
}
