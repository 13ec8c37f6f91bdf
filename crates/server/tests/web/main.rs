//! Black-box tests of the web UI: a real server on a random port, pages
//! fetched over HTTP and read as HTML, forms submitted as a browser without
//! JavaScript would.

#[path = "../api/harbour.rs"]
mod harbour;
#[path = "../api/helpers.rs"]
mod helpers;
mod support;

mod accessibility;
mod account;
mod calendars;
mod chain;
mod chain_names;
mod change_requests;
mod contracts;
mod covered;
mod csrf;
mod home;
mod messages;
mod notifications;
mod order_question;
mod parties;
mod promise_links;
mod promise_page;
mod promise_scenarios;
mod raise_form;
mod requests;
mod requests_chain;
mod requests_page;
mod requests_queue;
mod same_refusals;
mod scoping;
mod services;
mod sign_in;
mod team_promises;
mod teams;
mod throttling;
mod tokens;
mod users;
mod webhooks;
