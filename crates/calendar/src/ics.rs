//! Holidays from an iCalendar (`.ics`) file, the form in which governments
//! and organisations publish bank holidays.
//!
//! Reads the all-day events (`DTSTART;VALUE=DATE:20261225`) of a
//! `VCALENDAR`, each day from `DTSTART` up to an exclusive `DTEND` (one day
//! if absent) becoming a whole-day holiday named by its `SUMMARY`. Timed and
//! recurring events are refused with their line, since a holiday calendar
//! that carries them would be read wrongly in silence.

use jiff::civil::Date;

use crate::error::IcsError;
use crate::spec::Holiday;

/// Longest all-day event accepted, in days.
const MAX_EVENT_DAYS: i32 = 366;

/// The holidays of an iCalendar file, in file order.
pub fn holidays_from_ics(text: &str) -> Result<Vec<Holiday>, IcsError> {
    let mut holidays = Vec::new();
    let mut depth: Vec<String> = Vec::new();
    let mut event: Option<Event> = None;
    let mut last_line = 0;
    for (line, content) in unfold(text) {
        last_line = line;
        if content.trim().is_empty() {
            continue;
        }
        let fail = |reason: String| IcsError { line, reason };
        let (name, params, value) = split_property(&content)
            .ok_or_else(|| fail(format!("`{}` is not a NAME:VALUE line", truncate(&content))))?;
        match name.as_str() {
            "BEGIN" => {
                let component = value.to_ascii_uppercase();
                if depth.is_empty() && component != "VCALENDAR" {
                    return Err(fail(format!(
                        "the file must start with BEGIN:VCALENDAR, not BEGIN:{value}"
                    )));
                }
                if component == "VEVENT" && depth.last().map(String::as_str) == Some("VCALENDAR") {
                    event = Some(Event::new(line));
                }
                depth.push(component);
            }
            "END" => {
                let component = value.to_ascii_uppercase();
                match depth.pop() {
                    Some(open) if open == component => {}
                    Some(open) => return Err(fail(format!("END:{value} closes BEGIN:{open}"))),
                    None => return Err(fail(format!("END:{value} without BEGIN"))),
                }
                if component == "VEVENT"
                    && depth.last().map(String::as_str) == Some("VCALENDAR")
                    && let Some(e) = event.take()
                {
                    e.into_holidays(&mut holidays)?;
                }
            }
            _ if depth.is_empty() => {
                return Err(fail("the file must start with BEGIN:VCALENDAR".into()));
            }
            _ => {
                // Properties of nested components (an alarm) are not the event's.
                let in_event = depth.last().map(String::as_str) == Some("VEVENT");
                if let (true, Some(e)) = (in_event, event.as_mut()) {
                    e.property(line, &name, &params, &value)?;
                }
            }
        }
    }
    if let Some(open) = depth.last() {
        return Err(IcsError {
            line: last_line.max(1),
            reason: format!("the file ends inside BEGIN:{open}"),
        });
    }
    if last_line == 0 {
        return Err(IcsError {
            line: 1,
            reason: "the file is empty".into(),
        });
    }
    Ok(holidays)
}

struct Event {
    line: usize,
    start: Option<(usize, Date)>,
    end: Option<(usize, Date)>,
    summary: String,
}

impl Event {
    fn new(line: usize) -> Self {
        Self {
            line,
            start: None,
            end: None,
            summary: String::new(),
        }
    }

    fn property(
        &mut self,
        line: usize,
        name: &str,
        params: &str,
        value: &str,
    ) -> Result<(), IcsError> {
        let fail = |reason: String| IcsError { line, reason };
        match name {
            "DTSTART" => self.start = Some((line, all_day_date(params, value).map_err(fail)?)),
            "DTEND" => self.end = Some((line, all_day_date(params, value).map_err(fail)?)),
            "SUMMARY" => self.summary = unescape(value),
            "RRULE" | "RDATE" => {
                return Err(fail(
                    "recurring events are not read as holidays: list each date as its own event"
                        .into(),
                ));
            }
            _ => {}
        }
        Ok(())
    }

    fn into_holidays(self, out: &mut Vec<Holiday>) -> Result<(), IcsError> {
        let (_, start) = self.start.ok_or(IcsError {
            line: self.line,
            reason: "this event has no DTSTART".into(),
        })?;
        let days = match self.end {
            None => 1,
            Some((line, end)) => {
                let days = i32::try_from(start.duration_until(end).as_secs() / 86_400).unwrap_or(0);
                if !(1..=MAX_EVENT_DAYS).contains(&days) {
                    return Err(IcsError {
                        line,
                        reason: format!(
                            "DTEND {end} must be from 1 to {MAX_EVENT_DAYS} days after DTSTART {start}"
                        ),
                    });
                }
                days
            }
        };
        let mut date = start;
        for _ in 0..days {
            out.push(Holiday {
                date,
                name: self.summary.clone(),
                open: Vec::new(),
            });
            match date.tomorrow() {
                Ok(next) => date = next,
                Err(_) => break,
            }
        }
        Ok(())
    }
}

/// A `DATE` value (`20261225`); timed values are refused.
fn all_day_date(params: &str, value: &str) -> Result<Date, String> {
    let value = value.trim();
    if value.contains('T') || params.to_ascii_uppercase().contains("VALUE=DATE-TIME") {
        return Err(format!(
            "`{value}` is a date and time: holidays are read from all-day events (VALUE=DATE)"
        ));
    }
    let digits = value.len() == 8 && value.bytes().all(|b| b.is_ascii_digit());
    let parse = |r: std::ops::Range<usize>| value.get(r).and_then(|s| s.parse::<i16>().ok());
    match (digits, parse(0..4), parse(4..6), parse(6..8)) {
        (true, Some(y), Some(m), Some(d)) => {
            Date::new(y, m as i8, d as i8).map_err(|_| format!("`{value}` is not a calendar date"))
        }
        _ => Err(format!("`{value}` is not a date written YYYYMMDD")),
    }
}

/// Logical lines with the 1-based physical line each starts on (RFC 5545
/// §3.1: a line starting with a space or tab continues the one before).
fn unfold(text: &str) -> Vec<(usize, String)> {
    let mut lines: Vec<(usize, String)> = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        match (raw.strip_prefix([' ', '\t']), lines.last_mut()) {
            (Some(rest), Some((_, last))) => last.push_str(rest),
            _ => lines.push((n + 1, raw.to_owned())),
        }
    }
    lines
}

/// `NAME;PARAMS:VALUE` split into upper-case name, parameters and value.
fn split_property(line: &str) -> Option<(String, String, String)> {
    // The value starts at the first colon outside a quoted parameter value.
    let mut quoted = false;
    let colon = line.char_indices().find_map(|(i, c)| {
        match c {
            '"' => quoted = !quoted,
            ':' if !quoted => return Some(i),
            _ => {}
        }
        None
    })?;
    let (head, value) = (&line[..colon], &line[colon + 1..]);
    let (name, params) = head.split_once(';').unwrap_or((head, ""));
    let name = name.trim();
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return None;
    }
    Some((
        name.to_ascii_uppercase(),
        params.to_owned(),
        value.to_owned(),
    ))
}

fn unescape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        match (c, c == '\\') {
            (_, true) => match chars.next() {
                Some('n' | 'N') => out.push(' '),
                Some(other) => out.push(other),
                None => {}
            },
            (c, false) => out.push(c),
        }
    }
    out.trim().to_owned()
}

fn truncate(s: &str) -> String {
    s.chars().take(40).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const BANK_HOLIDAYS: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n\
BEGIN:VEVENT\r\nUID:1@test\r\nDTSTART;VALUE=DATE:20261225\r\nDTEND;VALUE=DATE:20261226\r\n\
SUMMARY:Christmas Day\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:2@test\r\nDTSTART;VALUE=DATE:20261228\r\nSUMMARY:Boxing Day \r\n (substitute day)\r\n\
BEGIN:VALARM\r\nDTSTART:20261227T090000\r\nEND:VALARM\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20270329\r\nDTEND;VALUE=DATE:20270331\r\nSUMMARY:Two days\\, off\r\nEND:VEVENT\r\n\
END:VCALENDAR\r\n";

    fn dates(hs: &[Holiday]) -> Vec<String> {
        hs.iter()
            .map(|h| format!("{} {}", h.date, h.name))
            .collect()
    }

    #[test]
    fn reads_all_day_events_as_holidays() {
        let hs = holidays_from_ics(BANK_HOLIDAYS).expect("parses");
        assert_eq!(
            dates(&hs),
            [
                "2026-12-25 Christmas Day",
                "2026-12-28 Boxing Day (substitute day)",
                "2027-03-29 Two days, off",
                "2027-03-30 Two days, off",
            ]
        );
    }

    #[test]
    fn refuses_what_it_cannot_read_naming_the_line() {
        let cases = [
            ("", 1, "empty"),
            ("BEGIN:VEVENT\nEND:VEVENT\n", 1, "BEGIN:VCALENDAR"),
            (
                "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20261225T090000Z\nEND:VEVENT\nEND:VCALENDAR\n",
                3,
                "all-day",
            ),
            (
                "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:20260230\nEND:VEVENT\nEND:VCALENDAR\n",
                3,
                "not a calendar date",
            ),
            (
                "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:2026-12-25\nEND:VEVENT\nEND:VCALENDAR\n",
                3,
                "YYYYMMDD",
            ),
            (
                "BEGIN:VCALENDAR\nBEGIN:VEVENT\nSUMMARY:x\nEND:VEVENT\nEND:VCALENDAR\n",
                2,
                "no DTSTART",
            ),
            (
                "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:20261225\nRRULE:FREQ=YEARLY\nEND:VEVENT\nEND:VCALENDAR\n",
                4,
                "recurring",
            ),
            (
                "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:20261225\nDTEND;VALUE=DATE:20261225\nEND:VEVENT\nEND:VCALENDAR\n",
                4,
                "DTEND",
            ),
            (
                "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:20261225\nEND:VCALENDAR\n",
                4,
                "closes BEGIN:VEVENT",
            ),
            (
                "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:20261225\n",
                3,
                "ends inside",
            ),
            (
                "BEGIN:VCALENDAR\nthis is not ical\nEND:VCALENDAR\n",
                2,
                "NAME:VALUE",
            ),
        ];
        for (text, line, reason) in cases {
            let e = holidays_from_ics(text).expect_err(text);
            assert_eq!(e.line, line, "{text:?} -> {e}");
            assert!(e.reason.contains(reason), "{text:?} -> {e}");
        }
    }
}
