//! `kept token create`.

use kept_app::accounts;
use kept_domain::Actor;
use kept_server::Config;

/// Subcommands of `kept token`.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Create an API token for a user and print it (its last word is the token).
    Create(CreateArgs),
}

/// Options of `kept token create`.
#[derive(Debug, clap::Args)]
pub struct CreateArgs {
    /// The user's login email.
    #[arg(long)]
    pub email: String,
    /// A label to tell the token apart.
    #[arg(long, default_value = "created with kept token create")]
    pub name: String,
    /// Days until it stops working (1 to 3650); without it, it does not expire.
    #[arg(long, value_name = "DAYS")]
    pub expires_in_days: Option<u32>,
}

/// Runs a `kept token` subcommand.
pub async fn run(config: Config, command: Command) -> anyhow::Result<()> {
    let Command::Create(args) = command;
    let name = accounts::token_name("--name", &args.name)?;
    let days = accounts::token_days("--expires-in-days", args.expires_in_days)?;
    let store = super::open_existing_store(&config).await?;
    let app = super::context(store.clone(), &config);
    let user = match accounts::acting_as(&app, &args.email).await {
        Err(e) if e.kind == kept_app::Kind::NotFound => {
            anyhow::bail!("no user has the email {}", args.email.trim())
        }
        other => other.map_err(super::user::describe)?,
    };
    let issued = accounts::issue_token(
        store.as_ref(),
        &Actor::system("kept token create"),
        user.user_id,
        &name,
        days,
    )
    .await
    .map_err(super::user::describe)?;
    store.close().await;
    println!(
        "API token for {} (shown once; keep it secret): {}",
        user.email, issued.secret
    );
    Ok(())
}
