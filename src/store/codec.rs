//! Record encoding: JSON, so old records stay readable as fields are added, followed by a
//! checksum (schema 3).
//!
//! A stored value is the record's JSON and then 4 bytes, little-endian: the CRC-32 of the
//! key's bytes (with their length first) and the JSON. Every decode checks it, so a flipped
//! byte in a value — or in its key, which would move the value to another id — is a
//! [`StoreError::Corrupt`] naming the table and key instead of a record read with a
//! changed SKU or serial. The checksum finds damage (a disk, a copy, a stray write), not
//! tampering: the audit chain's hashes are for that.
//!
//! Tables of plain numbers (the counters in `meta`, the order number each serial index
//! entry points to) carry no checksum; `purser check` cross-checks them against the
//! records they count and index.

use super::StoreError;
use serde::{de::DeserializeOwned, Serialize};

/// Bytes of the checksum at the end of every value.
pub const SUM_LEN: usize = 4;

/// Where a value lives, for the checksum (the key's bytes) and for messages (table, key).
pub struct At<'a> {
    pub table: &'a str,
    pub key: &'a [u8],
    /// The key as people read it: a number, a quote id, an order number.
    pub shown: &'a dyn Fn() -> String,
}

impl At<'_> {
    fn describe(&self) -> String {
        format!("{} (table {})", (self.shown)(), self.table)
    }
}

fn checksum(key: &[u8], body: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(&(key.len() as u64).to_le_bytes());
    h.update(key);
    h.update(body);
    h.finalize()
}

/// `body` (a record's JSON) with the checksum for `key` after it.
pub fn seal(key: &[u8], mut body: Vec<u8>) -> Vec<u8> {
    let sum = checksum(key, &body);
    body.extend_from_slice(&sum.to_le_bytes());
    body
}

/// The record stored under `key`, ready to insert.
pub fn encode<T: Serialize>(key: &[u8], value: &T) -> Vec<u8> {
    seal(key, serde_json::to_vec(value).expect("records always serialize"))
}

/// The JSON of a stored value whose checksum matches.
pub fn unseal<'b>(at: &At<'_>, bytes: &'b [u8]) -> Result<&'b [u8], StoreError> {
    let corrupt = |message: String| StoreError::Corrupt {
        what: at.describe(),
        message,
    };
    if bytes.len() < SUM_LEN {
        return Err(corrupt(format!(
            "it is {} bytes long, too short to hold a checksum; the file is damaged",
            bytes.len()
        )));
    }
    let (body, sum) = bytes.split_at(bytes.len() - SUM_LEN);
    let stored = u32::from_le_bytes(sum.try_into().expect("four bytes"));
    if stored != checksum(at.key, body) {
        return Err(corrupt(
            "its checksum does not match its contents (the file is damaged); run `purser check` and restore \
             the database from a backup"
                .into(),
        ));
    }
    Ok(body)
}

/// Decodes a stored value after checking its checksum.
pub fn decode<T: DeserializeOwned>(at: &At<'_>, bytes: &[u8]) -> Result<T, StoreError> {
    let body = unseal(at, bytes)?;
    serde_json::from_slice(body).map_err(|e| StoreError::Corrupt {
        what: at.describe(),
        message: e.to_string(),
    })
}

/// Decodes a value written before schema 3 (JSON, no checksum): for the migration.
pub fn decode_unsealed<T: DeserializeOwned>(at: &At<'_>, bytes: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt {
        what: at.describe(),
        message: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at<'a>(key: &'a [u8], shown: &'a dyn Fn() -> String) -> At<'a> {
        At {
            table: "orders",
            key,
            shown,
        }
    }

    #[test]
    fn every_single_byte_flip_of_a_value_or_its_key_is_caught() {
        let shown = || "PO-000007".to_string();
        let key = 7u64.to_le_bytes();
        let bytes = encode(&key, &serde_json::json!({"sku": "NB-1", "serial": "SN-1"}));
        let back: serde_json::Value = decode(&at(&key, &shown), &bytes).unwrap();
        assert_eq!(back["sku"], "NB-1");
        for i in 0..bytes.len() {
            for bit in 0..8 {
                let mut b = bytes.clone();
                b[i] ^= 1 << bit;
                let e = decode::<serde_json::Value>(&at(&key, &shown), &b).unwrap_err();
                assert!(matches!(e, StoreError::Corrupt { .. }), "{e}");
                assert!(e.to_string().contains("PO-000007 (table orders)"), "{e}");
            }
        }
        // The same value under another key (a flipped key byte) is caught too.
        let other = 5u64.to_le_bytes();
        let e = decode::<serde_json::Value>(&at(&other, &shown), &bytes).unwrap_err();
        assert!(e.to_string().contains("checksum does not match"), "{e}");
        assert!(decode::<serde_json::Value>(&at(&key, &shown), &bytes[..2]).is_err());
    }
}
