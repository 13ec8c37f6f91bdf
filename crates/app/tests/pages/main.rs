//! The pages' use cases on SQLite and PostgreSQL: what each caller is
//! offered and shown, decided in the use case rather than the handler.

mod contracts;
mod queue;
mod raise;
mod world;
