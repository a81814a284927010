//! Exact money: decimals parsed from text, never through a float.

use rust_decimal::Decimal;

/// Parses an exact, non-negative decimal amount such as `899.00` or `12`.
///
/// Exponents, signs other than a leading `-` (refused), thousands separators
/// and anything a float would round are refused.
pub fn parse_amount(text: &str) -> Result<Decimal, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("is empty; expected a decimal amount like 899.00".into());
    }
    let valid = t.chars().all(|c| c.is_ascii_digit() || c == '.' || c == '-')
        && t.chars().filter(|c| *c == '.').count() <= 1
        && !t[1..].contains('-');
    if !valid {
        return Err(format!("`{t}` is not a decimal amount like 899.00"));
    }
    let d = Decimal::from_str_exact(t).map_err(|_| format!("`{t}` is not a decimal amount like 899.00"))?;
    if d.is_sign_negative() && !d.is_zero() {
        return Err(format!("`{t}` is negative; amounts must be 0 or more"));
    }
    Ok(d.normalize().normalize_keep_scale())
}

/// Keeps at least two decimals for display without losing precision.
pub trait KeepScale {
    fn normalize_keep_scale(self) -> Self;
}

impl KeepScale for Decimal {
    fn normalize_keep_scale(self) -> Self {
        let mut d = self;
        if d.scale() < 2 {
            d.rescale(2);
        }
        d
    }
}

/// Formats an amount with its currency: `1,149.00 EUR`.
pub fn format_money(amount: Decimal, currency: &str) -> String {
    format!("{} {currency}", group_thousands(amount))
}

/// `1234567.5` → `1,234,567.50`.
pub fn group_thousands(amount: Decimal) -> String {
    let s = amount.normalize_keep_scale().to_string();
    let (sign, rest) = s.strip_prefix('-').map_or(("", s.as_str()), |r| ("-", r));
    let (int, frac) = rest.split_once('.').unwrap_or((rest, ""));
    let mut grouped = String::with_capacity(int.len() + int.len() / 3);
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    if frac.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}.{frac}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros_free::dec;

    mod rust_decimal_macros_free {
        pub fn dec(s: &str) -> rust_decimal::Decimal {
            s.parse().unwrap()
        }
    }

    #[test]
    fn parses_exact_decimals() {
        assert_eq!(parse_amount("899.00").unwrap(), dec("899.00"));
        assert_eq!(parse_amount("12").unwrap().to_string(), "12.00");
        assert_eq!(parse_amount("0.1").unwrap().to_string(), "0.10");
        assert_eq!(parse_amount("0.123").unwrap().to_string(), "0.123");
        assert_eq!(
            parse_amount("12345678901234.5678").unwrap().to_string(),
            "12345678901234.5678"
        );
    }

    #[test]
    fn refuses_what_is_not_an_amount() {
        for bad in ["", " ", "1e3", "abc", "1,000.00", "-1", "1.2.3", "+5", "--1", "1-2"] {
            assert!(parse_amount(bad).is_err(), "{bad:?} should be refused");
        }
        assert!(parse_amount("-0").is_ok());
    }

    #[test]
    fn groups_thousands() {
        assert_eq!(group_thousands(dec("1234567.5")), "1,234,567.50");
        assert_eq!(group_thousands(dec("999")), "999.00");
        assert_eq!(group_thousands(dec("1000")), "1,000.00");
        assert_eq!(format_money(dec("1149"), "EUR"), "1,149.00 EUR");
    }
}
