//! The test harness: a real server on a random port over a fresh database,
//! and personas (a user with roles and an API token) to call it as.

// Shared by several test binaries, each of which uses a subset.
#![allow(dead_code)]

use std::sync::Arc;

use kept_app::accounts::{self, NewLogin};
use kept_domain::{
    Actor, Email, NewParty, Party, PartyId, PartyKind, PartyName, Password, Role, User,
};
use kept_server::{App, Config};
use kept_store::Store;
use kept_store::testing::TestDatabase;
use reqwest::{Response, StatusCode};
use serde_json::Value;
use tokio::sync::oneshot;

/// The password every test persona signs in with.
pub const PASSWORD: &str = "correct horse battery";

/// The token of the inbound email hook every test server takes.
pub const INBOUND_TOKEN: &str = "inbound-test-token";

/// A running server and the database behind it.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub address: String,
    /// The database, for arranging state directly.
    pub store: Arc<dyn Store>,
    /// A client without cookies that does not follow redirects.
    pub client: reqwest::Client,
    /// The database's URL, for a second server on it.
    pub database_url: String,
    _db: TestDatabase,
    _stop: oneshot::Sender<()>,
}

/// Another server on a [`TestApp`]'s database, as behind a load balancer.
pub struct OtherServer {
    /// `http://127.0.0.1:PORT`.
    pub address: String,
    _stop: oneshot::Sender<()>,
}

/// A user with roles, and an API token to act as them.
#[derive(Clone)]
pub struct Persona {
    pub user: User,
    pub token: String,
}

/// A server on SQLite.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(TestDatabase::sqlite(), |_| {}).await
}

/// A server on the given database, with configuration adjusted by `tweak`.
pub async fn spawn_app_with(db: TestDatabase, tweak: impl FnOnce(&mut Config)) -> TestApp {
    let store = db.store().await;
    let mut config = Config {
        addr: "127.0.0.1:0".parse().expect("an address"),
        database_url: db.url().to_owned(),
        inbound_email_token: INBOUND_TOKEN.into(),
        ..Config::default()
    };
    tweak(&mut config);
    let app = App::build_with_store(config, store.clone())
        .await
        .expect("the app builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));
    TestApp {
        address,
        store,
        client: client(false),
        database_url: db.url().to_owned(),
        _db: db,
        _stop: stop,
    }
}

impl TestApp {
    /// A second server on this database, with its own connections (and
    /// its own caches).
    pub async fn another_server(&self) -> OtherServer {
        let store = kept_store::open(&self.database_url, &kept_store::StoreOptions::default())
            .await
            .expect("a second store");
        let config = Config {
            addr: "127.0.0.1:0".parse().expect("an address"),
            database_url: self.database_url.clone(),
            ..Config::default()
        };
        let app = App::build_with_store(config, store)
            .await
            .expect("the second app builds");
        let address = format!("http://127.0.0.1:{}", app.port());
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(app.run_until(async {
            let _ = stopped.await;
        }));
        OtherServer {
            address,
            _stop: stop,
        }
    }
}

/// An HTTP client that does not follow redirects, with or without a cookie jar.
pub fn client(cookies: bool) -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(cookies)
        .build()
        .expect("a client")
}

impl TestApp {
    /// The full URL of a path.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Creates a party directly in the store.
    pub async fn party(&self, kind: PartyKind, name: &str, parent: Option<PartyId>) -> Party {
        self.store
            .create_party(
                &Actor::system("test"),
                NewParty {
                    kind,
                    name: PartyName::parse("name", name).expect("valid name"),
                    parent_id: parent,
                    internal: None,
                    reference: None,
                },
            )
            .await
            .expect("creating a test party")
    }

    /// A user (under `parent`) holding `grants`, with an API token.
    pub async fn persona(
        &self,
        email: &str,
        parent: Option<PartyId>,
        grants: &[(Role, PartyId)],
    ) -> Persona {
        let actor = Actor::system("test");
        let (user, _) = accounts::create_login(
            self.store.as_ref(),
            &actor,
            &self.address,
            NewLogin {
                email: Email::parse("email", email).expect("valid email"),
                name: PartyName::parse("name", email.split('@').next().unwrap_or("someone"))
                    .expect("valid name"),
                parent_id: parent,
                party_id: None,
                password: Some(Password::parse("password", PASSWORD).expect("valid password")),
            },
        )
        .await
        .expect("creating a test user");
        for &(role, party) in grants {
            self.store
                .add_grant(&actor, user.id, role, party)
                .await
                .expect("granting a role");
        }
        let token = accounts::issue_token(self.store.as_ref(), &actor, user.id, "test", None)
            .await
            .expect("issuing a token")
            .secret;
        Persona { user, token }
    }

    /// An admin of the installation.
    pub async fn admin(&self) -> Persona {
        let admin = self.persona("admin@example.com", None, &[]).await;
        self.store
            .add_grant(
                &Actor::system("test"),
                admin.user.id,
                Role::Admin,
                admin.user.party_id,
            )
            .await
            .expect("granting admin");
        admin
    }

    /// `GET path` as `token`.
    pub async fn get(&self, path: &str, token: &str) -> Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request sent")
    }

    /// `POST path` with a JSON body as `token`.
    pub async fn post(&self, path: &str, token: &str, body: &Value) -> Response {
        self.client
            .post(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("request sent")
    }

    /// `PATCH path` with a JSON body as `token`.
    pub async fn patch(&self, path: &str, token: &str, body: &Value) -> Response {
        self.client
            .patch(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("request sent")
    }

    /// `PUT path` with a JSON body as `token`.
    pub async fn put(&self, path: &str, token: &str, body: &Value) -> Response {
        self.client
            .put(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("request sent")
    }

    /// `DELETE path` as `token`.
    pub async fn delete(&self, path: &str, token: &str) -> Response {
        self.client
            .delete(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request sent")
    }
}

/// Asserts a status and returns the JSON body.
pub async fn json(response: Response, status: StatusCode) -> Value {
    let actual = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = response.text().await.expect("a body");
    assert_eq!(actual, status, "unexpected status; body: {body}");
    if actual.is_client_error() || actual.is_server_error() {
        assert_eq!(
            content_type, "application/problem+json",
            "errors are problem documents"
        );
    }
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
}

/// Asserts a problem response of `status` and `type`, and returns it.
pub async fn problem(response: Response, status: StatusCode, slug: &str) -> Value {
    let body = json(response, status).await;
    assert_eq!(
        body["type"],
        format!("/problems/{slug}"),
        "problem type; body: {body}"
    );
    assert_eq!(body["status"], status.as_u16());
    body
}

/// The ids in a page of results.
pub fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("a page")
        .iter()
        .map(|item| item["id"].as_str().expect("an id").to_owned())
        .collect()
}
