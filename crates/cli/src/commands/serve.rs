//! `kept serve`.

use kept_server::{App, Config};

/// Options of `kept serve`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address to listen on (overrides KEPT_ADDR and the config file).
    #[arg(long, value_name = "HOST:PORT")]
    pub addr: Option<std::net::SocketAddr>,
}

/// Serves until SIGINT or SIGTERM.
pub async fn run(mut config: Config, args: Args) -> anyhow::Result<()> {
    if let Some(addr) = args.addr {
        config.addr = addr;
    }
    // Taken before the database is opened, and held until the server
    // stops, so `kept restore` cannot replace the database under it.
    let _in_use = crate::lock::hold_while_serving(&config.effective_database_url())?;
    let app = App::build(config).await?;
    // Signal handlers first, so a SIGTERM right after the announcement is graceful.
    let stop = kept_server::startup::shutdown_signal()?;
    announce(&app);
    app.run_until(stop).await
}

/// Prints where Kept is listening (tests and scripts read this line).
pub fn announce(app: &App) {
    println!("Kept is serving at http://{}", app.address());
    println!("Mail is {}.", app.mail());
}
