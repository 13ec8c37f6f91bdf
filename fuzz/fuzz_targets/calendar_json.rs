//! A calendar written in JSON (the API's `spec` field, `kept calendar
//! check cal.json`): read, checked to read back from its own JSON, then
//! validated, stored and counted on.
#![no_main]

use kept_calendar::CalendarSpec;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(spec) = CalendarSpec::from_json(text) {
        let json = serde_json::to_string(&spec).expect("a calendar serializes to JSON");
        assert_eq!(
            CalendarSpec::from_json(&json).as_ref(),
            Ok(&spec),
            "as JSON: {json}"
        );
        kept_fuzz::calendar::exercise(&spec);
    }
});
