use std::sync::Arc;

use jiff::ToSpan;
use kept_domain::{Timestamp, TokenId};
use kept_store::{IdempotencyStart, NewToken, SessionRecord, Store, StoreError, StoredResponse};

use crate::support::{actor, user};

fn token(user: kept_domain::UserId, hash: &str, expires_at: Option<Timestamp>) -> NewToken {
    NewToken {
        user,
        name: format!("token {hash}"),
        prefix: "kept_xyz".into(),
        hash: hash.into(),
        expires_at,
    }
}

pub async fn tokens_authenticate_until_revoked_or_expired(store: Arc<dyn Store>) {
    let maya = user(&store, "maya@example.com", None).await;
    let now = Timestamp::now();
    let live = store
        .create_token(&actor(), token(maya.id, "live", None))
        .await
        .expect("live");
    store
        .create_token(&actor(), token(maya.id, "old", Some(now - 1.minute())))
        .await
        .expect("expired");

    assert_eq!(
        store.token_owner("live", now).await.expect("lookup"),
        Some(maya.id)
    );
    assert_eq!(store.token_owner("old", now).await.expect("lookup"), None);
    assert_eq!(
        store.token_owner("unknown", now).await.expect("lookup"),
        None
    );
    let listed = store.tokens_of(maya.id).await.expect("list");
    assert_eq!(listed.len(), 2);
    assert!(
        listed
            .iter()
            .any(|t| t.id == live.id && t.last_used_at.is_some()),
        "use is recorded"
    );

    let revoked = store
        .revoke_token(&actor(), maya.id, live.id)
        .await
        .expect("revoke");
    assert!(revoked.revoked_at.is_some());
    assert_eq!(store.token_owner("live", now).await.expect("lookup"), None);

    let someone_else = user(&store, "sam@example.com", None).await;
    let not_theirs = store.revoke_token(&actor(), someone_else.id, live.id).await;
    assert!(matches!(not_theirs, Err(StoreError::NotFound)));
    assert!(matches!(
        store.revoke_token(&actor(), maya.id, TokenId::new()).await,
        Err(StoreError::NotFound)
    ));
}

pub async fn sessions_expire_collide_and_can_be_ended_per_user(store: Arc<dyn Store>) {
    let maya = user(&store, "maya@example.com", None).await;
    let now = Timestamp::now();
    let record = |data: &str, expires_at| SessionRecord {
        user_id: Some(maya.id),
        data: data.into(),
        expires_at,
    };

    assert!(
        store
            .insert_session("a", &record("{}", now + 1.hour()))
            .await
            .expect("insert")
    );
    assert!(
        !store
            .insert_session("a", &record("{}", now + 1.hour()))
            .await
            .expect("collision")
    );
    store
        .save_session("a", &record("{\"k\":1}", now + 2.hours()))
        .await
        .expect("save");
    store
        .save_session("b", &record("{}", now - 1.second()))
        .await
        .expect("save expired");

    assert_eq!(
        store.session("a", now).await.expect("load").map(|s| s.data),
        Some("{\"k\":1}".into())
    );
    assert_eq!(
        store.session("b", now).await.expect("load"),
        None,
        "expired sessions do not load"
    );

    store.delete_session("a").await.expect("delete");
    assert_eq!(store.session("a", now).await.expect("load"), None);

    store
        .save_session("c", &record("{}", now + 1.hour()))
        .await
        .expect("save");
    store
        .save_session("d", &record("{}", now + 1.hour()))
        .await
        .expect("save");
    assert_eq!(
        store
            .delete_sessions_of(maya.id)
            .await
            .expect("sign out everywhere"),
        3
    );
}

pub async fn invitations_set_a_password_once(store: Arc<dyn Store>) {
    let new_user = store
        .create_user(
            &actor(),
            kept_domain::NewUser {
                email: kept_domain::Email::parse("email", "new@example.com").expect("valid"),
                name: crate::support::name("New Person"),
                party_id: None,
                parent_id: None,
                password_hash: None,
            },
        )
        .await
        .expect("invited user");
    let now = Timestamp::now();
    store
        .create_invitation(&actor(), new_user.id, "inv1", now + 24.hours())
        .await
        .expect("invite");
    store
        .create_invitation(&actor(), new_user.id, "stale", now - 1.minute())
        .await
        .expect("expired invite");

    assert_eq!(
        store
            .invitation_user("inv1", now)
            .await
            .expect("lookup")
            .map(|u| u.id),
        None,
        "a newer invitation replaced it"
    );

    store
        .create_invitation(&actor(), new_user.id, "inv2", now + 24.hours())
        .await
        .expect("re-invite");
    assert_eq!(
        store
            .invitation_user("inv2", now)
            .await
            .expect("lookup")
            .map(|u| u.id),
        Some(new_user.id)
    );
    assert_eq!(
        store.invitation_user("stale", now).await.expect("lookup"),
        None
    );

    let accepted = store
        .accept_invitation("inv2", "$argon2id$new", now)
        .await
        .expect("accept");
    assert!(accepted.has_password);
    let again = store
        .accept_invitation("inv2", "$argon2id$other", now)
        .await;
    assert!(
        matches!(again, Err(StoreError::NotFound)),
        "an invitation works once"
    );
    let creds = store
        .credentials("new@example.com")
        .await
        .expect("creds")
        .expect("exists");
    assert_eq!(creds.password_hash.as_deref(), Some("$argon2id$new"));
}

pub async fn sign_in_failures_are_counted_per_pair_and_per_address(store: Arc<dyn Store>) {
    // Whole seconds, so the latest failure reads back exactly as written.
    let now = Timestamp::from_second(Timestamp::now().as_second()).expect("now");
    let (earlier, latest) = (now - 3.minutes(), now - 1.minutes());
    for at in [earlier, latest, earlier] {
        store
            .record_login_failure("Maya@example.com", "10.0.0.1", at)
            .await
            .expect("record");
    }
    store
        .record_login_failure("sam@example.com", "10.0.0.1", now)
        .await
        .expect("another account from the address");
    store
        .record_login_failure("maya@example.com", "10.0.0.2", now)
        .await
        .expect("the account from another address");
    store
        .record_login_failure("maya@example.com", "10.0.0.1", now - 2.hours())
        .await
        .expect("old");

    let counted = |pair_since, address_since| {
        let store = store.clone();
        async move {
            store
                .login_failures("maya@example.com", "10.0.0.1", pair_since, address_since)
                .await
                .expect("count")
        }
    };
    let recent = counted(now - 15.minutes(), now - 15.minutes()).await;
    assert_eq!((recent.by_pair, recent.by_address), (3, 4));
    assert_eq!(recent.last_on_pair, Some(latest));
    let wider = counted(now - 3.hours(), now - 15.minutes()).await;
    assert_eq!(
        (wider.by_pair, wider.by_address),
        (4, 4),
        "each its own window"
    );

    store
        .clear_login_failures("MAYA@example.com", "10.0.0.1")
        .await
        .expect("clear");
    let after = counted(now - 3.hours(), now - 3.hours()).await;
    assert_eq!((after.by_pair, after.by_address), (0, 1), "sam's stays");
    assert_eq!(after.last_on_pair, None);
    let elsewhere = store
        .login_failures("maya@example.com", "10.0.0.2", now - 1.hours(), now)
        .await
        .expect("count");
    assert_eq!(elsewhere.by_pair, 1, "failures from another address stay");
}

pub async fn idempotency_keys_claim_replay_and_refuse_mismatches(store: Arc<dyn Store>) {
    let maya = user(&store, "maya@example.com", None).await;
    let sam = user(&store, "sam@example.com", None).await;
    let response = StoredResponse {
        status: 201,
        content_type: Some("application/json".into()),
        location: Some("/api/v1/parties/1".into()),
        body: b"{\"id\":1}".to_vec(),
    };

    assert_eq!(
        store
            .start_idempotent(maya.id, "k1", "f1")
            .await
            .expect("claim"),
        IdempotencyStart::Claimed
    );
    assert_eq!(
        store
            .start_idempotent(maya.id, "k1", "f1")
            .await
            .expect("again"),
        IdempotencyStart::InProgress
    );
    assert_eq!(
        store
            .start_idempotent(sam.id, "k1", "f9")
            .await
            .expect("keys are per user"),
        IdempotencyStart::Claimed
    );

    store
        .finish_idempotent(maya.id, "k1", &response)
        .await
        .expect("finish");
    assert_eq!(
        store
            .start_idempotent(maya.id, "k1", "f1")
            .await
            .expect("replay"),
        IdempotencyStart::Replay(response)
    );
    assert_eq!(
        store
            .start_idempotent(maya.id, "k1", "f2")
            .await
            .expect("mismatch"),
        IdempotencyStart::Mismatch
    );

    store
        .abandon_idempotent(sam.id, "k1")
        .await
        .expect("abandon");
    assert_eq!(
        store
            .start_idempotent(sam.id, "k1", "f9")
            .await
            .expect("free again"),
        IdempotencyStart::Claimed
    );
}

pub async fn purging_removes_only_what_has_expired(store: Arc<dyn Store>) {
    let maya = user(&store, "maya@example.com", None).await;
    let now = Timestamp::now();
    let record = |expires_at| SessionRecord {
        user_id: Some(maya.id),
        data: "{}".into(),
        expires_at,
    };
    store
        .save_session("live", &record(now + 1.hour()))
        .await
        .expect("save");
    store
        .save_session("dead", &record(now - 1.hour()))
        .await
        .expect("save");
    store
        .record_login_failure("maya@example.com", "10.0.0.1", now - 48.hours())
        .await
        .expect("old failure");
    store
        .record_login_failure("maya@example.com", "10.0.0.1", now)
        .await
        .expect("new failure");

    let purged = store.purge_expired(now).await.expect("purge");

    assert_eq!(purged, 2);
    assert!(store.session("live", now).await.expect("load").is_some());
    let failures = store
        .login_failures("maya@example.com", "10.0.0.1", now - 72.hours(), now)
        .await
        .expect("count");
    assert_eq!(failures.by_pair, 1);
}
