//! Fake Onetrail REST message exchange: takes a `Pip3A4PurchaseOrderRequest` for the
//! seller's GLN, checks HTTP Basic, the document's Authentication and parties, and its
//! lines; answers 202 (the distributor's replies would be pushed later), and 409 for a
//! message id it already holds. Modelled on Onetrail's public description; the element
//! names are Purser's reading of it (no public schema was saved).

use super::{after_accept, log_call, record_order, take_fault, xml_reply, Fault, Shared};
use crate::integrations::distributors::xml;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;

pub fn router(fake: Shared) -> Router {
    Router::new()
        .route(
            "/exchange/rest/tradingpartner/{gln}/msgtype/{kind}/msg/{id}",
            post(push),
        )
        .with_state(fake)
}

fn basic_ok(headers: &HeaderMap) -> bool {
    // "purser-sandbox:sandbox-secret-not-for-production", base64.
    let expected = "cHVyc2VyLXNhbmRib3g6c2FuZGJveC1zZWNyZXQtbm90LWZvci1wcm9kdWN0aW9u";
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        == Some(expected)
}

async fn push(
    State(fake): State<Shared>,
    headers: HeaderMap,
    Path((gln, kind, id)): Path<(String, String, String)>,
    body: Bytes,
) -> Response {
    log_call(
        &fake,
        "POST",
        &format!("/exchange/rest/tradingpartner/{gln}/msgtype/{kind}/msg/{id}"),
    );
    if !basic_ok(&headers) {
        return (StatusCode::UNAUTHORIZED, "Unauthorized").into_response();
    }
    let text = String::from_utf8_lossy(&body).into_owned();
    let mut problems = Vec::new();
    if gln != super::SELLER_GLN {
        problems.push(format!("tradingpartner {gln}: not a trading partner of this buyer"));
    }
    if kind != "Pip3A4PurchaseOrderRequest" {
        problems.push(format!("msgtype {kind}: expected Pip3A4PurchaseOrderRequest"));
    }
    let doc = xml::parse(&text).unwrap_or_default();
    if doc.name != "Pip3A4PurchaseOrderRequest" || doc.attr("xmlns") != Some("http://www.onetrail.net") {
        problems.push("root: Pip3A4PurchaseOrderRequest in namespace http://www.onetrail.net expected".into());
    }
    if doc.text_at("Authentication/Username").as_deref() != Some(super::USERNAME)
        || doc.text_at("Authentication/Password").as_deref() != Some(super::SECRET)
    {
        problems.push("Authentication: username or password wrong".into());
    }
    for (path, want) in [
        ("PurchaseOrder/BuyerParty/GLN", super::BUYER_GLN),
        ("PurchaseOrder/SellerParty/GLN", super::SELLER_GLN),
    ] {
        if doc.text_at(path).as_deref() != Some(want) {
            problems.push(format!("{path}: expected {want}"));
        }
    }
    if doc.text_at("PurchaseOrder/DocumentIdentifier").as_deref() != Some(id.as_str()) {
        problems.push("PurchaseOrder/DocumentIdentifier: must equal the message id".into());
    }
    let lines: Vec<_> = doc
        .at("PurchaseOrder")
        .into_iter()
        .flat_map(|p| p.all("ProductLineItem"))
        .collect();
    if lines.is_empty() {
        problems.push("PurchaseOrder/ProductLineItem: at least one required".into());
    }
    for (i, l) in lines.iter().enumerate() {
        for f in ["LineNumber", "SellerProductId", "Quantity"] {
            if l.text_at(f).is_none() {
                problems.push(format!("ProductLineItem[{i}]/{f}: required"));
            }
        }
        if l.text_at("Quantity").is_some_and(|q| q.parse::<u32>().is_err()) {
            problems.push(format!("ProductLineItem[{i}]/Quantity: integer required"));
        }
    }
    let problems = fake.with(|s| s.note(problems));
    if !problems.is_empty() {
        return (StatusCode::BAD_REQUEST, problems.join("\n")).into_response();
    }
    let fault = take_fault(&fake);
    match &fault {
        Some(Fault::Refuse(code)) => {
            return (StatusCode::from_u16(*code).unwrap_or_default(), "refused").into_response()
        }
        Some(Fault::Reject(reason)) => return (StatusCode::BAD_REQUEST, reason.clone()).into_response(),
        Some(Fault::TooManyRequests { retry_after }) => {
            return (
                [("retry-after", retry_after.to_string())],
                StatusCode::TOO_MANY_REQUESTS,
            )
                .into_response()
        }
        Some(Fault::ServerError) => {
            return (StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error").into_response()
        }
        _ => {}
    }
    if fake.orders_for(&id) > 0 {
        return (StatusCode::CONFLICT, format!("message {id} was already received")).into_response();
    }
    record_order(&fake, &id, vec![id.clone()], &text);
    after_accept(&fault).await;
    xml_reply(202, String::new())
}
