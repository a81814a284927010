//! Exact money: decimals parsed from text, never through a float.

use rust_decimal::Decimal;

/// The largest amount Purser takes as a unit cost, a shipping charge or a rule bound:
/// a million million (10^12) in the document's currency. Far above any real price, and
/// low enough that quantity (at most 10^6 a line) × unit cost summed over any order
/// stays exact: a `Decimal` holds about 7.9 × 10^28, and arithmetic beyond that panics.
pub const MAX_AMOUNT: Decimal = Decimal::from_parts(0xD4A5_1000, 0xE8, 0, false, 0);

/// The most decimal places an amount may have. A `Decimal` keeps 28 to 29 significant
/// digits and rounds a product or a sum that needs more, so with more decimals a line
/// total (a 28-decimal unit cost × 999,999, say) would be rounded silently. With at most
/// four, a line total is below 10^22 in units of 0.0001, and millions of lines sum exactly.
pub const MAX_DECIMALS: u32 = 4;

/// Why an amount above [`MAX_AMOUNT`] is refused, or `None` when it is within it.
pub fn check_max(amount: Decimal) -> Option<String> {
    (amount > MAX_AMOUNT).then(|| format!("{amount} is more than the largest amount Purser takes, 1,000,000,000,000"))
}

/// Parses an exact, non-negative decimal amount such as `899.00` or `12`.
///
/// Exponents, signs other than a leading `-` (refused), thousands separators,
/// anything a float would round, more than [`MAX_DECIMALS`] decimal places (trailing
/// zeros aside) and amounts above [`MAX_AMOUNT`] are refused.
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
    if let Some(why) = check_max(d) {
        return Err(why);
    }
    let d = d.normalize();
    if d.scale() > MAX_DECIMALS {
        return Err(format!(
            "`{t}` has {} decimal places; at most {MAX_DECIMALS} are taken, so that every total stays exact",
            d.scale()
        ));
    }
    Ok(d.normalize_keep_scale())
}

/// Parses an amount as a person types it, with the grouping the screens show
/// (`1,000.00`, `12,345,678.90`) or without; otherwise as [`parse_amount`].
///
/// Commas are taken only as thousands separators of an amount written with a decimal
/// point (`1,250.50`), every group three digits. `1,000` (a thousand, or one with a
/// decimal comma?) and `1,5` are refused as ambiguous, saying how to write them.
pub fn parse_typed_amount(text: &str) -> Result<Decimal, String> {
    let t = text.trim();
    if !t.contains(',') {
        return parse_amount(t);
    }
    let (int, frac) = match t.split_once('.') {
        Some((int, frac)) => (int, Some(frac)),
        None => (t, None),
    };
    let groups: Vec<&str> = int.split(',').collect();
    let grouped = groups[0].len() <= 3
        && !groups[0].is_empty()
        && groups[1..].iter().all(|g| g.len() == 3)
        && groups.iter().all(|g| g.chars().all(|c| c.is_ascii_digit()));
    match frac {
        Some(frac) if grouped && !frac.contains(',') => parse_amount(&format!("{}.{frac}", groups.concat())),
        None if grouped => Err(format!(
            "`{t}` is ambiguous: write {} for the amount with thousands, or use a point for decimals ({}.{})",
            groups.concat(),
            groups[0],
            groups[1..].concat()
        )),
        _ => Err(format!(
            "`{t}` is not a decimal amount like 1,250.00 or 1250.00: commas only group thousands, a point marks the decimals"
        )),
    }
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
            parse_amount("123456789012.3456").unwrap().to_string(),
            "123456789012.3456"
        );
        // Trailing zeros are not decimal places that count.
        assert_eq!(parse_amount("899.000000").unwrap().to_string(), "899.00");
        assert_eq!(parse_amount("0.125000000").unwrap().to_string(), "0.125");
    }

    #[test]
    fn more_decimals_than_totals_keep_exactly_are_refused() {
        let e = parse_amount("0.12345").unwrap_err();
        assert_eq!(
            e,
            "`0.12345` has 5 decimal places; at most 4 are taken, so that every total stays exact"
        );
        // 28 decimal places: a unit cost Decimal holds, but whose line total it rounds.
        let cost = "0.1234567890123456789012345678";
        let exact: Decimal = cost.parse().unwrap();
        assert_ne!((exact * Decimal::from(999_999)).scale(), exact.scale(), "rounded");
        assert!(parse_amount(cost).unwrap_err().contains("28 decimal places"));
    }

    #[test]
    fn amounts_beyond_the_largest_are_refused_so_no_order_total_can_overflow() {
        assert_eq!(parse_amount("1000000000000").unwrap(), MAX_AMOUNT);
        assert_eq!(MAX_AMOUNT.to_string(), "1000000000000");
        let e = parse_amount("1000000000000.01").unwrap_err();
        assert!(e.contains("more than the largest amount Purser takes"), "{e}");
        assert!(parse_amount("79228162514264337593543950335").is_err());
        // The worst order Purser can hold: a million lines at the largest unit cost with
        // every decimal place it takes, and the largest quantity, still sums exactly.
        let cost = parse_amount("999999999999.9999").unwrap();
        let line = cost * Decimal::from(crate::domain::quote::MAX_QUANTITY);
        assert_eq!(line.to_string(), "999999999999999900.0000");
        let total = (0..1_000_000)
            .try_fold(Decimal::ZERO, |t, _| t.checked_add(line))
            .unwrap();
        assert_eq!(total.to_string(), "999999999999999900000000.0000");
    }

    #[test]
    fn refuses_what_is_not_an_amount() {
        for bad in ["", " ", "1e3", "abc", "1,000.00", "-1", "1.2.3", "+5", "--1", "1-2"] {
            assert!(parse_amount(bad).is_err(), "{bad:?} should be refused");
        }
        assert!(parse_amount("-0").is_ok());
    }

    #[test]
    fn typed_amounts_take_the_grouping_the_screens_show() {
        assert_eq!(parse_typed_amount("1,000.00").unwrap(), dec("1000.00"));
        assert_eq!(parse_typed_amount(" 12,345,678.90 ").unwrap(), dec("12345678.90"));
        assert_eq!(parse_typed_amount("999.5").unwrap().to_string(), "999.50");
        assert_eq!(
            parse_typed_amount(&group_thousands(dec("1234567.5"))).unwrap(),
            dec("1234567.50")
        );
        let e = parse_typed_amount("1,000").unwrap_err();
        assert!(e.contains("ambiguous") && e.contains("1000"), "{e}");
        for bad in [
            "1,5",
            "1,00.00",
            "12,34,567.00",
            ",100.00",
            "1,000.0,0",
            "1,000.00-",
            "-1,000.00",
        ] {
            assert!(parse_typed_amount(bad).is_err(), "{bad:?} should be refused");
        }
        assert!(parse_typed_amount("1,5")
            .unwrap_err()
            .contains("a point marks the decimals"));
    }

    #[test]
    fn groups_thousands() {
        assert_eq!(group_thousands(dec("1234567.5")), "1,234,567.50");
        assert_eq!(group_thousands(dec("999")), "999.00");
        assert_eq!(group_thousands(dec("1000")), "1,000.00");
        assert_eq!(format_money(dec("1149"), "EUR"), "1,149.00 EUR");
    }
}
