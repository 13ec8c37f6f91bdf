//! The change-request form's own page: raising a change on a contract
//! (`/contracts/{id}/change-requests/new`) or editing a draft of the
//! caller's side (`…/{cr}/edit`), with the terms as a table by service
//! and priority, prefilled from the latest terms and named by service.
//! "Review the change" answers the same page with what it changes in the
//! sentences the steering group reads, nothing stored; the save button then
//! raises (or saves) and submits it, in `change_request_forms`. A refused
//! form comes back here as typed, with why.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use kept_domain::{
    ChangeRequestId, ContractChanges, ContractId, PartyId, Priority, ServiceId, SlaField,
};

use super::change_request_editor::{
    BLANK_ITEMS, DraftInput, KPI_KINDS, KPI_PERIODS, sla_name, word_fields,
};
use super::session::{CsrfForm, WebCaller};
use super::{Flash, Labels, Layout, WebError, WebPath, describe_as, shown_on_form};
use crate::error::{ApiError, ProblemKind};
use crate::state::AppState;
use kept_app::changes::{coverage_of_version, preview_draft, readable_change};
use kept_app::contracts::pages::contract_page;

/// The labels of the form's fields outside the terms table.
const LABELS: Labels = &[
    ("title", "Title"),
    ("rationale", "Rationale"),
    ("changes", "Proposed changes"),
    ("base_version", "Terms version"),
    ("contract_id", "Contract"),
    ("add_customer", "Add a customer"),
    ("add_service", "Add a service"),
    ("add_customers", "Add a customer"),
    ("add_services", "Add a service"),
];

/// What the form is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Raising a new change request.
    Raise,
    /// Rewriting a draft of the caller's side.
    Edit(ChangeRequestId),
}

/// One input of the form, with its label.
pub struct Cell {
    /// The column it is under, for phones' cards.
    pub column: &'static str,
    /// Its name in the form.
    pub name: String,
    /// Its id on the page.
    pub id: String,
    /// What it holds.
    pub value: String,
    /// Refused: marked for screen readers and by colour.
    pub invalid: bool,
}

/// A row of the terms table: a service at a priority.
pub struct SlaRow {
    /// The service's name.
    pub service: String,
    /// The priority, as a word.
    pub priority: &'static str,
    /// First response, resolution, delivery.
    pub cells: Vec<Cell>,
}

/// A choice of a select.
pub struct Choice {
    /// Its value.
    pub value: &'static str,
    /// What it says.
    pub label: &'static str,
    /// Chosen.
    pub selected: bool,
}

/// A KPI row of the form.
pub struct KpiRow {
    /// Its number in the form's names (`kpi.{n}.…`).
    pub n: usize,
    /// The row to add one (no remove box, a blank choice).
    pub is_new: bool,
    /// What it measures.
    pub kinds: Vec<Choice>,
    /// The threshold, as typed.
    pub at_least: String,
    /// Within, as typed.
    pub within: String,
    /// The period.
    pub periods: Vec<Choice>,
    /// Ticked to remove it.
    pub remove: bool,
    /// Which of kind, at_least, within, period were refused.
    pub invalid: [bool; 4],
}

#[derive(Template, WebTemplate)]
#[template(path = "change_request_form.html")]
struct FormPage {
    layout: Layout,
    contract_id: ContractId,
    contract_name: String,
    /// The draft edited, with its title; none when raising.
    editing: Option<(ChangeRequestId, String)>,
    input: DraftInput,
    /// The version the terms shown are as of.
    base_version: Option<u32>,
    sla: Vec<SlaRow>,
    kpis: Vec<KpiRow>,
    in_scope: Vec<String>,
    out_of_scope: Vec<String>,
    candidate_customers: Vec<(PartyId, String)>,
    candidate_services: Vec<(ServiceId, String)>,
    /// After a review: what it changes, in sentences.
    review: Option<Vec<String>>,
    /// For a draft that conflicts with a newer version: what, in sentences.
    conflicts: Vec<String>,
    invalid: Vec<String>,
}

/// What the page is built on: the contract, the services its terms table
/// shows by name, and the form prefilled.
struct Setting {
    contract_id: ContractId,
    contract_name: String,
    editing: Option<(ChangeRequestId, String)>,
    names: HashMap<ServiceId, String>,
    /// The services with rows in the table, by name.
    rows: Vec<ServiceId>,
    prefill: DraftInput,
    base_version: Option<u32>,
    candidate_customers: Vec<(PartyId, String)>,
    candidate_services: Vec<(ServiceId, String)>,
    conflicts: Vec<String>,
}

/// Reads what the page needs from the contract page's use case: the
/// latest terms (raising) or the draft rebased on them (editing), and the
/// names of every service the table may show.
async fn setting(
    state: &AppState,
    caller: &WebCaller,
    contract: ContractId,
    purpose: Purpose,
) -> Result<Setting, ApiError> {
    let found = contract_page(&state.app, &caller.principal, contract).await?;
    let gov = found.governance;
    if !gov.may_raise {
        return Err(ApiError::new(ProblemKind::Forbidden).detail(
            "change requests are raised by the provider's managers or the client, while the contract runs",
        ));
    }
    let mut names: HashMap<ServiceId, String> = found
        .services
        .iter()
        .map(|s| (s.id, s.name.as_str().to_owned()))
        .collect();
    names.extend(found.candidate_services.iter().cloned());
    names.extend(gov.service_names.clone());
    let mut rows: Vec<ServiceId> = found.services.iter().map(|s| s.id).collect();
    let (editing, prefill, base_version, conflicts) = match purpose {
        Purpose::Raise => {
            let latest = gov.latest();
            let terms = latest.map(|v| v.terms.clone()).unwrap_or_default();
            rows.extend(latest.iter().flat_map(|v| v.service_ids.iter()));
            rows.extend(terms.sla.iter().map(|t| t.service_id));
            let version = latest.map(|v| v.version);
            let prefill = DraftInput::prefilled("", "", &terms, version);
            (None, prefill, version, Vec::new())
        }
        Purpose::Edit(id) => {
            let entry = gov
                .changes
                .into_iter()
                .find(|e| e.change.id == id)
                .ok_or_else(ApiError::not_found)?;
            let cr = &entry.change;
            let Some(p) = entry.preview.filter(|_| entry.steps.submit) else {
                return Err(ApiError::new(ProblemKind::Forbidden).detail(format!(
                    "only a draft of your side can be edited; this one is {}",
                    cr.status
                )));
            };
            rows = p.rebased.service_ids.clone();
            rows.extend(p.rebased.terms.sla.iter().map(|t| t.service_id));
            let prefill =
                DraftInput::prefilled(&cr.title, &cr.rationale, &p.rebased.terms, p.latest_version);
            let conflicts = p.conflicts.into_iter().map(|c| c.description).collect();
            let editing = Some((cr.id, cr.title.clone()));
            (editing, prefill, p.latest_version, conflicts)
        }
    };
    let (candidate_customers, candidate_services) = match purpose {
        Purpose::Raise => (found.candidate_customers, found.candidate_services),
        Purpose::Edit(_) => (Vec::new(), Vec::new()),
    };
    Ok(Setting {
        contract_id: found.contract.id,
        contract_name: found.contract.name.as_str().to_owned(),
        editing,
        names,
        rows,
        prefill,
        base_version,
        candidate_customers,
        candidate_services,
        conflicts,
    })
}

fn capitalised(priority: Priority) -> &'static str {
    match priority {
        Priority::Urgent => "Urgent",
        Priority::High => "High",
        Priority::Normal => "Normal",
        Priority::Low => "Low",
    }
}

fn column(field: SlaField) -> &'static str {
    match field {
        SlaField::FirstResponse => "First response",
        SlaField::Resolution => "Resolution",
        SlaField::Delivery => "Delivery",
    }
}

/// The terms table: a row per service (by name, then any other the form
/// sent or adds) and priority, each holding what was typed.
fn sla_rows(setting: &Setting, input: &DraftInput, invalid: &[String]) -> Vec<SlaRow> {
    let name = |id: &ServiceId| setting.names.get(id).cloned();
    let mut known: Vec<(String, ServiceId)> = Vec::new();
    let added = input.add_service.trim().parse::<ServiceId>().ok();
    let typed = input.sla.iter().map(|((s, _), _)| *s);
    for id in setting.rows.iter().copied().chain(typed).chain(added) {
        if !known.iter().any(|(_, k)| *k == id) {
            let label = name(&id).unwrap_or_else(|| "A service not on the contract".to_owned());
            known.push((label, id));
        }
    }
    known.sort_by_key(|a| a.0.to_lowercase());
    let mut rows = Vec::new();
    for (service, id) in known {
        for priority in Priority::ALL {
            let values = input.cells(id, priority);
            let cells = SlaField::ALL
                .into_iter()
                .zip(values)
                .map(|(field, value)| {
                    let name = sla_name(id, priority, field);
                    Cell {
                        column: column(field),
                        id: name.replace('.', "-"),
                        invalid: invalid.contains(&name),
                        name,
                        value,
                    }
                })
                .collect();
            rows.push(SlaRow {
                service: service.clone(),
                priority: capitalised(priority),
                cells,
            });
        }
    }
    rows
}

/// The KPI rows as typed, and one blank row to add a KPI.
fn kpi_rows(input: &DraftInput, invalid: &[String]) -> Vec<KpiRow> {
    let blank = super::change_request_editor::KpiInput {
        period: "quarter".to_owned(),
        ..Default::default()
    };
    let count = input.kpis.len();
    input
        .kpis
        .iter()
        .chain([&blank])
        .enumerate()
        .map(|(n, k)| {
            let bad = |part: &str| invalid.contains(&format!("kpi.{n}.{part}"));
            KpiRow {
                n,
                is_new: n == count,
                kinds: KPI_KINDS
                    .iter()
                    .map(|(_, value, label)| Choice {
                        value,
                        label,
                        selected: k.kind == *value,
                    })
                    .collect(),
                at_least: k.at_least.clone(),
                within: k.within.clone(),
                periods: KPI_PERIODS
                    .iter()
                    .map(|(_, value, label)| Choice {
                        value,
                        label,
                        selected: k.period == *value,
                    })
                    .collect(),
                remove: k.remove,
                invalid: [bad("kind"), bad("at_least"), bad("within"), bad("period")],
            }
        })
        .collect()
}

fn with_blanks(items: &[String]) -> Vec<String> {
    let mut out = items.to_vec();
    out.extend(std::iter::repeat_n(String::new(), BLANK_ITEMS));
    out
}

/// The page for `setting` holding `input`.
async fn render(
    caller: &WebCaller,
    setting: Setting,
    input: DraftInput,
    review: Option<Vec<String>>,
    invalid: Vec<String>,
    flash: Option<Flash>,
) -> Result<FormPage, WebError> {
    let title = match &setting.editing {
        Some((_, t)) => format!("Edit “{t}”"),
        None => "Propose a change".to_owned(),
    };
    let mut layout = Layout::new(&caller.session, &caller.principal, title, "contracts").await?;
    if flash.is_some() {
        layout.flash = flash;
    }
    Ok(FormPage {
        sla: sla_rows(&setting, &input, &invalid),
        kpis: kpi_rows(&input, &invalid),
        in_scope: with_blanks(&input.in_scope),
        out_of_scope: with_blanks(&input.out_of_scope),
        layout,
        contract_id: setting.contract_id,
        contract_name: setting.contract_name,
        editing: setting.editing,
        base_version: setting.base_version,
        candidate_customers: setting.candidate_customers,
        candidate_services: setting.candidate_services,
        review,
        conflicts: setting.conflicts,
        invalid,
        input,
    })
}

/// `GET /contracts/{id}/change-requests/new`.
pub async fn new_page(
    State(state): State<AppState>,
    caller: WebCaller,
    WebPath(contract): WebPath<ContractId>,
) -> Result<Response, WebError> {
    fresh(&state, &caller, contract, Purpose::Raise).await
}

/// `GET /contracts/{id}/change-requests/{cr}/edit`.
pub async fn edit_page(
    State(state): State<AppState>,
    caller: WebCaller,
    WebPath((contract, id)): WebPath<(ContractId, ChangeRequestId)>,
) -> Result<Response, WebError> {
    fresh(&state, &caller, contract, Purpose::Edit(id)).await
}

async fn fresh(
    state: &AppState,
    caller: &WebCaller,
    contract: ContractId,
    purpose: Purpose,
) -> Result<Response, WebError> {
    let setting = setting(state, caller, contract, purpose).await?;
    let input = setting.prefill.clone();
    Ok(render(caller, setting, input, None, Vec::new(), None)
        .await?
        .into_response())
}

/// The draft a posted form makes, written against the version it names:
/// for an edit, with the customers, services and calendar the draft
/// already changes, less what that version already has.
pub(super) async fn draft_of(
    state: &AppState,
    caller: &WebCaller,
    contract: ContractId,
    purpose: Purpose,
    input: &DraftInput,
) -> Result<kept_domain::ChangeDraft, ApiError> {
    let principal = &caller.principal;
    let keep = match purpose {
        Purpose::Raise => None,
        Purpose::Edit(id) => {
            let (cr, _) = readable_change(&state.app, principal, id).await?;
            if cr.contract_id != contract {
                return Err(ApiError::not_found());
            }
            Some(cr.changes)
        }
    };
    let version = match input.base_version.trim() {
        "" => None,
        raw => Some(
            raw.parse::<u32>()
                .map_err(|_| ApiError::field("base_version", "is not a version number"))?,
        ),
    };
    let base = coverage_of_version(&state.app, principal, contract, version).await?;
    let keep = keep.map_or_else(ContractChanges::default, |changes| {
        kept_domain::still_to_change(&changes, &base)
    });
    input.draft(&base, keep)
}

/// `POST /contracts/{id}/change-requests/review`: the raise form again
/// with what it would change.
pub async fn review_raise(
    State(state): State<AppState>,
    caller: WebCaller,
    WebPath(contract): WebPath<ContractId>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    review(&state, &caller, contract, Purpose::Raise, pairs).await
}

/// `POST /contracts/{id}/change-requests/{cr}/review`: the edit form
/// again with what the draft would change.
pub async fn review_edit(
    State(state): State<AppState>,
    caller: WebCaller,
    WebPath((contract, id)): WebPath<(ContractId, ChangeRequestId)>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    review(&state, &caller, contract, Purpose::Edit(id), pairs).await
}

async fn review(
    state: &AppState,
    caller: &WebCaller,
    contract: ContractId,
    purpose: Purpose,
    pairs: Vec<(String, String)>,
) -> Result<Response, WebError> {
    let input = DraftInput::from_pairs(&pairs);
    let editing = match purpose {
        Purpose::Raise => None,
        Purpose::Edit(id) => Some(id),
    };
    let result = async {
        let draft = draft_of(state, caller, contract, purpose, &input).await?;
        let lines = preview_draft(&state.app, &caller.principal, contract, editing, draft).await?;
        Ok::<_, ApiError>(lines.into_iter().map(|l| l.description).collect())
    }
    .await;
    match result {
        Ok(lines) => {
            let setting = setting(state, caller, contract, purpose).await?;
            Ok(
                render(caller, setting, input, Some(lines), Vec::new(), None)
                    .await?
                    .into_response(),
            )
        }
        Err(e) => refused(state, caller, contract, purpose, input, e, "Not reviewed.").await,
    }
}

/// The form again as typed, with why it was refused and the refusal's
/// status, when the person can act on it; otherwise the error page.
pub(super) async fn refused(
    state: &AppState,
    caller: &WebCaller,
    contract: ContractId,
    purpose: Purpose,
    input: DraftInput,
    mut error: ApiError,
    lead: &str,
) -> Result<Response, WebError> {
    if !shown_on_form(&error) {
        return Err(WebError(error));
    }
    let setting = setting(state, caller, contract, purpose).await?;
    let mut invalid = word_fields(&mut error, &input, &setting.names);
    invalid.extend(
        error
            .errors
            .iter()
            .filter(|f| ["title", "rationale"].contains(&f.field.as_str()))
            .map(|f| f.field.clone()),
    );
    let flash = Flash::refusal(&error, describe_as(&error, lead, LABELS));
    let page = render(caller, setting, input, None, invalid, Some(flash)).await?;
    Ok((error.kind.status(), page).into_response())
}
