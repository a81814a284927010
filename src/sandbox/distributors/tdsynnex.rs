//! Fake TD SYNNEX (SynnexB2B XML): PO submission and PO status by our PO number. The US
//! fake checks the credential in the body; the EU fake (no public specification: modelled
//! on the US one) checks an `X-API-Key` header instead. Every request is checked against
//! the field rules of the US "XML PO Submission" documents: required elements, lengths,
//! Y/N flags, numbers.

use super::{after_accept, log_call, record_order, take_fault, xml_reply, Fault, Shared};
use crate::integrations::distributors::xml::{self, Node, XmlWriter};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;

static DUPLICATE: &str =
    include_str!("../../../tests/fixtures/distributors/tdsynnex/po-response-8-rejected-duplicate-po.xml");
static INCOMPLETE: &str =
    include_str!("../../../tests/fixtures/distributors/tdsynnex/po-error-response-incomplete-xml.xml");
static NOT_FOUND: &str = include_str!("../../../tests/fixtures/distributors/tdsynnex/po-status-response-not-found.xml");
static IP_INVALID: &str =
    include_str!("../../../tests/fixtures/distributors/tdsynnex/po-response-9-error-ip-invalid.xml");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Region {
    Us,
    Eu,
}

#[derive(Clone)]
struct Td {
    fake: Shared,
    region: Region,
}

pub fn router(fake: Shared, region: Region) -> Router {
    Router::new()
        .route("/SynnexXML/PO", post(po))
        .route("/SynnexXML/POStatus", post(status))
        .with_state(Td { fake, region })
}

/// Required elements under OrderRequest with their length limits (0: no limit checked).
const REQUIRED: [(&str, usize); 9] = [
    ("CustomerNumber", 0),
    ("PONumber", 20),
    ("DropShipFlag", 1),
    ("Shipment/ShipTo/AddressName1", 30),
    ("Shipment/ShipTo/AddressLine1", 60),
    ("Shipment/ShipTo/City", 20),
    ("Shipment/ShipTo/State", 2),
    ("Shipment/ShipTo/ZipCode", 10),
    ("Shipment/ShipMethod/Code", 0),
];
const OPTIONAL: [(&str, usize); 3] = [
    ("Shipment/ShipTo/AddressName2", 30),
    ("Shipment/ShipTo/AddressLine2", 60),
    ("SpecialPriceReferenceNumber", 0),
];

fn authorized(td: &Td, headers: &HeaderMap, doc: &Node) -> bool {
    match td.region {
        Region::Us => {
            doc.text_at("Credential/UserID").as_deref() == Some(super::USERNAME)
                && doc.text_at("Credential/Password").as_deref() == Some(super::SECRET)
        }
        Region::Eu => {
            headers.get("x-api-key").and_then(|v| v.to_str().ok()) == Some(super::SECRET)
                && doc.child("Credential").is_none()
        }
    }
}

fn incomplete(problems: &[String]) -> Response {
    let mut detail = String::new();
    for (i, p) in problems.iter().enumerate() {
        detail.push_str(&format!("({}){p}\n", i + 1));
    }
    let mut w = XmlWriter::new();
    w.open("SynnexB2B")
        .open("OrderResponse")
        .leaf("ErrorMessage", "Client.IncompleteXML")
        .leaf("ErrorDetail", &detail);
    let _ = INCOMPLETE;
    xml_reply(200, w.finish())
}

fn check_order(req: &Node) -> Vec<String> {
    let mut p = Vec::new();
    for (path, max) in REQUIRED {
        match req.text_at(path) {
            None => p.push(format!("OrderRequest/{path}: String value required")),
            Some(v) if max > 0 && v.chars().count() > max => p.push(format!(
                "OrderRequest/{path}: {} characters, at most {max}",
                v.chars().count()
            )),
            _ => {}
        }
    }
    for (path, max) in OPTIONAL {
        if let Some(v) = req.text_at(path) {
            if max > 0 && v.chars().count() > max {
                p.push(format!(
                    "OrderRequest/{path}: {} characters, at most {max}",
                    v.chars().count()
                ));
            }
        }
    }
    if !matches!(req.text_at("DropShipFlag").as_deref(), Some("Y" | "N")) {
        p.push("OrderRequest/DropShipFlag: Y or N required".into());
    }
    if req
        .at("Payment/BillTo")
        .and_then(|b| b.attr("code"))
        .is_none_or(str::is_empty)
    {
        p.push("OrderRequest/Payment/BillTo@code: required".into());
    }
    if req.text_at("SpecialPriceReferenceNumber").is_some() != req.text_at("SpecialPriceType").is_some() {
        p.push("OrderRequest/SpecialPriceType: goes with SpecialPriceReferenceNumber".into());
    }
    let items: Vec<&Node> = req.at("Items").into_iter().flat_map(|i| i.all("Item")).collect();
    if items.is_empty() {
        p.push(": Product to be ordered not specified".into());
    }
    for (i, item) in items.iter().enumerate() {
        if item.attr("lineNumber").is_none_or(|n| n.parse::<u32>().is_err()) {
            p.push(format!(
                "OrderRequest/Items/Item[{i}]@lineNumber: Integer value required"
            ));
        }
        if item.text_at("SKU").is_none() {
            p.push(format!("OrderRequest/Items/Item[{i}]/SKU: String value required"));
        }
        if item.text_at("UnitPrice").is_none_or(|v| v.parse::<f64>().is_err()) {
            p.push(format!("OrderRequest/Items/Item[{i}]/UnitPrice: Float value required"));
        }
        if item.text_at("OrderQuantity").is_none_or(|v| v.parse::<u32>().is_err()) {
            p.push(format!(
                "OrderRequest/Items/Item[{i}]/OrderQuantity: Integer value required"
            ));
        }
    }
    p
}

async fn po(State(td): State<Td>, headers: HeaderMap, body: Bytes) -> Response {
    let fake = &td.fake;
    log_call(fake, "POST", "/SynnexXML/PO");
    let text = String::from_utf8_lossy(&body).into_owned();
    let doc = match xml::parse(&text) {
        Ok(d) => d,
        Err(e) => return incomplete(&fake.with(|s| s.note(vec![format!("not XML: {e}")]))),
    };
    if doc.name != "SynnexB2B" {
        return incomplete(&fake.with(|s| s.note(vec![format!("root element {} is not SynnexB2B", doc.name)])));
    }
    if !authorized(&td, &headers, &doc) {
        return xml_reply(
            200,
            IP_INVALID.replace("IP Address Invalid", "Login failed: user or password invalid"),
        );
    }
    let Some(req) = doc.child("OrderRequest") else {
        return incomplete(&fake.with(|s| s.note(vec!["OrderRequest: required".into()])));
    };
    let problems = fake.with(|s| s.note(check_order(req)));
    if !problems.is_empty() {
        return incomplete(&problems);
    }
    if req.text_at("CustomerNumber").as_deref() != Some(super::CUSTOMER_NUMBER) {
        return xml_reply(200, IP_INVALID.replace("IP Address Invalid", "Customer number unknown"));
    }
    let po = req.text_at("PONumber").unwrap_or_default();
    let fault = take_fault(fake);
    if let Some(r) = super::gateway_fault(&fault, &headers, &text) {
        return r;
    }
    match &fault {
        Some(Fault::Refuse(code)) => {
            return (axum::http::StatusCode::from_u16(*code).unwrap_or_default(), "refused").into_response()
        }
        Some(Fault::TooManyRequests { retry_after }) => {
            return (
                [("retry-after", retry_after.to_string())],
                axum::http::StatusCode::TOO_MANY_REQUESTS,
            )
                .into_response()
        }
        Some(Fault::ServerError) => {
            return (axum::http::StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error").into_response()
        }
        Some(Fault::Reject(reason)) => return xml_reply(200, response(&po, "rejected", Some(reason), &[])),
        _ => {}
    }
    if fake.orders_for(&po) > 0 {
        return xml_reply(200, DUPLICATE.replace("1130878166261A", &po));
    }
    let seq = fake.with(|s| s.next_seq());
    let manual = req.text_at("Comment").is_some();
    let mut items = Vec::new();
    let mut numbers = Vec::new();
    for item in req.at("Items").into_iter().flat_map(|i| i.all("Item")) {
        let sku = item.text_at("SKU").unwrap_or_default();
        let line = item.attr("lineNumber").unwrap_or("1").to_string();
        let qty = item.text_at("OrderQuantity").unwrap_or_default();
        if sku.starts_with("XX") {
            items.push((line, sku, qty, "rejected".to_string(), String::new(), String::new()));
            continue;
        }
        // Items starting with BO are backordered on an order of their own.
        let (number, kind) = if sku.starts_with("BO") {
            (format!("{}", 16_351_300 + seq), "BO")
        } else {
            (format!("{}", 16_351_200 + seq), if manual { "99" } else { "SO" })
        };
        if !numbers.contains(&number) {
            numbers.push(number.clone());
        }
        items.push((line, sku, qty, "accepted".into(), number, kind.to_string()));
    }
    if numbers.is_empty() {
        return xml_reply(
            200,
            response(&po, "rejected", Some("No valid item on the order"), &items),
        );
    }
    record_order(fake, &po, numbers, &text);
    after_accept(&fault).await;
    xml_reply(200, response(&po, "accepted", None, &items))
}

type Item = (String, String, String, String, String, String);

fn response(po: &str, code: &str, reason: Option<&str>, items: &[Item]) -> String {
    let mut w = XmlWriter::new();
    w.open("SynnexB2B")
        .open("OrderResponse")
        .leaf("CustomerNumber", super::CUSTOMER_NUMBER)
        .leaf("PONumber", po)
        .leaf("Code", code)
        .leaf_opt("Reason", reason)
        .leaf("ResponseDateTime", "2026-11-26T10:00:00")
        .open("Items");
    for (line, sku, qty, code, number, kind) in items {
        w.open_with("Item", &[("lineNumber", line)])
            .leaf("SKU", sku)
            .leaf("OrderQuantity", qty)
            .leaf("Code", code);
        if code == "rejected" {
            w.leaf("Reason", "Invalid SKU");
        }
        w.leaf_opt("OrderNumber", Some(number))
            .leaf_opt("OrderType", Some(kind))
            .close();
    }
    w.finish()
}

async fn status(State(td): State<Td>, headers: HeaderMap, body: Bytes) -> Response {
    let fake = &td.fake;
    log_call(fake, "POST", "/SynnexXML/POStatus");
    let text = String::from_utf8_lossy(&body).into_owned();
    let doc = match xml::parse(&text) {
        Ok(d) => d,
        Err(e) => return incomplete(&fake.with(|s| s.note(vec![format!("not XML: {e}")]))),
    };
    if !authorized(&td, &headers, &doc) {
        return xml_reply(
            200,
            IP_INVALID.replace("IP Address Invalid", "Login failed: user or password invalid"),
        );
    }
    let mut problems = Vec::new();
    for f in ["CustomerNumber", "PONumber"] {
        if doc.text_at(&format!("OrderStatusRequest/{f}")).is_none() {
            problems.push(format!("OrderStatusRequest/{f}: String value required"));
        }
    }
    let problems = fake.with(|s| s.note(problems));
    if !problems.is_empty() {
        return incomplete(&problems);
    }
    let po = doc.text_at("OrderStatusRequest/PONumber").unwrap_or_default();
    let Some(order) = fake.orders().into_iter().find(|o| o.po == po) else {
        return xml_reply(
            200,
            NOT_FOUND
                .replace("YOUR PO NUMBER", &po)
                .replace("YOUR ACCOUNT NUMBER", super::CUSTOMER_NUMBER),
        );
    };
    let code = fake.with(|s| s.status_of(&po, "accepted"));
    let sent = xml::parse(&order.body).unwrap_or_default();
    let mut w = XmlWriter::new();
    w.open_with("SynnexB2B", &[("version", "2.2")])
        .open("OrderStatusResponse")
        .leaf("CustomerNumber", super::CUSTOMER_NUMBER)
        .leaf("PONumber", &po)
        .leaf("Code", &code)
        .leaf("ResponseDateTime", "2026-11-26T10:00:00")
        .open("Items");
    if code != "notFound" && code != "rejected" {
        for (i, item) in sent
            .at("OrderRequest/Items")
            .into_iter()
            .flat_map(|i| i.all("Item"))
            .enumerate()
        {
            let sku = item.text_at("SKU").unwrap_or_default();
            if sku.starts_with("XX") {
                continue;
            }
            let qty: u32 = item.text_at("OrderQuantity").and_then(|q| q.parse().ok()).unwrap_or(1);
            let number = if sku.starts_with("BO") {
                order.numbers.last()
            } else {
                order.numbers.first()
            };
            w.open_with("Item", &[("lineNumber", item.attr("lineNumber").unwrap_or("1"))])
                .leaf("Code", &code)
                .leaf("OrderNumber", number.map(String::as_str).unwrap_or_default())
                .leaf("OrderType", if sku.starts_with("BO") { "BO" } else { "SO" })
                .leaf("OrderQuantity", &qty.to_string())
                .leaf("SKU", &sku)
                .leaf("ShipQuantity", if code == "shipped" { "1" } else { "0" });
            if code == "accepted" && sku.starts_with("BO") {
                w.leaf("ETADate", "2026-12-15");
            }
            w.open("Packages");
            if code == "shipped" {
                for u in 0..qty {
                    w.open("Package")
                        .leaf("TrackingNumber", &format!("0409859284{:02}{:03}", i + 1, u + 1))
                        .leaf("ShipItemQuantity", "1")
                        .leaf("SerialNo", &format!("USH{:02}{:03}", i + 1, u + 1))
                        .close();
                }
            }
            w.close().close();
        }
    }
    xml_reply(200, w.finish())
}
