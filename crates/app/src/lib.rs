//! Kept's application layer: every use case, written once, which the JSON
//! API, the web pages and the CLI all call.
//!
//! Where things go:
//! - a **rule** (who may, what is valid, what a date works out to) goes in
//!   `kept_domain` or `kept_calendar`, pure and tested on its own;
//! - **SQL** goes in `kept_store`;
//! - a **use case** goes here, one module per area: it takes the caller
//!   (a [`kept_domain::Principal`]) and typed input, asks the domain
//!   policy, calls the store through [`Context::store`] and returns a
//!   domain value or an [`Error`] of a named [`Kind`];
//! - a **front end** (`kept_server`'s API and pages, `kept_cli`) parses,
//!   calls one use case and renders; it maps [`Error`] once, to a problem
//!   response or an error page.
//!
//! This crate names no HTTP, HTML or terminal type; the compiler keeps it
//! so, since it depends on none of them.

pub mod accounts;
pub mod audit;
pub mod cache;
pub mod calendars;
pub mod chain;
pub mod changes;
pub mod context;
pub mod contracts;
pub mod error;
pub mod governance;
pub mod home;
pub mod import;
pub mod links;
pub mod notify;
pub mod orders;
pub mod parties;
pub mod password;
pub mod promises;
pub mod requests;
pub mod secret;
pub mod services;
pub mod teams;
pub mod terms;
pub mod tokens;
pub mod users;
pub mod webhooks;

pub use context::{Context, Settings};
pub use error::{Error, Kind, Result};
