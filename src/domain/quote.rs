//! Approved quotes: types, the file parser (JSON and CSV) and the intake filter.
//!
//! The format is documented in `docs/quote-format.md` and `assets/quote.schema.json`.
//! Parsing never goes through a float: amounts are read from the text as exact decimals.

use super::{money::parse_amount, Address, Timestamp};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::fmt;

/// The largest quantity one quote line may carry.
pub const MAX_QUANTITY: u32 = 1_000_000;

/// What kind of quote line this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineKind {
    Product,
    Service,
    Labour,
    Bundle,
    BundleItem,
}

impl LineKind {
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "product" => LineKind::Product,
            "service" => LineKind::Service,
            "labour" | "labor" => LineKind::Labour,
            "bundle" => LineKind::Bundle,
            "bundle_item" => LineKind::BundleItem,
            _ => return None,
        })
    }
}

/// The customer a quote is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    pub id: String,
    pub name: String,
    pub psa_company_id: Option<String>,
}

/// One line of an approved quote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteLine {
    pub line_id: String,
    pub kind: LineKind,
    pub sku: String,
    pub mpn: Option<String>,
    pub ean: Option<String>,
    pub description: String,
    pub quantity: u32,
    pub unit_cost: Decimal,
    pub unit_price: Decimal,
    pub distributor: Option<String>,
    pub distributor_sku: Option<String>,
    pub requires_procurement: bool,
    pub recurring: bool,
    pub serialized: bool,
    pub pax8_product_id: Option<String>,
    pub psa_product_id: Option<String>,
    pub bundle_id: Option<String>,
}

impl QuoteLine {
    /// The intake rule: a line enters procurement when it is Pax8-linked, or when it is a
    /// product or bundle item that requires procurement and is not recurring.
    pub fn enters_procurement(&self) -> bool {
        if self.pax8_product_id.is_some() {
            return true;
        }
        matches!(self.kind, LineKind::Product | LineKind::BundleItem) && self.requires_procurement && !self.recurring
    }
}

/// An approved quote as imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    pub quote_id: String,
    pub quote_number: Option<String>,
    pub title: Option<String>,
    pub approved_at: Timestamp,
    pub currency: String,
    pub customer: Customer,
    pub opportunity_id: Option<String>,
    pub ship_to: Option<Address>,
    pub lines: Vec<QuoteLine>,
}

impl Quote {
    /// A digest of the quote's content, independent of the file's layout: two files that
    /// say the same thing have the same digest.
    pub fn content_digest(&self) -> String {
        let canonical = serde_json::to_vec(self).expect("a quote always serializes");
        let digest = Sha256::digest(&canonical);
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The lines that become pending items.
    pub fn procurement_lines(&self) -> impl Iterator<Item = &QuoteLine> {
        self.lines.iter().filter(|l| l.enters_procurement())
    }
}

/// Where in a quote file something is wrong, and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuoteError {
    /// Text position of a syntax error (1-based line and column), when known.
    pub position: Option<(usize, usize)>,
    /// Field path such as `lines[3] (line_id "7").quantity` or `currency`.
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for QuoteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.position, &self.field) {
            (Some((l, c)), _) => write!(f, "line {l}, column {c}: {}", self.message),
            (None, Some(field)) => write!(f, "field {field}: {}", self.message),
            (None, None) => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for QuoteError {}

fn field_err(field: impl Into<String>, message: impl Into<String>) -> QuoteError {
    QuoteError {
        position: None,
        field: Some(field.into()),
        message: message.into(),
    }
}

/// Parses a quote from JSON text.
pub fn parse_json(text: &str) -> Result<Quote, QuoteError> {
    let value: Value = serde_json::from_str(text).map_err(|e| QuoteError {
        position: Some((e.line(), e.column())),
        field: None,
        message: match e.classify() {
            serde_json::error::Category::Eof => "the file ends too early (truncated JSON)".to_string(),
            _ => format!("not valid JSON: {e}"),
        },
    })?;
    let obj = value
        .as_object()
        .ok_or_else(|| field_err("(document)", "must be a JSON object"))?;
    quote_from_object(obj)
}

fn quote_from_object(obj: &Map<String, Value>) -> Result<Quote, QuoteError> {
    let r = Reader::new(obj, String::new());
    let quote_id = r.required_text("quote_id")?;
    let approved_text = r.required_text("approved_at")?;
    let approved_at = chrono::DateTime::parse_from_rfc3339(&approved_text)
        .map_err(|_| {
            field_err(
                "approved_at",
                format!("`{approved_text}` is not an RFC 3339 time like 2026-11-20T09:30:00Z"),
            )
        })?
        .with_timezone(&chrono::Utc);
    let currency = r.required_text("currency")?;
    if currency.len() != 3 || !currency.chars().all(|c| c.is_ascii_uppercase()) {
        return Err(field_err(
            "currency",
            format!("`{currency}` is not an ISO 4217 code like EUR or USD"),
        ));
    }
    let customer_obj = r.required_object("customer")?;
    let c = Reader::new(customer_obj, "customer.".into());
    let customer = Customer {
        id: c.required_text("id")?,
        name: c.required_text("name")?,
        psa_company_id: c.optional_text("psa_company_id")?,
    };
    let ship_to = match obj.get("ship_to") {
        None | Some(Value::Null) => None,
        Some(Value::Object(m)) => Some(address_from_object(m, "ship_to.")?),
        Some(_) => return Err(field_err("ship_to", "must be an object")),
    };
    let lines_value = obj.get("lines").ok_or_else(|| field_err("lines", "is missing"))?;
    let lines_array = lines_value
        .as_array()
        .ok_or_else(|| field_err("lines", "must be an array of lines"))?;
    if lines_array.is_empty() {
        return Err(field_err("lines", "is empty; a quote needs at least one line"));
    }
    let mut lines = Vec::with_capacity(lines_array.len());
    let mut seen = HashSet::new();
    for (i, lv) in lines_array.iter().enumerate() {
        let lo = lv
            .as_object()
            .ok_or_else(|| field_err(format!("lines[{}]", i + 1), "must be an object"))?;
        let line = line_from_object(lo, i + 1)?;
        if !seen.insert(line.line_id.clone()) {
            return Err(field_err(
                format!("lines[{}].line_id", i + 1),
                format!("`{}` is used by an earlier line; line ids must be unique", line.line_id),
            ));
        }
        lines.push(line);
    }
    check_bundles(&lines)?;
    Ok(Quote {
        quote_id,
        quote_number: r.optional_text("quote_number")?,
        title: r.optional_text("title")?,
        approved_at,
        currency,
        customer,
        opportunity_id: r.optional_text("opportunity_id")?,
        ship_to,
        lines,
    })
}

fn check_bundles(lines: &[QuoteLine]) -> Result<(), QuoteError> {
    for (i, line) in lines.iter().enumerate() {
        if let Some(b) = &line.bundle_id {
            let parent = lines.iter().find(|l| &l.line_id == b);
            if !matches!(parent, Some(p) if p.kind == LineKind::Bundle) {
                return Err(field_err(
                    format!("lines[{}] (line_id \"{}\").bundle_id", i + 1, line.line_id),
                    format!("`{b}` is not the line_id of a bundle line in this quote"),
                ));
            }
        }
    }
    Ok(())
}

fn line_from_object(o: &Map<String, Value>, n: usize) -> Result<QuoteLine, QuoteError> {
    let id_hint = o
        .get("line_id")
        .map(|v| match v {
            Value::String(s) => format!(" (line_id \"{s}\")"),
            Value::Number(n) => format!(" (line_id \"{n}\")"),
            _ => String::new(),
        })
        .unwrap_or_default();
    let r = Reader::new(o, format!("lines[{n}]{id_hint}."));
    let kind_text = r.required_text("kind")?;
    let kind = LineKind::parse(&kind_text).ok_or_else(|| {
        r.err(
            "kind",
            format!("`{kind_text}` is not a line kind (product, service, labour, bundle, bundle_item)"),
        )
    })?;
    Ok(QuoteLine {
        line_id: r.required_text("line_id")?,
        kind,
        sku: r.required_text("sku")?,
        mpn: r.optional_text("mpn")?,
        ean: r.optional_text("ean")?,
        description: r.required_text("description")?,
        quantity: r.quantity("quantity")?,
        unit_cost: r.amount("unit_cost")?,
        unit_price: r.amount("unit_price")?,
        distributor: r.optional_text("distributor")?,
        distributor_sku: r.optional_text("distributor_sku")?,
        requires_procurement: r.flag("requires_procurement", true)?,
        recurring: r.flag("recurring", false)?,
        serialized: r.flag("serialized", false)?,
        pax8_product_id: r.optional_text("pax8_product_id")?,
        psa_product_id: r.optional_text("psa_product_id")?,
        bundle_id: r.optional_text("bundle_id")?,
    })
}

fn address_from_object(o: &Map<String, Value>, prefix: &str) -> Result<Address, QuoteError> {
    let r = Reader::new(o, prefix.to_string());
    Ok(Address {
        name: r.optional_text("name")?,
        attention: r.optional_text("attention")?,
        street: r.optional_text("street")?,
        city: r.optional_text("city")?,
        state: r.optional_text("state")?,
        postal_code: r.optional_text("postal_code")?,
        country: r.optional_text("country")?,
        phone: r.optional_text("phone")?,
        email: r.optional_text("email")?,
    })
}

/// Reads typed fields out of one JSON object, naming the field path in every error.
struct Reader<'a> {
    obj: &'a Map<String, Value>,
    prefix: String,
}

impl<'a> Reader<'a> {
    fn new(obj: &'a Map<String, Value>, prefix: String) -> Self {
        Reader { obj, prefix }
    }

    fn err(&self, key: &str, message: impl Into<String>) -> QuoteError {
        field_err(format!("{}{key}", self.prefix), message)
    }

    fn present(&self, key: &str) -> Option<&'a Value> {
        match self.obj.get(key) {
            None | Some(Value::Null) => None,
            Some(v) => Some(v),
        }
    }

    fn optional_text(&self, key: &str) -> Result<Option<String>, QuoteError> {
        match self.present(key) {
            None => Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.trim().to_string())),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(_) => Err(self.err(key, "must be text")),
        }
    }

    fn required_text(&self, key: &str) -> Result<String, QuoteError> {
        self.optional_text(key)?
            .ok_or_else(|| self.err(key, "is missing or empty"))
    }

    fn required_object(&self, key: &str) -> Result<&'a Map<String, Value>, QuoteError> {
        match self.present(key) {
            None => Err(self.err(key, "is missing")),
            Some(Value::Object(m)) => Ok(m),
            Some(_) => Err(self.err(key, "must be an object")),
        }
    }

    fn number_text(&self, key: &str) -> Result<String, QuoteError> {
        match self.present(key) {
            None => Err(self.err(key, "is missing")),
            Some(Value::String(s)) => Ok(s.trim().to_string()),
            Some(Value::Number(n)) => Ok(n.to_string()),
            Some(_) => Err(self.err(key, "must be a number or a string holding one")),
        }
    }

    fn quantity(&self, key: &str) -> Result<u32, QuoteError> {
        let t = self.number_text(key)?;
        match t.parse::<i64>() {
            Ok(q) if q > 0 && q <= i64::from(MAX_QUANTITY) => Ok(q as u32),
            Ok(q) if q <= 0 => Err(self.err(key, format!("is {q}; must be a whole number greater than 0"))),
            Ok(q) => Err(self.err(key, format!("is {q}; at most {MAX_QUANTITY} per line"))),
            Err(_) => Err(self.err(key, format!("`{t}` is not a whole number greater than 0"))),
        }
    }

    fn amount(&self, key: &str) -> Result<Decimal, QuoteError> {
        let t = self.number_text(key)?;
        parse_amount(&t).map_err(|m| self.err(key, m))
    }

    fn flag(&self, key: &str, default: bool) -> Result<bool, QuoteError> {
        match self.present(key) {
            None => Ok(default),
            Some(Value::Bool(b)) => Ok(*b),
            Some(Value::String(s)) => parse_bool(s).ok_or_else(|| self.err(key, "must be true or false")),
            Some(_) => Err(self.err(key, "must be true or false")),
        }
    }
}

fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" | "y" => Some(true),
        "false" | "no" | "0" | "n" => Some(false),
        _ => None,
    }
}

/// Column names of the CSV form: quote fields repeated on every row, then line fields.
pub const CSV_QUOTE_COLUMNS: &[&str] = &[
    "quote_id",
    "quote_number",
    "title",
    "approved_at",
    "currency",
    "customer_id",
    "customer_name",
    "psa_company_id",
    "opportunity_id",
    "ship_to_name",
    "ship_to_attention",
    "ship_to_street",
    "ship_to_city",
    "ship_to_state",
    "ship_to_postal_code",
    "ship_to_country",
    "ship_to_phone",
    "ship_to_email",
];

/// Line columns of the CSV form, with the same names as the JSON line fields.
pub const CSV_LINE_COLUMNS: &[&str] = &[
    "line_id",
    "kind",
    "sku",
    "mpn",
    "ean",
    "description",
    "quantity",
    "unit_cost",
    "unit_price",
    "distributor",
    "distributor_sku",
    "requires_procurement",
    "recurring",
    "serialized",
    "pax8_product_id",
    "psa_product_id",
    "bundle_id",
];

/// Parses the CSV form: one row per line, quote fields repeated on every row. A file may
/// hold several quotes (rows grouped by `quote_id`); all rows of one quote must agree on
/// the quote fields.
pub fn parse_csv(text: &str) -> Result<Vec<Quote>, QuoteError> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| csv_err(&e, "cannot read the header row"))?
        .clone();
    for required in ["quote_id", "approved_at", "currency", "customer_id", "customer_name"] {
        if !headers.iter().any(|h| h == required) {
            return Err(QuoteError {
                position: Some((1, 1)),
                field: None,
                message: format!("the header row has no `{required}` column"),
            });
        }
    }
    // Columns Purser does not know (an adapter's `margin`, say) are ignored, as unknown
    // fields are in JSON: only the known columns are read below.
    // Rows grouped by quote: (quote id, quote fields, lines, first row number).
    struct Group {
        id: String,
        head: Map<String, Value>,
        lines: Vec<Value>,
        first_row: usize,
    }
    let mut groups: Vec<Group> = Vec::new();
    for (row_index, record) in reader.records().enumerate() {
        let record = record.map_err(|e| csv_err(&e, "cannot read this row"))?;
        let row = record.position().map_or(row_index + 2, |p| p.line() as usize);
        let cell = |name: &str| -> Option<String> {
            headers
                .iter()
                .position(|h| h == name)
                .and_then(|i| record.get(i))
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let mut head = Map::new();
        let mut customer = Map::new();
        let mut ship_to = Map::new();
        for col in CSV_QUOTE_COLUMNS {
            let Some(v) = cell(col) else { continue };
            match *col {
                "customer_id" => {
                    customer.insert("id".into(), Value::String(v));
                }
                "customer_name" => {
                    customer.insert("name".into(), Value::String(v));
                }
                "psa_company_id" => {
                    customer.insert("psa_company_id".into(), Value::String(v));
                }
                c if c.starts_with("ship_to_") => {
                    ship_to.insert(c["ship_to_".len()..].into(), Value::String(v));
                }
                c => {
                    head.insert(c.into(), Value::String(v));
                }
            }
        }
        head.insert("customer".into(), Value::Object(customer));
        if !ship_to.is_empty() {
            head.insert("ship_to".into(), Value::Object(ship_to));
        }
        let mut line = Map::new();
        for col in CSV_LINE_COLUMNS {
            if let Some(v) = cell(col) {
                line.insert((*col).into(), Value::String(v));
            }
        }
        let qid = head
            .get("quote_id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        if qid.is_empty() {
            return Err(QuoteError {
                position: Some((row, 1)),
                field: Some("quote_id".into()),
                message: "is missing or empty".into(),
            });
        }
        match groups.iter_mut().find(|g| g.id == qid) {
            Some(group) => {
                if group.head != head {
                    return Err(QuoteError {
                        position: Some((row, 1)),
                        field: None,
                        message: format!(
                            "the quote fields of `{qid}` differ from those on row {}; every row of one quote must repeat the same quote fields",
                            group.first_row
                        ),
                    });
                }
                group.lines.push(Value::Object(line));
            }
            None => groups.push(Group {
                id: qid,
                head,
                lines: vec![Value::Object(line)],
                first_row: row,
            }),
        }
    }
    if groups.is_empty() {
        return Err(QuoteError {
            position: None,
            field: None,
            message: "the file has a header row but no lines".into(),
        });
    }
    groups
        .into_iter()
        .map(
            |Group {
                 mut head,
                 lines,
                 first_row,
                 ..
             }| {
                head.insert("lines".into(), Value::Array(lines));
                quote_from_object(&head).map_err(|mut e| {
                    if let Some(f) = e.field.take() {
                        e.field = Some(format!("{f} (quote starting on row {first_row})"));
                    }
                    e
                })
            },
        )
        .collect()
}

fn csv_err(e: &csv::Error, what: &str) -> QuoteError {
    let position = e.position().map(|p| (p.line() as usize, 1));
    QuoteError {
        position,
        field: None,
        message: format!("{what}: {e}"),
    }
}

#[cfg(test)]
mod tests;
