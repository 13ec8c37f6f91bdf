//! Authentication of API callers: programs send an API token as a Bearer
//! header, and the caller becomes a [`kept_domain::Principal`], which the
//! policy uses to scope every read and write.
//!
//! Browsers sign in with a password and hold a cookie session instead; that
//! is page code and lives with the pages, in `crate::web::session`.

pub mod bearer;

pub use bearer::Caller;
