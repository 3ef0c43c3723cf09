//! Money: integer minor units with an ISO 4217 currency, and exact parsing of amounts as people
//! write them ("1,234.50"). Never a float: a refund computed from a float is a refund that is wrong
//! by a cent sooner or later.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// An ISO 4217 currency, stored by its three-letter code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency(iso_currency::Currency);

impl Currency {
    /// Parses a code such as `USD` or `eur` (case-insensitive, surrounding blanks ignored).
    pub fn parse(code: &str) -> Result<Self, MoneyError> {
        let code = code.trim().to_ascii_uppercase();
        iso_currency::Currency::from_code(&code)
            .map(Currency)
            .ok_or(MoneyError::UnknownCurrency(code))
    }

    pub fn code(&self) -> &'static str {
        self.0.code()
    }

    /// How many digits follow the decimal point (2 for USD, 0 for JPY, 3 for KWD).
    pub fn minor_digits(&self) -> u32 {
        self.0.exponent().map(u32::from).unwrap_or(0)
    }
}

impl TryFrom<String> for Currency {
    type Error = MoneyError;
    fn try_from(code: String) -> Result<Self, Self::Error> {
        Currency::parse(&code)
    }
}

impl From<Currency> for String {
    fn from(currency: Currency) -> String {
        currency.code().to_owned()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("unknown currency code \"{0}\"")]
    UnknownCurrency(String),
    #[error("\"{0}\" is not an amount (write it like 1234.50 or 1,234.50)")]
    NotAnAmount(String),
    #[error("\"{text}\" has more than {digits} decimal place(s) for {currency}")]
    TooPrecise {
        text: String,
        digits: u32,
        currency: &'static str,
    },
    #[error("\"{0}\" is too large")]
    Overflow(String),
    #[error("must not be negative")]
    Negative,
}

/// An amount of money in minor units (cents for USD).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Money {
    /// Minor units; a JavaScript number holds these exactly up to 2^53.
    #[ts(type = "number")]
    pub minor: i64,
    /// The ISO 4217 code, e.g. "USD".
    #[ts(type = "string")]
    pub currency: Currency,
}

/// "1234.50 USD": the amount with the currency's decimal places and its code, never converted.
impl std::fmt::Display for Money {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let digits = self.currency.minor_digits();
        let sign = if self.minor < 0 { "-" } else { "" };
        let magnitude = self.minor.unsigned_abs();
        if digits == 0 {
            return write!(f, "{sign}{magnitude} {}", self.currency.code());
        }
        let scale = 10_u64.pow(digits);
        write!(
            f,
            "{sign}{}.{:0width$} {}",
            magnitude / scale,
            magnitude % scale,
            self.currency.code(),
            width = digits as usize
        )
    }
}

impl Money {
    pub fn new(minor: i64, currency: Currency) -> Self {
        Money { minor, currency }
    }

    /// Parses an amount written as digits with an optional sign, optional thousands separators
    /// (commas, in groups of three) and at most the currency's number of decimal places.
    pub fn parse(text: &str, currency: Currency) -> Result<Self, MoneyError> {
        let original = text;
        let text = text.trim();
        let not_an_amount = || MoneyError::NotAnAmount(original.trim().to_owned());
        let (negative, unsigned) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (whole, fraction) = match unsigned.split_once('.') {
            Some((whole, fraction)) => (whole, Some(fraction)),
            None => (unsigned, None),
        };
        if whole.is_empty() {
            return Err(not_an_amount());
        }
        let whole_digits = if whole.contains(',') {
            let groups: Vec<&str> = whole.split(',').collect();
            let (first, rest) = groups.split_first().ok_or_else(not_an_amount)?;
            let first_ok = (1..=3).contains(&first.len());
            let rest_ok = rest.iter().all(|group| group.len() == 3);
            if !first_ok || !rest_ok {
                return Err(not_an_amount());
            }
            groups.concat()
        } else {
            whole.to_owned()
        };
        if !whole_digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(not_an_amount());
        }
        let digits = currency.minor_digits();
        let fraction = fraction.unwrap_or("");
        if !fraction.bytes().all(|b| b.is_ascii_digit()) {
            return Err(not_an_amount());
        }
        if fraction.len() as u32 > digits {
            return Err(MoneyError::TooPrecise {
                text: original.trim().to_owned(),
                digits,
                currency: currency.code(),
            });
        }
        let overflow = || MoneyError::Overflow(original.trim().to_owned());
        let scale = 10_i64.checked_pow(digits).ok_or_else(overflow)?;
        let whole_value: i64 = whole_digits.parse().map_err(|_| overflow())?;
        let padded = format!("{fraction:0<width$}", width = digits as usize);
        let fraction_value: i64 = if padded.is_empty() {
            0
        } else {
            padded.parse().map_err(|_| not_an_amount())?
        };
        let magnitude = whole_value
            .checked_mul(scale)
            .and_then(|v| v.checked_add(fraction_value))
            .ok_or_else(overflow)?;
        let minor = if negative { -magnitude } else { magnitude };
        Ok(Money { minor, currency })
    }

    /// Like [`Money::parse`], refusing amounts below zero.
    pub fn parse_non_negative(text: &str, currency: Currency) -> Result<Self, MoneyError> {
        let money = Money::parse(text, currency)?;
        if money.minor < 0 {
            return Err(MoneyError::Negative);
        }
        Ok(money)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd() -> Currency {
        Currency::parse("USD").unwrap()
    }

    #[test]
    fn parses_amounts_as_people_write_them() {
        assert_eq!(Money::parse("1,234.50", usd()).unwrap().minor, 123_450);
        assert_eq!(Money::parse("1234.5", usd()).unwrap().minor, 123_450);
        assert_eq!(Money::parse(" 0.07 ", usd()).unwrap().minor, 7);
        assert_eq!(Money::parse("12", usd()).unwrap().minor, 1_200);
        assert_eq!(Money::parse("-3.10", usd()).unwrap().minor, -310);
        assert_eq!(Money::parse("1,000,000", usd()).unwrap().minor, 100_000_000);
    }

    #[test]
    fn respects_each_currency_s_minor_digits() {
        let jpy = Currency::parse("jpy").unwrap();
        assert_eq!(Money::parse("1,500", jpy).unwrap().minor, 1_500);
        assert!(matches!(
            Money::parse("1.5", jpy),
            Err(MoneyError::TooPrecise { digits: 0, .. })
        ));
        let kwd = Currency::parse("KWD").unwrap();
        assert_eq!(Money::parse("1.234", kwd).unwrap().minor, 1_234);
    }

    #[test]
    fn refuses_what_is_not_an_exact_amount() {
        for bad in [
            "", "abc", "1,23.00", "12,3456", ",123", "1.2.3", "1e5", "$12", "1 234", "-", ".5",
        ] {
            assert!(
                Money::parse(bad, usd()).is_err(),
                "{bad:?} should be refused"
            );
        }
        assert!(matches!(
            Money::parse("1.005", usd()),
            Err(MoneyError::TooPrecise { .. })
        ));
        assert!(matches!(
            Money::parse("99999999999999999999", usd()),
            Err(MoneyError::Overflow(_))
        ));
        assert!(matches!(
            Money::parse("92233720368547758.08", usd()),
            Err(MoneyError::Overflow(_))
        ));
        assert_eq!(
            Money::parse_non_negative("-1", usd()),
            Err(MoneyError::Negative)
        );
    }

    #[test]
    fn refuses_unknown_currencies() {
        assert_eq!(
            Currency::parse("XYZ1"),
            Err(MoneyError::UnknownCurrency("XYZ1".into()))
        );
    }
}
