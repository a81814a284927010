//! Identifiers people type: item ids and purchase-order numbers.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A pending item's id: a positive sequence number.
pub type ItemId = u64;

/// A purchase-order number, shown as `PO-000001`.
///
/// In records and `--json` it is written as text (`"PO-000001"`); a plain number is
/// accepted when reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PoNumber(pub u64);

impl Serialize for PoNumber {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PoNumber {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Num(u64),
            Text(String),
        }
        match Raw::deserialize(d)? {
            Raw::Num(n) => Ok(PoNumber(n)),
            Raw::Text(t) => t.parse().map_err(serde::de::Error::custom),
        }
    }
}

impl fmt::Display for PoNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PO-{:06}", self.0)
    }
}

impl FromStr for PoNumber {
    type Err = String;

    /// Accepts `PO-000012`, `po-12` or `12`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let digits = t
            .strip_prefix("PO-")
            .or_else(|| t.strip_prefix("po-"))
            .or_else(|| t.strip_prefix("Po-"))
            .unwrap_or(t);
        match digits.parse::<u64>() {
            Ok(n) if n > 0 => Ok(PoNumber(n)),
            _ => Err(format!(
                "`{s}` is not a purchase-order number (expected PO-000123 or 123)"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses() {
        assert_eq!(PoNumber(12).to_string(), "PO-000012");
        assert_eq!("PO-000012".parse::<PoNumber>().unwrap(), PoNumber(12));
        assert_eq!("12".parse::<PoNumber>().unwrap(), PoNumber(12));
        assert_eq!("po-7".parse::<PoNumber>().unwrap(), PoNumber(7));
        assert!("PO-".parse::<PoNumber>().is_err());
        assert!("0".parse::<PoNumber>().is_err());
        assert!("PO-12x".parse::<PoNumber>().is_err());
    }
}
