//! Page composition: header blocks, the line table with repeated headings, totals,
//! notes, and a footer with page numbers. Produces drawing operations per page; the
//! writer turns them into PDF content.

use super::fonts::{Fonts, Weight};
use super::PoDocument;

pub const PAGE_W: f32 = 595.0;
pub const PAGE_H: f32 = 842.0;
const MARGIN: f32 = 40.0;
const BOTTOM: f32 = 60.0;
const BODY: f32 = 9.0;
const SMALL: f32 = 8.0;
const ROW: f32 = 12.0;

/// One drawing operation.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    Text {
        x: f32,
        y: f32,
        size: f32,
        weight: Weight,
        text: String,
    },
    Rule {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        width: f32,
    },
    Shade {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        gray: f32,
    },
}

/// Table columns: heading, left edge, width, right-aligned.
const COLUMNS: [(&str, f32, f32, bool); 7] = [
    ("#", 40.0, 18.0, false),
    ("Dist. SKU", 58.0, 72.0, false),
    ("MPN", 130.0, 70.0, false),
    ("Description", 200.0, 170.0, false),
    ("Qty", 370.0, 35.0, true),
    ("Unit cost", 405.0, 70.0, true),
    ("Line total", 475.0, 80.0, true),
];

struct Composer<'f> {
    fonts: &'f Fonts,
    pages: Vec<Vec<Op>>,
    y: f32,
}

impl Composer<'_> {
    fn ops(&mut self) -> &mut Vec<Op> {
        self.pages.last_mut().expect("a page is open")
    }

    fn text(&mut self, x: f32, y: f32, size: f32, weight: Weight, text: &str) {
        if !text.is_empty() {
            self.ops().push(Op::Text {
                x,
                y,
                size,
                weight,
                text: text.to_string(),
            });
        }
    }

    fn right(&mut self, right_edge: f32, y: f32, size: f32, weight: Weight, text: &str) {
        let w = self.fonts.get(weight).width(text, size);
        self.text(right_edge - w, y, size, weight, text);
    }

    fn rule(&mut self, y: f32, width: f32) {
        self.ops().push(Op::Rule {
            x1: MARGIN,
            y1: y,
            x2: PAGE_W - MARGIN,
            y2: y,
            width,
        });
    }

    /// Breaks `text` into lines no wider than `width`, at spaces where possible.
    fn wrap(&self, text: &str, size: f32, weight: Weight, width: f32) -> Vec<String> {
        let font = self.fonts.get(weight);
        let mut lines = Vec::new();
        let mut current = String::new();
        for word in text.split_whitespace() {
            let candidate = if current.is_empty() {
                word.to_string()
            } else {
                format!("{current} {word}")
            };
            if font.width(&candidate, size) <= width {
                current = candidate;
                continue;
            }
            if !current.is_empty() {
                lines.push(std::mem::take(&mut current));
            }
            // A single word wider than the column is broken by characters.
            let mut piece = String::new();
            for c in word.chars() {
                piece.push(c);
                if font.width(&piece, size) > width && piece.chars().count() > 1 {
                    piece.pop();
                    lines.push(std::mem::take(&mut piece));
                    piece.push(c);
                }
            }
            current = piece;
        }
        if !current.is_empty() || lines.is_empty() {
            lines.push(current);
        }
        lines
    }

    fn new_page(&mut self, doc: &PoDocument) {
        self.pages.push(Vec::new());
        self.y = PAGE_H - MARGIN;
        if self.pages.len() > 1 {
            let title = format!("Purchase order {} (continued)", doc.number);
            self.text(MARGIN, self.y - 10.0, 11.0, Weight::Bold, &title);
            self.y -= 26.0;
        }
    }

    fn table_heading(&mut self) {
        let top = self.y;
        self.ops().push(Op::Shade {
            x: MARGIN,
            y: top - 14.0,
            w: PAGE_W - 2.0 * MARGIN,
            h: 16.0,
            gray: 0.9,
        });
        for (name, x, w, right) in COLUMNS {
            if right {
                self.right(x + w - 2.0, top - 10.0, SMALL, Weight::Bold, name);
            } else {
                self.text(x + 2.0, top - 10.0, SMALL, Weight::Bold, name);
            }
        }
        self.y = top - 18.0;
    }

    /// Makes room for `height`, continuing on a new page (with the table heading when
    /// `in_table`) when it does not fit.
    fn ensure(&mut self, height: f32, doc: &PoDocument, in_table: bool) {
        if self.y - height < BOTTOM {
            self.new_page(doc);
            if in_table {
                self.table_heading();
            }
        }
    }

    /// A labelled block of lines at column `x`; returns the lowest y used.
    fn block(&mut self, x: f32, top: f32, label: &str, lines: &[String]) -> f32 {
        self.text(x, top, SMALL, Weight::Bold, label);
        let mut y = top - 12.0;
        for l in lines {
            self.text(x, y, BODY, Weight::Regular, l);
            y -= 11.0;
        }
        y
    }
}

/// Lays the document out into pages of drawing operations.
pub fn compose(doc: &PoDocument, fonts: &Fonts) -> Vec<Vec<Op>> {
    let mut c = Composer {
        fonts,
        pages: Vec::new(),
        y: 0.0,
    };
    c.new_page(doc);

    // Our company, top left.
    let top = c.y;
    c.text(MARGIN, top - 14.0, 15.0, Weight::Bold, &doc.company.name);
    let mut y = top - 28.0;
    let mut company_lines = doc.company.address.clone();
    company_lines.extend(doc.company.vat_number.iter().map(|v| format!("VAT {v}")));
    company_lines.extend(doc.company.email.iter().cloned());
    company_lines.extend(doc.company.phone.iter().cloned());
    for l in &company_lines {
        c.text(MARGIN, y, BODY, Weight::Regular, l);
        y -= 11.0;
    }
    // Title and number, top right.
    let right = PAGE_W - MARGIN;
    c.right(right, top - 14.0, 16.0, Weight::Bold, "PURCHASE ORDER");
    c.right(right, top - 32.0, 13.0, Weight::Bold, &doc.number);
    c.right(right, top - 46.0, BODY, Weight::Regular, &format!("Date {}", doc.date));
    c.right(
        right,
        top - 57.0,
        BODY,
        Weight::Regular,
        &format!("Order type: {}", doc.order_type),
    );
    c.right(
        right,
        top - 68.0,
        BODY,
        Weight::Regular,
        &format!("Currency: {}", doc.currency),
    );
    c.y = y.min(top - 80.0) - 8.0;
    c.rule(c.y, 0.8);

    // Supplier, bill-to, ship-to.
    let top = c.y - 14.0;
    let a = c.block(MARGIN, top, "SUPPLIER", &doc.supplier);
    let b = c.block(MARGIN + 175.0, top, "BILL TO", &doc.bill_to);
    let s = c.block(MARGIN + 350.0, top, "SHIP TO", &doc.ship_to);
    c.y = a.min(b).min(s) - 4.0;

    // References.
    let mut refs: Vec<String> = Vec::new();
    if let Some(bid) = &doc.special_bid {
        refs.push(format!("Special bid: {bid}"));
    }
    if !doc.end_user.is_empty() {
        refs.push(format!("End user: {}", doc.end_user.join(", ")));
    }
    refs.push(format!("Ordered by: {}", doc.created_by));
    if let Some(a) = &doc.approved_by {
        refs.push(format!("Approved by: {a}"));
    }
    for r in &refs {
        for l in c.wrap(r, BODY, Weight::Regular, PAGE_W - 2.0 * MARGIN) {
            c.y -= 11.0;
            c.text(MARGIN, c.y, BODY, Weight::Regular, &l);
        }
    }
    c.y -= 12.0;

    // Lines.
    c.ensure(40.0, doc, false);
    c.table_heading();
    for line in &doc.lines {
        let (_, dx, dw, _) = COLUMNS[3];
        let desc = c.wrap(&line.description, BODY, Weight::Regular, dw - 4.0);
        let sku = c.wrap(&line.distributor_sku, BODY, Weight::Regular, COLUMNS[1].2 - 4.0);
        let mpn = c.wrap(&line.mpn, BODY, Weight::Regular, COLUMNS[2].2 - 4.0);
        let rows = desc.len().max(sku.len()).max(mpn.len());
        let height = rows as f32 * ROW + 3.0;
        c.ensure(height, doc, true);
        let y0 = c.y - 9.0;
        c.text(COLUMNS[0].1 + 2.0, y0, BODY, Weight::Regular, &line.no);
        for (i, l) in sku.iter().enumerate() {
            c.text(COLUMNS[1].1 + 2.0, y0 - i as f32 * ROW, BODY, Weight::Regular, l);
        }
        for (i, l) in mpn.iter().enumerate() {
            c.text(COLUMNS[2].1 + 2.0, y0 - i as f32 * ROW, BODY, Weight::Regular, l);
        }
        for (i, l) in desc.iter().enumerate() {
            c.text(dx + 2.0, y0 - i as f32 * ROW, BODY, Weight::Regular, l);
        }
        for (col, value) in [(4, &line.quantity), (5, &line.unit_cost), (6, &line.line_total)] {
            let (_, x, w, _) = COLUMNS[col];
            c.right(x + w - 2.0, y0, BODY, Weight::Regular, value);
        }
        c.y -= height;
        let y = c.y + 1.0;
        c.ops().push(Op::Rule {
            x1: MARGIN,
            y1: y,
            x2: PAGE_W - MARGIN,
            y2: y,
            width: 0.2,
        });
    }

    // Totals.
    c.ensure(52.0, doc, false);
    let label_x = COLUMNS[5].1 + COLUMNS[5].2 - 2.0;
    let value_x = PAGE_W - MARGIN - 2.0;
    for (label, value, weight) in [
        ("Subtotal", &doc.subtotal, Weight::Regular),
        ("Shipping", &doc.shipping, Weight::Regular),
        ("Total", &doc.total, Weight::Bold),
    ] {
        c.y -= 14.0;
        c.right(label_x, c.y, BODY, weight, label);
        c.right(value_x, c.y, BODY, weight, &format!("{value} {}", doc.currency));
    }

    // Notes.
    if let Some(notes) = &doc.notes {
        let lines: Vec<String> = notes
            .lines()
            .flat_map(|l| c.wrap(l, BODY, Weight::Regular, PAGE_W - 2.0 * MARGIN))
            .collect();
        c.ensure(24.0 + 11.0 * lines.len().min(4) as f32, doc, false);
        c.y -= 22.0;
        c.text(MARGIN, c.y, SMALL, Weight::Bold, "NOTES");
        for l in lines {
            c.ensure(11.0, doc, false);
            c.y -= 11.0;
            c.text(MARGIN, c.y, BODY, Weight::Regular, &l);
        }
    }

    // Footer with page numbers on every page.
    let count = c.pages.len();
    for (i, page) in c.pages.iter_mut().enumerate() {
        let footer = format!("{} · page {} of {}", doc.number, i + 1, count);
        let w = fonts.regular.width(&footer, SMALL);
        page.push(Op::Rule {
            x1: MARGIN,
            y1: 44.0,
            x2: PAGE_W - MARGIN,
            y2: 44.0,
            width: 0.4,
        });
        page.push(Op::Text {
            x: PAGE_W - MARGIN - w,
            y: 32.0,
            size: SMALL,
            weight: Weight::Regular,
            text: footer,
        });
        page.push(Op::Text {
            x: MARGIN,
            y: 32.0,
            size: SMALL,
            weight: Weight::Regular,
            text: doc.company.name.clone(),
        });
    }
    c.pages
}
