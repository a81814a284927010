//! The distributor-API side of an order: the distributor's own orders and their status,
//! the options a placement carries (Pax8 billing and commitment terms, provisioning
//! details), the attempt marker that keeps a retry from ordering twice, and the rule that
//! a value longer than a distributor accepts is refused, never cut.

use super::{Order, RuleError, Stage, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// A line the distributor refused while accepting the rest of the order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct RejectedLine {
    /// Our line number, as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    pub reason: String,
}

/// A subscription created by an order (Pax8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SubscriptionRef {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

/// One order at the distributor. A purchase order can split into several.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(from = "DistributorOrderRepr")]
pub struct DistributorOrder {
    /// The distributor's order number (Ingram `ingramOrderNumber`, TD SYNNEX `OrderNumber`,
    /// Pax8 order id, Onetrail message id).
    pub number: String,
    /// The distributor's word for where it stands (accepted, backordered, shipped, …).
    pub status: String,
    /// Tracking numbers of shipped packages.
    pub tracking: Vec<String>,
    /// Serial numbers the distributor reported as shipped.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub serials: Vec<String>,
    /// Lines refused while the rest was accepted.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rejected: Vec<RejectedLine>,
    /// Subscriptions created (Pax8).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub subscriptions: Vec<SubscriptionRef>,
    /// Anything else the buyer should know (manual review, estimated arrival).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum DistributorOrderRepr {
    /// Records written before statuses were kept held the number alone.
    Number(String),
    Full {
        number: String,
        #[serde(default)]
        status: String,
        #[serde(default)]
        tracking: Vec<String>,
        #[serde(default)]
        serials: Vec<String>,
        #[serde(default)]
        rejected: Vec<RejectedLine>,
        #[serde(default)]
        subscriptions: Vec<SubscriptionRef>,
        #[serde(default)]
        note: Option<String>,
    },
}

impl From<DistributorOrderRepr> for DistributorOrder {
    fn from(r: DistributorOrderRepr) -> Self {
        match r {
            DistributorOrderRepr::Number(number) => DistributorOrder::new(number, ""),
            DistributorOrderRepr::Full {
                number,
                status,
                tracking,
                serials,
                rejected,
                subscriptions,
                note,
            } => DistributorOrder {
                number,
                status,
                tracking,
                serials,
                rejected,
                subscriptions,
                note,
            },
        }
    }
}

impl DistributorOrder {
    pub fn new(number: impl Into<String>, status: impl Into<String>) -> Self {
        DistributorOrder {
            number: number.into(),
            status: status.into(),
            ..Default::default()
        }
    }
}

impl Order {
    /// The order's lines a distributor refused while accepting the rest, by line number,
    /// each with the first refusal that names it (see [`Order::refused_line`]).
    pub fn refused_lines(&self) -> BTreeMap<u32, &RejectedLine> {
        let mut out = BTreeMap::new();
        let Some(sub) = self.submission() else {
            return out;
        };
        for r in sub.distributor_orders.iter().flat_map(|d| &d.rejected) {
            if let Some(n) = self.refused_line(r) {
                out.entry(n).or_insert(r);
            }
        }
        out
    }

    /// Which of the order's lines a refusal is about: the line number Purser sent, when it
    /// names one of them; else the SKU it names (the distributor's part number sent, or
    /// Purser's SKU), when exactly one line carries it. `None` when neither says (the
    /// refusal is then shown as the distributor gave it).
    pub fn refused_line(&self, r: &RejectedLine) -> Option<u32> {
        let count = self.lines.len() as u32;
        let by_number = r.line.as_deref().and_then(|l| l.trim().parse::<u32>().ok());
        if let Some(n) = by_number.filter(|n| (1..=count).contains(n)) {
            return Some(n);
        }
        let sku = r.sku.as_deref().map(str::trim).filter(|s| !s.is_empty())?;
        let carries = |l: &super::OrderLine| {
            [l.part_number(), l.sku.as_str()]
                .iter()
                .any(|p| p.trim().eq_ignore_ascii_case(sku))
        };
        let mut carrying = (1..=count).filter(|&n| carries(&self.lines[n as usize - 1]));
        match (carrying.next(), carrying.next()) {
            (Some(n), None) => Some(n),
            _ => None,
        }
    }
}

impl RejectedLine {
    /// What the distributor said (its spacing evened out), with its code when it gave one.
    pub fn said(&self) -> String {
        let reason = self.reason.split_whitespace().collect::<Vec<_>>().join(" ");
        match &self.code {
            Some(code) => format!("{reason} (code {code})"),
            None => reason,
        }
    }
}

impl From<&str> for DistributorOrder {
    fn from(s: &str) -> Self {
        DistributorOrder::new(s, "")
    }
}

impl From<String> for DistributorOrder {
    fn from(s: String) -> Self {
        DistributorOrder::new(s, "")
    }
}

impl PartialEq<&str> for DistributorOrder {
    fn eq(&self, other: &&str) -> bool {
        self.number == *other
    }
}

/// A Pax8 billing term, spelled in `--json` and stored as the Partner API spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum BillingTerm {
    Monthly,
    Annual,
    #[serde(rename = "2-Year")]
    TwoYear,
    #[serde(rename = "3-Year")]
    ThreeYear,
    #[serde(rename = "One-Time")]
    OneTime,
    Trial,
    Activation,
}

impl BillingTerm {
    /// Every term, in the order the Partner API lists them.
    pub const ALL: [BillingTerm; 7] = [
        BillingTerm::Monthly,
        BillingTerm::Annual,
        BillingTerm::TwoYear,
        BillingTerm::ThreeYear,
        BillingTerm::OneTime,
        BillingTerm::Trial,
        BillingTerm::Activation,
    ];

    /// The Partner API's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            BillingTerm::Monthly => "Monthly",
            BillingTerm::Annual => "Annual",
            BillingTerm::TwoYear => "2-Year",
            BillingTerm::ThreeYear => "3-Year",
            BillingTerm::OneTime => "One-Time",
            BillingTerm::Trial => "Trial",
            BillingTerm::Activation => "Activation",
        }
    }
}

impl fmt::Display for BillingTerm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Any case, surrounding blanks ignored: `annual` is `Annual`.
impl std::str::FromStr for BillingTerm {
    type Err = ApiOptionError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        BillingTerm::ALL
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| ApiOptionError::UnknownBillingTerm { given: s.to_string() })
    }
}

/// One Pax8 provisioning detail: `KEY=VALUE` (a key given twice has two values).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provision {
    pub key: String,
    pub value: String,
}

/// `KEY=VALUE`, both trimmed; the key may not be empty, the value may.
impl std::str::FromStr for Provision {
    type Err = ApiOptionError;
    fn from_str(pair: &str) -> Result<Self, Self::Err> {
        let (k, v) = pair
            .split_once('=')
            .ok_or_else(|| ApiOptionError::NotKeyValue { pair: pair.to_string() })?;
        let key = k.trim();
        if key.is_empty() {
            return Err(ApiOptionError::EmptyKey { pair: pair.to_string() });
        }
        Ok(Provision {
            key: key.to_string(),
            value: v.trim().to_string(),
        })
    }
}

/// Provisioning details written in one line, `key=value; key=value` (blank parts skipped),
/// as the screens take them.
pub fn parse_provisioning(text: &str) -> Result<Vec<Provision>, ApiOptionError> {
    text.split(';')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::parse)
        .collect()
}

/// A placement option that cannot be taken, naming what was given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiOptionError {
    #[error("`{given}` is not a Pax8 billing term ({})", BillingTerm::ALL.map(BillingTerm::as_str).join(", "))]
    UnknownBillingTerm { given: String },
    #[error("provisioning `{pair}` is not key=value")]
    NotKeyValue { pair: String },
    #[error("provisioning `{pair}` has no key before =")]
    EmptyKey { pair: String },
}

/// What a placement through an API carries beyond the order itself (Pax8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ApiOptions {
    /// Pax8 billing term (Monthly when none is given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing_term: Option<BillingTerm>,
    /// Pax8 commitment term id, or `auto` to take it from the product's dependencies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commitment: Option<String>,
    /// Pax8 provisioning details: key → values.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub provision: BTreeMap<String, Vec<String>>,
}

impl ApiOptions {
    pub fn is_empty(&self) -> bool {
        self.billing_term.is_none() && self.commitment.is_none() && self.provision.is_empty()
    }

    /// Adds one provisioning detail (a key given twice has two values).
    pub fn add_provision(&mut self, p: Provision) {
        self.provision.entry(p.key).or_default().push(p.value);
    }
}

/// Whether a request carrying the order may have reached the distributor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttemptState {
    /// A create request left; its outcome was not recorded.
    Sent,
    /// The outcome is unknown and the distributor offers no lookup: a person was asked.
    /// Running the job again after that is the person's decision to send again.
    AskedPerson,
}

/// A create request that may have reached the distributor, written before it leaves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiAttempt {
    pub job: u64,
    pub at: Timestamp,
    pub state: AttemptState,
}

/// Distributor-API state of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ApiState {
    #[serde(default, skip_serializing_if = "ApiOptions::is_empty")]
    pub options: ApiOptions,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempt: Option<ApiAttempt>,
}

/// A value longer than the distributor accepts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldTooLong {
    /// Our name for the field (e.g. "ship-to name").
    pub field: String,
    /// The distributor's name for it (e.g. `ShipTo/AddressName1`).
    pub api_field: String,
    pub length: usize,
    pub limit: usize,
    pub value: String,
}

impl fmt::Display for FieldTooLong {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} \"{}\" is {} characters; the distributor takes at most {} ({}); shorten it and place the order again",
            self.field, self.value, self.length, self.limit, self.api_field
        )
    }
}

/// Refuses `value` when it has more than `limit` characters. Nothing is ever cut.
pub fn check_length(field: &str, api_field: &str, value: &str, limit: usize) -> Result<(), FieldTooLong> {
    let length = value.chars().count();
    if length > limit {
        Err(FieldTooLong {
            field: field.to_string(),
            api_field: api_field.to_string(),
            length,
            limit,
            value: value.to_string(),
        })
    } else {
        Ok(())
    }
}

fn describe(o: &DistributorOrder) -> String {
    let mut s = format!(
        "{} {}",
        o.number,
        if o.status.is_empty() { "recorded" } else { &o.status }
    );
    if !o.tracking.is_empty() {
        s.push_str(&format!(", tracking {}", o.tracking.join(" ")));
    }
    if !o.serials.is_empty() {
        s.push_str(&format!(", serials {}", o.serials.join(" ")));
    }
    s
}

impl Order {
    /// Sets the API placement options; possible until the order is placed.
    pub fn set_api_options(&mut self, options: ApiOptions) -> Result<(), RuleError> {
        if let Some(s) = &self.sending {
            return Err(RuleError::BeingSent {
                po: self.number,
                method: s.method.describe(),
                job: s.job,
            });
        }
        if !matches!(self.stage, Stage::Pending | Stage::AwaitingApproval { .. }) {
            return Err(self.wrong_status("setting placement options", "Pending or Awaiting approval"));
        }
        self.api.get_or_insert_with(ApiState::default).options = options;
        Ok(())
    }

    /// The API placement options (empty when none were given).
    pub fn api_options(&self) -> ApiOptions {
        self.api.as_ref().map(|a| a.options.clone()).unwrap_or_default()
    }

    /// A create request that may have reached the distributor, if any.
    pub fn api_attempt(&self) -> Option<&ApiAttempt> {
        self.api.as_ref().and_then(|a| a.attempt.as_ref())
    }

    /// Notes, before it leaves, that job `job` sends a create request.
    pub fn note_api_attempt(&mut self, job: u64, now: Timestamp) {
        self.api.get_or_insert_with(ApiState::default).attempt = Some(ApiAttempt {
            job,
            at: now,
            state: AttemptState::Sent,
        });
    }

    /// Notes that a person was asked whether the uncertain attempt reached the distributor.
    pub fn note_person_asked(&mut self) {
        if let Some(a) = self.api.as_mut().and_then(|a| a.attempt.as_mut()) {
            a.state = AttemptState::AskedPerson;
        }
    }

    /// Forgets the attempt: its outcome is known (recorded, or it certainly did not arrive).
    pub fn clear_api_attempt(&mut self) {
        if let Some(api) = self.api.as_mut() {
            api.attempt = None;
        }
    }

    /// Merges what the distributor now says about its orders into the submission and
    /// returns what changed, in words (empty when nothing did).
    pub fn update_distributor_orders(&mut self, fresh: Vec<DistributorOrder>) -> Vec<String> {
        let Stage::Placed(sub) = &mut self.stage else {
            return Vec::new();
        };
        let mut changes = Vec::new();
        for mut new in fresh {
            match sub.distributor_orders.iter_mut().find(|o| o.number == new.number) {
                Some(old) => {
                    let mut what = Vec::new();
                    if !new.status.is_empty() && new.status != old.status {
                        what.push(format!(
                            "{} → {}",
                            if old.status.is_empty() { "recorded" } else { &old.status },
                            new.status
                        ));
                    } else {
                        new.status = old.status.clone();
                    }
                    let added: Vec<_> = new
                        .tracking
                        .iter()
                        .filter(|t| !old.tracking.contains(t))
                        .cloned()
                        .collect();
                    if !added.is_empty() {
                        what.push(format!("tracking {}", added.join(" ")));
                    }
                    let serials: Vec<_> = new
                        .serials
                        .iter()
                        .filter(|t| !old.serials.contains(t))
                        .cloned()
                        .collect();
                    if !serials.is_empty() {
                        what.push(format!("serials {}", serials.join(" ")));
                    }
                    for s in &new.subscriptions {
                        let before = old
                            .subscriptions
                            .iter()
                            .find(|o| o.id == s.id)
                            .and_then(|o| o.status.clone());
                        if s.status.is_some() && s.status != before {
                            what.push(format!(
                                "subscription {} {}",
                                s.id,
                                s.status.as_deref().unwrap_or_default()
                            ));
                        }
                    }
                    if new.note.is_some() && new.note != old.note {
                        what.push(new.note.clone().unwrap_or_default());
                    }
                    if !what.is_empty() {
                        changes.push(format!("{}: {}", old.number, what.join(", ")));
                    }
                    // Keep what the distributor said before and does not repeat now.
                    let mut tracking = old.tracking.clone();
                    tracking.extend(added);
                    let mut all_serials = old.serials.clone();
                    all_serials.extend(serials);
                    if new.rejected.is_empty() {
                        new.rejected = std::mem::take(&mut old.rejected);
                    }
                    if new.subscriptions.is_empty() {
                        new.subscriptions = std::mem::take(&mut old.subscriptions);
                    }
                    if new.note.is_none() {
                        new.note = old.note.take();
                    }
                    new.tracking = tracking;
                    new.serials = all_serials;
                    *old = new;
                }
                None => {
                    changes.push(format!("new distributor order {}", describe(&new)));
                    sub.distributor_orders.push(new);
                }
            }
        }
        changes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_value_is_refused_with_field_and_limit() {
        let e = check_length("ship-to name", "ShipTo/AddressName1", &"x".repeat(40), 30).unwrap_err();
        let text = e.to_string();
        assert!(text.contains("ship-to name"), "{text}");
        assert!(text.contains("40 characters"), "{text}");
        assert!(text.contains("at most 30"), "{text}");
        assert!(
            check_length("city", "City", "Zürich", 6).is_ok(),
            "characters, not bytes"
        );
    }

    #[test]
    fn old_records_with_bare_numbers_still_read() {
        let o: DistributorOrder = serde_json::from_str("\"20-RFKW4\"").unwrap();
        assert_eq!(o.number, "20-RFKW4");
        let o: DistributorOrder =
            serde_json::from_str(r#"{"number":"1","status":"shipped","tracking":["T1"]}"#).unwrap();
        assert_eq!(o.tracking, ["T1"]);
        let json = serde_json::to_value(DistributorOrder::new("9", "accepted")).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"number": "9", "status": "accepted", "tracking": []})
        );
    }

    fn placed(orders: Vec<DistributorOrder>) -> Order {
        let mut o: Order = serde_json::from_value(serde_json::json!({
            "number": 1, "distributor": "td", "order_type": "wholesale", "currency": "USD",
            "ship_to": null, "special_bid": null, "end_user": null, "notes": null,
            "created_by": "alice", "created_at": "2026-11-26T10:00:00Z", "rules": [], "lines": [],
            "stage": {"stage": "pending"}
        }))
        .unwrap();
        o.sending = Some(super::super::Sending {
            method: super::super::PlacementMethod::Api,
            by: "alice".into(),
            at: o.created_at,
            approved_by: None,
            job: 7,
        });
        o.note_api_attempt(7, o.created_at);
        o.complete_submission(Vec::new(), None, orders, o.created_at).unwrap();
        o
    }

    #[test]
    fn completing_a_submission_forgets_the_attempt() {
        let o = placed(vec![DistributorOrder::new("1", "accepted")]);
        assert!(o.api_attempt().is_none());
        assert_eq!(o.submission().unwrap().distributor_orders[0].status, "accepted");
    }

    #[test]
    fn status_changes_are_merged_and_described() {
        let mut o = placed(vec![DistributorOrder::new("16351201", "accepted")]);
        assert!(o
            .update_distributor_orders(vec![DistributorOrder::new("16351201", "accepted")])
            .is_empty());
        let mut shipped = DistributorOrder::new("16351201", "shipped");
        shipped.tracking = vec!["T1".into()];
        shipped.serials = vec!["S1".into()];
        let changes =
            o.update_distributor_orders(vec![shipped.clone(), DistributorOrder::new("16351300", "backordered")]);
        assert_eq!(
            changes,
            [
                "16351201: accepted → shipped, tracking T1, serials S1",
                "new distributor order 16351300 backordered"
            ]
        );
        // Repeating the same answer changes nothing and keeps what was learnt.
        assert!(o.update_distributor_orders(vec![shipped]).is_empty());
        let d = &o.submission().unwrap().distributor_orders;
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].tracking, ["T1"]);
        assert_eq!(d[0].serials, ["S1"]);
    }

    #[test]
    fn options_are_set_only_before_placing() {
        let mut o = placed(vec![]);
        assert!(o.set_api_options(ApiOptions::default()).is_err());
    }

    #[test]
    fn billing_terms_are_spelled_as_pax8_does() {
        let term = |s: &str| s.parse::<BillingTerm>();
        assert_eq!(term("annual"), Ok(BillingTerm::Annual));
        assert_eq!(term(" 2-year "), Ok(BillingTerm::TwoYear));
        assert_eq!(term("activation"), Ok(BillingTerm::Activation));
        let e = term("weekly").unwrap_err().to_string();
        assert_eq!(
            e,
            "`weekly` is not a Pax8 billing term (Monthly, Annual, 2-Year, 3-Year, One-Time, Trial, Activation)"
        );
        // Stored and shown as Pax8 spells them.
        assert_eq!(serde_json::to_value(BillingTerm::OneTime).unwrap(), "One-Time");
        let o: ApiOptions = serde_json::from_str(r#"{"billing_term": "2-Year"}"#).unwrap();
        assert_eq!(o.billing_term, Some(BillingTerm::TwoYear));
    }

    #[test]
    fn provisioning_is_key_equals_value_and_the_key_is_required() {
        let mut o = ApiOptions::default();
        o.add_provision("msDomain=acme".parse().unwrap());
        o.add_provision("msDomain = acme2".parse().unwrap());
        o.add_provision("note=".parse().unwrap());
        assert_eq!(o.provision["msDomain"], ["acme", "acme2"]);
        assert_eq!(o.provision["note"], [""], "an empty value is a value");
        let e = "novalue".parse::<Provision>().unwrap_err();
        assert_eq!(e, ApiOptionError::NotKeyValue { pair: "novalue".into() });
        assert_eq!(e.to_string(), "provisioning `novalue` is not key=value");
        let e = " =acme".parse::<Provision>().unwrap_err();
        assert_eq!(e, ApiOptionError::EmptyKey { pair: " =acme".into() });
        assert_eq!(e.to_string(), "provisioning ` =acme` has no key before =");
        // The screens' one line: pairs separated by `;`, blank parts skipped.
        let all = parse_provisioning("tenantDomain=dcw.example; seats=5;; seats=6 ").unwrap();
        let pairs: Vec<(&str, &str)> = all.iter().map(|p| (p.key.as_str(), p.value.as_str())).collect();
        assert_eq!(pairs, [("tenantDomain", "dcw.example"), ("seats", "5"), ("seats", "6")]);
        assert!(matches!(
            parse_provisioning("a=1; =2"),
            Err(ApiOptionError::EmptyKey { .. })
        ));
    }
}
