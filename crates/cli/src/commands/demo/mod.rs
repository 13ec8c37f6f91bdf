//! `kept demo`: a database with the four example chains of DESIGN.md and a
//! login for each kind of person who uses Kept, then the server.

mod chains;
mod contracts;
mod crowding;
mod orders;
mod requests;
mod seed;
mod teams;
mod terms;

use std::path::{Path, PathBuf};

use kept_domain::{Limit, PartyScope};
use kept_server::{App, Config};
use kept_store::{ContractQuery, Store};

pub use seed::{PASSWORD, USERS};

/// Options of `kept demo`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address to listen on (overrides KEPT_ADDR).
    #[arg(long, value_name = "HOST:PORT")]
    pub addr: Option<std::net::SocketAddr>,
    /// Delete the demo database and build it again (the default SQLite demo database only).
    #[arg(long)]
    pub reset: bool,
    /// Create the demo database and print the logins, without serving.
    #[arg(long)]
    pub no_serve: bool,
}

/// Builds (or reuses) the demo database, prints the logins and serves it.
pub async fn run(mut config: Config, args: Args) -> anyhow::Result<()> {
    if let Some(addr) = args.addr {
        config.addr = addr;
    }
    let default_database = config.database_url.is_empty();
    if !default_database && args.reset {
        anyhow::bail!(
            "--reset only works on the default SQLite demo database; drop the database at KEPT_DATABASE_URL yourself"
        );
    }
    if default_database {
        config.database_url = format!("sqlite://{}", database_file(&config).display());
    }
    // Held until the demo stops, so `kept restore` will not replace its database.
    let _in_use = crate::lock::hold_while_serving(&config.database_url)?;
    if args.reset {
        let path = database_file(&config);
        for suffix in ["", "-wal", "-shm"] {
            let file = format!("{}{suffix}", path.display());
            if std::path::Path::new(&file).exists() {
                std::fs::remove_file(&file)?;
            }
        }
    }
    // Without an SMTP server the demo keeps its mail, for /admin/mail.
    if config.smtp_host.is_empty() {
        config.mail_keep = true;
    }
    if config.mail_from == Config::default().mail_from {
        config.mail_from = "Kept demo <desk@kept.demo>".into();
    }
    let store = super::open_store(&config).await?;
    let app = super::context(store.clone(), &config);
    let seeded = seed::seed_if_empty(&app).await?;
    let created = seeded.is_some();
    if let Some(seeded) = seeded {
        let raised = requests::seed(&app, &seeded.contracts, &seeded.users).await?;
        teams::assign(&app, &seeded.teams, &seeded.users, &raised).await?;
        // The promise watch's first sweep, at once (as `requests::seed`
        // catches up the SLA alarms): the at-risk list opens with
        // Marketing's business plan, crowded out by paying work.
        kept_server::jobs::watch_promises(&app).await;
    }
    print_logins(created, &config);
    print_contracts(store.as_ref()).await?;
    if default_database {
        println!("For `kept token`, `kept request` and `kept import` on this database, run:");
        println!();
        println!("  {}", export_line(&database_file(&config)));
        println!();
    }
    if args.no_serve {
        store.close().await;
        return Ok(());
    }
    let app = App::build_with_store(config, store).await?;
    let stop = kept_server::startup::shutdown_signal()?;
    super::serve::announce(&app);
    app.run_until(stop).await
}

/// The demo's own SQLite file, apart from the real `kept.db`, in `data_dir`.
pub fn database_file(config: &Config) -> PathBuf {
    let path = config.data_dir.join("demo.db");
    std::path::absolute(&path).unwrap_or(path)
}

/// The shell line that points the CLI at the SQLite database `file`.
pub fn export_line(file: &Path) -> String {
    let url = format!("sqlite://{}", file.display());
    let plain = url
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-:+@%,".contains(c));
    if plain {
        format!("export KEPT_DATABASE_URL={url}")
    } else {
        format!("export KEPT_DATABASE_URL='{}'", url.replace('\'', "'\\''"))
    }
}

/// Each contract's id beside its name, for `--contract` and the API.
async fn print_contracts(store: &dyn Store) -> anyhow::Result<()> {
    let contracts = store
        .list_contracts(&ContractQuery {
            limit: Limit::MAX_PAGE,
            ..ContractQuery::new(PartyScope::All, None)
        })
        .await?
        .items;
    println!("Contracts (`kept request create --contract` takes the id or the name):");
    println!();
    let width = contracts
        .iter()
        .map(|c| c.name.as_str().chars().count())
        .max()
        .unwrap_or(0);
    for c in &contracts {
        println!("  {:width$}  {}", c.name.as_str(), c.id);
    }
    println!();
    for c in contracts.iter().filter(|c| c.intake_address.is_some()) {
        if let Some(address) = &c.intake_address {
            println!(
                "Mail to {address} raises a request on {} (`kept mail receive` takes a message on stdin).",
                c.name.as_str()
            );
        }
    }
    println!();
    Ok(())
}

fn print_logins(created: bool, config: &Config) {
    let verb = if created { "Created" } else { "Reusing" };
    println!(
        "{verb} the demo database at {}.",
        kept_server::config::redact_url(&config.effective_database_url())
    );
    println!();
    println!("Demo logins (the password for all of them is {PASSWORD}):");
    println!();
    let width = USERS.iter().map(|u| u.email.len()).max().unwrap_or(0);
    for user in USERS {
        println!("  {:width$}  {}", user.email, user.summary);
    }
    println!();
}
