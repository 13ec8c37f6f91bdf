//! `kept user add`.

use std::io::{BufRead, IsTerminal};

use anyhow::{Context, bail};
use kept_app::accounts::{self, NewLogin};
use kept_domain::{Actor, Email, PartyId, PartyName, Password};
use kept_server::Config;

/// Subcommands of `kept user`.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Create a user. The password is read from stdin (prompted for, twice,
    /// on a terminal); with --invite, an invitation link is printed instead.
    Add(AddArgs),
}

/// Options of `kept user add`.
#[derive(Debug, clap::Args)]
pub struct AddArgs {
    /// The login email address.
    #[arg(long)]
    pub email: String,
    /// The person's name.
    #[arg(long)]
    pub name: String,
    /// Make the user an admin of the installation.
    #[arg(long)]
    pub admin: bool,
    /// Id of the party (organisation, site, team…) the person belongs to.
    #[arg(long, value_name = "PARTY_ID")]
    pub parent: Option<PartyId>,
    /// Print an invitation link for the person to set their own password.
    #[arg(long)]
    pub invite: bool,
}

/// Runs a `kept user` subcommand.
pub async fn run(config: Config, command: Command) -> anyhow::Result<()> {
    let Command::Add(args) = command;
    let email = Email::parse("--email", &args.email)?;
    let name = PartyName::parse("--name", &args.name)?;
    let password = if args.invite {
        None
    } else {
        Some(read_password()?)
    };
    let store = super::open_store(&config).await?;
    let actor = Actor::system("kept user add");
    let (user, invitation) = accounts::create_login(
        store.as_ref(),
        &actor,
        &config.effective_public_url(),
        NewLogin {
            email,
            name,
            parent_id: args.parent,
            party_id: None,
            password,
        },
    )
    .await
    .map_err(describe)?;
    if args.admin {
        let app = super::context(store.clone(), &config);
        accounts::make_admin(&app, &actor, &user)
            .await
            .map_err(describe)?;
    }
    store.close().await;
    let role = if args.admin { "admin " } else { "" };
    println!("Created {role}user {} (id {}).", user.email, user.id);
    if let Some(invitation) = invitation {
        println!(
            "Send them this link to set a password (it works once, for {} days):",
            accounts::INVITATION_DAYS
        );
        println!("{}", invitation.url);
    }
    Ok(())
}

/// Reads a new password: prompted twice on a terminal, else the first line of stdin.
fn read_password() -> anyhow::Result<Password> {
    let raw = if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password (at least 10 characters): ")?;
        let again = rpassword::prompt_password("Password again: ")?;
        if first != again {
            bail!("the two passwords differ");
        }
        first
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("reading the password from stdin")?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    };
    Password::parse("password", &raw)
        .map_err(|e| anyhow::anyhow!("{e} (pass it on stdin, or use --invite)"))
}

/// A refusal as a CLI message.
pub fn describe(e: kept_app::Error) -> anyhow::Error {
    anyhow::anyhow!("{}", e.message())
}
