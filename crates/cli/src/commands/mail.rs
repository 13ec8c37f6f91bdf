//! `kept mail receive`: one email message on standard input becomes a reply
//! or a request, the way an MTA pipes mail to Request Tracker's mail gate.
//!
//! For Postfix, an alias such as
//! `support: "|/usr/local/bin/kept --config /etc/kept/kept.toml mail receive"`
//! (with `recipient_delimiter = +`, so replies to `support+r42-…@` reach it
//! too). The exit status is what a mail transfer agent understands
//! (sysexits.h): 0 when the message was handled, refused or ignored
//! included; 65 (EX_DATAERR) for a message that cannot be read or is too
//! large, which the MTA bounces; 75 (EX_TEMPFAIL) when the database
//! cannot be reached, which the MTA retries later.

use std::io::Read;

use kept_app::Kind;
use kept_app::notify::inbound::receive;
use kept_domain::inbound::MAX_MESSAGE_BYTES;
use kept_server::Config;

/// Subcommands of `kept mail`.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Take in one email message (RFC 5322) from standard input: a reply to
    /// a notification is added to its request, a message to a contract's
    /// intake address raises a request, each as its sender may. Prints what
    /// happened. Exit status: 0 handled (refused and ignored included), 65
    /// unreadable or over 20 MiB, 75 database unreachable (try again later).
    Receive(ReceiveArgs),
}

/// Options of `kept mail receive`.
#[derive(Debug, clap::Args)]
pub struct ReceiveArgs {
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// sysexits.h: the input data was incorrect.
pub const EX_DATAERR: u8 = 65;
/// sysexits.h: a temporary failure; the sender should try again later.
pub const EX_TEMPFAIL: u8 = 75;

/// A failure with the exit status a mail transfer agent acts on.
#[derive(Debug)]
pub struct Exit {
    /// The exit status.
    pub code: u8,
    /// What went wrong.
    pub message: String,
}

impl std::fmt::Display for Exit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Exit {}

fn exit(code: u8, message: impl Into<String>) -> anyhow::Error {
    Exit {
        code,
        message: message.into(),
    }
    .into()
}

/// Runs `kept mail`.
pub async fn run(config: Config, command: Command) -> anyhow::Result<()> {
    match command {
        Command::Receive(args) => receive_stdin(config, args).await,
    }
}

async fn receive_stdin(config: Config, args: ReceiveArgs) -> anyhow::Result<()> {
    let mut raw = Vec::new();
    // One byte past the limit is enough to know the message is too large.
    std::io::stdin()
        .lock()
        .take(MAX_MESSAGE_BYTES as u64 + 1)
        .read_to_end(&mut raw)
        .map_err(|e| exit(EX_TEMPFAIL, format!("cannot read the message: {e}")))?;
    if raw.len() > MAX_MESSAGE_BYTES {
        return Err(exit(
            EX_DATAERR,
            "the message is over 20 MiB (20,971,520 bytes); nothing was done",
        ));
    }
    let store = super::open_existing_store(&config)
        .await
        .map_err(|e| exit(EX_TEMPFAIL, format!("{e:#}")))?;
    let app = super::context(store.clone(), &config);
    let outcome = receive(&app, &raw).await;
    store.close().await;
    let received = outcome.map_err(|e| {
        let code = match e.kind {
            Kind::MalformedMail | Kind::MailTooLarge | Kind::UnsafeMail => EX_DATAERR,
            _ => EX_TEMPFAIL,
        };
        exit(code, e.to_string())
    })?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&received)?);
    } else {
        println!("{received}");
    }
    Ok(())
}
