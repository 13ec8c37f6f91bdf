//! The fuzzer's randomness: a seeded generator, random JSON, mutations of a
//! valid body and bytes that are not JSON at all.

use serde_json::Value;

/// xorshift64*: small, fast and the same everywhere.
pub struct Rng(u64);

impl Rng {
    /// A generator; a zero seed is moved off zero (xorshift's fixed point).
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    /// The next 64 random bits.
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// True `percent` times in a hundred.
    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    /// One of `items`.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// A random UUID in the canonical form.
    pub fn uuid(&mut self) -> String {
        let (a, b) = (self.next(), self.next());
        format!(
            "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xffff,
            b >> 48,
            b & 0xffff_ffff_ffff
        )
    }
}

/// `0..n` in a random order (Fisher–Yates).
pub fn shuffled(rng: &mut Rng, n: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        order.swap(i, rng.below(i + 1));
    }
    order
}

/// Strings likely to upset something.
const NASTY_STRINGS: &[&str] = &[
    "",
    " ",
    "organisation",
    "site",
    "person",
    "admin",
    "customer",
    "null",
    "true",
    "0",
    "-1",
    "a@b",
    "someone@example.com",
    "correct horse battery",
    "01890000-0000-7000-8000-000000000000",
    "ffffffff-ffff-ffff-ffff-ffffffffffff",
    "'; DROP TABLE parties; --",
    "%",
    "_",
    "\\",
    "\u{0}",
    "a\u{0}b",
    "\u{7f}",
    "\u{202e}rtl",
    "😀",
    "e\u{301}",
    "\u{feff}",
    "<script>alert(1)</script>",
    "{{7*7}}",
    "../../etc/passwd",
    "\r\n",
    "2h",
    "0h",
    "99999999h",
    "2026-02-29",
    "1970-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "all",
    "majority",
    "0",
    "acknowledge",
    "cancel",
];

/// A random JSON string literal (escaped), sometimes long or exotic.
pub fn random_string(rng: &mut Rng) -> String {
    let text = match rng.below(6) {
        0 | 1 => (*rng.pick(NASTY_STRINGS)).to_owned(),
        2 => "x".repeat(rng.below(400)),
        3 => (0..rng.below(20))
            .map(|_| char::from_u32(rng.below(0x3000) as u32).unwrap_or('?'))
            .collect(),
        _ => (0..rng.below(12))
            .map(|_| char::from(b'a' + rng.below(26) as u8))
            .collect(),
    };
    Value::String(text).to_string()
}

/// Number literals, some beyond what any field type holds.
const NUMBERS: &[&str] = &[
    "0",
    "-0",
    "1",
    "-1",
    "1.5",
    "1e3",
    "1e400",
    "-1e400",
    "4294967295",
    "4294967296",
    "18446744073709551616",
    "-9223372036854775809",
    "3650",
    "3651",
    "0.0000001",
];

/// A random JSON value as text, nested up to `depth` more levels; object
/// keys are often one of `fields`, so that random objects hit real fields.
pub fn random_json(rng: &mut Rng, depth: usize, fields: &[String]) -> String {
    let choice = if depth == 0 {
        rng.below(5)
    } else {
        rng.below(7)
    };
    match choice {
        0 => "null".to_owned(),
        1 => rng.pick(&["true", "false"]).to_string(),
        2 => rng.pick(NUMBERS).to_string(),
        3 | 4 => random_string(rng),
        5 => {
            let items: Vec<String> = (0..rng.below(4))
                .map(|_| random_json(rng, depth - 1, fields))
                .collect();
            format!("[{}]", items.join(","))
        }
        _ => {
            let members: Vec<String> = (0..rng.below(5))
                .map(|_| {
                    let key = if rng.chance(50) && !fields.is_empty() {
                        Value::String(rng.pick(fields).clone()).to_string()
                    } else {
                        random_string(rng)
                    };
                    format!("{key}:{}", random_json(rng, depth - 1, fields))
                })
                .collect();
            format!("{{{}}}", members.join(","))
        }
    }
}

/// `valid` with one to three changes somewhere in it: a member dropped,
/// added (a known field or an unexpected one) or given a random value, an
/// array item dropped or replaced. Written as text so that a value may be
/// any literal (`1e400`…).
pub fn mutate(rng: &mut Rng, valid: &Value, fields: &[String]) -> String {
    let mut text = valid.to_string();
    for _ in 0..=rng.below(3) {
        // Parsed again each time: an earlier change may have left a literal
        // serde_json cannot hold, after which the text is changed no more.
        let Ok(mut value) = serde_json::from_str::<Value>(&text) else {
            break;
        };
        let mut marker = None;
        if let Value::Object(members) = &mut value {
            // The top level stays an object: its members change.
            change_member(rng, members, fields, &mut marker);
        } else {
            change_somewhere(rng, &mut value, fields, &mut marker);
        }
        text = value.to_string();
        if let Some(literal) = marker {
            text = text.replace(&Value::String(MARKER.to_owned()).to_string(), &literal);
        }
    }
    text
}

/// Stands for a random literal until the value is written as text.
const MARKER: &str = "\u{1}fuzz-literal\u{1}";

/// Puts a random literal in `slot`: a marker until the value is text.
fn replace(rng: &mut Rng, slot: &mut Value, fields: &[String], marker: &mut Option<String>) {
    *marker = Some(random_json(rng, 2, fields));
    *slot = Value::String(MARKER.to_owned());
}

/// Changes `value` or, more often when it has some, one of its members or
/// items (recursively).
fn change_somewhere(
    rng: &mut Rng,
    value: &mut Value,
    fields: &[String],
    marker: &mut Option<String>,
) {
    match value {
        Value::Object(members) if rng.chance(75) => change_member(rng, members, fields, marker),
        Value::Array(items) if !items.is_empty() && rng.chance(75) => {
            let i = rng.below(items.len());
            if rng.chance(25) {
                items.remove(i);
            } else {
                change_somewhere(rng, &mut items[i], fields, marker);
            }
        }
        slot => replace(rng, slot, fields, marker),
    }
}

/// Drops a member, adds one (a known field or an unexpected one) or
/// changes one.
fn change_member(
    rng: &mut Rng,
    members: &mut serde_json::Map<String, Value>,
    fields: &[String],
    marker: &mut Option<String>,
) {
    let keys: Vec<String> = members.keys().cloned().collect();
    let choice = if keys.is_empty() { 1 } else { rng.below(6) };
    match choice {
        0 => {
            members.remove(rng.pick(&keys));
        }
        1 | 2 => {
            let field = if fields.is_empty() || choice == 2 {
                "unexpected".to_owned()
            } else {
                rng.pick(fields).clone()
            };
            replace(
                rng,
                members.entry(field).or_insert(Value::Null),
                fields,
                marker,
            );
        }
        _ => {
            let key = rng.pick(&keys).clone();
            if let Some(member) = members.get_mut(&key) {
                change_somewhere(rng, member, fields, marker);
            }
        }
    }
}

/// Bytes that are not a JSON value the API could take: too deeply nested,
/// random bytes (often invalid UTF-8), or such bytes inside a string.
pub fn junk(rng: &mut Rng) -> Vec<u8> {
    if rng.chance(30) {
        // Past serde_json's recursion limit.
        let depth = 100 + rng.below(2000);
        return format!("{}{}", "[".repeat(depth), "]".repeat(depth)).into_bytes();
    }
    let bytes: Vec<u8> = (0..rng.below(64)).map(|_| rng.next() as u8).collect();
    if rng.chance(50) {
        let mut body = br#"{"name": ""#.to_vec();
        body.extend(bytes);
        body.extend(br#""}"#);
        body
    } else {
        bytes
    }
}

/// The member names of `value`, at any depth.
pub fn field_names(value: &Value, into: &mut Vec<String>) {
    match value {
        Value::Object(members) => {
            for (key, member) in members {
                into.push(key.clone());
                field_names(member, into);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| field_names(item, into)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The sequence the tests below run.
    const SEED: u64 = 0x6b65_7074_2d66_757a;

    #[test]
    fn the_generator_is_deterministic() {
        let fields = vec!["name".to_owned(), "kind".to_owned()];
        let mut a = Rng::new(SEED);
        let mut b = Rng::new(SEED);

        let from_a: Vec<String> = (0..50).map(|_| random_json(&mut a, 4, &fields)).collect();
        let from_b: Vec<String> = (0..50).map(|_| random_json(&mut b, 4, &fields)).collect();

        assert_eq!(from_a, from_b);
        assert!(
            from_a
                .iter()
                .filter(|j| serde_json::from_str::<Value>(j).is_ok())
                .count()
                >= 40,
            "random JSON is mostly valid JSON (1e400 is not representable): {from_a:?}"
        );
    }

    #[test]
    fn mutations_change_nested_members_and_stay_mostly_json() {
        let valid = json!({"title": "t", "changes": {"terms": {"sla": [{"priority": "urgent"}]}}});
        let fields = vec!["title".to_owned(), "priority".to_owned()];
        let mut rng = Rng::new(SEED);

        let mutated: Vec<String> = (0..200)
            .map(|_| mutate(&mut rng, &valid, &fields))
            .collect();

        let original = valid.to_string();
        let changed = mutated.iter().filter(|m| **m != original).count();
        assert!(
            changed >= 190,
            "nearly every mutation changes something: {changed}"
        );
        assert!(
            mutated
                .iter()
                .any(|m| m.contains(r#""sla":[{"#) && !m.contains("urgent")),
            "some change reaches an array item's member: {mutated:?}"
        );
        assert!(!mutated.iter().any(|m| m.contains(MARKER)), "{mutated:?}");
        let json = mutated
            .iter()
            .filter(|m| serde_json::from_str::<Value>(m).is_ok())
            .count();
        assert!(json >= 150, "mostly still JSON: {json} of 200");
    }
}
