//! The raise form's offer: what each caller may raise, for whom, and that
//! the intake accepts exactly what the form offers.

use kept_app::Kind;
use kept_app::requests::intake::raise;
use kept_app::requests::options::{Offer, options};
use kept_domain::{PartyId, Principal, RequestKind};

use crate::world::{World, each_backend};

async fn offer(w: &World, who: &Principal) -> Offer {
    options(&w.ctx, who, Some(w.contract.id))
        .await
        .expect("the options")
        .chosen
        .expect("the contract is offered")
}

fn names(offer: &Offer) -> Vec<&str> {
    offer.customers.iter().map(|(_, n)| n.as_str()).collect()
}

#[tokio::test]
async fn a_sites_person_is_offered_their_site_and_its_units_but_no_internal_tasks_or_override() {
    each_backend(async |w: World| {
        let offer = offer(&w, &w.lee).await;

        assert_eq!(names(&offer), ["Leeds", "Leeds › Bakery"]);
        assert!(!offer.raiser.on_behalf && !offer.raiser.may_override);
        assert!(!offer.kinds.contains(&RequestKind::InternalTask));
        assert!(offer.kinds.contains(&RequestKind::Incident));
        let services: Vec<&str> = offer.services.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(services, ["Cleaning", "Repairs"]);
        assert_eq!(offer.provider, "Brightwell FM");
    })
    .await;
}

#[tokio::test]
async fn the_providers_people_raise_on_behalf_for_every_customer_and_only_a_manager_may_override() {
    each_backend(async |w: World| {
        let ada = offer(&w, &w.ada).await;
        let mo = offer(&w, &w.mo).await;
        let cy = offer(&w, &w.cy).await;

        assert_eq!(names(&ada), ["Leeds", "Leeds › Bakery", "York"]);
        assert!(ada.raiser.on_behalf && !ada.raiser.may_override);
        assert!(ada.kinds.contains(&RequestKind::InternalTask));
        assert!(mo.raiser.may_override);
        assert_eq!(names(&cy), ["Leeds", "Leeds › Bakery", "York"]);
        assert!(cy.raiser.client_side && !cy.raiser.on_behalf);
        assert!(!cy.kinds.contains(&RequestKind::InternalTask));
    })
    .await;
}

#[tokio::test]
async fn only_running_contracts_the_caller_sees_are_offered() {
    each_backend(async |w: World| {
        let all = options(&w.ctx, &w.lee, None).await.expect("the options");
        let ended = options(&w.ctx, &w.lee, Some(w.ended.id)).await.expect("ok");
        let unseen = options(&w.ctx, &w.lee, Some(w.elsewhere.id))
            .await
            .expect("ok");

        assert_eq!(all.contracts, [(w.contract.id, "Harbour FM".to_owned())]);
        assert!(all.chosen.is_none());
        assert!(ended.chosen.is_none(), "an ended contract");
        assert!(unseen.chosen.is_none(), "a contract they do not see");
    })
    .await;
}

#[tokio::test]
async fn the_intake_accepts_what_the_form_offers_and_refuses_what_it_does_not() {
    each_backend(async |w: World| {
        let offered: Vec<PartyId> = offer(&w, &w.lee)
            .await
            .customers
            .iter()
            .map(|(id, _)| *id)
            .collect();

        for id in &offered {
            w.raise(&w.lee, *id, "The floor is wet").await;
        }
        let york = raise(
            &w.ctx,
            &w.lee,
            w.intake(w.york, RequestKind::Incident, "Wet"),
        )
        .await;
        let task = raise(
            &w.ctx,
            &w.lee,
            w.intake(w.leeds, RequestKind::InternalTask, "Wet"),
        )
        .await;
        let ada_task = raise(
            &w.ctx,
            &w.ada,
            w.intake(w.york, RequestKind::InternalTask, "Mop"),
        )
        .await;

        assert_eq!(offered, [w.leeds, w.bakery]);
        let refused = york.expect_err("York is not offered to Lee");
        assert_eq!(refused.kind, Kind::Invalid);
        assert_eq!(refused.errors[0].field, "customer_id");
        assert_eq!(task.expect_err("not offered").errors[0].field, "kind");
        assert!(
            ada_task.is_ok(),
            "the provider's people raise internal tasks"
        );
    })
    .await;
}
