//! A calendar written in TOML (`kept calendar check`, the API's `toml`
//! field, the web form): read, then validated, stored and counted on.
#![no_main]

use kept_calendar::CalendarSpec;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(spec) = CalendarSpec::from_toml(text) {
        kept_fuzz::calendar::exercise(&spec);
    }
});
