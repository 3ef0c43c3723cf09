//! Full-text search over the notes on cases, read from the `case_notes` FTS5 index that the
//! projection keeps from `note_added` events.

use jiff::Timestamp;
use rusqlite::named_params;
use serde::Serialize;
use ts_rs::TS;
use uuid::Uuid;

use crate::error::{Result, StoreError};
use crate::page::{collect_rows, from_millis, page_size};
use crate::Database;

/// A note that matches a search, with its case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct NoteHit {
    pub case_id: Uuid,
    pub account_name: String,
    pub author: String,
    pub recorded_at: Timestamp,
    /// The note around the match, at most a few dozen words.
    pub excerpt: String,
}

/// The words of a search as an FTS5 query: each word quoted (so nothing typed is read as FTS5
/// syntax), all of them required, the last one as a prefix so results follow typing.
fn match_expression(text: &str) -> Option<String> {
    let words: Vec<&str> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .collect();
    let (last, init) = words.split_last()?;
    let mut expression: Vec<String> = init.iter().map(|word| format!("\"{word}\"")).collect();
    expression.push(format!("\"{last}\"*"));
    Some(expression.join(" "))
}

impl Database {
    /// Notes containing every word of `text` (the last as a prefix), best match first.
    pub fn search_notes(&self, text: &str, limit: Option<u32>) -> Result<Vec<NoteHit>> {
        let Some(expression) = match_expression(text) else {
            return Ok(Vec::new());
        };
        let mut statement = self.conn.prepare_cached(
            "SELECT n.case_id, a.name, n.author, n.recorded_at,
                    snippet(case_notes, 0, '', '', '…', 24)
             FROM case_notes n
             JOIN cases c ON c.id = n.case_id
             JOIN accounts a ON a.id = c.account_id
             WHERE case_notes MATCH :expression
             ORDER BY rank
             LIMIT :limit",
        )?;
        let rows = statement.query_map(
            named_params! { ":expression": expression, ":limit": page_size(limit) },
            |row| {
                let case_id: String = row.get(0)?;
                let account_name: String = row.get(1)?;
                let author: String = row.get(2)?;
                let recorded_at: i64 = row.get(3)?;
                let excerpt: String = row.get(4)?;
                Ok((|| {
                    Ok(NoteHit {
                        case_id: Uuid::parse_str(&case_id)
                            .map_err(|_| StoreError::Corrupt("note row: case_id".into()))?,
                        account_name,
                        author,
                        recorded_at: from_millis(recorded_at)?,
                        excerpt,
                    })
                })())
            },
        )?;
        collect_rows(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::match_expression;

    #[test]
    fn a_search_becomes_quoted_words_with_the_last_as_a_prefix() {
        assert_eq!(
            match_expression("called back"),
            Some("\"called\" \"back\"*".into())
        );
        assert_eq!(
            match_expression("  \"NEAR(a b)\" OR -x* "),
            Some("\"NEAR\" \"a\" \"b\" \"OR\" \"x\"*".into()),
            "FTS5 syntax typed by a person is taken as words"
        );
        assert_eq!(match_expression(" ,;- "), None);
    }
}
