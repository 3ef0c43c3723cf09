//! What every list shares: page sizes, search patterns, and the column encodings of instants.

use jiff::Timestamp;

use crate::error::{Result, StoreError};

pub const DEFAULT_PAGE_SIZE: u32 = 50;
pub const MAX_PAGE_SIZE: u32 = 500;

/// Clamps a requested page size into 1..=MAX_PAGE_SIZE.
pub fn page_size(requested: Option<u32>) -> u32 {
    requested
        .unwrap_or(DEFAULT_PAGE_SIZE)
        .clamp(1, MAX_PAGE_SIZE)
}

/// A `LIKE … ESCAPE '\'` pattern that finds `text` anywhere, with its own `%` and `_` taken literally.
pub fn contains_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// Rows read by a mapper that can itself fail (a row that does not parse back is damage).
pub fn collect_rows<T>(rows: impl Iterator<Item = rusqlite::Result<Result<T>>>) -> Result<Vec<T>> {
    let mut items = Vec::new();
    for row in rows {
        items.push(row??);
    }
    Ok(items)
}

/// A page read with `LIMIT limit + 1`: the first `limit` items, and the cursor after the last of
/// them when the extra row shows there is more.
pub fn split_page<T, C>(
    mut items: Vec<T>,
    limit: u32,
    cursor: impl FnOnce(&T) -> C,
) -> (Vec<T>, Option<C>) {
    if items.len() <= limit as usize {
        return (items, None);
    }
    items.truncate(limit as usize);
    let next = items.last().map(cursor);
    (items, next)
}

pub fn to_millis(instant: Timestamp) -> i64 {
    instant.as_millisecond()
}

pub fn from_millis(millis: i64) -> Result<Timestamp> {
    Timestamp::from_millisecond(millis)
        .map_err(|_| StoreError::Corrupt(format!("{millis} is not a valid instant")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_escape_wildcards() {
        assert_eq!(contains_pattern("50%_a\\"), "%50\\%\\_a\\\\%");
    }

    #[test]
    fn pages_split_at_the_limit() {
        assert_eq!(
            split_page(vec![1, 2, 3], 2, |last| *last),
            (vec![1, 2], Some(2))
        );
        assert_eq!(split_page(vec![1, 2], 2, |last| *last), (vec![1, 2], None));
    }

    #[test]
    fn page_sizes_are_bounded() {
        assert_eq!(page_size(None), DEFAULT_PAGE_SIZE);
        assert_eq!(page_size(Some(0)), 1);
        assert_eq!(page_size(Some(100_000)), MAX_PAGE_SIZE);
    }
}
