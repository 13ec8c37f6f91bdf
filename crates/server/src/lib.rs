//! Kept's server: the HTTP JSON API under `/api/v1`, the web UI, the
//! operations endpoints and background jobs, over a [`kept_store::Store`].
//!
//! Start with [`App::build`]; `startup.rs` shows how the pieces fit.

pub mod api;
pub mod auth;
pub mod config;
pub mod error;
pub mod extract;
pub mod jobs;
pub mod limits;
pub mod ops;
pub mod startup;
pub mod state;
pub mod web;

pub use config::{Config, LogFormat};
pub use error::{ApiError, ProblemKind};
pub use startup::App;
pub use state::AppState;
