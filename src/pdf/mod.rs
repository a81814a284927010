//! Purchase-order PDFs.
//!
//! Written with `pdf-writer` and subset fonts (`subsetter`) rather than genpdf: genpdf
//! embeds whole fonts (about 1 MB for one page) and its text extracts `-` as a soft
//! hyphen, so `PO-000123` could not be searched. Here each PDF carries only the glyphs it
//! uses (a one-page order is a few tens of kilobytes) and a ToUnicode map, so every text
//! — PO number, SKUs, amounts — extracts exactly as written.

pub mod fonts;
mod layout;

use crate::config::Config;
use crate::domain::money::group_thousands;
use crate::domain::{Address, Order, OrderType};
use fonts::{Fonts, Weight};
use layout::{compose, Op, PAGE_H, PAGE_W};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

/// Our company, as printed at the top.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CompanyBlock {
    pub name: String,
    pub address: Vec<String>,
    pub vat_number: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// One order line as printed.
#[derive(Debug, Clone, PartialEq)]
pub struct PdfLine {
    pub no: String,
    pub distributor_sku: String,
    pub mpn: String,
    pub description: String,
    pub quantity: String,
    pub unit_cost: String,
    pub line_total: String,
}

/// Everything printed on a purchase order, already formatted.
#[derive(Debug, Clone, PartialEq)]
pub struct PoDocument {
    pub company: CompanyBlock,
    pub number: String,
    pub date: String,
    pub order_type: String,
    pub currency: String,
    pub supplier: Vec<String>,
    pub bill_to: Vec<String>,
    pub ship_to: Vec<String>,
    pub special_bid: Option<String>,
    pub end_user: Vec<String>,
    pub lines: Vec<PdfLine>,
    pub subtotal: String,
    pub shipping: String,
    pub total: String,
    pub notes: Option<String>,
    pub created_by: String,
    pub approved_by: Option<String>,
}

fn address_lines(a: &Address) -> Vec<String> {
    let city = [a.postal_code.as_deref(), a.city.as_deref(), a.state.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    [
        a.name.clone(),
        a.attention.as_ref().map(|v| format!("Attn. {v}")),
        a.street.clone(),
        (!city.is_empty()).then_some(city),
        a.country.clone(),
        a.phone.clone(),
        a.email.clone(),
    ]
    .into_iter()
    .flatten()
    .filter(|s| !s.trim().is_empty())
    .collect()
}

/// A person's display name from the configuration, or the login name.
fn person(config: &Config, login: &str) -> String {
    match config.users.get(login).and_then(|u| u.name.clone()) {
        Some(name) => format!("{name} ({login})"),
        None => login.to_string(),
    }
}

/// Builds the printed document for `order` with our company and the distributor from
/// the configuration.
pub fn document_for(order: &Order, config: &Config) -> PoDocument {
    let company = config
        .company
        .as_ref()
        .map(|c| CompanyBlock {
            name: c.name.clone(),
            address: c.address.clone(),
            vat_number: c.vat_number.clone(),
            email: c.email.clone(),
            phone: c.phone.clone(),
        })
        .unwrap_or_else(|| CompanyBlock {
            name: "(set [company] name in the configuration)".into(),
            ..Default::default()
        });
    let mut supplier = vec![config.distributor_name(&order.distributor)];
    if let Some(d) = config.distributors.get(&order.distributor) {
        supplier.extend(d.customer_number.iter().map(|n| format!("Account {n}")));
        supplier.extend(d.email.iter().cloned());
    }
    let mut bill_to = vec![company.name.clone()];
    bill_to.extend(company.address.iter().cloned());
    let ship_to = match (&order.order_type, &order.ship_to) {
        (OrderType::Dropship, Some(a)) => address_lines(a),
        (_, Some(a)) => address_lines(a),
        (OrderType::Wholesale, None) => config
            .company
            .as_ref()
            .and_then(crate::config::Company::warehouse)
            .map_or_else(|| bill_to.clone(), |w| address_lines(&w)),
        (OrderType::Dropship, None) => vec!["(no ship-to address)".into()],
    };
    PoDocument {
        number: order.number.to_string(),
        date: order.created_at.format("%Y-%m-%d").to_string(),
        order_type: match order.order_type {
            OrderType::Wholesale => "Wholesale".into(),
            OrderType::Dropship => "Dropship".into(),
        },
        currency: order.currency.clone(),
        supplier,
        bill_to,
        ship_to,
        special_bid: order.special_bid.clone(),
        end_user: order.end_user.as_ref().map(address_lines).unwrap_or_default(),
        lines: order
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| PdfLine {
                no: (i + 1).to_string(),
                distributor_sku: l.distributor_sku.clone().unwrap_or_else(|| l.sku.clone()),
                mpn: l.mpn.clone().unwrap_or_default(),
                description: l.description.clone(),
                quantity: l.quantity.to_string(),
                unit_cost: group_thousands(l.unit_cost),
                line_total: group_thousands(l.total_cost()),
            })
            .collect(),
        subtotal: group_thousands(order.subtotal()),
        shipping: group_thousands(order.shipping),
        total: group_thousands(order.total()),
        notes: order.notes.clone(),
        created_by: person(config, &order.created_by),
        approved_by: order.approved_by().map(|a| person(config, a)),
        company,
    }
}

/// Renders the document as PDF bytes.
pub fn render(doc: &PoDocument) -> Vec<u8> {
    let mut fonts = Fonts::new();
    let pages = compose(doc, &fonts);

    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let info = Ref::new(3);
    let page_refs: Vec<(Ref, Ref)> = (0..pages.len())
        .map(|i| (Ref::new(4 + 2 * i as i32), Ref::new(5 + 2 * i as i32)))
        .collect();
    let font_start = Ref::new(4 + 2 * pages.len() as i32);
    let regular_ref = font_start;

    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids(page_refs.iter().map(|(p, _)| *p))
        .count(pages.len() as i32);
    pdf.document_info(info)
        .title(TextStr(&format!("Purchase order {}", doc.number)))
        .author(TextStr(&doc.company.name))
        .creator(TextStr("Purser"));

    // Content first (it decides which glyphs the fonts must carry).
    let mut contents = Vec::with_capacity(pages.len());
    for ops in &pages {
        let mut content = Content::new();
        for op in ops {
            match op {
                Op::Text {
                    x,
                    y,
                    size,
                    weight,
                    text,
                } => {
                    let font = fonts.get_mut(*weight);
                    let encoded = font.encode(text);
                    content.begin_text();
                    content.set_font(Name(font.resource_name), *size);
                    content.next_line(*x, *y);
                    content.show(Str(&encoded));
                    content.end_text();
                }
                Op::Rule { x1, y1, x2, y2, width } => {
                    content.set_line_width(*width);
                    content.move_to(*x1, *y1);
                    content.line_to(*x2, *y2);
                    content.stroke();
                }
                Op::Shade { x, y, w, h, gray } => {
                    content.save_state();
                    content.set_fill_gray(*gray);
                    content.rect(*x, *y, *w, *h);
                    content.fill_nonzero();
                    content.restore_state();
                }
            }
        }
        contents.push(miniz_oxide::deflate::compress_to_vec_zlib(&content.finish(), 6));
    }
    let (_, bold_ref, _) = fonts.write(&mut pdf, font_start);
    for ((page_ref, content_ref), data) in page_refs.iter().zip(&contents) {
        let mut page = pdf.page(*page_ref);
        page.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H))
            .parent(tree)
            .contents(*content_ref);
        let mut resources = page.resources();
        let mut font_dict = resources.fonts();
        font_dict.pair(Name(fonts.regular.resource_name), regular_ref);
        font_dict.pair(Name(fonts.bold.resource_name), bold_ref);
        font_dict.finish();
        resources.finish();
        page.finish();
        pdf.stream(*content_ref, data).filter(Filter::FlateDecode);
    }
    let _ = Weight::Regular;
    pdf.finish()
}

/// Renders the purchase order for `order`.
pub fn render_order(order: &Order, config: &Config) -> Vec<u8> {
    render(&document_for(order, config))
}

#[cfg(test)]
mod tests;
