//! An order's lines as sent, read against their services at the edge of
//! the use case: positive, whole where the service sells whole units,
//! within its maximum, in a unit it sells, on the contract.

use kept_domain::order::{Quantity, parse_line};
use kept_domain::{Contract, FieldError, RequestKind, Service, ServiceId, ValidationErrors};
use kept_store::StoreError;
use serde::{Deserialize, Deserializer};

use crate::Context;
use crate::error::Error;

/// The most lines one order holds.
pub const MAX_LINES: usize = 50;

/// An order line, as the API and the portal send it.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LineInput {
    /// The catalog item (default: the request's service); the contract
    /// must cover it.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Uuid))]
    pub service_id: Option<ServiceId>,
    /// How many, in `unit`: a number with at most three decimals, as a
    /// JSON number or a string ("10", "2.5").
    #[serde(deserialize_with = "decimal")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "10", max_length = 40))]
    pub quantity: String,
    /// The unit meant: the service's own (its name, singular or plural;
    /// the default) or `piece`, the pieces one unit holds.
    #[cfg_attr(feature = "openapi", schema(example = "box", max_length = 40))]
    pub unit: Option<String>,
    /// The quantity the check questioned, when this line changes it in
    /// answer to the question (so the change is recorded).
    #[serde(default, deserialize_with = "optional_decimal")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "1000", max_length = 40))]
    pub questioned_quantity: Option<String>,
}

/// A number or a string, as text.
fn decimal<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Text {
        Number(serde_json::Number),
        Text(String),
    }
    Ok(match Text::deserialize(d)? {
        Text::Number(n) => n.to_string(),
        Text::Text(t) => t,
    })
}

fn optional_decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    struct Wrapped(#[serde(deserialize_with = "decimal")] String);
    Ok(Option::<Wrapped>::deserialize(d)?.map(|w| w.0))
}

/// A line read against its service.
#[derive(Debug, Clone)]
pub struct ParsedLine {
    /// Its service.
    pub service: Service,
    /// Its quantity.
    pub quantity: Quantity,
    /// The quantity questioned before, when the customer changed it.
    pub questioned: Option<Quantity>,
}

/// The lines of an order of `service` (the request's) on `contract`: those
/// sent, or one line of its `quantity` when none are. Other kinds of
/// request have none. Every line's problem is told at once.
pub async fn lines_of(
    ctx: &Context,
    contract: &Contract,
    service: &Service,
    kind: RequestKind,
    sent: &[LineInput],
    quantity: Option<u32>,
) -> Result<Vec<ParsedLine>, Error> {
    if kind != RequestKind::Order {
        if sent.is_empty() {
            return Ok(Vec::new());
        }
        return Err(Error::field("lines", "only orders have lines"));
    }
    if sent.len() > MAX_LINES {
        return Err(Error::field(
            "lines",
            format!("must hold at most {MAX_LINES} lines"),
        ));
    }
    let single;
    let sent = match (sent.is_empty(), quantity) {
        (true, Some(q)) => {
            single = [LineInput {
                service_id: None,
                quantity: q.to_string(),
                unit: None,
                questioned_quantity: None,
            }];
            &single[..]
        }
        _ => sent,
    };
    let mut errors = ValidationErrors::new();
    let mut lines = Vec::with_capacity(sent.len());
    for (n, line) in sent.iter().enumerate() {
        let field = format!("lines[{n}]");
        let item = match line.service_id {
            None => service.clone(),
            Some(id) => match line_service(ctx, contract, id).await {
                Ok(item) => item,
                Err(Reason::Field(message)) => {
                    errors.push(FieldError::new(format!("{field}.service_id"), message));
                    continue;
                }
                Err(Reason::Store(e)) => return Err(e.into()),
            },
        };
        let read = |raw: &str, unit: Option<&str>| {
            parse_line(
                &field,
                raw,
                unit,
                item.unit.as_deref(),
                item.pack_size,
                &item.ordering,
            )
        };
        let quantity = errors.check(read(&line.quantity, line.unit.as_deref()));
        let questioned = match &line.questioned_quantity {
            None => Some(None),
            Some(raw) => errors
                .check(read(raw, line.unit.as_deref()).map_err(|e| FieldError {
                    field: format!("{field}.questioned_quantity"),
                    ..e
                }))
                .map(Some),
        };
        if let (Some(quantity), Some(questioned)) = (quantity, questioned) {
            lines.push(ParsedLine {
                service: item,
                quantity,
                questioned,
            });
        }
    }
    errors.into_result(lines).map_err(Error::from)
}

enum Reason {
    Field(&'static str),
    Store(StoreError),
}

/// A line's own service: in the catalog and on the contract.
async fn line_service(
    ctx: &Context,
    contract: &Contract,
    id: ServiceId,
) -> Result<Service, Reason> {
    let item = match ctx.store.service(id).await {
        Ok(item) => item,
        Err(StoreError::NotFound) => return Err(Reason::Field("no such service")),
        Err(e) => return Err(Reason::Store(e)),
    };
    if item.is_archived() {
        return Err(Reason::Field("the service is withdrawn from the catalog"));
    }
    if !contract.service_ids.contains(&id) {
        return Err(Reason::Field("the contract does not cover this service"));
    }
    Ok(item)
}
