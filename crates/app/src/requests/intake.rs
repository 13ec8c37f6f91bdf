//! The intake: checks a new request against the caller's parties and the
//! contract's scope, resolves its targets and calendar from the terms in
//! force, and records it.
//!
//! - The provider's people may raise any kind for any customer of the
//!   contract, on behalf of another requester, and (managers) accept what
//!   the contract does not cover with an `override_reason`.
//! - The client's people raise requests for any customer of the contract;
//!   a customer's people only for the parties they belong to.
//! - A request the contract does not cover, or whose subject the service
//!   or the terms list as out of scope, is refused with a problem that says
//!   why and where to raise a change request.

use kept_domain::calendar::BusinessDuration;
use kept_domain::{
    Actor, Admission, CalendarId, ContractId, Lineage, NewRequest, PartyId, Principal, Priority,
    Raiser, Request, RequestId, RequestKind, ScopeOutcome, ServiceId, Targets, Timestamp, UserId,
    ValidationErrors, admit, check_scope, request,
};
use kept_store::{RequestRecord, StoreError};
use serde::Deserialize;
use serde_json::json;

use crate::Context;
use crate::error::{Error, Kind};
use crate::promises::intake::{plan_new, promise_for};

/// A new request, as the API and the portal send it.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Intake {
    /// The contract it is raised under.
    pub contract_id: ContractId,
    /// The customer party it is for (a site, a department, a person); may
    /// be left out when the caller belongs to exactly one of the contract's
    /// customers, or holds a role on exactly one party within them.
    pub customer_id: Option<PartyId>,
    /// The service asked for (on the contract).
    pub service_id: ServiceId,
    /// `order`, `service_request`, `incident`, `question` or
    /// `internal_task` (the provider's people only).
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "incident"))]
    pub kind: RequestKind,
    /// `urgent`, `high`, `normal` (default) or `low`.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "normal"))]
    pub priority: Option<Priority>,
    /// How many, in the service's unit (1 to 1,000,000,000).
    #[serde(default, deserialize_with = "request::deserialize_quantity")]
    pub quantity: Option<u32>,
    /// Business time the work should take, such as `2h` (default: the
    /// service's).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "2h"))]
    pub effort: Option<BusinessDuration>,
    /// One line saying what is wanted, up to 200 characters.
    pub subject: String,
    /// The details, up to 20,000 characters.
    #[serde(default)]
    pub description: String,
    /// Who asks, when the provider's people raise it for someone (default:
    /// the caller).
    pub requester_id: Option<UserId>,
    /// A manager's reason to accept a request the contract does not cover.
    pub override_reason: Option<String>,
    /// An order's lines (orders only, up to 50). An order sent with a
    /// `quantity` and no lines has one line of its service.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 50))]
    pub lines: Vec<crate::orders::LineInput>,
    /// Accepts the order's quantities as typed although the quantity check
    /// questioned them (`409 unusual-quantity`).
    #[serde(default)]
    pub confirm_quantity: bool,
}

/// The parts of a request whose fields parse on their own.
pub struct Checked {
    /// The subject.
    pub subject: String,
    /// The description.
    pub description: String,
    /// The quantity.
    pub quantity: Option<u32>,
    /// The override reason.
    pub override_reason: Option<String>,
}

fn check_fields(intake: &Intake) -> Result<Checked, Error> {
    let mut errors = ValidationErrors::new();
    let subject = errors.check(request::parse_subject(&intake.subject));
    let description = errors.check(request::parse_text(
        "description",
        &intake.description,
        false,
    ));
    let quantity = errors.check(request::check_quantity(intake.quantity));
    let override_reason = match &intake.override_reason {
        None => Some(None),
        Some(r) => errors
            .check(request::parse_reason("override_reason", r))
            .map(Some),
    };
    match (subject, description, quantity, override_reason) {
        (Some(subject), Some(description), Some(quantity), Some(override_reason))
            if errors.is_empty() =>
        {
            Ok(Checked {
                subject,
                description,
                quantity,
                override_reason,
            })
        }
        _ => Err(errors.into()),
    }
}

/// The lineage of a party, or a field error when it is missing.
async fn lineage_of(ctx: &Context, id: PartyId, field: &str) -> Result<Lineage, Error> {
    match ctx.store.lineage(id).await {
        Err(StoreError::NotFound) => Err(Error::field(field, "no such party")),
        other => Ok(other?),
    }
}

/// The customer a request is for: the one given (which a customer's people
/// must belong to; the provider's and the client's people may name any of
/// the contract's customers, or a party they see), or the only one of the
/// contract's customers the caller belongs to, or else the only party
/// within one of them the caller holds a role on (a department of a
/// covered site).
async fn customer_of(
    ctx: &Context,
    caller: &Principal,
    raiser: Raiser,
    customers: &[PartyId],
    given: Option<PartyId>,
) -> Result<(PartyId, Lineage), Error> {
    if let Some(id) = given {
        let lineage = lineage_of(ctx, id, "customer_id").await?;
        if !caller.may_raise_for(raiser, customers, &lineage) {
            return Err(Error::field("customer_id", "no such party"));
        }
        return Ok((id, lineage));
    }
    let mut mine = Vec::new();
    for id in customers {
        let lineage = ctx.store.lineage(*id).await?;
        if caller.reaches(&lineage) {
            mine.push((*id, lineage));
        }
    }
    if mine.is_empty() {
        let mut granted: Vec<PartyId> = caller.grants.iter().map(|g| g.party_id).collect();
        granted.sort();
        granted.dedup();
        for id in granted {
            let lineage = ctx.store.lineage(id).await?;
            if customers.iter().any(|c| lineage.contains(*c)) {
                mine.push((id, lineage));
            }
        }
    }
    match mine.len() {
        1 => Ok(mine.remove(0)),
        _ => Err(Error::field(
            "customer_id",
            "say which customer the request is for",
        )),
    }
}

/// The caller's part on `contract` when raising requests on it.
pub(crate) async fn raiser_on(
    ctx: &Context,
    caller: &Principal,
    contract: &kept_domain::Contract,
) -> Result<Raiser, Error> {
    let provider = ctx.store.lineage(contract.provider_id).await?;
    let client = ctx.store.lineage(contract.client_id).await?;
    Ok(caller.raiser(&provider, &client))
}

/// The refusal of a request the contract does not cover.
fn not_covered(contract: ContractId, check: &kept_domain::ScopeCheck) -> Error {
    let kind = match check.outcome {
        ScopeOutcome::OutOfScope => Kind::OutOfScope,
        _ => Kind::NotCovered,
    };
    Error::new(kind)
        .detail(check.reason.clone())
        .with("scope", json!(check))
        .with(
            "change_request",
            json!({
                "href": format!("/api/v1/contracts/{contract}/change-requests"),
                "method": "POST",
                "page": format!("/contracts/{contract}#raise"),
            }),
        )
}

/// Raises a request for the caller; see the module docs for who may.
pub async fn raise(ctx: &Context, caller: &Principal, intake: Intake) -> Result<Request, Error> {
    raise_linked(ctx, caller, intake, None, None).await
}

/// [`raise`], answered with the request's clocks as they stand.
pub async fn raise_shown(
    ctx: &Context,
    caller: &Principal,
    intake: Intake,
) -> Result<super::RequestView, Error> {
    let request = raise(ctx, caller, intake).await?;
    super::shown(ctx, request).await
}

/// Raises a request as if at `raised_at`, an instant in the past: its
/// clocks start then, under the terms in force then. For seeding and
/// importing requests with their history; not offered over HTTP, where a
/// request is always raised now.
pub async fn raise_as_of(
    ctx: &Context,
    caller: &Principal,
    intake: Intake,
    raised_at: Timestamp,
) -> Result<Request, Error> {
    raise_at(ctx, caller, intake, None, None, Some(raised_at)).await
}

/// Raises a request, optionally escalating `escalated_from` or routed from
/// a party further down the chain (`raised_by_party`).
pub async fn raise_linked(
    ctx: &Context,
    caller: &Principal,
    intake: Intake,
    escalated_from: Option<RequestId>,
    raised_by_party: Option<PartyId>,
) -> Result<Request, Error> {
    raise_at(ctx, caller, intake, escalated_from, raised_by_party, None).await
}

/// The contract a request is raised on: one the caller sees that has not
/// ended.
async fn running_contract(
    ctx: &Context,
    caller: &Principal,
    id: ContractId,
) -> Result<kept_domain::Contract, Error> {
    let contract = match crate::contracts::visible(ctx, caller, id).await {
        Err(StoreError::NotFound) => return Err(Error::field("contract_id", "no such contract")),
        other => other?,
    };
    if contract.is_archived() {
        return Err(Error::field("contract_id", "the contract has ended"));
    }
    Ok(contract)
}

/// The service a request asks for: one still in the catalog.
async fn offered_service(ctx: &Context, id: ServiceId) -> Result<kept_domain::Service, Error> {
    let service = match ctx.store.service(id).await {
        Err(StoreError::NotFound) => return Err(Error::field("service_id", "no such service")),
        other => other?,
    };
    if service.archived_at.is_some() {
        return Err(Error::field(
            "service_id",
            "the service is withdrawn from the catalog",
        ));
    }
    Ok(service)
}

/// Who the request is for: the caller, or someone the provider's people
/// (`on_behalf`) name, who must be an active person of the customer, the
/// client or the provider, since the requester sees the request.
async fn requester_of(
    ctx: &Context,
    caller: &Principal,
    contract: &kept_domain::Contract,
    customer_id: PartyId,
    given: Option<UserId>,
    on_behalf: bool,
) -> Result<UserId, Error> {
    Ok(match given {
        Some(id) if id != caller.user_id => {
            if !on_behalf {
                return Err(Error::field(
                    "requester_id",
                    "only the provider's people raise requests for someone else",
                ));
            }
            match ctx.store.user(id).await {
                Ok(u) if u.archived_at.is_some() => {
                    return Err(Error::field("requester_id", "the user is archived"));
                }
                // The requester sees the request: they must belong to the
                // customer, the client or the provider, nobody else.
                Ok(u) => {
                    let person = ctx.store.lineage(u.party_id).await?;
                    let belongs = [customer_id, contract.client_id, contract.provider_id]
                        .iter()
                        .any(|p| person.contains(*p));
                    if !belongs {
                        return Err(Error::field(
                            "requester_id",
                            "must be a person of the customer, the client or the provider",
                        ));
                    }
                    id
                }
                Err(StoreError::NotFound) => {
                    return Err(Error::field("requester_id", "no such user"));
                }
                Err(e) => return Err(e.into()),
            }
        }
        _ => caller.user_id,
    })
}

/// [`raise_linked`], raised at `raised_at` (now when `None`).
async fn raise_at(
    ctx: &Context,
    caller: &Principal,
    intake: Intake,
    escalated_from: Option<RequestId>,
    raised_by_party: Option<PartyId>,
    raised_at: Option<Timestamp>,
) -> Result<Request, Error> {
    let links = (escalated_from, raised_by_party);
    match admitted(ctx, caller, intake, links, raised_at).await? {
        Admitted::Record(record) => {
            let promised = record.promise.map(|p| p.decision.date);
            let request = ctx
                .store
                .create_request(&Actor::user(caller), *record)
                .await?;
            plan_new(ctx, &request, promised);
            Ok(request)
        }
        Admitted::RouteUp(up) => {
            let RouteUp {
                contract,
                service,
                new,
                check,
            } = *up;
            match super::chain::route_question(ctx, caller, &contract, &service, new).await? {
                Some(routed) => Ok(routed),
                None => Err(not_covered(contract.id, &check)),
            }
        }
    }
}

/// What the raise of an intake that [`admitted`] accepted records: the
/// request, unless it is a question to route up the chain.
enum Admitted {
    /// A request to record.
    Record(Box<RequestRecord>),
    /// A question the contract does not cover, for a supplier up the chain.
    RouteUp(Box<RouteUp>),
}

/// A question to route up the chain, with why its contract does not take it.
struct RouteUp {
    contract: kept_domain::Contract,
    service: kept_domain::Service,
    new: NewRequest,
    check: kept_domain::ScopeCheck,
}

/// The record of a request raised by a message mailed in, checked as
/// [`raise`] checks the API's intake (fields, contract, customer, scope),
/// or its refusal; the caller records it with the message.
pub async fn record_by_mail(
    ctx: &Context,
    caller: &Principal,
    intake: Intake,
) -> Result<RequestRecord, Error> {
    let contract_id = intake.contract_id;
    match admitted(ctx, caller, intake, (None, None), None).await? {
        Admitted::Record(record) => Ok(*record),
        // A question is not routed up the chain by mail (its kind is never
        // one), but refused as the API refuses one nobody upstream takes.
        Admitted::RouteUp(up) => Err(not_covered(contract_id, &up.check)),
    }
}

/// Checks an intake for the caller and prepares what raising it records;
/// `links` are the request it escalates and the party it was routed from.
async fn admitted(
    ctx: &Context,
    caller: &Principal,
    intake: Intake,
    links: (Option<RequestId>, Option<PartyId>),
    raised_at: Option<Timestamp>,
) -> Result<Admitted, Error> {
    let (escalated_from, raised_by_party) = links;
    let fields = check_fields(&intake)?;
    let contract = running_contract(ctx, caller, intake.contract_id).await?;
    let raiser = raiser_on(ctx, caller, &contract).await?;
    if !raiser.may_raise(intake.kind) {
        return Err(Error::field(
            "kind",
            "only the provider's people raise internal tasks",
        ));
    }
    let (customer_id, customer) = customer_of(
        ctx,
        caller,
        raiser,
        &contract.customer_ids,
        intake.customer_id,
    )
    .await?;
    let service = offered_service(ctx, intake.service_id).await?;
    let lines = crate::orders::lines_of(
        ctx,
        &contract,
        &service,
        intake.kind,
        &intake.lines,
        fields.quantity,
    )
    .await?;
    let requester_id = requester_of(
        ctx,
        caller,
        &contract,
        customer_id,
        intake.requester_id,
        raiser.on_behalf,
    )
    .await?;
    let at = raised_at.unwrap_or_else(Timestamp::now);
    let terms = ctx.store.terms_at(contract.id, at).await?;
    let customer_party = ctx.store.party(customer_id).await?;
    let customer_name = customer_party.name.as_str().to_owned();
    let check = check_scope(
        &contract,
        &customer,
        &customer_name,
        &service,
        terms.as_ref().map(|t| &t.terms),
        Some(&fields.subject),
    );
    let admission = admit(
        check.outcome,
        &check.reason,
        intake.kind,
        fields.override_reason.clone(),
        raiser.may_override,
    );
    let override_reason = match &admission {
        Admission::Covered | Admission::RouteUp => None,
        Admission::Overridden(reason) => Some(reason.clone()),
        Admission::Refused => return Err(not_covered(contract.id, &check)),
        Admission::OverrideForbidden => {
            return Err(Error::new(Kind::Forbidden).detail(
                "only the provider's managers accept requests the contract does not cover",
            ));
        }
    };
    let new = NewRequest {
        contract_id: contract.id,
        customer_id,
        requester_id,
        service_id: service.id,
        kind: intake.kind,
        priority: intake.priority.unwrap_or(Priority::Normal),
        quantity: fields
            .quantity
            .or_else(|| single_quantity(&lines, service.id)),
        effort: intake.effort.or(service.default_effort),
        subject: fields.subject,
        description: fields.description,
        override_reason,
        escalated_from,
        raised_by_party,
    };
    if admission == Admission::RouteUp {
        return Ok(Admitted::RouteUp(Box::new(RouteUp {
            contract,
            service,
            new,
            check,
        })));
    }
    let mut record = record_for(ctx, &contract, &service, terms.as_ref(), new);
    // Questioned as it is recorded, so after every refusal here: a refusal
    // for scope says more than a question.
    record.check = crate::orders::to_settle(lines, intake.confirm_quantity);
    record.calendar = Some(ctx.store.compiled_calendar(record.calendar_id).await?);
    // The promise is weighed at the instant its clocks start.
    record.raised_at = Some(at);
    record.promise = promise_for(
        ctx,
        &record,
        at,
        customer_party.internal,
        raised_at.is_some(),
    )
    .await?;
    Ok(Admitted::Record(Box::new(record)))
}

/// The quantity of an order of one line of its own service, in whole
/// units, for the views that show a request's quantity.
fn single_quantity(lines: &[crate::orders::ParsedLine], service: ServiceId) -> Option<u32> {
    match lines {
        [line] if line.service.id == service && line.quantity.milli % 1_000 == 0 => {
            u32::try_from(line.quantity.milli / 1_000).ok()
        }
        _ => None,
    }
}

/// What to record for `new` on `contract`: the clocks' targets from the
/// terms in force for its service and priority (else the service's
/// defaults), the terms' calendar (else the contract's), and the service's
/// default team, which the request is assigned to from the start.
pub fn record_for(
    ctx: &Context,
    contract: &kept_domain::Contract,
    service: &kept_domain::Service,
    terms: Option<&kept_domain::TermsVersion>,
    new: NewRequest,
) -> RequestRecord {
    let targets = terms
        .and_then(|t| t.terms.sla_for(service.id, new.priority))
        .map(|row| Targets {
            first_response: row.first_response,
            resolution: row.resolution,
            delivery: row.delivery,
        })
        .unwrap_or(service.default_targets);
    let calendar_id: Option<CalendarId> = terms.map_or(contract.calendar_id, |t| t.calendar_id);
    RequestRecord {
        calendar: None,
        new,
        terms_version: terms.map(|t| t.version),
        calendar_id,
        team_id: service.default_team_id,
        targets,
        at_risk_percent: ctx.settings.sla_at_risk_percent,
        raised_at: None,
        promise: None,
        lines: Vec::new(),
        check: None,
    }
}
