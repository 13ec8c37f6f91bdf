//! Browser sessions: the signed-in user behind a cookie, the CSRF token
//! every form carries, the sessions' storage in Kept's database, and the
//! sign-in throttle. Only the pages use these; programs authenticate with
//! API tokens (`crate::auth`).

mod caller;
pub mod csrf;
pub mod store;
pub mod throttle;

pub use caller::{WebCaller, encode, safe_next, sign_in, start_session};
pub use csrf::CsrfForm;
pub use store::{DbSessionStore, USER_KEY};
pub use throttle::ClientAddress;
