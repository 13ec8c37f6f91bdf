//! Reading an import's CSV text into rows: the header checked, each row
//! that cannot be read noted with its line. Pure, with no file or database,
//! so the fuzz target `csv_import` (fuzz/) compiles this very file.

use std::io::Read;
use std::path::Path;

use anyhow::Context;
use kept_app::import::{Problems, Row};

/// Reads CSV text, `path` naming it in messages: its rows, after checking
/// the header has the `required` columns, nothing outside `known` and no
/// column twice. A row that cannot be read (the wrong number of fields,
/// text that is not UTF-8) is left out and noted in the problems returned,
/// so every row is checked before anything is refused.
pub fn rows(
    path: &Path,
    mut text: impl Read,
    required: &[&str],
    known: &[&str],
) -> anyhow::Result<(Vec<Row>, Problems)> {
    let mut bytes = Vec::new();
    text.read_to_end(&mut bytes)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let lines = LineStarts::new(&bytes);
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(bytes.as_slice());
    let header: Vec<String> = reader
        .headers()
        .with_context(|| format!("{}: line 1: cannot read the header", path.display()))?
        .iter()
        .map(|h| h.trim().to_lowercase())
        .collect();
    if header.is_empty() {
        anyhow::bail!(
            "{}: the file is empty; its first line must name the columns: {}",
            path.display(),
            known.join(", ")
        );
    }
    check_header(path, &header, required, known)?;
    let mut rows = Vec::new();
    let mut problems = Problems::default();
    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                let line = e.position().map_or(0, |p| lines.line_of(&bytes, p.byte()));
                if let csv::ErrorKind::Utf8 { .. } = e.kind() {
                    problems.add_row(line, "is not valid UTF-8 text");
                    continue;
                }
                anyhow::bail!("{}: line {line}: {e}", path.display());
            }
        };
        let line = record
            .position()
            .map_or(0, |p| lines.line_of(&bytes, p.byte()));
        if record.iter().all(str::is_empty) {
            continue;
        }
        if record.len() != header.len() {
            problems.add_row(
                line,
                format!(
                    "has {} field{} but the header has {} (quote a value that holds a comma)",
                    record.len(),
                    if record.len() == 1 { "" } else { "s" },
                    header.len()
                ),
            );
            continue;
        }
        let cells = header
            .iter()
            .cloned()
            .zip(record.iter().map(str::to_owned))
            .collect();
        rows.push(Row::new(line, cells));
    }
    if rows.is_empty() && problems.is_empty() {
        anyhow::bail!("{}: no rows to import", path.display());
    }
    Ok((rows, problems))
}

/// Where each line of a file starts, to name a record by the line it
/// starts on: the csv crate's own count is a line short after a CRLF or a
/// blank line (rust-csv issues 395 and 208), and files from spreadsheets
/// end their lines with CRLF.
struct LineStarts(Vec<usize>);

impl LineStarts {
    /// The lines of `bytes`, each ended by LF, CRLF or a lone CR (as the
    /// csv crate reads them).
    fn new(bytes: &[u8]) -> Self {
        let mut starts = vec![0];
        for (i, &b) in bytes.iter().enumerate() {
            if b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n')) {
                starts.push(i + 1);
            }
        }
        Self(starts)
    }

    /// The 1-based line of a record the csv crate places at byte `offset`:
    /// that of its first byte that is not a line ending, since the offset
    /// may point at the end of the line before or at blank lines.
    fn line_of(&self, bytes: &[u8], offset: u64) -> u64 {
        let mut at = usize::try_from(offset).unwrap_or(usize::MAX);
        while matches!(bytes.get(at), Some(b'\r' | b'\n')) {
            at += 1;
        }
        u64::try_from(self.0.partition_point(|&start| start <= at)).unwrap_or(u64::MAX)
    }
}

/// Refuses a header that lacks a `required` column, has one outside
/// `known`, or names a column twice.
fn check_header(
    path: &Path,
    header: &[String],
    required: &[&str],
    known: &[&str],
) -> anyhow::Result<()> {
    let quoted = |columns: &[&str]| -> String {
        columns
            .iter()
            .map(|c| {
                if c.is_empty() {
                    "an unnamed column".to_owned()
                } else {
                    format!("`{c}`")
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let missing: Vec<&str> = required
        .iter()
        .copied()
        .filter(|c| !header.iter().any(|h| h == c))
        .collect();
    let unknown: Vec<&str> = header
        .iter()
        .map(String::as_str)
        .filter(|h| !known.contains(h))
        .collect();
    let mut repeated: Vec<&str> = Vec::new();
    for (n, column) in header.iter().enumerate() {
        if known.contains(&column.as_str())
            && header[..n].contains(column)
            && !repeated.contains(&column.as_str())
        {
            repeated.push(column);
        }
    }
    let mut faults = Vec::new();
    if !missing.is_empty() {
        faults.push(format!("lacks {}", quoted(&missing)));
    }
    if !unknown.is_empty() {
        faults.push(format!("has unknown columns {}", quoted(&unknown)));
    }
    if !repeated.is_empty() {
        faults.push(format!("repeats {}", quoted(&repeated)));
    }
    if faults.is_empty() {
        return Ok(());
    }
    anyhow::bail!(
        "{}: line 1: the header {}; the columns are: {} (required: {})",
        path.display(),
        faults.join(" and "),
        known.join(", "),
        required.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lines of the problems found in `text`, a links file.
    fn problem_lines(text: &str) -> Vec<u64> {
        let (_, problems) = rows(Path::new("links.csv"), text.as_bytes(), &["a"], &["a", "b"])
            .expect("the file reads");
        problems
            .into_sorted()
            .into_iter()
            .map(|(line, _)| line)
            .collect()
    }

    #[test]
    fn a_row_is_named_by_its_own_line_whatever_ends_the_lines() {
        for ending in ["\n", "\r\n", "\r"] {
            let text = [
                "a,b", "1,2,3", "4,5", "", "", "6,7,8", "\"x", "y\",2,3", "9,10,11",
            ]
            .join(ending);
            assert_eq!(problem_lines(&text), [2, 6, 7, 9], "{text:?}");
        }
    }

    #[test]
    fn a_row_that_is_not_utf8_is_named_by_its_own_line() {
        let text = b"a,b\r\n1,2\r\n\r\n\xff,2\r\n";
        let (rows, problems) =
            rows(Path::new("links.csv"), &text[..], &["a"], &["a", "b"]).expect("the file reads");
        assert_eq!(rows.iter().map(|r| r.line).collect::<Vec<_>>(), [2]);
        assert_eq!(
            problems.into_sorted(),
            [(4, "is not valid UTF-8 text".to_owned())]
        );
    }
}
