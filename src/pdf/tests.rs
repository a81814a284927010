//! PDFs are read back: sizes, exact text, page breaks with repeated headings, and (where
//! the tools are installed, as in CI) `qpdf --check` and a render to PNG.

use super::*;

fn doc(lines: usize) -> PoDocument {
    PoDocument {
        company: CompanyBlock {
            name: "Northsea IT Services B.V.".into(),
            address: vec!["Stationsweg 8".into(), "3511 ED Utrecht".into()],
            vat_number: Some("NL861234567B01".into()),
            email: Some("purchasing@example.org".into()),
            phone: None,
        },
        number: "PO-000123".into(),
        date: "2026-11-26".into(),
        order_type: "Dropship".into(),
        currency: "EUR".into(),
        supplier: vec!["Ingram Micro".into(), "orders@example.org".into()],
        bill_to: vec!["Northsea IT Services B.V.".into()],
        ship_to: vec![
            "Dentalcare West".into(),
            "Attn. J. de Vries".into(),
            "Kanaalweg 12".into(),
        ],
        special_bid: Some("SB-2026-77-A".into()),
        end_user: vec!["Dentalcare West".into()],
        lines: (1..=lines)
            .map(|i| PdfLine {
                no: i.to_string(),
                distributor_sku: format!("7X-{i:04}"),
                mpn: format!("20XW-00A{i}"),
                description: if i % 5 == 0 {
                    "A long description that needs more than one line in the description column of the table".into()
                } else {
                    format!("Notebook 14in i5 16GB model {i}")
                },
                quantity: "3".into(),
                unit_cost: "1,899.00".into(),
                line_total: "5,697.00".into(),
            })
            .collect(),
        subtotal: "5,697.00".into(),
        shipping: "12.50".into(),
        total: "5,709.50".into(),
        notes: Some("Deliver before 10:00.\nCall J. de Vries on arrival.".into()),
        created_by: "Alice Jansen (alice)".into(),
        approved_by: Some("Carol Smit (carol)".into()),
    }
}

fn text_of(pdf: &[u8]) -> String {
    pdf_extract::extract_text_from_mem(pdf).expect("the PDF reads back")
}

fn page_count(pdf: &[u8]) -> usize {
    let s = String::from_utf8_lossy(pdf);
    s.matches("/Type /Page\n").count() + s.matches("/Type /Page ").count() + s.matches("/Type /Page/").count()
}

#[test]
fn a_one_page_order_is_small_and_reads_back_exactly() {
    let pdf = render(&doc(3));
    assert!(pdf.len() <= 150 * 1024, "one page is {} bytes", pdf.len());
    let text = text_of(&pdf);
    for needle in [
        "PO-000123",
        "7X-0001",
        "20XW-00A2",
        "1,899.00",
        "5,709.50 EUR",
        "SB-2026-77-A",
        "NL861234567B01",
        "Attn. J. de Vries",
        "Approved by: Carol Smit (carol)",
        "page 1 of 1",
    ] {
        assert!(text.contains(needle), "{needle:?} not found in:\n{text}");
    }
    // A hyphen stays a hyphen, never a soft hyphen.
    assert!(!text.contains('\u{ad}'));
}

#[test]
fn long_orders_break_pages_with_repeated_headings_and_numbers() {
    let pdf = render(&doc(90));
    let text = text_of(&pdf);
    let pages = text.matches("PO-000123 · page").count();
    assert!(pages >= 3, "expected several pages, got {pages}:\n{text}");
    assert!(text.contains(&format!("page {pages} of {pages}")));
    assert_eq!(
        text.matches("Line total").count(),
        pages,
        "the table heading repeats on every page"
    );
    assert!(text.contains("Purchase order PO-000123 (continued)"));
    // Every line made it, in order.
    let mut at = 0;
    for i in 1..=90 {
        let sku = format!("7X-{i:04}");
        let found = text[at..]
            .find(&sku)
            .unwrap_or_else(|| panic!("{sku} missing or out of order"));
        at += found;
    }
    assert_eq!(page_count(&pdf), pages);
}

#[test]
fn words_wider_than_a_column_are_broken_not_lost() {
    let mut d = doc(1);
    d.lines[0].description = "Z".repeat(120);
    let text = text_of(&render(&d));
    assert_eq!(text.matches('Z').count(), 120);
}

#[test]
fn characters_outside_latin_still_extract() {
    let mut d = doc(1);
    d.lines[0].description = "Kabel – Ø 5 mm, ½ m, Größe “M”".into();
    let text = text_of(&render(&d));
    assert!(text.contains("Kabel – Ø 5 mm, ½ m, Größe “M”"), "{text}");
}

fn tool(name: &str) -> bool {
    std::process::Command::new(name).arg("--version").output().is_ok()
}

#[test]
fn qpdf_finds_no_errors_and_pages_render() {
    if !tool("qpdf") || !tool("pdftoppm") {
        eprintln!("skipped: qpdf and pdftoppm are not installed (CI installs them)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("po.pdf");
    std::fs::write(&path, render(&doc(40))).unwrap();
    let out = std::process::Command::new("qpdf")
        .arg("--check")
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "qpdf --check: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let png = dir.path().join("page");
    let out = std::process::Command::new("pdftoppm")
        .args(["-r", "50", "-png", "-f", "1", "-l", "1"])
        .arg(&path)
        .arg(&png)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "pdftoppm: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rendered = std::fs::read(dir.path().join("page-1.png")).unwrap();
    assert_eq!(&rendered[..8], b"\x89PNG\r\n\x1a\n");
    assert!(rendered.len() > 2000, "the page has content");
}
