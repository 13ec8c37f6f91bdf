//! A `kept import parties|links|contracts` file: its first byte picks the
//! kind, the rest is the CSV text, read into rows as the CLI does and each
//! row's cells checked as the import does before any database lookup.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some((&which, text)) = data.split_first() {
        kept_fuzz::import::check(which, text);
    }
});
