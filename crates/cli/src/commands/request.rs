//! `kept request create|list|show`: requests from the shell, for scripts.
//!
//! Each acts as the user named by `--email`, with exactly the rights that
//! user has in the web UI and the API (the same intake and visibility).

use kept_app::requests::detail::detail;
use kept_app::requests::intake::{Intake, raise};
use kept_app::requests::list::{self, Filter};
use kept_app::requests::{Calendars, RequestView, view};
use kept_app::{Context, accounts, contracts, services};
use kept_domain::{
    ContractId, Limit, PartyId, Principal, Priority, RequestId, RequestKind, ServiceId, SlaState,
    Timestamp,
};
use kept_server::Config;
use kept_store::{ArchivedFilter, RequestOrder};

/// Subcommands of `kept request`.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Raise a request (prints its number and id; the id is the last word).
    Create(CreateArgs),
    /// List the requests the user may see, most urgent first (breached,
    /// then the soonest due on each contract's calendar, then the oldest).
    List(ListArgs),
    /// Show one request with its clocks and history.
    Show(ShowArgs),
}

/// Who acts.
#[derive(Debug, clap::Args)]
pub struct AsUser {
    /// The login email of the user to act as.
    #[arg(long)]
    pub email: String,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Options of `kept request create`.
#[derive(Debug, clap::Args)]
pub struct CreateArgs {
    #[command(flatten)]
    who: AsUser,
    /// The contract's id, or its name (as `kept demo` prints them).
    #[arg(long, value_name = "ID_OR_NAME")]
    contract: String,
    /// The customer party's id (default: the user's only customer on the
    /// contract).
    #[arg(long)]
    customer: Option<PartyId>,
    /// The service's id or its name in the contract's catalog.
    #[arg(long)]
    service: String,
    /// order, service_request, incident, question or internal_task.
    #[arg(long, default_value = "service_request")]
    kind: RequestKind,
    /// urgent, high, normal or low.
    #[arg(long, default_value = "normal")]
    priority: Priority,
    /// How many, in the service's unit.
    #[arg(long)]
    quantity: Option<u32>,
    /// One line saying what is wanted.
    #[arg(long)]
    subject: String,
    /// The details.
    #[arg(long, default_value = "")]
    description: String,
    /// A manager's reason to accept what the contract does not cover.
    #[arg(long)]
    override_reason: Option<String>,
}

/// Options of `kept request list`.
#[derive(Debug, clap::Args)]
pub struct ListArgs {
    #[command(flatten)]
    who: AsUser,
    /// open (default), closed, all, or statuses separated by commas.
    #[arg(long, default_value = "open")]
    status: String,
    /// Only on this contract (its id or its name).
    #[arg(long, value_name = "ID_OR_NAME")]
    contract: Option<String>,
    /// Only in this SLA state: breached, at_risk, on_track, paused, none.
    #[arg(long)]
    sla: Option<SlaState>,
    /// Newest first instead of most urgent first.
    #[arg(long)]
    newest: bool,
    /// How many (1 to 200).
    #[arg(long, default_value_t = 50)]
    limit: u32,
}

/// Options of `kept request show`.
#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    #[command(flatten)]
    who: AsUser,
    /// The request's id.
    id: RequestId,
}

/// A refusal as a message for the shell, with where to propose a change
/// when the contract does not cover the request.
fn describe(e: kept_app::Error) -> anyhow::Error {
    let hint = e
        .extensions
        .get("change_request")
        .and_then(|c| c["href"].as_str())
        .map(|href| format!("; raise a change request: POST {href}"))
        .unwrap_or_default();
    anyhow::anyhow!("{e}{hint}")
}

/// The user with login `email`, whose rights the command acts with.
pub(super) async fn principal(app: &Context, email: &str) -> anyhow::Result<Principal> {
    match accounts::acting_as(app, email).await {
        Err(e) if e.kind == kept_app::Kind::NotFound => {
            anyhow::bail!("no user has the email {}", email.trim())
        }
        other => other.map_err(describe),
    }
}

/// The contract named by id, or by its exact name (ignoring case) among
/// the contracts `caller` may see, ended ones included.
async fn contract_id(app: &Context, caller: &Principal, raw: &str) -> anyhow::Result<ContractId> {
    if let Ok(id) = raw.trim().parse() {
        return Ok(id);
    }
    let mut filter = contracts::Filter {
        archived: ArchivedFilter::All,
        limit: Limit::MAX_PAGE,
        ..contracts::Filter::default()
    };
    let mut named = Vec::new();
    loop {
        let page = contracts::list(app, caller, filter.clone())
            .await
            .map_err(describe)?;
        named.extend(
            page.items
                .into_iter()
                .filter(|c| c.name.as_str().eq_ignore_ascii_case(raw.trim()))
                .map(|c| c.id),
        );
        match page.next_cursor {
            Some(cursor) => filter.cursor = Some(cursor.as_str().to_owned()),
            None => break,
        }
    }
    match named.as_slice() {
        [id] => Ok(*id),
        [] => anyhow::bail!(
            "{} sees no contract named {raw:?} (--contract takes a contract's id or its name)",
            caller.email
        ),
        ids => anyhow::bail!(
            "{} contracts are named {raw:?}; pass one's id: {}",
            ids.len(),
            ids.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The service named by id, or by name among the services of a contract
/// the caller sees.
async fn service_id(
    app: &Context,
    caller: &Principal,
    contract: ContractId,
    raw: &str,
) -> anyhow::Result<ServiceId> {
    if let Ok(id) = raw.parse() {
        return Ok(id);
    }
    let contract = contracts::readable_contract(app, caller, contract)
        .await
        .map_err(describe)?;
    for id in &contract.service_ids {
        let service = services::readable_service(app, caller, *id)
            .await
            .map_err(describe)?;
        if service.name.as_str().eq_ignore_ascii_case(raw.trim()) {
            return Ok(*id);
        }
    }
    anyhow::bail!("the contract has no service named {raw:?}")
}

fn print_view(shown: &RequestView) {
    let r = &shown.request;
    println!("#{} {}", r.number, r.subject);
    println!("  id        {}", r.id);
    println!(
        "  status    {} ({})",
        r.status,
        r.sla_state.as_str().replace('_', " ")
    );
    println!("  kind      {}, {} priority", r.kind, r.priority);
    println!("  contract  {}", r.contract_id);
    println!("  customer  {}", r.customer_id);
    for c in &shown.clocks {
        let due = c
            .due_at
            .map_or_else(|| "paused".to_owned(), |d| d.to_string());
        println!(
            "  clock     {:<15} target {:<8} used {:<8} left {:<8} due {due}{}",
            c.kind.as_str(),
            c.target.to_string(),
            c.elapsed.to_string(),
            c.remaining.to_string(),
            if c.breached {
                "  BREACHED"
            } else if c.at_risk {
                "  at risk"
            } else {
                ""
            }
        );
    }
}

/// Runs a `kept request` subcommand.
pub async fn run(config: Config, command: Command) -> anyhow::Result<()> {
    let store = super::open_existing_store(&config).await?;
    let state = super::context(store.clone(), &config);
    let outcome = match command {
        Command::Create(args) => create(&state, args).await,
        Command::List(args) => list(&state, args).await,
        Command::Show(args) => show(&state, args).await,
    };
    store.close().await;
    outcome
}

async fn create(state: &Context, args: CreateArgs) -> anyhow::Result<()> {
    let caller = principal(state, &args.who.email).await?;
    let contract = contract_id(state, &caller, &args.contract).await?;
    let intake = Intake {
        lines: Vec::new(),
        confirm_quantity: false,
        contract_id: contract,
        customer_id: args.customer,
        service_id: service_id(state, &caller, contract, &args.service).await?,
        kind: args.kind,
        priority: Some(args.priority),
        quantity: args.quantity,
        effort: None,
        subject: args.subject,
        description: args.description,
        requester_id: None,
        override_reason: args.override_reason,
    };
    let request = raise(state, &caller, intake).await.map_err(describe)?;
    if args.who.json {
        let shown = view(state, &mut Calendars::default(), request, Timestamp::now())
            .await
            .map_err(describe)?;
        println!("{}", serde_json::to_string_pretty(&shown)?);
    } else {
        println!("Raised request #{}: {}", request.number, request.id);
    }
    Ok(())
}

async fn list(state: &Context, args: ListArgs) -> anyhow::Result<()> {
    let caller = principal(state, &args.who.email).await?;
    let statuses = match args.status.as_str() {
        "all" => Vec::new(),
        other => kept_app::requests::parse_statuses(other).map_err(describe)?,
    };
    let contract = match &args.contract {
        Some(raw) => Some(contract_id(state, &caller, raw).await?),
        None => None,
    };
    let filter = Filter {
        contract_id: contract,
        statuses,
        sla: args.sla.into_iter().collect(),
        order: if args.newest {
            RequestOrder::Newest
        } else {
            RequestOrder::Urgency
        },
        limit: Limit::parse("--limit", args.limit)?,
        ..Filter::default()
    };
    let page = list::list(state, &caller, filter).await.map_err(describe)?;
    if args.who.json {
        println!("{}", serde_json::to_string_pretty(&page.items)?);
        return Ok(());
    }
    if page.items.is_empty() {
        println!("No requests.");
    }
    for r in page.items.iter().map(|v| &v.request) {
        let due = r.due_at.map_or_else(|| "-".to_owned(), |d| d.to_string());
        println!(
            "#{:<6} {:<18} {:<9} due {:<27} {}",
            r.number,
            r.status.as_str(),
            r.sla_state.as_str(),
            due,
            r.subject
        );
    }
    Ok(())
}

async fn show(state: &Context, args: ShowArgs) -> anyhow::Result<()> {
    let caller = principal(state, &args.who.email).await?;
    let found = detail(state, &caller, args.id).await.map_err(describe)?;
    let events = found.events;
    let shown = RequestView {
        request: found.request,
        clocks: found.clocks,
    };
    if args.who.json {
        let all = serde_json::json!({ "request": shown, "events": events });
        println!("{}", serde_json::to_string_pretty(&all)?);
        return Ok(());
    }
    print_view(&shown);
    println!("  history");
    for e in &events {
        println!(
            "    {} {:<15} {}{}",
            e.at,
            e.kind.as_str(),
            e.actor,
            e.body
                .as_deref()
                .map(|b| format!(": {}", b.lines().next().unwrap_or_default()))
                .unwrap_or_default()
        );
    }
    Ok(())
}
