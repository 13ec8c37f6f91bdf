//! Black-box tests of the HTTP API and the operations endpoints: a real
//! server on a random port, over a fresh database per test.

mod at_risk;
mod audit;
mod calendars;
mod contracts;
mod harbour;
mod helpers;
mod inbound;
mod links;
mod orders;
mod parties;
mod promises;
mod reports;
mod requests;
mod services;
mod smoke;
mod teams;
mod tenancy;
mod terms_and_changes;
mod tokens;
mod users;
mod webhooks;
