//! The scope check: is this request covered by the contract?
//!
//! A request names a customer party and a service, and perhaps a subject in
//! free text. It is **covered** when the customer (or a party it belongs to:
//! a person at a store the contract serves) is one of the contract's
//! customers, the service is on the contract, and the subject does not match
//! anything the service lists as out of scope. A subject matches an
//! out-of-scope item when at least half of the item's significant words
//! (words of four letters or more, ignoring case, a trailing plural `s` and
//! anything in brackets) appear in the subject.

use serde::Serialize;

use crate::change::ContractChanges;
use crate::contract::Contract;
use crate::ids::{PartyId, ServiceId};
use crate::party::Lineage;
use crate::service::Service;
use crate::terms::Terms;

/// What the check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ScopeOutcome {
    /// The contract covers it.
    Covered,
    /// The customer or the service is not on the contract.
    NotCovered,
    /// The service is on the contract but this is listed as out of scope.
    OutOfScope,
}

/// The outcome with its reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScopeCheck {
    /// Covered, not covered or out of scope.
    pub outcome: ScopeOutcome,
    /// Why, in a sentence.
    pub reason: String,
    /// The out-of-scope item the subject matched, if any.
    pub matched: Option<String>,
}

fn words(text: &str) -> Vec<String> {
    let without_brackets: String = {
        let mut depth = 0usize;
        text.chars()
            .filter(|c| {
                match c {
                    '(' => depth += 1,
                    ')' => {
                        depth = depth.saturating_sub(1);
                        return false;
                    }
                    _ => {}
                }
                depth == 0
            })
            .collect()
    };
    without_brackets
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 4)
        .map(|w| {
            let w = w.to_lowercase();
            w.strip_suffix('s').map(str::to_owned).unwrap_or(w)
        })
        .collect()
}

/// The first out-of-scope item of `service` that `subject` matches.
pub fn out_of_scope_match<'a>(service: &'a Service, subject: &str) -> Option<&'a str> {
    first_match(&service.out_of_scope, subject)
}

/// The first of `items` that `subject` matches.
pub fn first_match<'a>(items: &'a [String], subject: &str) -> Option<&'a str> {
    let said = words(subject);
    items.iter().map(String::as_str).find(|item| {
        let wanted = words(item);
        let hits = wanted.iter().filter(|w| said.contains(w)).count();
        !wanted.is_empty() && hits * 2 >= wanted.len()
    })
}

/// Checks a request for `customer` (given by its lineage, top first) and
/// `service` against `contract` and the terms in force, if any: an item the
/// terms add to the scope wins over the catalog's exclusions, and an item
/// the terms exclude counts like the catalog's.
pub fn check_scope(
    contract: &Contract,
    customer: &Lineage,
    customer_name: &str,
    service: &Service,
    terms: Option<&Terms>,
    subject: Option<&str>,
) -> ScopeCheck {
    let covered_customer = customer.0.iter().any(|p| contract.customer_ids.contains(p));
    if !covered_customer {
        return ScopeCheck {
            outcome: ScopeOutcome::NotCovered,
            reason: format!("{customer_name} is not a customer of {}", contract.name),
            matched: None,
        };
    }
    if !contract.service_ids.contains(&service.id) {
        return ScopeCheck {
            outcome: ScopeOutcome::NotCovered,
            reason: format!("{} is not a service of {}", service.name, contract.name),
            matched: None,
        };
    }
    let agreed = terms.and_then(|t| subject.and_then(|s| first_match(&t.in_scope, s)));
    if let Some(item) = agreed {
        return ScopeCheck {
            outcome: ScopeOutcome::Covered,
            reason: format!("{} covers it under its terms: {item}", contract.name),
            matched: None,
        };
    }
    let excluded = subject.and_then(|s| {
        out_of_scope_match(service, s)
            .or_else(|| terms.and_then(|t| first_match(&t.out_of_scope, s)))
    });
    if let Some(item) = excluded {
        return ScopeCheck {
            outcome: ScopeOutcome::OutOfScope,
            reason: format!("{} does not cover: {item}", service.name),
            matched: Some(item.to_owned()),
        };
    }
    ScopeCheck {
        outcome: ScopeOutcome::Covered,
        reason: format!(
            "{} covers {} for {customer_name}",
            contract.name, service.name
        ),
        matched: None,
    }
}

/// The change to `contract` that would make it cover what `check` found
/// it does not: add the customer `customer_id` (with lineage `customer`)
/// when no party of its lineage is served, else add the service; for an
/// out-of-scope subject, terms (from those in force) that move the matched
/// item in scope. `None` when it is covered.
pub fn covering_change(
    check: &ScopeCheck,
    contract: &Contract,
    customer_id: PartyId,
    customer: &Lineage,
    service: ServiceId,
    terms: Option<&Terms>,
) -> Option<ContractChanges> {
    match check.outcome {
        ScopeOutcome::Covered => None,
        ScopeOutcome::NotCovered
            if !customer.0.iter().any(|p| contract.customer_ids.contains(p)) =>
        {
            Some(ContractChanges {
                add_customers: vec![customer_id],
                ..ContractChanges::default()
            })
        }
        ScopeOutcome::NotCovered => Some(ContractChanges {
            add_services: vec![service],
            ..ContractChanges::default()
        }),
        ScopeOutcome::OutOfScope => {
            let mut next = terms.cloned().unwrap_or_default();
            if let Some(item) = &check.matched {
                next.out_of_scope.retain(|i| i != item);
                next.in_scope.push(item.clone());
            }
            Some(ContractChanges {
                terms: Some(next),
                ..ContractChanges::default()
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::Quorum;
    use crate::ids::{ContractId, UserId};
    use crate::party::PartyName;
    use crate::service::Targets;

    fn service(out: &[&str]) -> Service {
        let at = crate::Timestamp::UNIX_EPOCH;
        Service {
            id: ServiceId::new(),
            provider_id: PartyId::new(),
            name: PartyName::parse("name", "Reactive maintenance").expect("name"),
            ordering: crate::order::Ordering::default(),
            description: String::new(),
            unit: None,
            pack_size: None,
            in_scope: vec![],
            out_of_scope: out.iter().map(|s| (*s).to_owned()).collect(),
            default_effort: None,
            default_targets: Targets::default(),
            default_team_id: None,
            archived_at: None,
            created_at: at,
            updated_at: at,
        }
    }

    fn contract(customers: Vec<PartyId>, services: Vec<ServiceId>) -> Contract {
        let at = crate::Timestamp::UNIX_EPOCH;
        Contract {
            id: ContractId::new(),
            name: PartyName::parse("name", "Harbour FM").expect("name"),
            provider_id: PartyId::new(),
            client_id: PartyId::new(),
            customer_ids: customers,
            service_ids: services,
            calendar_id: None,
            probation_ends_on: None,
            steering_group: vec![UserId::new()],
            quorum: Quorum::All,
            intake_address: None,
            archived_at: None,
            created_at: at,
            updated_at: at,
        }
    }

    #[test]
    fn a_person_at_a_covered_store_is_covered_unless_the_subject_is_out_of_scope() {
        let (head_office, leeds, tom) = (PartyId::new(), PartyId::new(), PartyId::new());
        let s = service(&[
            "Refrigeration and freezer cabinets (manufacturer's contract)",
            "Shop-fitting and refits",
        ]);
        let c = contract(vec![leeds], vec![s.id]);
        let lineage = Lineage(vec![head_office, leeds, tom]);

        let ok = check_scope(
            &c,
            &lineage,
            "Tom Reed",
            &s,
            None,
            Some("Leaking tap in the staff toilet"),
        );
        let out = check_scope(
            &c,
            &lineage,
            "Tom Reed",
            &s,
            None,
            Some("Freezer cabinet not cooling"),
        );

        assert_eq!(ok.outcome, ScopeOutcome::Covered);
        assert_eq!(out.outcome, ScopeOutcome::OutOfScope);
        assert_eq!(
            out.matched.as_deref(),
            Some("Refrigeration and freezer cabinets (manufacturer's contract)")
        );
        assert!(out.reason.contains("does not cover"), "{}", out.reason);
    }

    #[test]
    fn the_terms_in_force_add_to_and_take_from_the_catalog_scope() {
        let leeds = PartyId::new();
        let s = service(&["Shop-fitting and refits"]);
        let c = contract(vec![leeds], vec![s.id]);
        let terms = Terms {
            in_scope: vec!["Out-of-hours call-outs for urgent leaks".into()],
            out_of_scope: vec!["Works needing landlord consent".into()],
            ..Terms::default()
        };
        let at = |subject| {
            check_scope(
                &c,
                &Lineage(vec![leeds]),
                "Leeds",
                &s,
                Some(&terms),
                Some(subject),
            )
        };

        let agreed = at("Urgent leaks out of hours: call-outs needed tonight");
        let consent = at("Roof works needing landlord consent");
        let catalog = at("Refits of the shop front");

        assert_eq!(agreed.outcome, ScopeOutcome::Covered, "{}", agreed.reason);
        assert!(
            agreed.reason.contains("under its terms"),
            "{}",
            agreed.reason
        );
        assert_eq!(consent.outcome, ScopeOutcome::OutOfScope);
        assert_eq!(
            consent.matched.as_deref(),
            Some("Works needing landlord consent")
        );
        assert_eq!(catalog.outcome, ScopeOutcome::OutOfScope);
    }

    #[test]
    fn another_site_or_another_service_is_not_covered() {
        let (leeds, york) = (PartyId::new(), PartyId::new());
        let s = service(&[]);
        let other = service(&[]);
        let c = contract(vec![leeds], vec![s.id]);

        let site = check_scope(&c, &Lineage(vec![york]), "York", &s, None, None);
        let svc = check_scope(&c, &Lineage(vec![leeds]), "Leeds", &other, None, None);

        assert_eq!(site.outcome, ScopeOutcome::NotCovered);
        assert_eq!(site.reason, "York is not a customer of Harbour FM");
        assert_eq!(svc.outcome, ScopeOutcome::NotCovered);
        assert!(svc.reason.contains("is not a service of"));
    }

    #[test]
    fn brackets_short_words_and_plurals_do_not_decide_a_match() {
        let s = service(&["Window cleaning above ground floor"]);
        assert!(out_of_scope_match(&s, "Windows above the ground floor need cleaning").is_some());
        assert!(
            out_of_scope_match(&s, "A broken window").is_none(),
            "one word of four is not enough"
        );
        let bracketed = service(&["Refits (manufacturer's contract)"]);
        assert!(out_of_scope_match(&bracketed, "question about the contract").is_none());
    }

    #[test]
    fn the_covering_change_adds_the_customer_then_the_service_or_brings_the_item_in_scope() {
        let (leeds, york, tom) = (PartyId::new(), PartyId::new(), PartyId::new());
        let s = service(&["Shop-fitting and refits"]);
        let other = service(&[]);
        let c = contract(vec![leeds], vec![s.id]);
        let (at_york, at_leeds) = (Lineage(vec![york, tom]), Lineage(vec![leeds]));
        let change = |lineage: &Lineage, id: PartyId, svc: &Service, subject: Option<&str>| {
            let check = check_scope(&c, lineage, "them", svc, None, subject);
            covering_change(&check, &c, id, lineage, svc.id, None)
        };

        let person = change(&at_york, tom, &s, None).expect("a change");
        let service_added = change(&at_leeds, leeds, &other, None).expect("a change");
        let refit = change(&at_leeds, leeds, &s, Some("Refits of the shop")).expect("a change");

        assert_eq!(person.add_customers, vec![tom], "the person asked for");
        assert!(person.add_services.is_empty());
        assert_eq!(service_added.add_services, vec![other.id]);
        assert!(service_added.add_customers.is_empty());
        let terms = refit.terms.expect("terms");
        assert_eq!(terms.in_scope, vec!["Shop-fitting and refits".to_owned()]);
        assert!(terms.out_of_scope.is_empty());
        assert_eq!(change(&at_leeds, leeds, &s, Some("A leak")), None);
    }
}
