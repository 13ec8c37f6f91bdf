//! The contracts pages and the scope check: who gets the new-contract
//! form, what a contract's page offers a change request, and which
//! customers one may ask about.

use kept_app::Kind;
use kept_app::contracts::pages::{contract_page, list_page};
use kept_app::contracts::scope::{ScopeQuestion, scope_check};
use kept_app::contracts::{Filter, list};
use kept_domain::{PartyId, ScopeOutcome, ServiceId};

use crate::world::{World, each_backend};

#[tokio::test]
async fn only_who_manages_a_provider_gets_the_new_contract_form() {
    each_backend(async |w: World| {
        let mo = list_page(&w.ctx, &w.mo).await.expect("the list");
        let ada = list_page(&w.ctx, &w.ada).await.expect("the list");
        let lee = list_page(&w.ctx, &w.lee).await.expect("the list");

        let form = mo.form.expect("Mo manages the provider");
        assert_eq!(form.providers, [(w.provider, "Brightwell FM".to_owned())]);
        let services: Vec<(ServiceId, &str)> = form
            .services
            .iter()
            .map(|(s, provider)| (s.id, provider.as_str()))
            .collect();
        assert_eq!(services.len(), 3);
        assert!(services.contains(&(w.gardening, "Brightwell FM")));
        assert!(form.users.iter().any(|u| u.id == w.mo.user_id));
        assert!(ada.form.is_none(), "an agent manages no party");
        assert!(lee.form.is_none());
        let rows: Vec<(&str, &str, &str)> = lee
            .rows
            .iter()
            .map(|r| {
                (
                    r.contract.name.as_str(),
                    r.provider.as_str(),
                    r.client.as_str(),
                )
            })
            .collect();
        assert_eq!(rows, [("Harbour FM", "Brightwell FM", "Harbour Retail")]);
    })
    .await;
}

#[tokio::test]
async fn a_contracts_page_offers_change_request_candidates_only_to_who_may_raise_one() {
    each_backend(async |w: World| {
        let cy = contract_page(&w.ctx, &w.cy, w.contract.id)
            .await
            .expect("the page");
        let lee = contract_page(&w.ctx, &w.lee, w.contract.id)
            .await
            .expect("the page");
        let hidden = contract_page(&w.ctx, &w.lee, w.elsewhere.id).await;

        let candidates: Vec<PartyId> = cy.candidate_customers.iter().map(|(id, _)| *id).collect();
        assert_eq!(
            candidates,
            [w.bakery, w.hull],
            "parts of the client not yet served"
        );
        let services: Vec<ServiceId> = cy.candidate_services.iter().map(|(id, _)| *id).collect();
        assert_eq!(services, [w.gardening]);
        assert!(cy.governance.may_raise);
        let names: Vec<&str> = cy.customers.iter().map(|(_, n)| n.as_str()).collect();
        assert_eq!(names, ["Leeds", "York"]);
        assert_eq!(cy.approvers, ["mo@example.com"]);
        assert!(!lee.governance.may_raise);
        assert!(lee.candidate_customers.is_empty() && lee.candidate_services.is_empty());
        let names: Vec<&str> = lee.customers.iter().map(|(_, n)| n.as_str()).collect();
        assert_eq!(
            names,
            ["Leeds"],
            "a site's people see only their own customer"
        );
        assert_eq!(
            (lee.provider.as_str(), lee.client.as_str()),
            ("Brightwell FM", "Harbour Retail")
        );
        assert_eq!(hidden.err().map(|e| e.kind), Some(Kind::NotFound));
    })
    .await;
}

#[tokio::test]
async fn the_contract_list_shows_a_sites_people_only_their_own_customers() {
    each_backend(async |w: World| {
        let lee = list(&w.ctx, &w.lee, Filter::default())
            .await
            .expect("the list");
        let cy = list(&w.ctx, &w.cy, Filter::default())
            .await
            .expect("the list");

        assert_eq!(lee.items.len(), 1);
        assert_eq!(lee.items[0].customer_ids, [w.leeds]);
        assert_eq!(cy.items[0].customer_ids, [w.leeds, w.york]);
    })
    .await;
}

fn ask(customer: PartyId, service: ServiceId, subject: Option<&str>) -> ScopeQuestion {
    ScopeQuestion {
        customer_id: customer,
        service_id: service,
        subject: subject.map(str::to_owned),
    }
}

#[tokio::test]
async fn the_scope_check_answers_a_customer_the_caller_may_not_read_as_no_such_party() {
    each_backend(async |w: World| {
        let id = w.contract.id;

        let york = scope_check(&w.ctx, &w.lee, id, ask(w.york, w.cleaning, None)).await;
        let hull = scope_check(&w.ctx, &w.cy, id, ask(w.hull, w.cleaning, None)).await;
        let garden = scope_check(&w.ctx, &w.cy, id, ask(w.york, w.gardening, None)).await;
        let window = Some("Window cleaning above the ground floor");
        let high = scope_check(&w.ctx, &w.lee, id, ask(w.bakery, w.cleaning, window)).await;

        let refused = york.expect_err("Lee may not read York");
        assert_eq!(refused.kind, Kind::Invalid);
        assert_eq!(refused.errors[0].field, "customer_id");
        assert_eq!(refused.errors[0].message, "no such party");
        let hull = hull.expect("the client reads Hull");
        assert_eq!(hull.check.outcome, ScopeOutcome::NotCovered);
        assert_eq!(
            hull.offer.expect("an offer").proposal.add_customers,
            [w.hull]
        );
        let garden = garden.expect("an answer");
        assert_eq!(
            garden.offer.expect("an offer").proposal.add_services,
            [w.gardening]
        );
        let high = high.expect("an answer");
        assert_eq!(high.check.outcome, ScopeOutcome::OutOfScope);
        let terms = high.offer.expect("an offer").proposal.terms.expect("terms");
        assert_eq!(terms.in_scope, ["Window cleaning above ground floor"]);
    })
    .await;
}
