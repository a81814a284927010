//! Replaying the audit trail against the live records: the latest state the trail holds
//! of every item, order and the approval rules must be the state in the database.

use crate::domain::audit::{RecordKind, RecordRef, Snapshot};
use crate::domain::{ApprovalRule, Order, PendingItem};
use crate::store::StoreError;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// What replaying the trail found.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Replay {
    /// Records compared with the trail's latest state of them.
    pub compared: u64,
    /// Records last changed before the trail recorded states (an older Purser wrote their
    /// entries): not compared.
    pub not_covered: u64,
    /// Records whose state differs from the trail's, or that only one side has.
    pub differences: Vec<Difference>,
}

/// One record the trail does not account for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Difference {
    pub record: RecordRef,
    /// For people, e.g. `item 42: quantity is 7 in the database, 5 by the audit trail`.
    pub message: String,
}

/// The live records.
pub(super) struct Live {
    pub items: Vec<PendingItem>,
    pub orders: Vec<Order>,
    pub rules: Vec<ApprovalRule>,
}

/// How many differing fields one record's message names.
const FIELDS_NAMED: usize = 3;

/// Where the trail's latest state of each record is kept: (entry, position).
pub(super) type Latest = BTreeMap<RecordRef, (u64, u64)>;

/// Replays the trail against `live`: `trail` says where its latest state of each record
/// is, `fetch` reads one. With `covers_all` (the trail recorded states from its start, or
/// took a baseline of every record when its key was made), a record the trail holds no
/// state of is a difference; without, it is counted as not covered.
pub(super) fn replay(
    trail: &Latest,
    live: Live,
    covers_all: bool,
    fetch: &dyn Fn(u64, u64) -> Result<Option<Snapshot>, StoreError>,
) -> Result<Replay, StoreError> {
    let mut out = Replay::default();
    let mut seen = Vec::new();
    let records = live
        .items
        .iter()
        .map(|i| (RecordKind::Item, i.id, to_value(i)))
        .chain(live.orders.iter().map(|o| (RecordKind::Order, o.number.0, to_value(o))))
        .chain([(RecordKind::Rules, 0, to_value(&live.rules))]);
    for (kind, id, state) in records {
        let record = RecordRef { kind, id };
        seen.push(record);
        let never_set = kind == RecordKind::Rules && live.rules.is_empty();
        match trail.get(&record) {
            Some(&(seq, n)) => {
                out.compared += 1;
                let recorded = fetch(seq, n)?.map_or(Value::Null, |s| s.state);
                if let Some(message) = compare(record, &state, &recorded) {
                    out.differences.push(Difference { record, message });
                }
            }
            None if never_set => {}
            None if covers_all => out.differences.push(Difference {
                record,
                message: format!("{record} {} in the database but not in the audit trail", is(&record)),
            }),
            None => out.not_covered += 1,
        }
    }
    seen.sort_unstable();
    for record in trail.keys() {
        if seen.binary_search(record).is_err() {
            out.differences.push(Difference {
                record: *record,
                message: format!("{record} {} in the audit trail but not in the database", is(record)),
            });
        }
    }
    Ok(out)
}

fn is(record: &RecordRef) -> &'static str {
    if record.kind == RecordKind::Rules {
        "are"
    } else {
        "is"
    }
}

fn to_value(v: &impl Serialize) -> Value {
    serde_json::to_value(v).expect("records always serialize")
}

/// The trail's state read as the record it is and written again, so fields added since
/// it was recorded take their defaults as the live record's did.
fn normalized(kind: RecordKind, state: &Value) -> Result<Value, serde_json::Error> {
    Ok(match kind {
        RecordKind::Item => to_value(&serde_json::from_value::<PendingItem>(state.clone())?),
        RecordKind::Order => to_value(&serde_json::from_value::<Order>(state.clone())?),
        RecordKind::Rules => to_value(&serde_json::from_value::<Vec<ApprovalRule>>(state.clone())?),
    })
}

/// Says how `live` differs from the trail's state of `record`, if it does.
fn compare(record: RecordRef, live: &Value, recorded: &Value) -> Option<String> {
    let recorded = match normalized(record.kind, recorded) {
        Ok(v) => v,
        Err(e) => return Some(format!("{record}: the audit trail's state of it cannot be read: {e}")),
    };
    let mut fields = Vec::new();
    differing(live, &recorded, String::new(), &mut fields);
    if fields.is_empty() {
        return None;
    }
    let more = fields.len().saturating_sub(FIELDS_NAMED);
    let mut named: Vec<String> = fields
        .into_iter()
        .take(FIELDS_NAMED)
        .map(|(path, db, trail)| format!("{path} is {db} in the database, {trail} by the audit trail"))
        .collect();
    if more > 0 {
        named.push(format!("and {more} more field(s)"));
    }
    Some(format!("{record}: {}", named.join("; ")))
}

/// Collects (path, live value, recorded value) for every field where `a` and `b` differ.
fn differing(a: &Value, b: &Value, path: String, out: &mut Vec<(String, String, String)>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for k in keys {
                let sub = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                differing(
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                    sub,
                    out,
                );
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            for i in 0..x.len().max(y.len()) {
                let sub = format!("{}[{}]", if path.is_empty() { "entries" } else { &path }, i + 1);
                differing(
                    x.get(i).unwrap_or(&Value::Null),
                    y.get(i).unwrap_or(&Value::Null),
                    sub,
                    out,
                );
            }
        }
        _ if a != b => out.push((path, shown(a), shown(b))),
        _ => {}
    }
}

/// A value for a message: text without quotes, anything else as JSON, cut short.
fn shown(v: &Value) -> String {
    let s = match v {
        Value::Null => "absent".to_string(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(59).collect::<String>())
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_differing_field_is_named_with_both_values() {
        let mut out = Vec::new();
        differing(
            &json!({"quantity": 7, "lines": [{"qty": 1}, {"qty": 2}], "sku": "A"}),
            &json!({"quantity": 5, "lines": [{"qty": 1}, {"qty": 3}], "sku": "A"}),
            String::new(),
            &mut out,
        );
        assert_eq!(
            out,
            vec![
                ("lines[2].qty".to_string(), "2".to_string(), "3".to_string()),
                ("quantity".to_string(), "7".to_string(), "5".to_string()),
            ]
        );
    }
}
