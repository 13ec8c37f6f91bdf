//! Configuration, layered: built-in defaults, then `kept.toml`, then `KEPT_*`
//! environment variables (`KEPT_ADDR`, `KEPT_DATABASE_URL`, …), each
//! overriding the one before.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// How logs are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// For people reading a terminal.
    #[default]
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// SQLite's durability setting (see `kept_store::Synchronous`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SqliteSync {
    /// Commits survive a crash of Kept; the last ones may be lost on power loss.
    #[default]
    Normal,
    /// Every commit is on disk before it returns.
    Full,
}

/// How the connection to the SMTP server is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain SMTP upgraded with STARTTLS (port 587): the usual submission.
    #[default]
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: only for a relay on the same host or a test sink.
    None,
}

/// Everything Kept can be configured with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// Address to listen on.
    pub addr: SocketAddr,
    /// Database URL: `sqlite://PATH` or `postgres://…`. Empty: SQLite in `data_dir`.
    pub database_url: String,
    /// Directory for the default SQLite database; created on first run.
    pub data_dir: PathBuf,
    /// The URL people reach Kept at, for links in invitations. Empty: `http://{addr}`.
    pub public_url: String,
    /// Mark cookies `Secure` (set when Kept is served over HTTPS).
    pub secure_cookies: bool,
    /// Trust the rightmost `X-Forwarded-For` address as the client's (behind a proxy).
    pub trust_forwarded_for: bool,
    /// Hours of inactivity after which a browser session ends.
    pub session_hours: u32,
    /// Failed sign-ins on one account from one client address before each
    /// further attempt from there waits (2 s, 4 s, 8 s, …).
    pub login_failures_before_delay: u32,
    /// The longest wait between attempts on one account from one address, in seconds.
    pub login_max_delay_seconds: u32,
    /// Failed sign-ins allowed per client address, for any accounts, within the window.
    pub login_failures_per_address: u32,
    /// The window of the per-address limit, in minutes.
    pub login_window_minutes: u32,
    /// Most database connections (PostgreSQL; SQLite readers).
    pub db_max_connections: u32,
    /// SQLite durability: `normal` or `full`.
    pub sqlite_synchronous: SqliteSync,
    /// Log format: `text` or `json`.
    pub log_format: LogFormat,
    /// Log filter, in `RUST_LOG` syntax.
    pub log_level: String,
    /// The share of an SLA target, in percent (1–100), after which a
    /// request is flagged at risk.
    pub sla_at_risk_percent: u8,
    /// How often the SLA timers look for due alarms, in milliseconds.
    pub sla_timer_interval_ms: u64,
    /// The share of the business time to a promise's date, in percent
    /// (1–100), after which the promise is flagged at risk even if its
    /// team's plan finishes it in time.
    pub promise_at_risk_percent: u8,
    /// How often the promise watch re-plans the teams and flags promises
    /// at risk, in milliseconds.
    pub promise_watch_interval_ms: u64,
    /// How stale cached reference data (tokens, roles, parties, contracts,
    /// terms, services, calendars) may be, in milliseconds, when it is
    /// changed through another server or the CLI; this server's own
    /// changes are seen at once. 0 reads the database on every request.
    pub reference_cache_ms: u64,
    /// The SMTP server mail goes out through. Empty: none (see `mail_keep`).
    pub smtp_host: String,
    /// Its port.
    pub smtp_port: u16,
    /// `starttls`, `tls` or `none`.
    pub smtp_tls: SmtpTls,
    /// The user to log in to the SMTP server as (empty: no login).
    pub smtp_username: String,
    /// Its password (redacted by `kept config show`).
    pub smtp_password: String,
    /// The sender of Kept's mail: `Kept <kept@example.com>`.
    pub mail_from: String,
    /// The address replies go to; each message carries its request's
    /// signed token after a `+` (`support+r42-…@example.com`). Empty: the
    /// `mail_from` address.
    pub mail_reply_to: String,
    /// A directory of mail templates that override the built-in ones, file
    /// by file (`request_raised.txt`, `request_raised.html`, `layout.html`).
    pub mail_templates_dir: String,
    /// Without an SMTP server, keep mail in the database and show it on
    /// the admin's mail page, as the demo does; otherwise it waits in the
    /// outbox until a server is configured.
    pub mail_keep: bool,
    /// How often the delivery job looks for due work, in milliseconds.
    pub outbox_interval_ms: u64,
    /// Attempts before a delivery is dead-lettered.
    pub outbox_max_attempts: u32,
    /// The wait after a first failed attempt, in seconds; each further
    /// failure doubles it (with jitter), up to six hours.
    pub outbox_first_retry_seconds: u64,
    /// The address ranges webhook endpoints may resolve to, as CIDRs
    /// (`203.0.113.0/24`, `2001:db8::/32`; `KEPT_WEBHOOK_ALLOWED_NETWORKS`
    /// takes them comma-separated). Empty: any public unicast address, and
    /// no loopback, private, link-local, shared (CGNAT), documentation,
    /// multicast or other special-purpose one. A list replaces that
    /// default: only its ranges are called.
    pub webhook_allowed_networks: Vec<String>,
    /// Let webhook endpoints be plain `http://` (tests, a receiver on a
    /// private network); otherwise only `https://`.
    pub webhook_allow_http: bool,
    /// The token a mail service's inbound hook sends to `POST
    /// /api/v1/inbound-email` (as `Authorization: Bearer <token>`, or as
    /// the password of Basic authentication). Empty: the route is off.
    /// Redacted by `kept config show`.
    pub inbound_email_token: String,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database_url: String::new(),
            data_dir: PathBuf::from("kept-data"),
            public_url: String::new(),
            secure_cookies: false,
            trust_forwarded_for: false,
            session_hours: 12,
            login_failures_before_delay: 3,
            login_max_delay_seconds: 900,
            login_failures_per_address: 20,
            login_window_minutes: 15,
            db_max_connections: 16,
            sqlite_synchronous: SqliteSync::Normal,
            log_format: LogFormat::Text,
            log_level: "info".into(),
            sla_at_risk_percent: kept_domain::sla::DEFAULT_AT_RISK_PERCENT,
            sla_timer_interval_ms: 1000,
            promise_at_risk_percent: kept_domain::promise::DEFAULT_AT_RISK_PERCENT,
            promise_watch_interval_ms: 60_000,
            reference_cache_ms: 100,
            smtp_host: String::new(),
            smtp_port: 587,
            smtp_tls: SmtpTls::Starttls,
            smtp_username: String::new(),
            smtp_password: String::new(),
            mail_from: "Kept <kept@localhost>".into(),
            mail_reply_to: String::new(),
            mail_templates_dir: String::new(),
            mail_keep: false,
            outbox_interval_ms: 250,
            outbox_max_attempts: 8,
            outbox_first_retry_seconds: 30,
            webhook_allowed_networks: Vec::new(),
            webhook_allow_http: false,
            inbound_email_token: String::new(),
        }
    }
}

/// Why configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read or parsed, or holds a key Kept does not know.
    #[error("{path}: {reason}")]
    File {
        /// The file.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// A value (from the file or the environment) has the wrong type.
    #[error("configuration: {0}")]
    Invalid(String),
}

/// Keys Kept no longer reads, with what to do instead: refused (in a file
/// or as `KEPT_*`) rather than ignored, so nobody believes them in force.
const REMOVED: &[(&str, &str)] = &[(
    "login_failures_per_account",
    "sign-in is no longer locked per account (that let anyone lock its owner out); \
     failures are counted per account and client address: use \
     login_failures_before_delay and login_max_delay_seconds",
)];

/// The keys a configuration file may hold.
const KEYS: &[&str] = &[
    "addr",
    "database_url",
    "data_dir",
    "public_url",
    "secure_cookies",
    "trust_forwarded_for",
    "session_hours",
    "login_failures_before_delay",
    "login_max_delay_seconds",
    "login_failures_per_address",
    "login_window_minutes",
    "db_max_connections",
    "sqlite_synchronous",
    "log_format",
    "log_level",
    "sla_at_risk_percent",
    "sla_timer_interval_ms",
    "promise_at_risk_percent",
    "promise_watch_interval_ms",
    "reference_cache_ms",
    "smtp_host",
    "smtp_port",
    "smtp_tls",
    "smtp_username",
    "smtp_password",
    "mail_from",
    "mail_reply_to",
    "mail_templates_dir",
    "mail_keep",
    "outbox_interval_ms",
    "outbox_max_attempts",
    "outbox_first_retry_seconds",
    "webhook_allowed_networks",
    "webhook_allow_http",
    "inbound_email_token",
];

impl Config {
    /// Loads defaults, then `file` (if it exists), then the `KEPT_*` environment.
    pub fn load(file: &Path) -> Result<Self, ConfigError> {
        let file_error = |reason: String| ConfigError::File {
            path: file.display().to_string(),
            reason,
        };
        for (key, _) in REMOVED {
            let variable = format!("KEPT_{}", key.to_uppercase());
            if std::env::var_os(&variable).is_some() {
                return Err(ConfigError::Invalid(format!(
                    "{variable}: {}",
                    removed(key).unwrap_or_default()
                )));
            }
        }
        let mut builder = config::Config::builder().add_source(
            config::Config::try_from(&Config::default())
                .map_err(|e| ConfigError::Invalid(e.to_string()))?,
        );
        if file.exists() {
            let text = std::fs::read_to_string(file).map_err(|e| file_error(e.to_string()))?;
            let table: toml::Table = text
                .parse()
                .map_err(|e: toml::de::Error| file_error(e.to_string()))?;
            if let Some(removed) = table.keys().find_map(|k| removed(k)) {
                return Err(file_error(removed));
            }
            if let Some(unknown) = table.keys().find(|k| !KEYS.contains(&k.as_str())) {
                return Err(file_error(format!(
                    "unknown key `{unknown}`; known keys are: {}",
                    KEYS.join(", ")
                )));
            }
            builder = builder.add_source(config::File::from(file).format(config::FileFormat::Toml));
        }
        builder
            .add_source(
                config::Environment::with_prefix("KEPT")
                    .try_parsing(true)
                    .list_separator(",")
                    .with_list_parse_key("webhook_allowed_networks"),
            )
            .build()
            .and_then(config::Config::try_deserialize::<Self>)
            .map_err(|e| ConfigError::Invalid(e.to_string()))
            .and_then(Self::checked)
    }

    /// Refuses values out of their range.
    fn checked(self) -> Result<Self, ConfigError> {
        if !(1..=100).contains(&self.sla_at_risk_percent) {
            return Err(ConfigError::Invalid(format!(
                "sla_at_risk_percent must be 1 to 100, not {}",
                self.sla_at_risk_percent
            )));
        }
        if self.outbox_interval_ms == 0 || self.outbox_max_attempts == 0 {
            return Err(ConfigError::Invalid(
                "outbox_interval_ms and outbox_max_attempts must be at least 1".into(),
            ));
        }
        if self.mail_from.parse::<lettre::message::Mailbox>().is_err() {
            return Err(ConfigError::Invalid(format!(
                "mail_from is not an address: {:?}",
                self.mail_from
            )));
        }
        if !self.mail_reply_to.is_empty() && self.mail_reply_to.parse::<lettre::Address>().is_err()
        {
            return Err(ConfigError::Invalid(format!(
                "mail_reply_to is not an address: {:?}",
                self.mail_reply_to
            )));
        }
        if let Err(bad) = self.webhook_networks() {
            return Err(ConfigError::Invalid(format!(
                "webhook_allowed_networks: {bad}"
            )));
        }
        if !(1..=100).contains(&self.promise_at_risk_percent) {
            return Err(ConfigError::Invalid(format!(
                "promise_at_risk_percent must be 1 to 100, not {}",
                self.promise_at_risk_percent
            )));
        }
        if self.promise_watch_interval_ms == 0 {
            return Err(ConfigError::Invalid(
                "promise_watch_interval_ms must be at least 1".into(),
            ));
        }
        if self.sla_timer_interval_ms == 0 {
            return Err(ConfigError::Invalid(
                "sla_timer_interval_ms must be at least 1".into(),
            ));
        }
        Ok(self)
    }

    /// The database URL in effect: the configured one, or SQLite in `data_dir`.
    pub fn effective_database_url(&self) -> String {
        if !self.database_url.is_empty() {
            return self.database_url.clone();
        }
        let dir = std::path::absolute(&self.data_dir).unwrap_or_else(|_| self.data_dir.clone());
        format!("sqlite://{}", dir.join("kept.db").display())
    }

    /// The public base URL, without a trailing slash.
    pub fn effective_public_url(&self) -> String {
        if self.public_url.is_empty() {
            format!("http://{}", self.addr)
        } else {
            self.public_url.trim_end_matches('/').to_owned()
        }
    }

    /// The configuration as TOML, with secrets (the database and SMTP
    /// passwords, the inbound email token) redacted.
    pub fn to_redacted_toml(&self) -> String {
        let mut shown = self.clone();
        shown.database_url = redact_url(&self.effective_database_url());
        shown.public_url = self.effective_public_url();
        if !shown.smtp_password.is_empty() {
            shown.smtp_password = "***".into();
        }
        if !shown.inbound_email_token.is_empty() {
            shown.inbound_email_token = "***".into();
        }
        toml::to_string(&shown).unwrap_or_else(|e| format!("# cannot print configuration: {e}\n"))
    }

    /// The ranges of `webhook_allowed_networks` (blank entries ignored);
    /// the error names the first entry that is not a CIDR.
    pub fn webhook_networks(&self) -> Result<Vec<ipnet::IpNet>, String> {
        self.webhook_allowed_networks
            .iter()
            .map(|e| e.trim())
            .filter(|e| !e.is_empty())
            .map(|entry| {
                entry
                    .parse::<ipnet::IpNet>()
                    .map(|net| net.trunc())
                    .map_err(|_| {
                        format!("{entry:?} is not an address range such as 203.0.113.0/24")
                    })
            })
            .collect()
    }

    /// How failed deliveries are retried.
    pub fn retry_policy(&self) -> kept_domain::RetryPolicy {
        kept_domain::RetryPolicy {
            first: std::time::Duration::from_secs(self.outbox_first_retry_seconds.max(1)),
            cap: std::time::Duration::from_secs(6 * 3600),
            max_attempts: self.outbox_max_attempts.max(1),
        }
    }

    /// Store tuning from this configuration.
    pub fn store_options(&self) -> kept_store::StoreOptions {
        kept_store::StoreOptions {
            max_connections: self.db_max_connections.max(1),
            synchronous: match self.sqlite_synchronous {
                SqliteSync::Normal => kept_store::Synchronous::Normal,
                SqliteSync::Full => kept_store::Synchronous::Full,
            },
            ..kept_store::StoreOptions::default()
        }
    }
}

/// Why `key` is refused, if Kept no longer reads it.
fn removed(key: &str) -> Option<String> {
    REMOVED
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(k, why)| format!("`{k}` was removed: {why}"))
}

/// A URL with any password replaced by `***`.
pub fn redact_url(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut url) if url.password().is_some() => {
            let _ = url.set_password(Some("***"));
            url.to_string()
        }
        _ => raw.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_in_database_urls_are_redacted() {
        assert_eq!(
            redact_url("postgres://kept:s3cret@db.example:5432/kept"),
            "postgres://kept:***@db.example:5432/kept"
        );
        assert_eq!(
            redact_url("sqlite:///var/kept/kept.db"),
            "sqlite:///var/kept/kept.db"
        );
    }

    #[test]
    fn a_file_overrides_defaults_and_unknown_keys_are_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("kept.toml");
        std::fs::write(&path, "addr = \"0.0.0.0:9000\"\nsession_hours = 2\n").expect("write");
        let config = Config::load(&path).expect("loads");
        assert_eq!(config.addr.port(), 9000);
        assert_eq!(config.session_hours, 2);
        assert_eq!(config.login_window_minutes, 15, "defaults fill the rest");

        std::fs::write(&path, "adr = \"0.0.0.0:9000\"\n").expect("write");
        let err = Config::load(&path).expect_err("typo refused");
        assert!(err.to_string().contains("unknown key `adr`"), "{err}");
    }

    #[test]
    fn a_removed_key_is_refused_with_what_replaces_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("kept.toml");
        std::fs::write(&path, "login_failures_per_account = 5\n").expect("write");

        let err = Config::load(&path).expect_err("refused, not ignored");

        let message = err.to_string();
        assert!(
            message.contains("`login_failures_per_account` was removed"),
            "{message}"
        );
        assert!(message.contains("login_failures_before_delay"), "{message}");
    }

    #[test]
    fn the_smtp_password_and_the_inbound_email_token_are_redacted() {
        let config = Config {
            smtp_host: "smtp.example.com".into(),
            smtp_password: "hunter2".into(),
            inbound_email_token: "s3cret-hook".into(),
            ..Config::default()
        };
        let shown = config.to_redacted_toml();
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("smtp_password = \"***\""), "{shown}");
        assert!(!shown.contains("s3cret-hook"), "{shown}");
        assert!(shown.contains("inbound_email_token = \"***\""), "{shown}");
    }

    #[test]
    fn webhook_networks_are_cidrs_and_a_bad_one_is_named() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("kept.toml");
        std::fs::write(
            &path,
            "webhook_allowed_networks = [\"10.1.2.3/8\", \" \", \"2001:db8::/32\"]\n",
        )
        .expect("write");
        let config = Config::load(&path).expect("loads");
        let nets: Vec<String> = config
            .webhook_networks()
            .expect("ranges")
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(nets, ["10.0.0.0/8", "2001:db8::/32"]);

        std::fs::write(&path, "webhook_allowed_networks = [\"10.0.0.0/33\"]\n").expect("write");
        let err = Config::load(&path).expect_err("refused");
        assert!(err.to_string().contains("\"10.0.0.0/33\""), "{err}");
    }

    #[test]
    fn the_default_database_lives_in_the_data_dir() {
        let config = Config::default();
        assert!(config.effective_database_url().starts_with("sqlite:///"));
        assert!(
            config
                .effective_database_url()
                .ends_with("kept-data/kept.db")
        );
    }
}
