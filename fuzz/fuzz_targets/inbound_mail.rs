//! A message mailed in (`kept mail receive`, `POST /api/v1/inbound-email`):
//! reading it never panics, and what it reads is safe to act on: one-line
//! subjects, no header hiding a line break, text the intake accepts, a
//! Message-ID fit to store and to thread under.
#![no_main]

use std::sync::Once;

use kept_app::notify::inbound::{Unreadable, parse};
use kept_domain::inbound::{MAX_MESSAGE_BYTES, breaks_lines};
use kept_domain::request::{self, MAX_SUBJECT, MAX_TEXT};
use libfuzzer_sys::fuzz_target;

/// libfuzzer-sys aborts on every panic, even one caught. mail-parser's
/// debug build asserts on a multipart it then recovers from; `parse`
/// catches that one and refuses the message, so it alone is let through.
fn tolerate_mail_parsers_debug_assertion() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let aborting = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let known = info
                .location()
                .is_some_and(|l| l.file().contains("mail-parser"))
                && info
                    .payload_as_str()
                    .is_some_and(|m| m.contains("could not find multipart"));
            if !known {
                aborting(info);
            }
        }));
    });
}

fuzz_target!(|raw: &[u8]| {
    tolerate_mail_parsers_debug_assertion();
    let message = match parse(raw) {
        Ok(message) => message,
        Err(Unreadable::TooLarge(size)) => {
            assert!(size > MAX_MESSAGE_BYTES, "{size} bytes refused as too large");
            return;
        }
        Err(Unreadable::Malformed(why) | Unreadable::Unsafe(why)) => {
            assert!(!why.is_empty(), "a refusal says why");
            return;
        }
    };
    let subject = &message.subject;
    assert!(!subject.chars().any(char::is_control), "{subject:?}");
    assert!(subject.chars().count() <= MAX_SUBJECT, "{subject:?}");
    assert_eq!(subject.trim(), subject, "{subject:?}");
    assert!(message.from.contains('@'), "{:?}", message.from);
    assert_eq!(message.from, message.from.to_lowercase());
    let id = &message.message_id;
    assert!(
        !id.is_empty() && id.len() <= 250 && id.bytes().all(|b| b.is_ascii_graphic() && b != b'<' && b != b'>'),
        "{id:?}"
    );
    for address in &message.recipients {
        assert!(!breaks_lines(address), "{address:?}");
        assert!(address.contains('@'), "{address:?}");
    }
    let text = &message.text;
    assert!(text.chars().count() <= MAX_TEXT, "{} characters", text.chars().count());
    assert!(
        request::parse_text("description", text, false).is_ok(),
        "the intake refuses the text it was given: {text:?}"
    );
    for attachment in &message.attachments {
        assert!(!attachment.name.is_empty());
        assert!(!attachment.name.chars().any(char::is_control), "{attachment:?}");
    }
});
