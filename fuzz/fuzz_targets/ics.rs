//! Holidays from an iCalendar file (`kept calendar … --holidays file.ics`):
//! read, then added to a calendar as the command does, which must then
//! validate or name its problem, and count business time.
#![no_main]

use kept_calendar::{CalendarSpec, holidays_from_ics};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let Ok(holidays) = holidays_from_ics(text) else {
        return;
    };
    for h in &holidays {
        assert!(h.open.is_empty(), "an .ics holiday is a whole day: {h:?}");
    }
    let Ok(mut spec) = CalendarSpec::from_toml(
        "zone = \"Europe/London\"\n[week]\nmon = [\"09:00-17:30\"]\nfri = [\"09:00-17:00\"]\n",
    ) else {
        panic!("the base calendar reads");
    };
    spec.holidays = holidays;
    kept_fuzz::calendar::exercise(&spec);
});
