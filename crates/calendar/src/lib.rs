//! Business-time arithmetic for Kept.
//!
//! This crate has no I/O and depends on no other crate of the workspace. It
//! currently holds [`BusinessDuration`], the amount of open time an SLA target
//! or an effort estimate is written in; the calendar engine builds on it.

mod duration;

pub use duration::{BusinessDuration, ParseDurationError};
