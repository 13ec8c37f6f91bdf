//! Webhook calls: each delivery is posted to its subscription's endpoint
//! as JSON, signed the way the Standard Webhooks specification describes
//! (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64
//! HMAC-SHA256 of "{id}.{timestamp}.{body}">`, keyed by the bytes of the
//! subscription's `whsec_` secret).
//!
//! Before any request the endpoint's host is resolved and every address it
//! resolves to is checked against the allowed networks ([`Networks`]); the
//! call then connects to those checked addresses only, so a DNS answer that
//! changes between the check and the connection (DNS rebinding) cannot
//! reach anything else. Redirects are not followed; no proxy is used.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use kept_app::Context;
use kept_app::notify::{Delivered, Transport};
use kept_domain::webhook::secret_key;
use kept_domain::{Channel, Timestamp, WebhookId};
use kept_store::StoreError;
use kept_store::notify::Delivery;
use sha2::Sha256;
use url::{Host, Url};

use super::networks::Networks;
use crate::config::Config;

/// How long resolving, connecting and the whole exchange may each take.
const TIMEOUT: Duration = Duration::from_secs(10);
/// The longest error kept on a delivery.
const MAX_ERROR: usize = 500;

/// The transport of webhook deliveries.
#[derive(Debug)]
pub struct Webhooks {
    networks: Networks,
    allow_http: bool,
}

impl Webhooks {
    /// The transport `config` describes (its networks were checked when it
    /// was loaded; they are checked again here for configurations built in
    /// code).
    pub fn from_config(config: &Config) -> anyhow::Result<Arc<Self>> {
        let networks = Networks::of(
            config
                .webhook_networks()
                .map_err(|e| anyhow::anyhow!("webhook_allowed_networks: {e}"))?,
        );
        Ok(Arc::new(Self {
            networks,
            allow_http: config.webhook_allow_http,
        }))
    }

    /// Where webhooks may go, in words, for the start-up log.
    pub fn describe(&self) -> String {
        format!("to {}", self.networks)
    }

    /// The addresses `url`'s host resolves to, each of them allowed; an
    /// error naming the first that is not (or why none was found).
    async fn checked_addresses(&self, url: &Url) -> Result<Vec<SocketAddr>, String> {
        let port = url
            .port_or_known_default()
            .ok_or("the endpoint has no port")?;
        let addrs: Vec<SocketAddr> = match url.host() {
            Some(Host::Ipv4(ip)) => vec![SocketAddr::new(IpAddr::V4(ip), port)],
            Some(Host::Ipv6(ip)) => vec![SocketAddr::new(IpAddr::V6(ip), port)],
            Some(Host::Domain(name)) => {
                let lookup = tokio::net::lookup_host((name, port));
                match tokio::time::timeout(TIMEOUT, lookup).await {
                    Ok(Ok(found)) => found.collect(),
                    Ok(Err(e)) => return Err(format!("cannot resolve {name}: {e}")),
                    Err(_) => return Err(format!("resolving {name} timed out")),
                }
            }
            None => return Err("the endpoint has no host".into()),
        };
        let host = url.host_str().unwrap_or_default();
        if addrs.is_empty() {
            return Err(format!("{host} resolves to no address"));
        }
        if let Some(refused) = addrs.iter().find(|a| !self.networks.allows(a.ip())) {
            return Err(format!(
                "refused: {host} resolves to {}, which is outside the networks webhooks may \
                 call ({}; see webhook_allowed_networks); nothing was sent",
                refused.ip(),
                self.networks
            ));
        }
        Ok(addrs)
    }

    /// A client for one call to `url`, which connects only to `addrs`.
    fn client(&self, url: &Url, addrs: &[SocketAddr]) -> Result<reqwest::Client, String> {
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .https_only(!self.allow_http)
            .connect_timeout(TIMEOUT)
            .timeout(TIMEOUT)
            .user_agent(concat!("Kept-Webhooks/", env!("CARGO_PKG_VERSION")));
        if let Some(Host::Domain(name)) = url.host() {
            builder = builder.resolve_to_addrs(name, addrs);
        }
        builder.build().map_err(|e| error_chain(&e))
    }
}

/// The `webhook-signature` of a call: `v1,` and the base64 HMAC-SHA256,
/// keyed by `key`, of `{id}.{timestamp}.{body}`.
pub fn signature(key: &[u8], id: &str, timestamp: i64, body: &[u8]) -> Result<String, String> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).map_err(|e| e.to_string())?;
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    Ok(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

/// An error with its causes, which say what actually failed (refused,
/// timed out, a certificate), cut to a length fit for the outbox page.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    if text.chars().count() > MAX_ERROR {
        text = text.chars().take(MAX_ERROR).collect::<String>() + "…";
    }
    text
}

#[async_trait]
impl Transport for Webhooks {
    fn channels(&self) -> Vec<Channel> {
        vec![Channel::Webhook]
    }

    async fn deliver(&self, ctx: &Context, delivery: &Delivery) -> Result<Delivered, String> {
        let id: WebhookId = delivery
            .recipient
            .parse()
            .map_err(|_| "the recipient is not a webhook subscription".to_owned())?;
        let target = ctx.store.webhook_target(id).await.map_err(|e| match e {
            StoreError::NotFound => "the webhook subscription does not exist".to_owned(),
            e => e.to_string(),
        })?;
        if target.archived_at.is_some() {
            return Err("the webhook subscription was deleted".into());
        }
        let key = secret_key(&target.secret)
            .ok_or("the subscription's secret is not a whsec_ signing secret")?;
        let url = Url::parse(&target.url).map_err(|e| format!("the endpoint is not a URL: {e}"))?;
        match url.scheme() {
            "https" => {}
            "http" if self.allow_http => {}
            _ => return Err("refused: the endpoint is not https (webhook_allow_http)".into()),
        }
        let addrs = self.checked_addresses(&url).await?;
        let body = serde_json::to_vec(&delivery.payload).map_err(|e| e.to_string())?;
        let msg_id = delivery.outbox_id.to_string();
        let timestamp = Timestamp::now().as_second();
        let signed = signature(&key, &msg_id, timestamp, &body)?;
        let response = self
            .client(&url, &addrs)?
            .post(url)
            .header("content-type", "application/json")
            .header("webhook-id", msg_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signed)
            .body(body)
            .send()
            .await
            .map_err(|e| error_chain(&e))?;
        let status = response.status();
        if status.is_success() {
            Ok(Delivered::Sent)
        } else {
            Err(format!("the endpoint answered {status}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_matches_the_specifications_example() {
        // The example of the Standard Webhooks reference libraries.
        let key = secret_key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").expect("a secret");
        let body = br#"{"test": 2432232314}"#;
        let signed =
            signature(&key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body).expect("signs");
        assert_eq!(signed, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    fn only(nets: &[&str]) -> Webhooks {
        Webhooks {
            networks: Networks::of(nets.iter().map(|n| n.parse().expect("a range")).collect()),
            allow_http: true,
        }
    }

    #[tokio::test]
    async fn every_address_a_name_resolves_to_is_checked() {
        let url = Url::parse("http://localhost:9/in").expect("a URL");
        let refused = only(&["10.0.0.0/8"])
            .checked_addresses(&url)
            .await
            .expect_err("loopback is outside 10/8");
        assert!(
            refused.starts_with("refused: localhost resolves to "),
            "{refused}"
        );
        assert!(refused.contains("10.0.0.0/8"), "{refused}");
        let loopback = only(&["127.0.0.0/8", "::1/128"])
            .checked_addresses(&url)
            .await
            .expect("every loopback address is allowed");
        assert!(
            loopback
                .iter()
                .all(|a| a.port() == 9 && a.ip().is_loopback())
        );
        let literal = Url::parse("https://[::ffff:127.0.0.1]/").expect("a URL");
        assert!(
            Webhooks::from_config(&Config::default())
                .expect("the default")
                .checked_addresses(&literal)
                .await
                .is_err(),
            "loopback written as IPv6 is refused by default"
        );
    }
}
