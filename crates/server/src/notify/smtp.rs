//! The SMTP client: lettre's connections, kept in a small pool, over
//! sockets that send at once (`TCP_NODELAY`).
//!
//! Why not lettre's own pooled transport: lettre 0.11.23 writes a
//! message's body and its closing `.` in two writes, and with Nagle's
//! algorithm on (lettre does not turn it off) the `.` waits for the
//! server's delayed acknowledgement of the body, about 40 ms a message on
//! Linux: eight connections then carry some 150 messages a second, less
//! than the desk takes in. Upstream has fixed it (lettre PR #1159), not
//! yet in a release. With implicit TLS (`smtp_tls = "tls"`) lettre makes
//! the socket itself, so that mode keeps the stall until the release.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use lettre::Message;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use tokio::net::TcpStream;

use crate::config::{Config, SmtpTls};

/// How long one SMTP exchange (connecting, or sending a message) may take
/// before the attempt fails.
const TIMEOUT: Duration = Duration::from_secs(30);
/// Idle connections kept for the next messages, at most (as many as the
/// delivery job has messages in flight).
const MAX_IDLE: usize = kept_app::notify::deliver::IN_FLIGHT;
/// A connection idle longer than this is checked with `NOOP` before use:
/// servers drop quiet clients (Postfix after 300 s).
const CHECK_AFTER: Duration = Duration::from_secs(15);

/// An SMTP server to send through.
pub struct Smtp {
    host: String,
    port: u16,
    tls: SmtpTls,
    credentials: Option<Credentials>,
    hello: ClientId,
    idle: Mutex<Vec<(AsyncSmtpConnection, Instant)>>,
}

impl Smtp {
    /// The server `config` names; no connection is made yet, but a host
    /// TLS cannot name stops start-up here.
    pub fn new(config: &Config) -> anyhow::Result<Self> {
        if config.smtp_tls != SmtpTls::None {
            TlsParameters::new(config.smtp_host.clone())
                .map_err(|e| anyhow::anyhow!("smtp_host {:?}: {e}", config.smtp_host))?;
        }
        let credentials = (!config.smtp_username.is_empty())
            .then(|| Credentials::new(config.smtp_username.clone(), config.smtp_password.clone()));
        Ok(Self {
            host: config.smtp_host.clone(),
            port: config.smtp_port,
            tls: config.smtp_tls,
            credentials,
            hello: ClientId::default(),
            idle: Mutex::new(Vec::new()),
        })
    }

    /// Sends `message` to its envelope's recipients.
    pub async fn send(&self, message: &Message) -> Result<(), String> {
        let body = message.formatted();
        let mut conn = self.checkout().await?;
        match tokio::time::timeout(TIMEOUT, conn.send(message.envelope(), &body)).await {
            Ok(Ok(_)) => {
                self.checkin(conn);
                Ok(())
            }
            Ok(Err(e)) => {
                conn.abort().await;
                Err(e.to_string())
            }
            Err(_) => {
                conn.abort().await;
                Err(format!("the SMTP server did not answer within {TIMEOUT:?}"))
            }
        }
    }

    /// An idle connection that still answers, or a new one.
    async fn checkout(&self) -> Result<AsyncSmtpConnection, String> {
        loop {
            let idle = self.idle.lock().ok().and_then(|mut idle| idle.pop());
            let Some((mut conn, since)) = idle else {
                return match tokio::time::timeout(TIMEOUT, self.connect()).await {
                    Ok(done) => done,
                    Err(_) => Err(format!(
                        "connecting to the SMTP server took longer than {TIMEOUT:?}"
                    )),
                };
            };
            if since.elapsed() < CHECK_AFTER
                || tokio::time::timeout(TIMEOUT, conn.test_connected())
                    .await
                    .unwrap_or(false)
            {
                return Ok(conn);
            }
            conn.abort().await;
        }
    }

    /// Keeps `conn` for the next message, if it is whole and there is room.
    fn checkin(&self, conn: AsyncSmtpConnection) {
        if conn.has_broken() {
            return;
        }
        if let Ok(mut idle) = self.idle.lock()
            && idle.len() < MAX_IDLE
        {
            idle.push((conn, Instant::now()));
        }
    }

    /// A new connection: greeted, encrypted as configured, logged in.
    async fn connect(&self) -> Result<AsyncSmtpConnection, String> {
        let smtp = |e: lettre::transport::smtp::Error| e.to_string();
        let network = |e: std::io::Error| format!("connecting to {}:{}: {e}", self.host, self.port);
        let address = (self.host.as_str(), self.port);
        let mut conn = match self.tls {
            SmtpTls::Tls => {
                let tls = TlsParameters::new(self.host.clone()).map_err(smtp)?;
                AsyncSmtpConnection::connect_tokio1(
                    address,
                    Some(TIMEOUT),
                    &self.hello,
                    Some(tls),
                    None,
                )
                .await
                .map_err(smtp)?
            }
            SmtpTls::Starttls | SmtpTls::None => {
                let stream = TcpStream::connect(address).await.map_err(network)?;
                stream.set_nodelay(true).map_err(network)?;
                let mut conn =
                    AsyncSmtpConnection::connect_with_transport(Box::new(stream), &self.hello)
                        .await
                        .map_err(smtp)?;
                if self.tls == SmtpTls::Starttls {
                    // Required, as lettre's `starttls_relay` requires it:
                    // credentials never cross the network in clear.
                    let tls = TlsParameters::new(self.host.clone()).map_err(smtp)?;
                    conn.starttls(tls, &self.hello).await.map_err(smtp)?;
                }
                conn
            }
        };
        if let Some(credentials) = &self.credentials {
            conn.auth(&[Mechanism::Plain, Mechanism::Login], credentials)
                .await
                .map_err(smtp)?;
        }
        Ok(conn)
    }
}
