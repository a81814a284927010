//! GS1 element strings: what the 2D code (GS1 DataMatrix, GS1 QR) or GS1-128 barcode on a
//! product's box holds, read by a scanner as one run of characters. Purser takes two of its
//! fields at the dock: the product's GTIN (application identifier 01) and its serial number
//! (AI 21); the others (lot, dates, weights …) are read past and not kept.
//!
//! A scan is taken as an element string in three forms:
//! - with the symbology identifier a scanner can be set to send first (`]d2`, `]C1`,
//!   `]Q3`, `]e0`, `]J1`);
//! - as printed under the code, each AI in parentheses: `(01)00190017123981(21)CN12345`;
//! - as the scanner sends the data alone, starting with AI 01: `0100190017123981` `21CN12345`.
//!
//! Fields of variable length (the serial, the lot) end at a group separator (FNC1, sent as
//! ASCII 29; the scan box shows it as `␝`) or at the end of the scan. Anything that does not
//! read whole — an unknown AI, a GTIN with a wrong check digit, a field too long for its AI
//! (a separator the scanner dropped) — is not an element string, and the scan is read as
//! the plain code it then is. [`not_a_serial`] tells the dock what can never be kept as a
//! serial number, [`serial_alone`] reads a GS1 serial label, and [`without_identifier`]
//! takes off the symbology identifier a scanner may send before any code. Pure: no state,
//! no I/O.

/// The group separator between fields, as a scanner sends it (ASCII 29).
pub const GS: char = '\u{1d}';

/// The group separator as the scan box shows and keeps it (U+241D SYMBOL FOR GROUP SEPARATOR).
pub const GS_SHOWN: char = '\u{241d}';

/// What Purser takes from an element string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElementString {
    /// The GTIN of AI 01, 14 digits, check digit verified.
    pub gtin: String,
    /// The serial number of AI 21, when there is one.
    pub serial: Option<String>,
}

/// The length of an AI's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Length {
    Fixed(usize),
    /// Up to this many characters, ended by a separator or the end of the data.
    UpTo(usize),
}

impl Length {
    /// Whether `value` is a value of this length (a separator is never part of one).
    fn takes(self, value: &str) -> bool {
        let n = value.chars().count();
        !value.contains(is_separator)
            && match self {
                Length::Fixed(len) => n == len,
                Length::UpTo(max) => (1..=max).contains(&n),
            }
    }
}

/// The AI at the start of `data` and the length of its value: the AIs found on the labels
/// of goods (GS1 General Specifications, section 3.2). `None` for any other.
fn ai_at(data: &str) -> Option<(&str, Length)> {
    use Length::{Fixed, UpTo};
    let two = data.get(..2)?;
    let fixed_two = match two {
        "00" => Some(Fixed(18)),
        "01" | "02" | "03" => Some(Fixed(14)),
        "10" | "21" | "22" => Some(UpTo(20)),
        "11" | "12" | "13" | "15" | "16" | "17" => Some(Fixed(6)),
        "20" => Some(Fixed(2)),
        "30" | "37" => Some(UpTo(8)),
        "90" => Some(UpTo(30)),
        "91" | "92" | "93" | "94" | "95" | "96" | "97" | "98" | "99" => Some(UpTo(90)),
        _ => None,
    };
    if let Some(len) = fixed_two {
        return Some((two, len));
    }
    let three = data.get(..3)?;
    let len = match three {
        "235" => Some(UpTo(28)),
        "255" => Some(UpTo(25)),
        "240" | "241" | "250" | "251" | "253" | "400" | "401" | "403" => Some(UpTo(30)),
        "242" => Some(UpTo(6)),
        "243" | "254" | "420" => Some(UpTo(20)),
        "402" => Some(Fixed(17)),
        "410" | "411" | "412" | "413" | "414" | "415" | "416" | "417" => Some(Fixed(13)),
        "421" => Some(UpTo(12)),
        "422" | "424" | "426" => Some(Fixed(3)),
        "423" | "425" => Some(UpTo(15)),
        "427" => Some(UpTo(3)),
        // National healthcare reimbursement numbers (on medical and pharmaceutical packs).
        "710" | "711" | "712" | "713" | "714" | "715" => Some(UpTo(20)),
        _ => None,
    };
    if let Some(len) = len {
        return Some((three, len));
    }
    let four = data.get(..4)?;
    let len = match four.as_bytes() {
        // Measures (net weight, lengths, areas, volumes …): a unit digit and a decimal point.
        [b'3', b'1'..=b'6', b'0'..=b'9', b'0'..=b'9'] => Fixed(6),
        // Amounts payable and prices per unit of measure, some with a currency (390n–393n).
        [b'3', b'9', b'0'..=b'3', b'0'..=b'9'] => UpTo(18),
        b"7003" => Fixed(10),
        b"7006" => Fixed(6),
        b"8001" => Fixed(14),
        b"8002" | b"8012" => UpTo(20),
        b"8003" | b"8004" => UpTo(30),
        b"8005" => Fixed(6),
        b"8006" | b"8017" | b"8018" => Fixed(18),
        b"8008" => UpTo(12),
        b"8020" => UpTo(25),
        b"8200" => UpTo(70),
        _ => return None,
    };
    Some((four, len))
}

/// The data after a symbology identifier for GS1 data, if the scan starts with one.
fn after_symbology(scan: &str) -> Option<&str> {
    ["]d2", "]C1", "]Q3", "]e0", "]J1"]
        .iter()
        .find_map(|id| scan.strip_prefix(id))
}

fn is_separator(c: char) -> bool {
    c == GS || c == GS_SHOWN
}

/// The fields of the data as the scanner sends it (from its first AI): AIs and values run
/// together, variable ones ended by a separator.
fn raw_fields(data: &str) -> Option<Vec<(&str, &str)>> {
    let mut fields = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        let (ai, len) = ai_at(rest)?;
        rest = &rest[ai.len()..];
        let end = match len {
            Length::Fixed(n) => rest.char_indices().nth(n).map_or(rest.len(), |(i, _)| i),
            Length::UpTo(_) => rest.find(is_separator).unwrap_or(rest.len()),
        };
        let (value, after) = rest.split_at(end);
        if !len.takes(value) {
            return None;
        }
        fields.push((ai, value));
        rest = after.trim_start_matches(is_separator);
    }
    Some(fields)
}

/// The fields of the form printed under a code: `(AI)value`, one after another.
fn parenthesized_fields(data: &str) -> Option<Vec<(&str, &str)>> {
    let mut fields = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        let inner = rest.strip_prefix('(')?;
        let close = inner.find(')')?;
        let ai = &inner[..close];
        let (known, len) = ai_at(ai)?;
        if known.len() != ai.len() {
            return None;
        }
        let after = &inner[close + 1..];
        let end = after.find('(').unwrap_or(after.len());
        let value = after[..end].trim_end_matches(is_separator);
        if !len.takes(value) {
            return None;
        }
        fields.push((ai, value));
        rest = &after[end..];
    }
    Some(fields)
}

/// Whether the last digit of `gtin` is the GS1 check digit of the others.
fn check_digit_holds(gtin: &str) -> bool {
    let digits: Vec<u32> = gtin.chars().filter_map(|c| c.to_digit(10)).collect();
    if digits.len() != gtin.len() || digits.is_empty() {
        return false;
    }
    let (body, check) = digits.split_at(digits.len() - 1);
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| if i % 2 == 0 { d * 3 } else { *d })
        .sum();
    (10 - sum % 10) % 10 == check[0]
}

/// The fields of a scan written in a GS1 form, and whether the scan says itself that it is
/// one (a symbology identifier, or the AIs in parentheses); `None` when it does not read.
fn fields(scan: &str) -> Option<(Vec<(&str, &str)>, bool)> {
    let scan = scan.trim();
    let (data, marked) = match after_symbology(scan) {
        Some(data) => (data, true),
        None => (scan, false),
    };
    // A separator before the first field (FNC1 in first position) says nothing.
    let data = data.trim_start_matches(is_separator);
    if data.starts_with('(') {
        Some((parenthesized_fields(data)?, true))
    } else if marked || data.starts_with("01") {
        Some((raw_fields(data)?, marked))
    } else {
        None
    }
}

/// The GTIN and serial of a scan that is a GS1 element string with a GTIN; `None` for any
/// other scan (see the module's introduction).
pub fn parse(scan: &str) -> Option<ElementString> {
    let (fields, _) = fields(scan)?;
    let one = |ai: &str| -> Option<Option<&str>> {
        let mut values = fields.iter().filter(|(a, _)| *a == ai).map(|(_, v)| *v);
        let first = values.next();
        // The same AI twice with different values: not a code to trust.
        values.all(|v| Some(v) == first).then_some(first)
    };
    let gtin = one("01")??;
    if !check_digit_holds(gtin) {
        return None;
    }
    let serial = one("21")?;
    Some(ElementString {
        gtin: gtin.to_string(),
        serial: serial.map(str::to_string),
    })
}

/// The serial number of a code that holds nothing else (AI 21 alone, as on a box's
/// separate serial label), when the scan says itself that it is GS1: `]C121CN0001`,
/// `(21)CN0001`. Without that, `21CN0001` is as likely a serial starting with 21.
pub fn serial_alone(scan: &str) -> Option<String> {
    match fields(scan)? {
        (fields, true) => match fields.as_slice() {
            [("21", serial)] => Some(serial.to_string()),
            _ => None,
        },
        _ => None,
    }
}

/// Whether a scan cannot be a serial number because it is a GS1 code, read or not: it
/// holds a group separator, starts with a GS1 symbology identifier, is written with the
/// AIs in parentheses from a GTIN's `(01)`, or starts with AI 01 and a GTIN whose check
/// digit holds, followed by more (a code whose separators the scanner dropped). A serial
/// of digits alone that is exactly `01` and a GTIN is left a serial.
pub fn not_a_serial(scan: &str) -> bool {
    let scan = scan.trim();
    if scan.contains(is_separator) || after_symbology(scan).is_some() || scan.starts_with("(01)") {
        return true;
    }
    scan.starts_with("01") && scan.len() > 16 && scan.get(2..16).is_some_and(check_digit_holds)
}

/// A scan without the symbology identifier a scanner can be set to send before every code
/// (ISO/IEC 15424: `]`, a letter naming the symbology, a character for its options): `]E0`
/// before an EAN-13, `]C0` before a Code 128. A code itself never starts with one.
pub fn without_identifier(scan: &str) -> &str {
    match scan.as_bytes() {
        [b']', kind, option, ..] if kind.is_ascii_alphabetic() && option.is_ascii_alphanumeric() => &scan[3..],
        _ => scan,
    }
}

#[cfg(test)]
mod tests;
