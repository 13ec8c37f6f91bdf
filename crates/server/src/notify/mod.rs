//! Mail out: the templates, the message of a delivery, and the transports
//! that carry it (an SMTP server, or the database's mailbox when none is
//! configured and mail is kept); webhook calls in [`webhook`].

pub mod message;
pub mod networks;
pub mod smtp;
pub mod templates;
pub mod webhook;

use std::sync::Arc;

use async_trait::async_trait;
use kept_app::Context;
use kept_app::notify::{Delivered, Notice, Transport};
use kept_domain::{Channel, Timestamp};
use kept_store::notify::{Delivery, KeptMail};

use crate::config::Config;
use message::Letterhead;
use templates::Templates;

/// Where email goes.
pub enum Mailer {
    /// To an SMTP server.
    Smtp(smtp::Smtp),
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
            Mailer::Smtp(smtp::Smtp::new(config)?)
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
                smtp.send(&message).await?;
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
