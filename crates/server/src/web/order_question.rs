//! The order form's quantity question: a line the check questioned is
//! asked about in the page, with what was typed kept, and answered with a
//! button (confirm, or one of the suggested quantities), without script.

use kept_app::orders::LineInput;
use serde_json::Value;

use crate::error::{ApiError, ProblemKind};

/// The answer a button of the question sends.
pub const CONFIRM: &str = "confirm";

/// The question as the form shows it.
#[derive(Debug, Clone, Default)]
pub struct FormQuestion {
    /// "1000 boxes, or 10 packs of 100?"
    pub question: String,
    /// Why it is asked.
    pub why: String,
    /// How large the delivery would be, if the service says.
    pub size: Option<String>,
    /// The quantity questioned, as typed.
    pub asked: String,
    /// The suggested quantities: the value a button sends, and its words.
    pub alternatives: Vec<(String, String)>,
}

impl FormQuestion {
    /// The first line's question of an `unusual-quantity` refusal.
    pub fn of(e: &ApiError, typed: &str) -> Option<Self> {
        if e.kind != ProblemKind::UnusualQuantity {
            return None;
        }
        let q = e.extensions.get("questions")?.get(0)?;
        let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
        Some(Self {
            question: text(&q["question"]),
            why: text(&q["why"]),
            size: q["size"].as_str().map(str::to_owned),
            asked: typed.trim().to_owned(),
            alternatives: q["alternatives"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|alt| (text(&alt["quantity"]), text(&alt["label"])))
                        .collect()
                })
                .unwrap_or_default(),
        })
    }
}

/// An order's line from the form's quantity and the question's answer:
/// `answer` is [`CONFIRM`], a suggested quantity, or empty; `questioned`
/// the quantity asked about before, kept in the form. Returns the line and
/// whether the quantity is confirmed as typed.
pub fn order_line(typed: &str, answer: &str, questioned: &str) -> (LineInput, bool) {
    let questioned = Some(questioned.trim().to_owned()).filter(|q| !q.is_empty());
    let (quantity, questioned, confirm) = match answer.trim() {
        CONFIRM => (typed.trim().to_owned(), None, true),
        "" => (typed.trim().to_owned(), questioned, false),
        // A suggested quantity, instead of the one typed.
        other => (other.to_owned(), Some(typed.trim().to_owned()), false),
    };
    (
        LineInput {
            service_id: None,
            quantity,
            unit: None,
            questioned_quantity: questioned,
        },
        confirm,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_sets_the_line() {
        let (line, confirm) = order_line("1000", CONFIRM, "");
        assert_eq!((line.quantity.as_str(), confirm), ("1000", true));
        let (line, confirm) = order_line("1000", "10", "");
        assert_eq!(
            (
                line.quantity.as_str(),
                line.questioned_quantity.as_deref(),
                confirm
            ),
            ("10", Some("1000"), false)
        );
        let (line, _) = order_line("12", "", "1000");
        assert_eq!(line.questioned_quantity.as_deref(), Some("1000"));
        let (line, _) = order_line("12", "", "");
        assert_eq!(line.questioned_quantity, None);
    }
}
