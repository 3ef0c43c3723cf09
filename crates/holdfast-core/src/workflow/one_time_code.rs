//! One-time codes: the engine never sees a code, only its SHA-256. The caller draws the code
//! (random bytes from the OS), sends it to a contact on file, and passes its hash; the code the
//! requester reads back is hashed the same way and compared.

use sha2::{Digest, Sha256};

/// The hex SHA-256 of a one-time code as a person types it: blanks and dashes are dropped and
/// letters compared without case, so "123 456", "123-456" and "123456" are the same code.
pub fn hash_one_time_code(code: &str) -> String {
    let normalized: String = code
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    hex::encode(Sha256::digest(normalized.as_bytes()))
}

/// A code hash as the engine keeps it (lowercase hex of 32 bytes), or `None` when `text` is not
/// one.
pub(crate) fn normalize_code_hash(text: &str) -> Option<String> {
    let text = text.trim();
    (text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| text.to_ascii_lowercase())
}

/// Compares two hashes of the same length without stopping at the first difference.
pub(crate) fn same_hash(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |diff, (x, y)| diff | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_the_code_as_typed_without_blanks_dashes_or_case() {
        // SHA-256("123456").
        let expected = "8d969eef6ecad3c29a3a629280e686cf0c3f5d5a86aff3ca12020c923adc6c92";
        assert_eq!(hash_one_time_code("123456"), expected);
        assert_eq!(hash_one_time_code(" 123-456\n"), expected);
        assert_eq!(
            hash_one_time_code("ab-cd"),
            hash_one_time_code("ABCD"),
            "letters compare without case"
        );
        assert_ne!(hash_one_time_code("123457"), expected);
    }

    #[test]
    fn only_hex_sha256_is_a_code_hash() {
        let hash = hash_one_time_code("123456");
        assert_eq!(
            normalize_code_hash(&hash.to_uppercase()),
            Some(hash.clone())
        );
        assert_eq!(normalize_code_hash("123456"), None);
        assert_eq!(normalize_code_hash(&format!("{}zz", &hash[2..])), None);
        assert!(same_hash(&hash, &hash));
        assert!(!same_hash(&hash, &hash_one_time_code("654321")));
        assert!(!same_hash(&hash, &hash[1..]));
    }
}
