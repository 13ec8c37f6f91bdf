//! Kept's server: the HTTP JSON API under `/api/v1`, the web UI, the
//! operations endpoints and background jobs, over a [`kept_store::Store`].
//!
//! Start with [`App::build`]; `startup.rs` shows how the pieces fit.
//!
//! # Where things go
//!
//! - `api/` (JSON) and `web/` (pages) are the front ends: a handler parses
//!   its input, calls one use case, and renders the answer. Each area has
//!   its own module with its own `router()` (API) or `routes()` (pages),
//!   merged in its `mod.rs`. Neither front end uses the other; what both
//!   need (body extraction, the problem catalogue) is in `extract.rs` and
//!   `error.rs`.
//! - Use cases live in `kept_app`, which knows no HTTP; the rules and
//!   computations in `kept_domain`; SQL only in `kept_store`.
//! - Web-session code (cookie sign-in, CSRF, the session store, the sign-in
//!   throttle) is page code, in `web/session/`; API-token authentication
//!   is in `auth/`.
//! - The top-level modules form no import circle; `tests/layering.rs`
//!   checks that, and the rules above that can be read from the source.

pub mod api;
pub mod auth;
pub mod config;
pub mod error;
pub mod extract;
pub mod jobs;
pub mod limits;
pub mod notify;
pub mod ops;
pub mod startup;
pub mod state;
pub mod web;

pub use config::{Config, LogFormat};
pub use error::{ApiError, ProblemKind};
pub use startup::App;
pub use state::AppState;
