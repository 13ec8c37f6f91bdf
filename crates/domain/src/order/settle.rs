//! Settling an order's lines before it is accepted: each line is checked
//! against what the customer usually orders, and the order is accepted
//! only when no line is left questioned. The store settles an order in the
//! transaction that records it, from the histories it reads there.

use serde::Serialize;

use super::check::{Question, Usual, Words, check_line, usual, usual_range};
use super::line::{LineAnswer, NewOrderLine};
use super::quantity::Quantity;
use super::settings::Ordering;
use super::size::delivery_size;
use crate::ServiceId;

/// How many of a customer's last orders of an item make their usual.
pub const USUAL_FROM_OWN: u32 = 20;
/// How many of an item's last orders, across customers, make its typical
/// quantity when a customer's own history is short.
pub const USUAL_FROM_ITEM: u32 = 200;

/// A line of an order waiting for the quantity check, with what the check
/// needs of its service.
#[derive(Debug, Clone)]
pub struct LineToSettle {
    /// Its service.
    pub service_id: ServiceId,
    /// Pieces in one of the service's units, where it sells packs.
    pub pack_size: Option<u32>,
    /// How the service is ordered, and its check's thresholds.
    pub ordering: Ordering,
    /// How the service's unit is written.
    pub words: Words,
    /// The quantity sent.
    pub quantity: Quantity,
    /// The quantity questioned before, when the customer changed it.
    pub questioned: Option<Quantity>,
}

impl LineToSettle {
    /// Whether the check reads this line's history.
    pub fn checked(&self) -> bool {
        self.ordering.check.enabled
    }
}

/// An order's lines waiting for the check.
#[derive(Debug, Clone)]
pub struct OrderToSettle {
    /// The lines, as sent.
    pub lines: Vec<LineToSettle>,
    /// Whether the customer confirmed the quantities questioned.
    pub confirm: bool,
}

/// A line's question, as the 409 and the order form show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineQuestion {
    /// The line, counting from 0 as sent.
    pub line: usize,
    /// The question and why.
    #[serde(flatten)]
    pub question: Question,
    /// The customer's usual orders in words: "9 to 11 boxes".
    pub usual_words: String,
    /// How large the delivery would be, where the service records a unit's
    /// size: "1000 boxes is about 10 pallets, 4.2 m³, 1.1 t".
    pub size: Option<String>,
}

/// What a customer usually orders of an item: their own last orders when
/// there are at least `min`, else the item's across customers when those
/// reach it; none otherwise.
pub fn usual_from(own: &[u64], item: Option<&[u64]>, min: u8) -> Option<Usual> {
    let min = usize::from(min);
    if own.len() >= min {
        return usual(own, true);
    }
    item.filter(|item| item.len() >= min)
        .and_then(|item| usual(item, false))
}

impl OrderToSettle {
    /// Settles the lines against `usuals` (one per line, none where the
    /// check is off or there is too little history). A line the check
    /// questions is accepted when the customer confirmed it (recorded as
    /// confirmed); a line whose quantity was questioned before and is now
    /// usual is recorded as changed. Any line still questioned refuses the
    /// order with every such line's question.
    pub fn settle(&self, usuals: &[Option<Usual>]) -> Result<Vec<NewOrderLine>, Vec<LineQuestion>> {
        let mut settled = Vec::with_capacity(self.lines.len());
        let mut asked = Vec::new();
        for (n, line) in self.lines.iter().enumerate() {
            let usual = usuals.get(n).copied().flatten();
            let question_of = |quantity: &Quantity| {
                let usual = usual.as_ref()?;
                let check = &line.ordering.check;
                check_line(quantity, usual, line.pack_size, &line.words, check)
            };
            let mut new = NewOrderLine {
                service_id: line.service_id,
                quantity: line.quantity,
                question: None,
                answer: None,
                asked_milli: None,
            };
            match question_of(&line.quantity) {
                Some(question) if self.confirm => {
                    new.question = Some(question.question);
                    new.answer = Some(LineAnswer::Confirmed);
                }
                Some(question) => asked.push(shown(n, line, question)),
                None => {
                    if let Some(before) = line.questioned.filter(|b| b.milli != line.quantity.milli)
                        && let Some(question) = question_of(&before)
                    {
                        new.question = Some(question.question);
                        new.answer = Some(LineAnswer::Changed);
                        new.asked_milli = Some(before.milli);
                    }
                }
            }
            settled.push(new);
        }
        if asked.is_empty() {
            Ok(settled)
        } else {
            Err(asked)
        }
    }
}

fn shown(n: usize, line: &LineToSettle, question: Question) -> LineQuestion {
    let typed = line.words.of(line.quantity.milli);
    LineQuestion {
        line: n,
        size: delivery_size(line.quantity.milli, &line.ordering)
            .map(|size| format!("{typed} is {size}")),
        usual_words: usual_range(&question.usual, &line.words),
        question,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::order::MILLI;

    fn boxes(n: u64) -> Quantity {
        Quantity::of_units(n * MILLI)
    }

    fn line(quantity: u64, questioned: Option<u64>) -> LineToSettle {
        LineToSettle {
            service_id: ServiceId::new(),
            pack_size: Some(100),
            ordering: Ordering::default(),
            words: Words {
                one: "box".into(),
                many: "boxes".into(),
            },
            quantity: boxes(quantity),
            questioned: questioned.map(boxes),
        }
    }

    fn cafe() -> Option<Usual> {
        let history: Vec<u64> = (0..20).map(|n| (8 + n % 5) * MILLI).collect();
        usual_from(&history, None, 5)
    }

    #[test]
    fn a_usual_line_is_accepted_as_sent() {
        let order = OrderToSettle {
            lines: vec![line(10, None)],
            confirm: false,
        };
        let lines = order.settle(&[cafe()]).expect("accepted");
        assert_eq!(lines[0].quantity.milli, 10 * MILLI);
        assert_eq!(lines[0].answer, None);
    }

    #[test]
    fn an_unusual_line_is_questioned_with_its_number_and_usual() {
        let order = OrderToSettle {
            lines: vec![line(10, None), line(1000, None)],
            confirm: false,
        };
        let asked = order.settle(&[cafe(), cafe()]).expect_err("questioned");
        assert_eq!(asked.len(), 1);
        assert_eq!(asked[0].line, 1);
        assert!(
            asked[0].question.question.contains("1000 boxes"),
            "{asked:?}"
        );
        assert!(asked[0].usual_words.contains("boxes"), "{asked:?}");
    }

    #[test]
    fn a_confirmed_line_is_recorded_as_confirmed() {
        let order = OrderToSettle {
            lines: vec![line(1000, None)],
            confirm: true,
        };
        let lines = order.settle(&[cafe()]).expect("accepted");
        assert_eq!(lines[0].answer, Some(LineAnswer::Confirmed));
        assert!(lines[0].question.is_some());
    }

    #[test]
    fn a_line_changed_after_a_question_is_recorded_as_changed() {
        let order = OrderToSettle {
            lines: vec![line(10, Some(1000))],
            confirm: false,
        };
        let lines = order.settle(&[cafe()]).expect("accepted");
        assert_eq!(lines[0].answer, Some(LineAnswer::Changed));
        assert_eq!(lines[0].asked_milli, Some(1000 * MILLI));
    }

    #[test]
    fn without_a_usual_nothing_is_questioned() {
        let order = OrderToSettle {
            lines: vec![line(1000, None)],
            confirm: false,
        };
        assert!(order.settle(&[None]).is_ok());
        assert!(order.settle(&[]).is_ok());
    }

    #[test]
    fn a_short_own_history_falls_back_to_the_items() {
        let own = [10 * MILLI, 11 * MILLI];
        let item: Vec<u64> = (0..30).map(|_| 50 * MILLI).collect();
        let usual = usual_from(&own, Some(&item), 5).expect("the item's");
        assert!(!usual.own);
        assert_eq!(usual.median(), 50 * MILLI);
        assert!(usual_from(&own, Some(&own), 5).is_none());
        assert!(usual_from(&own, None, 2).is_some_and(|u| u.own));
    }
}
