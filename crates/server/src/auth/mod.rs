//! Authentication: who the caller is.
//!
//! Browsers sign in with a password and hold a cookie session (with a CSRF
//! token for every form). Programs send an API token as a Bearer header.
//! Either way the caller becomes a [`kept_domain::Principal`], which the
//! policy uses to scope every read and write.

pub mod bearer;
pub mod csrf;
pub mod session_store;
pub mod throttle;
pub mod web;

pub use bearer::Caller;
pub use web::WebCaller;
