//! What a new password must be (ASVS 4.0 L2, V2.1): at least 12 characters, at most 128, and
//! not a common password. Checked where passwords are set (`user add`, `user reset-password`),
//! never at sign-in: a password set before the rule still signs in.

use crate::error::{Result, ServerError};

/// The fewest characters a new password may have (ASVS 2.1.1).
pub const MIN_PASSWORD_CHARS: usize = 12;

/// The most characters a new password may have (ASVS 2.1.2 allows 64 and refuses past 128).
pub const MAX_PASSWORD_CHARS: usize = 128;

/// The 10,000 most common passwords, lowercase, one a line (see `data/README.md`).
const COMMON_PASSWORDS: &str = include_str!("../data/common-passwords.txt");

/// Whether `candidate` (already lowercase and trimmed) is on the list.
fn listed(candidate: &str) -> bool {
    !candidate.is_empty() && COMMON_PASSWORDS.lines().any(|line| line == candidate)
}

/// Whether a password is common: on the list in lowercase, or a listed word followed only by
/// digits and punctuation (`Summer2024!!!!`, `password1234`).
pub fn is_common(password: &str) -> bool {
    let lower = password.trim().to_lowercase();
    if listed(&lower) {
        return true;
    }
    let stem = lower.trim_end_matches(|c: char| c.is_ascii_digit() || c.is_ascii_punctuation());
    stem.len() < lower.len() && listed(stem)
}

/// Refuses a password that is too short, too long or common (`Invalid` on `password`).
pub fn check_new_password(password: &str) -> Result<()> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(ServerError::invalid(
            "password",
            format!("must be at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(ServerError::invalid(
            "password",
            format!("must be at most {MAX_PASSWORD_CHARS} characters"),
        ));
    }
    if is_common(password) {
        return Err(ServerError::invalid(
            "password",
            "is one of the most common passwords; choose another (a few unrelated words work well)",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_lowercase_and_long() {
        let lines = COMMON_PASSWORDS.lines().collect::<Vec<_>>();
        assert_eq!(lines.len(), 10_000);
        assert!(lines
            .iter()
            .all(|line| !line.is_empty() && *line == line.to_lowercase()));
    }

    #[test]
    fn new_passwords_are_long_enough_and_not_common() {
        assert!(matches!(
            check_new_password("short pass1"),
            Err(ServerError::Invalid { .. })
        ));
        assert!(check_new_password("eleven char").is_err());
        assert!(check_new_password("correct horse battery").is_ok());
        assert!(check_new_password(&"x".repeat(MAX_PASSWORD_CHARS + 1)).is_err());
        // On the list as it is, in any case, padded with spaces...
        for common in [
            "1qaz2wsx3edc",
            "1q2w3e4r5t6y",
            "QWERTY123456",
            " password1234 ",
        ] {
            assert!(is_common(common), "{common}");
            assert!(check_new_password(common).is_err(), "{common}");
        }
        // ...or a listed word with digits and punctuation after it.
        assert!(check_new_password("Summer2024!!!!").is_err());
        assert!(check_new_password("iloveyou12345").is_err());
        assert!(!is_common("bench password"));
        assert!(!is_common("amy's long passphrase"));
    }
}
