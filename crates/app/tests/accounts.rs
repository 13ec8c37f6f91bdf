//! One's own account on SQLite and PostgreSQL: the account's roles by
//! name, changing one's password (which ends one's stored sessions), and
//! accepting an invitation.

mod support;

use kept_app::accounts::{self, Acceptance, PasswordChange, PasswordProblem};
use kept_app::password;
use kept_domain::{Actor, Password, Principal, Role, Timestamp};
use kept_store::SessionRecord;
use support::{World, each_backend, user, user_with};

const OLD: &str = "correct horse battery";
const NEW: &str = "staple in the grass";

async fn with_password(w: &World, email: &str) -> Principal {
    let hash = password::hash(&Password::parse("password", OLD).expect("a password"))
        .await
        .expect("hashed");
    user_with(w, email, &[(Role::Manager, w.provider)], Some(hash)).await
}

async fn stored_hash(w: &World, who: &Principal) -> Option<String> {
    w.ctx
        .store
        .credentials(who.email.as_str())
        .await
        .expect("credentials")
        .and_then(|c| c.password_hash)
}

fn change(current: &str, new: &str, confirm: &str) -> PasswordChange {
    PasswordChange {
        current: current.into(),
        new: new.into(),
        confirm: confirm.into(),
    }
}

#[tokio::test]
async fn the_account_names_the_parties_of_ones_roles() {
    each_backend(async |w: World| {
        let maya = user(&w, "maya@example.com", &[(Role::Manager, w.provider)]).await;
        let account = accounts::account(&w.ctx, &maya).await.expect("hers");
        assert_eq!(account.email, maya.email);
        assert_eq!(account.grants.len(), 1);
        assert_eq!(account.grants[0].grant.role, Role::Manager);
        assert_eq!(account.grants[0].party_name, "Brightwell FM");
    })
    .await;
}

#[tokio::test]
async fn a_password_changes_only_with_the_current_one_and_ends_the_stored_sessions() {
    each_backend(async |w: World| {
        let maya = with_password(&w, "maya@example.com").await;
        let session = SessionRecord {
            user_id: Some(maya.user_id),
            data: "{}".into(),
            expires_at: Timestamp::now() + jiff::SignedDuration::from_hours(1),
        };
        let store = &w.ctx.store;
        store
            .insert_session("elsewhere", &session)
            .await
            .expect("a session");

        let wrong = accounts::change_password(&w.ctx, &maya, change("guess", NEW, NEW)).await;
        let wrong = wrong.expect_err("a wrong password");
        assert!(accounts::is_wrong_password(&wrong));
        let differ = accounts::change_password(&w.ctx, &maya, change(OLD, NEW, "other")).await;
        let differ = differ.expect_err("the copies differ");
        assert!(
            !accounts::is_wrong_password(&differ),
            "not a failed sign-in"
        );
        assert_eq!(differ.errors[0].field, "confirm");
        let now = Timestamp::now();
        assert!(
            store
                .session("elsewhere", now)
                .await
                .expect("read")
                .is_some()
        );
        assert!(password::verify(OLD, stored_hash(&w, &maya).await.as_deref()).await);

        accounts::change_password(&w.ctx, &maya, change(OLD, NEW, NEW))
            .await
            .expect("changed");
        let stored = stored_hash(&w, &maya).await;
        assert!(password::verify(NEW, stored.as_deref()).await);
        assert!(!password::verify(OLD, stored.as_deref()).await);
        let now = Timestamp::now();
        assert!(
            store
                .session("elsewhere", now)
                .await
                .expect("read")
                .is_none()
        );
    })
    .await;
}

#[tokio::test]
async fn an_invitation_sets_a_password_once_and_refuses_a_bad_one_without_using_it_up() {
    each_backend(async |w: World| {
        let lee = user(&w, "lee@example.com", &[(Role::Customer, w.york)]).await;
        let store = w.ctx.store.as_ref();
        let invitation = accounts::invite(store, &Actor::system("test"), "https://k", lee.user_id)
            .await
            .expect("invited");
        let secret = invitation.url.rsplit('/').next().expect("a secret");

        let found = accounts::invitation(&w.ctx, secret).await.expect("read");
        assert_eq!(found.map(|u| u.id), Some(lee.user_id));
        let unknown = accounts::accept_invitation(&w.ctx, "nonsense", NEW, NEW).await;
        assert!(matches!(unknown, Ok(Acceptance::NoInvitation)));
        let short = accounts::accept_invitation(&w.ctx, secret, "short", "short").await;
        match short.expect("an answer") {
            Acceptance::Refused { email, problem } => {
                assert_eq!(email, lee.email);
                assert!(
                    matches!(problem, PasswordProblem::Invalid(_)),
                    "{problem:?}"
                );
            }
            other => panic!("{other:?}"),
        }
        let differ = accounts::accept_invitation(&w.ctx, secret, NEW, OLD).await;
        assert!(matches!(
            differ,
            Ok(Acceptance::Refused {
                problem: PasswordProblem::Mismatch,
                ..
            })
        ));

        let accepted = accounts::accept_invitation(&w.ctx, secret, NEW, NEW).await;
        match accepted.expect("an answer") {
            Acceptance::Accepted(user) => assert_eq!(user.id, lee.user_id),
            other => panic!("{other:?}"),
        }
        assert!(password::verify(NEW, stored_hash(&w, &lee).await.as_deref()).await);
        let again = accounts::accept_invitation(&w.ctx, secret, OLD, OLD).await;
        assert!(matches!(again, Ok(Acceptance::NoInvitation)), "used up");
        let gone = accounts::invitation(&w.ctx, secret).await.expect("read");
        assert!(gone.is_none());
    })
    .await;
}
