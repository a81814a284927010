//! Approved quotes: types, the file parser (JSON and CSV) and the intake filter.
//!
//! The format is documented in `docs/quote-format.md` and `assets/quote.schema.json`.
//! Parsing never goes through a float: amounts are read from the text as exact decimals.

use super::{money::parse_amount, Address, Timestamp};
use rust_decimal::Decimal;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
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
        // The canonical JSON goes straight into the hash, never whole into memory.
        struct Hashing(Sha256);
        impl std::io::Write for Hashing {
            fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
                self.0.update(bytes);
                Ok(bytes.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let mut hashing = Hashing(Sha256::new());
        serde_json::to_writer(&mut hashing, self).expect("a quote always serializes");
        hashing.0.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The lines that become pending items.
    pub fn procurement_lines(&self) -> impl Iterator<Item = &QuoteLine> {
        self.lines.iter().filter(|l| l.enters_procurement())
    }
}

/// Where in a quote file something is wrong, and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuoteError {
    /// Where in the text (1-based line and column), when known: a JSON syntax error or a
    /// key given twice; in a CSV file, the line a row starts on and the cell's column.
    pub position: Option<(usize, usize)>,
    /// Field path such as `lines[3] (line_id "7").quantity` or `currency`; in a CSV file,
    /// the column's name.
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for QuoteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.position, &self.field) {
            (Some((l, c)), Some(field)) => write!(f, "line {l}, column {c}, field {field}: {}", self.message),
            (Some((l, c)), None) => write!(f, "line {l}, column {c}: {}", self.message),
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

/// Where a field is read from, to name it in an error: a path in a JSON document, or a
/// cell of a CSV file.
trait Place {
    fn err(&self, key: &str, message: String) -> QuoteError;
}

/// A JSON path before the key, such as `lines[3] (line_id "7").` or `customer.`.
struct JsonPath(String);

impl Place for JsonPath {
    fn err(&self, key: &str, message: String) -> QuoteError {
        field_err(format!("{}{key}", self.0), message)
    }
}

/// Keys of the quote object read as plain fields (`customer`, `ship_to` and `lines` are
/// read as what they are).
const QUOTE_KEYS: &[&str] = &[
    "quote_id",
    "quote_number",
    "title",
    "approved_at",
    "currency",
    "opportunity_id",
];
const CUSTOMER_KEYS: &[&str] = &["id", "name", "psa_company_id"];
const ADDRESS_KEYS: &[&str] = &[
    "name",
    "attention",
    "street",
    "city",
    "state",
    "postal_code",
    "country",
    "phone",
    "email",
];

/// The message for a key given twice in one object.
const GIVEN_TWICE: &str = "is given twice; a key may appear only once in an object";

/// How serde_json (with `arbitrary_precision`) hands a number to a visitor: as a map
/// with this one key.
const NUMBER_TOKEN: &str = "$serde_json::private::Number";

/// The parts of one quote as read from a file, before the quote fields are checked.
/// Lines are checked as they are read.
#[derive(Default)]
struct Parts {
    head: Map<String, Value>,
    customer: Option<Map<String, Value>>,
    ship_to: Option<Map<String, Value>>,
    lines: Option<Vec<QuoteLine>>,
}

/// Where the fields of each part are, to name them in an error.
struct Places<'a> {
    head: &'a dyn Place,
    customer: &'a dyn Place,
    ship_to: &'a dyn Place,
    /// The field `key` of line `index` (0-based).
    line: &'a dyn Fn(usize, &QuoteLine, &str, String) -> QuoteError,
}

/// Parses a quote from JSON text. A UTF-8 byte-order mark before it is skipped.
///
/// The text is read in one pass straight into the quote: each line is checked and kept
/// as a [`QuoteLine`] as soon as it is read, so memory holds the quote, never a tree of
/// the whole document. A key given twice in the quote, `customer`, `ship_to` or a line
/// is refused, naming it (a JSON reader would otherwise keep one of the two silently).
pub fn parse_json(text: &str) -> Result<Quote, QuoteError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let refusal = Refusal::default();
    let mut de = serde_json::Deserializer::from_str(text);
    let read = DocumentSeed(&refusal)
        .deserialize(&mut de)
        .and_then(|parts| de.end().map(|()| parts));
    let parts = match read {
        Ok(parts) => parts,
        Err(e) => {
            return Err(match refusal.0.take() {
                Some((mut q, here)) => {
                    if here {
                        q.position = Some((e.line(), e.column()));
                    }
                    q
                }
                None => QuoteError {
                    position: Some((e.line(), e.column())),
                    field: None,
                    message: match e.classify() {
                        serde_json::error::Category::Eof => "the file ends too early (truncated JSON)".to_string(),
                        _ => format!("not valid JSON: {e}"),
                    },
                },
            })
        }
    };
    let line = |i: usize, line: &QuoteLine, key: &str, message: String| {
        if key == "line_id" {
            field_err(format!("lines[{}].line_id", i + 1), message)
        } else {
            field_err(
                format!("lines[{}] (line_id \"{}\").{key}", i + 1, line.line_id),
                message,
            )
        }
    };
    quote_from_parts(
        parts,
        &Places {
            head: &JsonPath(String::new()),
            customer: &JsonPath("customer.".into()),
            ship_to: &JsonPath("ship_to.".into()),
            line: &line,
        },
    )
}

/// The first refusal met while reading a JSON quote. serde's errors cannot carry a
/// [`QuoteError`], so a visitor keeps it here and stops the reading with a plain error;
/// `true` when the position where the reading stopped belongs to it (a key given twice).
#[derive(Default)]
struct Refusal(RefCell<Option<(QuoteError, bool)>>);

impl Refusal {
    fn refuse<E: de::Error>(&self, e: QuoteError) -> E {
        self.keep(e, false)
    }

    fn refuse_here<E: de::Error>(&self, e: QuoteError) -> E {
        self.keep(e, true)
    }

    fn keep<E: de::Error>(&self, e: QuoteError, here: bool) -> E {
        let message = e.to_string();
        self.0.borrow_mut().get_or_insert((e, here));
        E::custom(message)
    }
}

/// An object key, borrowed from the text when it has no escapes.
struct Key;

impl<'de> DeserializeSeed<'de> for Key {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_string()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }
}

/// Visits everything but an object (and `null`, which each visitor decides on) as the
/// wrong type: `self.wrong_type()` says what was expected.
macro_rules! refuse_other_types {
    () => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Err(self.wrong_type())
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Err(self.wrong_type())
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Err(self.wrong_type())
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Err(self.wrong_type())
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Err(self.wrong_type())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
            Err(self.wrong_type())
        }
    };
}

/// The quote document.
struct DocumentSeed<'r>(&'r Refusal);

impl DocumentSeed<'_> {
    fn wrong_type<E: de::Error>(&self) -> E {
        self.0.refuse(field_err("(document)", "must be a JSON object"))
    }
}

impl<'de> DeserializeSeed<'de> for DocumentSeed<'_> {
    type Value = Parts;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Parts, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for DocumentSeed<'_> {
    type Value = Parts;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    refuse_other_types!();

    fn visit_unit<E: de::Error>(self) -> Result<Parts, E> {
        Err(self.wrong_type())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Parts, A::Error> {
        let mut parts = Parts::default();
        let mut seen: HashSet<Cow<'de, str>> = HashSet::new();
        while let Some(key) = map.next_key_seed(Key)? {
            if seen.is_empty() && key == NUMBER_TOKEN {
                return Err(self.wrong_type());
            }
            if !seen.insert(key.clone()) {
                return Err(self.0.refuse_here(field_err(key, GIVEN_TWICE)));
            }
            match &*key {
                "customer" => parts.customer = map.next_value_seed(ObjectSeed::new(self.0, Object::Customer))?,
                "ship_to" => parts.ship_to = map.next_value_seed(ObjectSeed::new(self.0, Object::ShipTo))?,
                "lines" => parts.lines = Some(map.next_value_seed(LinesSeed(self.0))?),
                k if QUOTE_KEYS.contains(&k) => {
                    parts.head.insert(k.to_string(), map.next_value()?);
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(parts)
    }
}

/// Which object of a quote document is read.
#[derive(Clone, Copy)]
enum Object {
    Customer,
    ShipTo,
    /// Line `n` (1-based).
    Line(usize),
}

impl Object {
    fn known(self) -> &'static [&'static str] {
        match self {
            Object::Customer => CUSTOMER_KEYS,
            Object::ShipTo => ADDRESS_KEYS,
            Object::Line(_) => CSV_LINE_COLUMNS,
        }
    }

    /// The path of the object, naming a line by its id when that was read already.
    fn path(self, fields: &Map<String, Value>) -> String {
        match self {
            Object::Customer => "customer".into(),
            Object::ShipTo => "ship_to".into(),
            Object::Line(n) => format!("lines[{n}]{}", line_id_hint(fields)),
        }
    }
}

/// ` (line_id "7")` when the line's id is known, to name the line.
fn line_id_hint(fields: &Map<String, Value>) -> String {
    match fields.get("line_id") {
        Some(Value::String(s)) => format!(" (line_id \"{s}\")"),
        Some(Value::Number(n)) => format!(" (line_id \"{n}\")"),
        _ => String::new(),
    }
}

/// One object of a quote (`customer`, `ship_to`, a line): its known keys into a map, the
/// others skipped, a key given twice refused. `null` is an absent object.
struct ObjectSeed<'r> {
    refusal: &'r Refusal,
    object: Object,
}

impl<'r> ObjectSeed<'r> {
    fn new(refusal: &'r Refusal, object: Object) -> Self {
        ObjectSeed { refusal, object }
    }

    fn wrong_type<E: de::Error>(&self) -> E {
        let path = self.object.path(&Map::new());
        self.refusal.refuse(field_err(path, "must be an object"))
    }
}

impl<'de> DeserializeSeed<'de> for ObjectSeed<'_> {
    type Value = Option<Map<String, Value>>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ObjectSeed<'_> {
    type Value = Option<Map<String, Value>>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object")
    }

    refuse_other_types!();

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let known = self.object.known();
        let mut fields = Map::new();
        let mut others: HashSet<Cow<'de, str>> = HashSet::new();
        let mut first = true;
        while let Some(key) = map.next_key_seed(Key)? {
            if first && key == NUMBER_TOKEN {
                return Err(self.wrong_type());
            }
            first = false;
            let is_known = known.contains(&&*key);
            let again = if is_known {
                fields.contains_key(&*key)
            } else {
                !others.insert(key.clone())
            };
            if again {
                let path = format!("{}.{key}", self.object.path(&fields));
                return Err(self.refusal.refuse_here(field_err(path, GIVEN_TWICE)));
            }
            if is_known {
                let value: Value = map.next_value()?;
                fields.insert(key.into_owned(), value);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(Some(fields))
    }
}

/// The `lines` array: each line is checked and kept as a [`QuoteLine`] as it is read.
struct LinesSeed<'r>(&'r Refusal);

impl LinesSeed<'_> {
    fn wrong_type<E: de::Error>(&self) -> E {
        self.0.refuse(field_err("lines", "must be an array of lines"))
    }
}

impl<'de> DeserializeSeed<'de> for LinesSeed<'_> {
    type Value = Vec<QuoteLine>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for LinesSeed<'_> {
    type Value = Vec<QuoteLine>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of lines")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Err(self.wrong_type())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Err(self.wrong_type())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Err(self.wrong_type())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Err(self.wrong_type())
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Err(self.wrong_type())
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Err(self.wrong_type())
    }
    fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
        Err(self.wrong_type())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut lines = Vec::new();
        for n in 1.. {
            let object = Object::Line(n);
            let fields = match seq.next_element_seed(ObjectSeed::new(self.0, object))? {
                None => break,
                Some(Some(fields)) => fields,
                Some(None) => return Err(ObjectSeed::new(self.0, object).wrong_type()),
            };
            let place = JsonPath(format!("{}.", object.path(&fields)));
            match line_from_object(&fields, &place) {
                Ok(line) => lines.push(line),
                Err(e) => return Err(self.0.refuse(e)),
            }
        }
        lines.shrink_to_fit();
        Ok(lines)
    }
}

/// Checks the quote fields and puts the quote together.
fn quote_from_parts(parts: Parts, at: &Places) -> Result<Quote, QuoteError> {
    let r = Reader::new(&parts.head, at.head);
    let quote_id = r.required_text("quote_id")?;
    let approved_text = r.required_text("approved_at")?;
    let approved_at = chrono::DateTime::parse_from_rfc3339(&approved_text)
        .map_err(|_| {
            r.err(
                "approved_at",
                format!("`{approved_text}` is not an RFC 3339 time like 2026-11-20T09:30:00Z"),
            )
        })?
        .with_timezone(&chrono::Utc);
    let currency = r.required_text("currency")?;
    super::currency::check_currency(&currency).map_err(|e| r.err("currency", e.to_string()))?;
    let customer_obj = parts.customer.ok_or_else(|| r.err("customer", "is missing"))?;
    let c = Reader::new(&customer_obj, at.customer);
    let customer = Customer {
        id: c.required_text("id")?,
        name: c.required_text("name")?,
        psa_company_id: c.optional_text("psa_company_id")?,
    };
    let ship_to = match &parts.ship_to {
        None => None,
        Some(m) => Some(address_from_object(m, at.ship_to)?),
    };
    let lines = parts.lines.ok_or_else(|| r.err("lines", "is missing"))?;
    if lines.is_empty() {
        return Err(r.err("lines", "is empty; a quote needs at least one line"));
    }
    check_lines(&lines, at.line)?;
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

/// Line ids are unique, and a `bundle_id` names a bundle line of the same quote.
fn check_lines(
    lines: &[QuoteLine],
    at: &dyn Fn(usize, &QuoteLine, &str, String) -> QuoteError,
) -> Result<(), QuoteError> {
    let mut kinds: HashMap<&str, LineKind> = HashMap::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        if kinds.insert(&line.line_id, line.kind).is_some() {
            return Err(at(
                i,
                line,
                "line_id",
                format!("`{}` is used by an earlier line; line ids must be unique", line.line_id),
            ));
        }
    }
    for (i, line) in lines.iter().enumerate() {
        if let Some(b) = &line.bundle_id {
            if kinds.get(b.as_str()) != Some(&LineKind::Bundle) {
                return Err(at(
                    i,
                    line,
                    "bundle_id",
                    format!("`{b}` is not the line_id of a bundle line in this quote"),
                ));
            }
        }
    }
    Ok(())
}

fn line_from_object(o: &Map<String, Value>, place: &dyn Place) -> Result<QuoteLine, QuoteError> {
    let r = Reader::new(o, place);
    let kind_text = r.required_text("kind")?;
    let kind = LineKind::parse(&kind_text).ok_or_else(|| {
        r.err(
            "kind",
            format!("`{kind_text}` is not a line kind (product, service, labour, bundle, bundle_item)"),
        )
    })?;
    let line_id = r.required_text("line_id")?;
    let sku = r.required_text("sku")?;
    // Serial numbers are kept per SKU, and a SKU is scanned and printed: no control
    // characters (a tab, an escape, a unit separator) in it.
    if let Some(c) = sku.chars().find(|c| c.is_control()) {
        return Err(r.err(
            "sku",
            format!(
                "holds the control character U+{:04X}; a SKU is printable text",
                u32::from(c)
            ),
        ));
    }
    Ok(QuoteLine {
        line_id,
        kind,
        sku,
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

fn address_from_object(o: &Map<String, Value>, place: &dyn Place) -> Result<Address, QuoteError> {
    let r = Reader::new(o, place);
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

/// Reads typed fields out of one object, naming the field's place in every error.
struct Reader<'a> {
    obj: &'a Map<String, Value>,
    place: &'a dyn Place,
}

impl<'a> Reader<'a> {
    fn new(obj: &'a Map<String, Value>, place: &'a dyn Place) -> Self {
        Reader { obj, place }
    }

    fn err(&self, key: &str, message: impl Into<String>) -> QuoteError {
        self.place.err(key, message.into())
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

/// Columns a CSV header must have.
const CSV_REQUIRED: &[&str] = &[
    "quote_id",
    "approved_at",
    "currency",
    "customer_id",
    "customer_name",
    "line_id",
    "kind",
    "sku",
    "description",
    "quantity",
    "unit_cost",
    "unit_price",
];

/// Where each known column is in a CSV file's header (0-based), if it is there.
struct CsvColumns {
    quote: Vec<Option<usize>>,
    line: Vec<Option<usize>>,
}

impl CsvColumns {
    /// Reads the header row: each known column once, and the required ones present.
    fn new(header: &csv::StringRecord, lines: &mut Lines) -> Result<CsvColumns, QuoteError> {
        let header_line = header.position().map_or(1, |p| lines.line_of(p.byte()));
        let find = |name: &str| -> Result<Option<usize>, QuoteError> {
            let mut at = header.iter().enumerate().filter(|(_, h)| *h == name).map(|(i, _)| i);
            match (at.next(), at.next()) {
                (Some(a), Some(b)) => Err(QuoteError {
                    position: Some((header_line, b + 1)),
                    field: Some(name.to_string()),
                    message: format!(
                        "the header row has this column twice (columns {} and {}); each column may appear once",
                        a + 1,
                        b + 1
                    ),
                }),
                (first, _) => Ok(first),
            }
        };
        let columns = CsvColumns {
            quote: CSV_QUOTE_COLUMNS.iter().map(|c| find(c)).collect::<Result<_, _>>()?,
            line: CSV_LINE_COLUMNS.iter().map(|c| find(c)).collect::<Result<_, _>>()?,
        };
        if let Some(missing) = CSV_REQUIRED.iter().find(|c| columns.index(c).is_none()) {
            return Err(QuoteError {
                position: Some((header_line, 1)),
                field: None,
                message: format!("the header row has no `{missing}` column"),
            });
        }
        Ok(columns)
    }

    /// Where the column `name` is (0-based).
    fn index(&self, name: &str) -> Option<usize> {
        let quote = CSV_QUOTE_COLUMNS
            .iter()
            .position(|c| *c == name)
            .and_then(|j| self.quote[j]);
        quote.or_else(|| {
            CSV_LINE_COLUMNS
                .iter()
                .position(|c| *c == name)
                .and_then(|j| self.line[j])
        })
    }
}

/// Which part of a quote a CSV cell belongs to: its JSON key is named by a column.
#[derive(Clone, Copy)]
enum Part {
    Quote,
    Customer,
    ShipTo,
    Line,
}

/// The cells of a CSV row starting on `line`: a field is named by its column.
struct CsvRow<'a> {
    line: usize,
    part: Part,
    columns: &'a CsvColumns,
}

impl CsvRow<'_> {
    fn column_err(&self, column: &str, message: String) -> QuoteError {
        let at = self.columns.index(column).map_or(1, |i| i + 1);
        QuoteError {
            position: Some((self.line, at)),
            field: Some(column.to_string()),
            message,
        }
    }
}

impl Place for CsvRow<'_> {
    fn err(&self, key: &str, message: String) -> QuoteError {
        let column = match (self.part, key) {
            (Part::Customer, "id" | "name") => format!("customer_{key}"),
            (Part::ShipTo, _) => format!("ship_to_{key}"),
            _ => key.to_string(),
        };
        self.column_err(&column, message)
    }
}

/// Parses the CSV form: one row per line, quote fields repeated on every row. A file may
/// hold several quotes (rows grouped by `quote_id`); all rows of one quote must agree on
/// the quote fields. Each row is checked and kept as a [`QuoteLine`] as it is read; an
/// error names the line of the file the row starts on and the cell's column.
pub fn parse_csv(text: &str) -> Result<Vec<Quote>, QuoteError> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut lines = Lines::new(text);
    let header = reader
        .headers()
        .map_err(|e| csv_err(&e, "cannot read the header row", &mut lines))?;
    // Columns Purser does not know (an adapter's `margin`, say) are ignored, as unknown
    // fields are in JSON: only the known columns are read below.
    let columns = CsvColumns::new(header, &mut lines)?;
    let mut groups: Vec<Group> = Vec::new();
    let mut by_id: HashMap<String, usize> = HashMap::new();
    let mut record = csv::StringRecord::new();
    let mut fields = Map::new();
    for row_index in 1.. {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_err(&e, "cannot read this row", &mut lines)),
        }
        let line = record.position().map_or(row_index + 1, |p| lines.line_of(p.byte()));
        let cell = |at: Option<usize>| at.and_then(|i| record.get(i)).filter(|s| !s.is_empty());
        let row = |part| CsvRow {
            line,
            part,
            columns: &columns,
        };
        let Some(quote_id) = cell(columns.quote[0]) else {
            return Err(row(Part::Quote).err("quote_id", "is missing or empty".into()));
        };
        let g = match by_id.get(quote_id) {
            Some(&g) => {
                let first = &groups[g];
                let differs = CSV_QUOTE_COLUMNS
                    .iter()
                    .zip(&columns.quote)
                    .zip(&first.quote_cells)
                    .find(|((_, at), was)| cell(**at) != was.as_deref());
                if let Some(((name, at), was)) = differs {
                    let show = |v: Option<&str>| v.map_or("empty".to_string(), |v| format!("`{v}`"));
                    return Err(row(Part::Quote).column_err(
                        name,
                        format!(
                            "{} here but {} on line {}, the first row of quote `{quote_id}`; every row of one quote repeats the same quote fields",
                            show(cell(*at)),
                            show(was.as_deref()),
                            first.first_line
                        ),
                    ));
                }
                g
            }
            None => {
                groups.push(Group {
                    first_line: line,
                    quote_cells: columns.quote.iter().map(|at| cell(*at).map(str::to_string)).collect(),
                    lines: Vec::new(),
                    rows: Vec::new(),
                });
                by_id.insert(quote_id.to_string(), groups.len() - 1);
                groups.len() - 1
            }
        };
        fields.clear();
        for (name, at) in CSV_LINE_COLUMNS.iter().zip(&columns.line) {
            if let Some(v) = cell(*at) {
                fields.insert((*name).to_string(), Value::String(v.to_string()));
            }
        }
        let quote_line = line_from_object(&fields, &row(Part::Line))?;
        groups[g].lines.push(quote_line);
        groups[g].rows.push(line);
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
        .map(|group| quote_of_group(group, &columns))
        .collect()
}

/// The rows of one quote in a CSV file: its quote cells as on its first row, and its lines.
struct Group {
    first_line: usize,
    quote_cells: Vec<Option<String>>,
    lines: Vec<QuoteLine>,
    /// The line of the file each line's row starts on.
    rows: Vec<usize>,
}

/// One quote from its rows, each problem placed at its row and column.
fn quote_of_group(group: Group, columns: &CsvColumns) -> Result<Quote, QuoteError> {
    let mut parts = Parts::default();
    let mut customer = Map::new();
    let mut ship_to = Map::new();
    for (name, value) in CSV_QUOTE_COLUMNS.iter().zip(group.quote_cells) {
        let Some(v) = value.map(Value::String) else { continue };
        match *name {
            "customer_id" => customer.insert("id".into(), v),
            "customer_name" => customer.insert("name".into(), v),
            "psa_company_id" => customer.insert("psa_company_id".into(), v),
            c if c.starts_with("ship_to_") => ship_to.insert(c["ship_to_".len()..].into(), v),
            c => parts.head.insert(c.into(), v),
        };
    }
    parts.customer = Some(customer);
    parts.ship_to = (!ship_to.is_empty()).then_some(ship_to);
    parts.lines = Some(group.lines);
    let head = |part| CsvRow {
        line: group.first_line,
        part,
        columns,
    };
    let rows = &group.rows;
    let line = |i: usize, _: &QuoteLine, key: &str, message: String| {
        CsvRow {
            line: rows[i],
            part: Part::Line,
            columns,
        }
        .err(key, message)
    };
    quote_from_parts(
        parts,
        &Places {
            head: &head(Part::Quote),
            customer: &head(Part::Customer),
            ship_to: &head(Part::ShipTo),
            line: &line,
        },
    )
}

/// The line numbers of byte offsets in a text, counted as editors count them: `\r\n`
/// (Windows, Excel's default), `\n` (Unix) and a lone `\r` (old Macs) each end one line.
///
/// The csv crate's `Position::line` cannot be used: it counts only `\n`, and a row is
/// taken to start before the `\n` of the `\r\n` that ends the row above, so with Windows
/// line endings each row was named one line early, and with `\r` alone every row was on
/// line 1. Its byte offsets are right; the lines are counted from them here.
pub(crate) struct Lines<'a> {
    text: &'a [u8],
    /// The offset counted up to, and the line it is on.
    at: usize,
    line: usize,
}

impl<'a> Lines<'a> {
    pub(crate) fn new(text: &'a str) -> Lines<'a> {
        Lines {
            text: text.as_bytes(),
            at: 0,
            line: 1,
        }
    }

    /// The line (from 1) of the text from `offset` on: one more than the line endings
    /// before it, where a `\r` counts even when its `\n` is at `offset` (the csv crate
    /// places a row there). Counting goes on from the offset asked last, so asking in
    /// order, as rows are read, reads the text once.
    pub(crate) fn line_of(&mut self, offset: u64) -> usize {
        let end = usize::try_from(offset).map_or(self.text.len(), |o| o.min(self.text.len()));
        if end < self.at {
            (self.at, self.line) = (0, 1);
        }
        for i in self.at..end {
            let ends_a_line = match self.text[i] {
                b'\r' => true,
                // The `\n` of a `\r\n` ends the line its `\r` ended.
                b'\n' => i == 0 || self.text[i - 1] != b'\r',
                _ => false,
            };
            self.line += usize::from(ends_a_line);
        }
        self.at = end;
        self.line
    }
}

fn csv_err(e: &csv::Error, what: &str, lines: &mut Lines) -> QuoteError {
    let position = e.position().map(|p| (lines.line_of(p.byte()), 1));
    QuoteError {
        position,
        field: None,
        message: format!("{what}: {e}"),
    }
}

#[cfg(test)]
mod tests;
