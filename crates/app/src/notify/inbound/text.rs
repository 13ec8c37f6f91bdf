//! The words of a message that are its sender's own: the quoted message it
//! answers and the signature are left out, as Request Tracker and Zendesk
//! leave them out of a reply.

use kept_domain::request::MAX_TEXT;

/// What is added when a text is cut to [`MAX_TEXT`] characters.
const CUT: &str = "\n\n[The rest of the message was cut: a reply holds at most 20,000 characters.]";

/// The sender's own text of a plain-text body: lines quoted with `>` are
/// dropped; the attribution line of a quote (`On … wrote:`, also wrapped
/// over two lines), Outlook's original-message separators and the
/// signature delimiter (`-- `) end it. Control characters other than line
/// breaks and tabs go; blank lines at either end go; what is over
/// [`MAX_TEXT`] characters is cut, saying so.
pub fn own_words(body: &str) -> String {
    let lines: Vec<&str> = body.lines().collect();
    let mut kept: Vec<String> = Vec::new();
    for (n, line) in lines.iter().enumerate() {
        let trimmed = line.trim();
        if ends_the_text(trimmed, lines.get(n + 1).map(|l| l.trim())) {
            break;
        }
        if trimmed.starts_with('>') {
            continue;
        }
        kept.push(
            line.trim_end()
                .chars()
                .filter(|c| *c == '\t' || !c.is_control())
                .collect(),
        );
    }
    let text = kept.join("\n").trim().to_owned();
    if text.chars().count() <= MAX_TEXT {
        return text;
    }
    let room = MAX_TEXT - CUT.chars().count();
    let mut cut: String = text.chars().take(room).collect();
    cut.push_str(CUT);
    cut
}

/// Whether `line` (trimmed; `next` is the line after it) starts what is
/// not the sender's own: a quote's attribution, a forwarded or original
/// message, or the signature.
fn ends_the_text(line: &str, next: Option<&str>) -> bool {
    if line == "--" || line == "-- " {
        return true;
    }
    let lower = line.to_lowercase();
    if lower.starts_with("-----original message-----")
        || lower.starts_with("----- original message -----")
        || lower.starts_with("-----forwarded message-----")
        || (line.len() >= 20 && line.chars().all(|c| c == '_'))
    {
        return true;
    }
    if lower.starts_with("on ") {
        return lower.ends_with("wrote:")
            || next.is_some_and(|n| n.to_lowercase().ends_with("wrote:") && !n.starts_with('>'));
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quoted_message_and_the_signature_are_left_out() {
        let body = "Thanks, the tap still drips.\r\n\r\nTom\r\n-- \r\nTom Reed, Leeds store\r\n";
        assert_eq!(own_words(body), "Thanks, the tap still drips.\n\nTom");

        let body = "Fixed now.\n\nOn Mon, 7 Dec 2026 at 10:00, Kept <kept@example.com> wrote:\n> We received your request #42.\n> Reply to add to it.\n";
        assert_eq!(own_words(body), "Fixed now.");

        let wrapped = "Yes please.\nOn Mon, 7 Dec 2026 at 10:00, Kept Support\n<kept+r42-aa@example.com> wrote:\n> quoted\n";
        assert_eq!(own_words(wrapped), "Yes please.");
    }

    #[test]
    fn answers_between_quoted_lines_are_kept() {
        let body = "> Which floor?\nThe second.\n> Which room?\nThe staff kitchen.\n";
        assert_eq!(own_words(body), "The second.\nThe staff kitchen.");
    }

    #[test]
    fn outlook_separators_end_the_text_and_control_characters_go() {
        let body = "See below\u{7}.\n\n-----Original Message-----\nFrom: Kept\n";
        assert_eq!(own_words(body), "See below.");
        let body = "Done\n________________________________\nFrom: Kept\n";
        assert_eq!(own_words(body), "Done");
    }

    #[test]
    fn a_line_starting_with_on_is_kept_unless_it_attributes_a_quote() {
        let body = "On Monday the tap broke.\nIt still drips.";
        assert_eq!(own_words(body), body);
    }

    #[test]
    fn a_long_text_is_cut_saying_so() {
        let body = "a".repeat(MAX_TEXT + 10);
        let text = own_words(&body);
        assert_eq!(text.chars().count(), MAX_TEXT);
        assert!(text.ends_with("20,000 characters.]"));
    }

    #[test]
    fn only_quotes_leave_nothing() {
        assert_eq!(own_words("> a\n> b\n"), "");
    }
}
