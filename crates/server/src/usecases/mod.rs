//! The application layer: the use cases the JSON API, the web pages and the
//! CLI share. A use case takes the caller and typed input, asks the domain
//! policy, calls the store and returns a domain value (or a problem); it
//! knows no HTTP routes and no HTML, and neither front end imports the
//! other: both call these.
//!
//! Requests (`crate::requests`) and accounts (`crate::accounts`) have their
//! own modules beside this one.

pub mod calendars;
pub mod changes;
pub mod contracts;
pub mod links;
pub mod parties;
pub mod services;
pub mod terms;
