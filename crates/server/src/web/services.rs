//! The catalog pages: services by provider, and a page per service that says
//! plainly what is in scope and what is not.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use kept_domain::calendar::BusinessDuration;
use kept_domain::{
    FieldError, NewService, PartyId, PartyName, Service, ServiceDetails, ServiceId, Targets,
    ValidationErrors,
};
use serde::Deserialize;

use super::service_ordering::{OrderingForm, OrderingValues};
use super::{Labels, Layout, NoFields, WebError, WebPath, after_form, after_post};

use super::session::{CsrfForm, WebCaller};
use crate::error::ApiError;
use crate::state::AppState;
use kept_app::services::{self, ServiceChange, ServiceRow};

/// The service form's fields as text.
#[derive(Default)]
pub struct FormValues {
    description: String,
    unit: String,
    pack_size: String,
    in_scope: String,
    out_of_scope: String,
    default_effort: String,
    first_response: String,
    resolution: String,
    delivery: String,
    default_team_id: String,
    /// The default team's choices, as (id, name).
    teams: Vec<(String, String)>,
    /// How it is ordered.
    ordering: OrderingValues,
}

impl FormValues {
    /// Empty fields, with the default team's choices.
    fn empty(teams: &[(PartyId, String)]) -> Self {
        Self {
            teams: choices(teams),
            ..Self::default()
        }
    }

    fn of(s: &Service, teams: &[(PartyId, String)]) -> Self {
        let text = |d: Option<BusinessDuration>| d.map(|d| d.to_string()).unwrap_or_default();
        Self {
            description: s.description.clone(),
            unit: s.unit.clone().unwrap_or_default(),
            pack_size: s.pack_size.map(|p| p.to_string()).unwrap_or_default(),
            in_scope: s.in_scope.join("\n"),
            out_of_scope: s.out_of_scope.join("\n"),
            default_effort: text(s.default_effort),
            first_response: text(s.default_targets.first_response),
            resolution: text(s.default_targets.resolution),
            delivery: text(s.default_targets.delivery),
            default_team_id: s.default_team_id.map(|t| t.to_string()).unwrap_or_default(),
            teams: choices(teams),
            ordering: OrderingValues::of(&s.ordering),
        }
    }
}

fn choices(teams: &[(PartyId, String)]) -> Vec<(String, String)> {
    teams
        .iter()
        .map(|(id, name)| (id.to_string(), name.clone()))
        .collect()
}

#[derive(Template, WebTemplate)]
#[template(path = "services.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<ServiceRow>,
    providers: Vec<(PartyId, String)>,
    values: FormValues,
}

#[derive(Template, WebTemplate)]
#[template(path = "service.html")]
struct DetailPage {
    layout: Layout,
    service: Service,
    provider: String,
    /// Whether the reader sees the provider (else they read the service
    /// through a contract that lists it: what it covers, not the
    /// provider's own planning such as its typical effort).
    sees_provider: bool,
    can_manage: bool,
    values: FormValues,
    /// How often its orders were questioned and how (the provider's side).
    questions: Option<kept_store::QuestionStats>,
}

/// `GET /services`.
pub async fn list(State(state): State<AppState>, caller: WebCaller) -> Result<Response, WebError> {
    let principal = &caller.principal;
    let catalogue = services::catalogue(&state.app, principal).await?;
    Ok(ListPage {
        layout: Layout::new(&caller.session, principal, "Services", "services").await?,
        rows: catalogue.rows,
        providers: catalogue.providers,
        values: FormValues::empty(&catalogue.teams),
    }
    .into_response())
}

/// The service forms' labels, for their messages.
const SERVICE_LABELS: Labels = &[
    ("max_quantity", "Largest quantity on a line"),
    ("unit_volume_l", "One unit's volume"),
    ("unit_weight_kg", "One unit's weight"),
    ("units_per_pallet", "Units on a pallet"),
    ("ratio", "Times the usual"),
    ("spread", "Deviations from the median"),
    (
        "min_history",
        "Orders before a customer's own history counts",
    ),
    ("ordering", "Ordering"),
    ("name", "Name"),
    ("provider_id", "Provider"),
    ("description", "Description"),
    ("unit", "Unit of measure"),
    ("pack_size", "Pack size"),
    ("in_scope", "In scope"),
    ("out_of_scope", "Out of scope"),
    ("default_effort", "Typical effort"),
    ("first_response", "First response"),
    ("resolution", "Resolution"),
    ("delivery", "Delivery"),
    ("default_team_id", "Default team"),
];

/// The fields of the service forms.
#[derive(Debug, Deserialize)]
pub struct ServiceForm {
    name: String,
    provider_id: Option<PartyId>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    pack_size: String,
    #[serde(default)]
    in_scope: String,
    #[serde(default)]
    out_of_scope: String,
    #[serde(default)]
    default_effort: String,
    #[serde(default)]
    first_response: String,
    #[serde(default)]
    resolution: String,
    #[serde(default)]
    delivery: String,
    #[serde(default)]
    default_team_id: String,
    #[serde(flatten)]
    ordering: OrderingForm,
}

/// A service form as read: its name, its details, and whether it showed
/// the ordering fields (else ordering is left as it is).
struct ReadForm {
    name: PartyName,
    details: ServiceDetails,
    ordering_shown: bool,
}

fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::to_owned).collect()
}

fn optional_duration(
    errors: &mut ValidationErrors,
    field: &str,
    raw: &str,
) -> Option<BusinessDuration> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    errors.check(
        raw.parse::<BusinessDuration>()
            .map_err(|e| FieldError::new(field, e.to_string())),
    )
}

impl ServiceForm {
    /// Reads the fields as the API reads its JSON: types here, the rules on
    /// details in the use case (after its access check, as through the
    /// API). A form already refused names every problem at once.
    fn read(&self) -> Result<ReadForm, ApiError> {
        let mut errors = ValidationErrors::new();
        let name = errors.check(PartyName::parse("name", &self.name));
        let ordering = self.ordering.read(&mut errors);
        let pack_size = match self.pack_size.trim() {
            "" => None,
            raw => errors.check(WHOLE_NUMBER.parse(raw)),
        };
        let details = ServiceDetails {
            description: self.description.clone(),
            unit: Some(self.unit.clone()),
            pack_size,
            ordering: ordering.unwrap_or_default(),
            in_scope: lines(&self.in_scope),
            out_of_scope: lines(&self.out_of_scope),
            default_effort: optional_duration(&mut errors, "default_effort", &self.default_effort),
            default_targets: Targets {
                first_response: optional_duration(
                    &mut errors,
                    "first_response",
                    &self.first_response,
                ),
                resolution: optional_duration(&mut errors, "resolution", &self.resolution),
                delivery: optional_duration(&mut errors, "delivery", &self.delivery),
            },
            default_team_id: match self.default_team_id.trim() {
                "" => None,
                raw => errors.check(
                    raw.parse()
                        .map_err(|_| FieldError::new("default_team_id", "choose a team")),
                ),
            },
        };
        match name {
            Some(name) if errors.is_empty() => Ok(ReadForm {
                name,
                details,
                ordering_shown: ordering.is_some(),
            }),
            _ => {
                if let Err(more) = details.checked() {
                    errors.0.extend(more.0);
                }
                Err(errors.into())
            }
        }
    }
}

/// A pack size as typed: any whole number (the rules refuse zero, as for
/// the API's JSON).
const WHOLE_NUMBER: kept_domain::WholeRange = kept_domain::WholeRange {
    field: "pack_size",
    min: 0,
    max: u32::MAX,
};

/// `POST /services`.
pub async fn create(
    State(state): State<AppState>,
    caller: WebCaller,
    CsrfForm(form): CsrfForm<ServiceForm>,
) -> Result<Response, WebError> {
    let result = async {
        let ReadForm { name, details, .. } = form.read()?;
        let provider_id = form
            .provider_id
            .ok_or_else(|| ApiError::field("provider_id", "choose the provider"))?;
        let new = NewService {
            provider_id,
            name,
            details,
        };
        let service = services::create(&state.app, &caller.principal, new).await?;
        Ok((
            format!("Added {}.", service.name),
            format!("/services/{}", service.id),
        ))
    }
    .await;
    after_form(&caller.session, result, "/services", SERVICE_LABELS).await
}

/// `GET /services/{id}`.
pub async fn detail(
    State(state): State<AppState>,
    caller: WebCaller,
    WebPath(id): WebPath<ServiceId>,
) -> Result<Response, WebError> {
    let principal = &caller.principal;
    let view = services::view(&state.app, principal, id).await?;
    Ok(DetailPage {
        layout: Layout::new(
            &caller.session,
            principal,
            view.service.name.as_str(),
            "services",
        )
        .await?,
        can_manage: view.can_manage,
        questions: view.questions,
        sees_provider: view.sees_provider,
        provider: view.provider,
        values: FormValues::of(&view.service, &view.teams),
        service: view.service,
    }
    .into_response())
}

/// `POST /services/{id}`: saves the edit form.
pub async fn update(
    State(state): State<AppState>,
    caller: WebCaller,
    WebPath(id): WebPath<ServiceId>,
    CsrfForm(form): CsrfForm<ServiceForm>,
) -> Result<Response, WebError> {
    let back = format!("/services/{id}");
    let result = async {
        let read = form.read()?;
        let mut change = ServiceChange::whole(read.name, read.details);
        if !read.ordering_shown {
            change.ordering = None;
        }
        services::update(&state.app, &caller.principal, id, change).await?;
        Ok(("Saved.".to_owned(), back.clone()))
    }
    .await;
    after_form(&caller.session, result, &back, SERVICE_LABELS).await
}

async fn set_archived(
    state: &AppState,
    caller: &WebCaller,
    id: ServiceId,
    archived: bool,
) -> Result<Response, WebError> {
    let back = format!("/services/{id}");
    let result = async {
        if archived {
            services::archive(&state.app, &caller.principal, id).await?;
        } else {
            services::restore(&state.app, &caller.principal, id).await?;
        }
        let message = if archived {
            "Withdrawn."
        } else {
            "Offered again."
        };
        Ok((message.to_owned(), back.clone()))
    }
    .await;
    after_post(&caller.session, result, &back).await
}

/// `POST /services/{id}/archive`.
pub async fn archive(
    State(state): State<AppState>,
    caller: WebCaller,
    WebPath(id): WebPath<ServiceId>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, WebError> {
    set_archived(&state, &caller, id, true).await
}

/// `POST /services/{id}/restore`.
pub async fn restore(
    State(state): State<AppState>,
    caller: WebCaller,
    WebPath(id): WebPath<ServiceId>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, WebError> {
    set_archived(&state, &caller, id, false).await
}

/// The service catalogue pages.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/services", get(list).post(create))
        .route("/services/{id}", get(detail).post(update))
        .route("/services/{id}/archive", post(archive))
        .route("/services/{id}/restore", post(restore))
}
