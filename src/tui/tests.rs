//! Headless tests of the screens: a real service on a scratch database with a fixed
//! clock, requests run synchronously, frames rendered to a `TestBackend` and compared
//! with committed insta snapshots.

use super::keymap::{Key, Keymap};
use super::screen::{App, Pane};
use super::theme::Theme;
use super::worker::Msg;
use crate::app::{CreateOrder, PlaceRequest, Service};
use crate::config::Config;
use crate::domain::job::JobKind;
use crate::domain::receiving::ReceiveRequest;
use crate::domain::{ApprovalRule, ItemId, OrderType, PlacementMethod, PoNumber, Timestamp};
use crate::identity::{self, Actor};
use crate::store::Store;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn t0() -> Timestamp {
    "2026-11-26T10:00:00Z".parse().unwrap()
}

/// The demo's configuration with fixed distributors in place of the loopback sandboxes
/// that `purser demo` adds.
fn config() -> Config {
    let text = include_str!("../../assets/demo-config.toml")
        .replace("{os_user}", "boss")
        .replace("{inbox}", "/nonexistent/inbox")
        + STATIC_DISTRIBUTORS;
    Config::parse(&text).unwrap()
}

const STATIC_DISTRIBUTORS: &str = r#"
[distributors.ingram]
kind = "ingram"
name = "Ingram Micro"
currency = "EUR"
email = ["orders@ingram.demo.invalid"]

[distributors.tdsynnex]
kind = "tdsynnex_eu"
name = "TD SYNNEX"
currency = "EUR"
email = ["orders@tdsynnex.demo.invalid"]

[distributors.pax8]
kind = "pax8"
name = "Pax8"
currency = "EUR"
"#;

fn as_user(c: &Config, name: &str) -> Actor {
    identity::resolve(c, Some(name), name).unwrap()
}

/// The demo's story, on a fixed clock: orders in every status.
fn populate(svc: &Service, c: &Config) {
    let (alice, ada, carol, rick) = (
        as_user(c, "alice"),
        as_user(c, "ada"),
        as_user(c, "carol"),
        as_user(c, "rick"),
    );
    for (name, text) in &crate::demo::SAMPLES[..3] {
        svc.import_text(&alice, name, text).unwrap();
    }
    svc.add_rule(
        &ada,
        ApprovalRule {
            from: "5000".parse().unwrap(),
            to: Some("20000".parse().unwrap()),
            approver: "carol".into(),
        },
    )
    .unwrap();
    svc.add_rule(
        &ada,
        ApprovalRule {
            from: "20000.01".parse().unwrap(),
            to: None,
            approver: "dave".into(),
        },
    )
    .unwrap();
    let items = svc.list_items(&Default::default()).unwrap();
    let ids = |quote: &str, skus: &[&str]| -> Vec<ItemId> {
        skus.iter()
            .filter_map(|s| items.iter().find(|i| i.quote_id == quote && i.sku == *s).map(|i| i.id))
            .collect()
    };
    let create = |d: &str, items: Vec<ItemId>, t: OrderType| {
        svc.create_order(
            &alice,
            CreateOrder {
                distributor: d.into(),
                order_type: t,
                items,
                ..Default::default()
            },
        )
        .unwrap()
        .number
    };
    let place = |a: &Actor, po| {
        svc.place(
            a,
            PlaceRequest {
                po,
                method: PlacementMethod::Manual,
                link: None,
            },
        )
        .unwrap();
    };
    let docks = create("ingram", ids("Q-2026-0142", &["40AY0090EU"]), OrderType::Wholesale);
    place(&alice, docks);
    svc.receive(
        &rick,
        docks,
        ReceiveRequest {
            line: 1,
            quantity: Some(3),
            serials: vec![],
        },
    )
    .unwrap();
    let nb = create("ingram", ids("Q-2026-0142", &["20XW00A1NL"]), OrderType::Dropship);
    place(&alice, nb);
    svc.receive(
        &rick,
        nb,
        ReceiveRequest {
            line: 1,
            quantity: None,
            serials: vec!["PF4XK2A1".into()],
        },
    )
    .unwrap();
    let ws = create(
        "ingram",
        ids("Q-2026-0155", &["WS-Z2-G9", "NAS-DS923"]),
        OrderType::Wholesale,
    );
    place(&alice, ws);
    let wifi = create(
        "tdsynnex",
        ids("Q-2026-0150", &["AP-650", "SW-2930F-24"]),
        OrderType::Wholesale,
    );
    place(&carol, wifi);
    create("ingram", ids("Q-2026-0155", &["HDD-8TB-NAS"]), OrderType::Wholesale);
    let cancelled = create("dicker", ids("Q-2026-0155", &["UPS-1500"]), OrderType::Wholesale);
    svc.cancel(&alice, cancelled).unwrap();
}

/// A service and the screens of one user, run synchronously.
struct Harness {
    _dir: tempfile::TempDir,
    svc: Service,
    app: App,
    /// What the screens saw of the database, as the worker keeps it.
    poller: super::worker::Poller,
    /// The time keys arrive at: a person's keys come 150 ms apart, a scanner's 4 ms.
    clock: Instant,
}

impl Harness {
    fn new(user: &str) -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let c = config();
        let svc = Service::new(
            Store::open(&dir.path().join("t.redb")).unwrap(),
            Arc::new(c.clone()),
            Arc::new(t0),
        );
        populate(&svc, &c);
        let keymap = Keymap::load(&BTreeMap::new()).unwrap();
        let app = App::new(
            as_user(&c, user),
            Arc::new(c),
            keymap,
            Theme::built_in("dark").unwrap(),
            t0() + chrono::Duration::hours(2),
        );
        let poller = super::worker::Poller::new(&svc);
        let mut h = Harness {
            _dir: dir,
            svc,
            app,
            poller,
            clock: Instant::now(),
        };
        h.settle();
        h
    }

    /// The worker's poll: what changed since the screens last looked goes to them, and
    /// what they ask for then is run.
    fn poll(&mut self) {
        if let Some(m) = self.poller.poll(&self.svc) {
            self.app.on_msg(m);
        }
        self.settle();
    }

    /// Another client on the same database file (as another process would be).
    fn other_client(&self) -> Service {
        Service::new(
            Store::open(self.svc.database_path()).unwrap(),
            Arc::new(config()),
            Arc::new(t0),
        )
    }

    /// Runs every request the screens made, feeding the answers back, until quiet.
    fn settle(&mut self) {
        self.app.settle(&self.svc);
    }

    /// Presses keys named as in key files, separated by spaces: "x", "enter", "ctrl-c",
    /// as a person does (each alone), settling after each.
    fn keys(&mut self, keys: &str) {
        for k in keys.split_whitespace() {
            let key = Key::parse(k).unwrap();
            let mut mods = key.mods;
            if let KeyCode::Char(c) = key.code {
                if c.is_ascii_uppercase() {
                    mods |= KeyModifiers::SHIFT;
                }
            }
            self.press(KeyEvent::new(key.code, mods));
            self.settle();
        }
    }

    /// One key, as a person presses it: alone, then a pause.
    fn press(&mut self, ev: KeyEvent) {
        self.clock += Duration::from_millis(150);
        self.app.on_key_at(ev, self.clock);
        self.pause();
    }

    /// Time passes without a key: characters held back act.
    fn pause(&mut self) {
        self.clock += Duration::from_millis(100);
        self.app.idle_at(self.clock);
    }

    /// Types text character by character as a person does (`\n` is Enter), without
    /// settling between.
    fn type_text(&mut self, text: &str) {
        self.type_at(text, 120);
        self.pause();
    }

    /// Types text as a barcode scanner does: a character every 4 ms (`\n` is Enter).
    fn scan(&mut self, text: &str) {
        self.type_at(text, 4);
    }

    fn type_at(&mut self, text: &str, every_ms: u64) {
        for c in text.chars() {
            let ev = match c {
                '\n' => KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE),
                '\t' => KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE),
                c if c.is_ascii_uppercase() => KeyEvent::new(KeyCode::Char(c), KeyModifiers::SHIFT),
                c => KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE),
            };
            self.clock += Duration::from_millis(every_ms);
            self.app.on_key_at(ev, self.clock);
        }
    }

    fn render(&self, w: u16, h: u16) -> String {
        let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
        term.draw(|f| super::ui::draw(&self.app, f)).unwrap();
        term.backend().to_string()
    }

    fn order(&self, po: u64) -> crate::domain::Order {
        self.svc.order(PoNumber(po)).unwrap()
    }

    /// A wholesale order of `item` to `distributor`, created and placed by hand by alice.
    fn placed_by_hand(&self, distributor: &str, item: ItemId) -> PoNumber {
        let alice = as_user(&config(), "alice");
        let req = CreateOrder {
            distributor: distributor.into(),
            order_type: OrderType::Wholesale,
            items: vec![item],
            ..Default::default()
        };
        let po = self.svc.create_order(&alice, req).unwrap().number;
        let place = PlaceRequest {
            po,
            method: PlacementMethod::Manual,
            link: None,
        };
        self.svc.place(&alice, place).unwrap();
        po
    }
}

#[test]
fn pending_pane() {
    let h = Harness::new("alice");
    assert_eq!(h.app.pane, Pane::Pending);
    insta::assert_snapshot!("pending_80x24", h.render(80, 24));
    insta::assert_snapshot!("pending_120x30", h.render(120, 30));
}

#[test]
fn pending_filter_mark_and_dismiss() {
    let mut h = Harness::new("alice");
    h.keys("/");
    h.type_text("dental");
    h.keys("enter");
    assert_eq!(h.app.pending.view.len(), 2);
    h.keys("space x");
    insta::assert_snapshot!("pending_dismiss_dialog", h.render(80, 24));
    h.keys("enter");
    assert!(h.app.dialog.is_some(), "a reason is required");
    h.type_text("customer cancelled");
    h.keys("enter");
    assert!(h.app.dialog.is_none());
    let dismissed: Vec<_> = h
        .svc
        .list_items(&crate::domain::item::ItemFilter {
            dismissed_only: true,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(dismissed.len(), 1);
    assert_eq!(h.app.pending.view.len(), 1, "gone from the pool");
    // Restore it from the dismissed view.
    h.keys("d");
    assert_eq!(h.app.pending.view.len(), 1);
    h.keys("r");
    assert!(h
        .svc
        .list_items(&crate::domain::item::ItemFilter {
            dismissed_only: true,
            ..Default::default()
        })
        .unwrap()
        .is_empty());
}

#[test]
fn pending_split_and_create_order() {
    let mut h = Harness::new("alice");
    // CAT6 cables: 40 units; split 15 off.
    h.keys("/");
    h.type_text("CAT6");
    h.keys("enter S");
    h.type_text("15");
    h.keys("enter");
    assert_eq!(h.app.pending.view.len(), 2);
    h.keys("G space");
    h.keys("n");
    insta::assert_snapshot!("create_order_form", h.render(80, 24));
    // Dropship: the ship-to is prefilled from the quote.
    h.keys("tab right");
    h.keys("enter");
    assert!(h.app.dialog.is_none(), "{:?}", h.app.status);
    let o = h.order(7);
    assert_eq!(o.lines.len(), 1);
    assert_eq!(o.order_type, OrderType::Dropship);
    assert_eq!(o.ship_to.as_ref().unwrap().city.as_deref(), Some("Rotterdam"));
    assert_eq!(o.lines[0].quantity, 15);
}

#[test]
fn orders_pane_and_detail() {
    let mut h = Harness::new("alice");
    h.keys("2");
    insta::assert_snapshot!("orders_80x24", h.render(80, 24));
    h.keys("j j enter");
    assert_eq!(h.app.orders.detail.as_ref().unwrap().po, PoNumber(4));
    insta::assert_snapshot!("order_detail_100x30", h.render(100, 30));
}

#[test]
fn an_order_in_detail_scrolls_no_further_than_its_last_line() {
    let mut h = Harness::new("alice");
    h.keys("2 j j enter");
    h.render(100, 14);
    let max = h.app.orders.detail.as_ref().unwrap().max_scroll.get();
    assert!(
        max > 0 && max < 200,
        "in a short window the part below the lines is taller than the pane: {max}"
    );
    for _ in 0..100 {
        h.keys("pagedown");
    }
    assert_eq!(h.app.orders.detail.as_ref().unwrap().scroll, max);
    let bottom = h.render(100, 14);
    // One page up shows lines above the last ones at once.
    h.keys("pageup");
    assert_eq!(h.app.orders.detail.as_ref().unwrap().scroll, max.saturating_sub(5));
    assert_ne!(h.render(100, 14), bottom);
}

#[test]
fn placing_shows_the_services_refusal_and_cancel_its_warning() {
    let mut h = Harness::new("alice");
    // An order for Dicker Data, a distributor without an ordering API.
    h.keys("/");
    h.type_text("UPS");
    h.keys("enter n enter");
    assert_eq!(h.order(7).distributor, "dicker");
    h.keys("2 g p");
    insta::assert_snapshot!("place_picker", h.render(80, 24));
    // API: the service refuses, and the screen shows its reason.
    h.keys("left left enter");
    let (_, msg) = h.app.status.clone().unwrap();
    assert!(
        msg.contains("not available yet") && msg.contains("no ordering API"),
        "{msg}"
    );
    assert_eq!(h.order(7).status(), crate::domain::OrderStatus::Pending);
    // The form comes back as it was, with the reason, to change the method.
    let Some(super::form::Dialog::Form(form)) = &h.app.dialog else {
        panic!("the place form is open again")
    };
    assert!(form.error.as_deref().unwrap_or("").contains("no ordering API"));
    assert_eq!(form.get("Method").value(), "distributor API");
    h.keys("esc");
    // Mark PO-000005 as submitted, with a link. Its distributor has an API, so that is
    // the method offered first; `m` picks "mark as submitted".
    h.keys("j j p");
    let Some(super::form::Dialog::Form(form)) = &h.app.dialog else {
        panic!("the place form is open")
    };
    assert_eq!(form.get("Method").value(), "distributor API");
    h.keys("m tab");
    h.type_text("https://portal.example/po/5");
    h.keys("enter");
    assert_eq!(h.order(5).status(), crate::domain::OrderStatus::Submitted);
    assert_eq!(
        h.order(5).submission().unwrap().link.as_deref(),
        Some("https://portal.example/po/5")
    );
    // Cancel it: asks first, then shows the service's warning.
    h.keys("c");
    insta::assert_snapshot!("cancel_confirm", h.render(80, 24));
    h.keys("y");
    let (_, msg) = h.app.status.clone().unwrap();
    assert!(msg.contains("cancel it with the distributor too"), "{msg}");
}

#[test]
fn order_detail_add_and_remove_items() {
    let mut h = Harness::new("alice");
    h.keys("2 j enter");
    assert_eq!(h.app.orders.detail.as_ref().unwrap().po, PoNumber(5));
    h.keys("a");
    h.type_text("P24H");
    h.keys("space enter");
    // The monitor is TD SYNNEX's and PO-000005 goes to Ingram Micro: asked first.
    let screen = h.render(120, 40);
    assert!(
        screen.contains("of TD SYNNEX") && screen.contains("order from Ingram Micro anyway?"),
        "{screen}"
    );
    assert_eq!(h.order(5).lines.len(), 1, "nothing added before the answer");
    h.keys("y");
    assert_eq!(h.order(5).lines.len(), 2);
    let added = h.order(5).lines[1].clone();
    assert_eq!(
        added.distributor_sku, None,
        "TD SYNNEX's part number is not sent to Ingram"
    );
    h.keys("j x");
    assert_eq!(h.order(5).lines.len(), 1);
}

#[test]
fn approvals_pane_approve_and_reject() {
    let mut h = Harness::new("carol");
    h.keys("3");
    insta::assert_snapshot!("approvals_80x24", h.render(80, 24));
    h.keys("r enter");
    assert!(h.app.dialog.is_some(), "a reason is required");
    h.type_text("too expensive");
    h.keys("enter");
    assert_eq!(h.order(3).status(), crate::domain::OrderStatus::Pending);
    assert!(h.app.approvals.view.is_empty());
}

#[test]
fn approve_and_place() {
    let mut h = Harness::new("carol");
    h.keys("3 a m enter");
    assert_eq!(h.order(3).status(), crate::domain::OrderStatus::Submitted);
    assert_eq!(h.order(3).approver(), Some("carol"));
}

#[test]
fn receiving_pane_takes_a_burst_of_scans() {
    let mut h = Harness::new("rick");
    assert_eq!(h.app.pane, Pane::Receiving);
    assert!(h.app.receiving.focused);
    insta::assert_snapshot!("receiving_80x24", h.render(80, 24));
    // A burst: all typed before any commit comes back.
    h.type_text("AP-650\nSN-1\nSN-2\nSN-2\n");
    assert!(h.app.receiving.inflight, "SN-1 is being committed");
    assert_eq!(h.app.receiving.queue.len(), 2, "both SN-2 wait their turn");
    h.settle();
    // Esc ends the serials of line 1; then two serials for the switches.
    h.keys("esc");
    h.type_text("*2\nCAT6-NOPE\nJL259A\nS1\nS2\n");
    h.settle();
    let o = h.order(4);
    assert_eq!(o.received_on(1), 2);
    assert_eq!(o.received_on(2), 2);
    insta::assert_snapshot!("receiving_after_scans", h.render(80, 24));
    // Undo the last receipt.
    h.keys("ctrl-z");
    assert_eq!(h.order(4).received_on(2), 1);
}

#[test]
fn quitting_asks_only_when_typed_input_would_be_lost() {
    let mut h = Harness::new("rick");
    h.type_text("half-typed");
    h.keys("ctrl-c");
    assert!(!h.app.quit);
    assert!(h.app.dialog.is_some());
    h.keys("n");
    assert!(h.app.dialog.is_none() && !h.app.quit);
    let mut h = Harness::new("alice");
    h.keys("q");
    assert!(h.app.quit);
}

#[test]
fn audit_pane_filters() {
    let mut h = Harness::new("alice");
    h.keys("5");
    insta::assert_snapshot!("audit_100x24", h.render(100, 24));
    h.keys("/");
    h.type_text("PO-000004");
    h.keys("enter");
    assert!(h
        .app
        .audit
        .view
        .iter()
        .all(|i| h.app.data.audit[*i].entity == "PO-000004"));
    h.keys("/ tab");
    h.type_text("carol");
    assert!(!h.app.audit.view.is_empty());
    assert!(h.app.audit.view.iter().all(|i| h.app.data.audit[*i].actor == "carol"));
}

#[test]
fn settings_for_admins() {
    let mut h = Harness::new("ada");
    h.keys("s");
    assert_eq!(h.app.pane, Pane::Settings);
    insta::assert_snapshot!("settings_80x24", h.render(80, 24));
    h.keys("a");
    h.type_text("100");
    h.keys("tab");
    h.type_text("200");
    h.keys("enter");
    assert_eq!(h.svc.rules().unwrap().len(), 3);
    h.keys("G x y");
    assert_eq!(h.svc.rules().unwrap().len(), 2);
    let mut h = Harness::new("rick");
    h.keys("esc s");
    assert_ne!(h.app.pane, Pane::Settings);
}

#[test]
fn help_lists_the_panes_keys() {
    let mut h = Harness::new("alice");
    h.keys("?");
    assert!(h.app.help);
    insta::assert_snapshot!("help_pending_80x24", h.render(80, 24));
    let lines = super::ui::help_lines(&h.app);
    for needle in ["dismiss", "split", "create an order", "filter"] {
        assert!(lines.iter().any(|(_, d)| d.contains(needle)), "{needle}");
    }
    h.keys("esc");
    assert!(!h.app.help);
}

#[test]
fn other_peoples_changes_appear() {
    let mut h = Harness::new("rick");
    let alice = as_user(&config(), "alice");
    h.svc
        .place(
            &alice,
            PlaceRequest {
                po: PoNumber(5),
                method: PlacementMethod::Manual,
                link: None,
            },
        )
        .unwrap();
    h.poll();
    assert!(h.app.receiving.orders.contains(&PoNumber(5)));
}

#[test]
fn monochrome_renders() {
    let mut h = Harness::new("alice");
    h.app.theme = Theme::built_in("monochrome").unwrap();
    let mut term = Terminal::new(TestBackend::new(80, 24)).unwrap();
    term.draw(|f| super::ui::draw(&h.app, f)).unwrap();
    let buf = term.backend().buffer();
    assert!(buf
        .content
        .iter()
        .all(|c| c.fg == ratatui::style::Color::Reset && c.bg == ratatui::style::Color::Reset));
    h.keys("2");
}

#[test]
fn quotes_are_imported_from_the_pending_pane() {
    let mut h = Harness::new("alice");
    h.settle();
    let file = h._dir.path().join("northwind.csv");
    std::fs::write(&file, crate::demo::SAMPLES[3].1).unwrap();
    h.keys("I");
    h.type_text(&format!("{}\n", file.display()));
    h.settle();
    let imported = h.svc.list_items(&Default::default()).unwrap();
    assert!(imported
        .iter()
        .any(|i| i.quote_id == "Q-2026-0161" && i.sku == "PHN-T54W"));
    let status = h.app.status.clone().map(|(_, s)| s).unwrap_or_default();
    assert!(status.contains("Q-2026-0161: 2 items"), "{status}");
    // The same file again changes nothing and says so.
    h.keys("I");
    h.type_text(&format!("{}\n", file.display()));
    h.settle();
    let status = h.app.status.clone().map(|(_, s)| s).unwrap_or_default();
    assert!(status.contains("already imported"), "{status}");
}

#[test]
fn an_order_being_sent_can_be_settled_from_its_detail() {
    let mut h = Harness::new("alice");
    let alice = as_user(h.svc.config(), "alice");
    let r = h
        .svc
        .place(
            &alice,
            crate::app::PlaceRequest {
                po: PoNumber(5),
                method: crate::domain::PlacementMethod::Email,
                link: None,
            },
        )
        .unwrap();
    let job = r.job.expect("an email job");
    h.keys("2");
    h.keys("ctrl-r");
    h.keys("j enter");
    assert_eq!(h.app.orders.detail.as_ref().unwrap().po, PoNumber(5));
    assert!(h.render(120, 40).contains("M recorded as sent, R send again"));
    // The job is only queued, not uncertain: both answers are refused, saying why.
    h.keys("M");
    let status = h.app.status.clone().map(|(_, s)| s).unwrap_or_default();
    assert!(
        status.contains(&format!(
            "job {job} is queued; only an uncertain job can be marked as done"
        )),
        "{status}"
    );
    h.keys("R");
    let status = h.app.status.clone().map(|(_, s)| s).unwrap_or_default();
    assert!(
        status.contains("only failed or uncertain jobs can be retried"),
        "{status}"
    );
    assert!(h.order(5).sending.is_some(), "nothing changed");
}

#[test]
fn a_pending_orders_header_is_edited_in_its_detail() {
    let mut h = Harness::new("alice");
    h.keys("2 j enter");
    assert_eq!(h.app.orders.detail.as_ref().unwrap().po, PoNumber(5));
    assert_eq!(h.order(5).order_type, OrderType::Wholesale);
    let screen = h.render(120, 40);
    assert!(
        screen.contains("ship to: our warehouse, Northsea IT Services, Stationsweg 8, 3511 ED Utrecht, NL"),
        "{screen}"
    );
    h.keys("e");
    // 22 fields do not fit in 24 rows: the form shows the page with the focus.
    insta::assert_snapshot!("edit_order_form", h.render(80, 24));
    assert!(!h.app.has_typed_input(), "a form as filled has nothing to lose");

    // Dropship with half an address: refused in the form, nothing saved.
    h.keys("right tab tab tab");
    h.type_text("Kanaalweg 12");
    assert!(h.app.has_typed_input());
    h.keys("enter");
    let Some(super::form::Dialog::Form(form)) = &h.app.dialog else {
        panic!("the form stays open")
    };
    let error = form.error.clone().unwrap_or_default();
    assert!(error.contains("missing: name, city, postal_code, country"), "{error}");
    assert_eq!(h.order(5).order_type, OrderType::Wholesale);
    assert!(h.order(5).ship_to.is_none());

    // Clear the street again, then set the special bid, the end user and the notes.
    for _ in 0.."Kanaalweg 12".len() {
        h.keys("backspace");
    }
    for _ in 0..7 {
        h.keys("tab");
    }
    h.type_text("SB-2026-114");
    h.keys("tab");
    h.type_text("Northwind Clinics");
    for _ in 0..9 {
        h.keys("tab");
    }
    h.type_text("Deliver to dock 2");
    h.keys("tab ctrl-u");
    h.type_text("35.50");
    h.keys("enter");
    assert!(h.app.dialog.is_none(), "{:?}", h.app.status);
    let o = h.order(5);
    assert_eq!(o.order_type, OrderType::Dropship);
    assert_eq!(
        o.ship_to.as_ref().and_then(|a| a.city.as_deref()),
        Some("Amersfoort"),
        "a blank ship-to on a dropship order is the quote's"
    );
    assert_eq!(o.special_bid.as_deref(), Some("SB-2026-114"));
    assert_eq!(
        o.end_user.as_ref().and_then(|a| a.name.as_deref()),
        Some("Northwind Clinics")
    );
    assert_eq!(o.notes.as_deref(), Some("Deliver to dock 2"));
    assert_eq!(o.shipping, "35.50".parse().unwrap());
    let screen = h.render(120, 40);
    for part in [
        "SB-2026-114",
        "Northwind Clinics",
        "Deliver to dock 2",
        "35.50 EUR",
        "dropship",
    ] {
        assert!(screen.contains(part), "{part} missing:\n{screen}");
    }
    let trail = h.svc.audit(&Default::default()).unwrap();
    assert_eq!(trail.last().unwrap().action, "po.edit");

    // Opening it again and saving without a change says so and writes nothing.
    h.keys("e enter");
    let Some(super::form::Dialog::Form(form)) = &h.app.dialog else {
        panic!("the form stays open")
    };
    assert!(form.error.as_deref().unwrap_or("").contains("nothing changed"));
    h.keys("esc");
    assert_eq!(h.svc.audit(&Default::default()).unwrap().len(), trail.len());

    // A placed order's header is not editable.
    h.keys("esc G e");
    assert!(h.app.dialog.is_none());
    let status = h.app.status.clone().map(|(_, s)| s).unwrap_or_default();
    assert!(
        status.contains("editing is only possible while it is Pending"),
        "{status}"
    );
}

#[test]
fn a_refusal_reopens_the_form_it_came_from_even_with_others_in_flight() {
    let mut h = Harness::new("alice");
    let press = |h: &mut Harness, code: KeyCode, mods: KeyModifiers| h.press(KeyEvent::new(code, mods));
    let first = h.app.pending.view[0];
    let first_id = h.app.data.items[first as usize].id;
    // Two splits sent before the worker answers either: too many units, then one unit.
    press(&mut h, KeyCode::Char('S'), KeyModifiers::SHIFT);
    h.type_text("999\n");
    press(&mut h, KeyCode::Char('j'), KeyModifiers::NONE);
    press(&mut h, KeyCode::Char('S'), KeyModifiers::SHIFT);
    h.type_text("1\n");
    assert!(h.app.dialog.is_none());
    h.settle();
    let Some(super::form::Dialog::Form(form)) = &h.app.dialog else {
        panic!("the refused split's form is back")
    };
    assert_eq!(form.purpose, super::form::Purpose::Split(first_id));
    assert_eq!(form.get("Quantity to split off").value(), "999");
    assert!(form.error.is_some());
    assert!(h.app.submitted.is_empty());
}

/// Orders the item on the Pending pane's first row, as a colleague would, from its own
/// distributor.
fn order_first_pool_row(h: &Harness, actor: &Actor) {
    let item = &h.app.data.items[h.app.pending.view[0] as usize];
    h.svc
        .create_order(
            actor,
            CreateOrder {
                distributor: item.distributor.clone().unwrap().to_string(),
                order_type: OrderType::Wholesale,
                items: vec![item.id],
                ..Default::default()
            },
        )
        .unwrap();
}

#[test]
fn the_selection_stays_on_its_row_when_rows_come_and_go() {
    let mut h = Harness::new("alice");
    let alice = as_user(h.svc.config(), "alice");
    // Pending: the third row is selected; the first row's item is ordered elsewhere.
    h.keys("j j");
    let selected = h.app.pending_selected().unwrap();
    order_first_pool_row(&h, &alice);
    h.keys("ctrl-r");
    assert_eq!(h.app.pending_selected(), Some(selected));
    // Orders: PO-000004 selected; a new order arrives at the top.
    h.keys("2 j j");
    assert_eq!(h.app.orders_selected(), Some(PoNumber(4)));
    order_first_pool_row(&h, &alice);
    h.keys("ctrl-r");
    assert_eq!(h.app.data.orders[0].number, PoNumber(8), "the new order is on top");
    assert_eq!(h.app.orders_selected(), Some(PoNumber(4)));
}

#[test]
fn one_bad_file_in_an_import_does_not_hold_back_the_others() {
    let h = Harness::new("alice");
    let alice = as_user(&config(), "alice");
    let good = h._dir.path().join("northwind.csv");
    std::fs::write(&good, crate::demo::SAMPLES[3].1).unwrap();
    let bad = h._dir.path().join("broken.json");
    std::fs::write(&bad, "{").unwrap();
    let fx = super::worker::execute(
        &h.svc,
        &alice,
        super::worker::Command::Import {
            files: vec![bad.clone(), good],
        },
    )
    .expect("the good file imports");
    assert!(fx.message.contains("Q-2026-0161: 2 items"), "{}", fx.message);
    let warning = fx.warning.unwrap_or_default();
    assert!(warning.contains("broken.json"), "{warning}");
    assert!(fx.items.iter().any(|i| i.quote_id == "Q-2026-0161"));
    // Nothing imports: the command fails, naming why.
    let e = super::worker::execute(&h.svc, &alice, super::worker::Command::Import { files: vec![bad] }).unwrap_err();
    assert!(e.to_string().contains("broken.json"), "{e}");
}

#[test]
fn dismissing_several_items_takes_all_of_them_or_none() {
    let h = Harness::new("alice");
    let alice = as_user(&config(), "alice");
    let items = h
        .svc
        .list_items(&crate::domain::item::ItemFilter {
            all: true,
            ..Default::default()
        })
        .unwrap();
    let free = items
        .iter()
        .find(|i| i.state == crate::domain::ItemState::Pending)
        .unwrap()
        .id;
    let ordered = items
        .iter()
        .find(|i| matches!(i.state, crate::domain::ItemState::Ordered { .. }))
        .unwrap()
        .id;
    let e = super::worker::execute(
        &h.svc,
        &alice,
        super::worker::Command::Dismiss {
            ids: vec![free, ordered],
            reason: "not needed".into(),
        },
    )
    .unwrap_err();
    assert!(e.to_string().contains(&format!("item {ordered}")), "{e}");
    assert_eq!(
        h.svc.item(free).unwrap().state,
        crate::domain::ItemState::Pending,
        "not dismissed alone"
    );
}

/// What the dock's scan box holds.
fn scan_box(h: &Harness) -> String {
    h.app.receiving.input.value().to_string()
}

#[test]
fn at_the_dock_a_scan_never_runs_commands() {
    let mut h = Harness::new("rick");
    // Leave the scan box, then scan a code that starts with a pane's digit and holds
    // letters bound elsewhere (q quits, s settings, g top): it all goes into the box.
    h.keys("esc");
    assert!(!h.app.receiving.focused);
    h.type_text("2qsg-X");
    assert_eq!(h.app.pane, Pane::Receiving);
    assert!(h.app.dialog.is_none() && !h.app.quit);
    assert!(h.app.receiving.focused);
    assert_eq!(scan_box(&h), "2qsg-X");
    // Esc clears half-typed text first, so it never joins the next scan.
    h.keys("esc");
    assert_eq!(scan_box(&h), "");
    assert!(h.app.receiving.focused);
    // A scan arriving while help is open closes help and keeps every character.
    h.keys("f1");
    assert!(h.app.help);
    h.type_text("SN-9");
    assert!(!h.app.help);
    assert_eq!(scan_box(&h), "SN-9");
    // The quit question takes only `y` for yes: a scan's Enter does not quit.
    h.keys("ctrl-c");
    assert!(h.app.dialog.is_some());
    h.keys("enter");
    assert!(!h.app.quit);
    // Other characters of a scan close the question and go to the box.
    h.type_text("7");
    assert!(h.app.dialog.is_none() && !h.app.quit);
    assert_eq!(scan_box(&h), "SN-97");
}

#[test]
fn esc_then_a_quick_digit_while_scanning_serials_is_not_a_pane_switch() {
    let mut h = Harness::new("rick");
    h.type_text("AP-650\n");
    h.settle();
    assert!(matches!(
        h.app.receiving.state.mode,
        crate::tui::scan::ScanMode::Serials { .. }
    ));
    // Esc followed within the terminal's escape time by `3` arrives as alt-3.
    h.press(KeyEvent::new(KeyCode::Char('3'), KeyModifiers::ALT));
    h.settle();
    assert_eq!(h.app.pane, Pane::Receiving, "still at the dock");
    assert_eq!(
        h.app.receiving.state.mode,
        crate::tui::scan::ScanMode::Idle,
        "the serials stopped"
    );
    assert_eq!(scan_box(&h), "3");
    // On an idle, empty box alt-3 does switch panes.
    h.keys("esc");
    h.press(KeyEvent::new(KeyCode::Char('3'), KeyModifiers::ALT));
    assert_eq!(h.app.pane, Pane::Approvals);
}

#[test]
fn undo_at_the_dock_takes_back_only_this_sessions_receipts() {
    let mut h = Harness::new("rick");
    // PO-000002 already has receipts from before: ctrl-z does not touch them.
    let before = h.order(2).receipts.clone();
    assert!(!before.is_empty());
    h.keys("ctrl-z");
    h.settle();
    assert_eq!(h.order(2).receipts, before);
    assert!(h.app.bell);
    let log = format!("{:?}", h.app.receiving.log);
    assert!(log.contains("nothing received in this session to undo"), "{log}");
}

#[test]
fn dock_keys_with_plain_characters_are_refused() {
    let mut keys = BTreeMap::new();
    keys.insert("receiving.undo".to_string(), "u".to_string());
    let e = Keymap::load(&keys).unwrap_err().to_string();
    assert!(e.contains("typed into the scan box"), "{e}");
    keys.insert("receiving.undo".to_string(), "ctrl-u".to_string());
    Keymap::load(&keys).unwrap();
}

#[test]
fn a_code_of_a_completed_order_is_named_not_unknown() {
    let mut h = Harness::new("rick");
    let rick = as_user(&config(), "rick");
    // Complete an open order, as a colleague would.
    let po = h
        .svc
        .list_orders()
        .unwrap()
        .into_iter()
        .find(|o| o.status().is_receivable())
        .expect("an open order")
        .number;
    let order = h.order(po.0);
    for (i, l) in order.lines.iter().enumerate() {
        let open = l.quantity - order.received_on(i as u32 + 1);
        let serials = if l.serialized {
            (0..open).map(|k| format!("T-{}-{i}-{k}", po.0)).collect()
        } else {
            vec![]
        };
        let req = ReceiveRequest {
            line: i as u32 + 1,
            quantity: Some(open),
            serials,
        };
        h.svc.receive(&rick, po, req).unwrap();
    }
    h.poll();
    let sku = order.lines[0].sku.to_string();
    h.type_text(&format!("{sku}\n"));
    h.settle();
    let (_, last) = h.app.receiving.log.back().cloned().unwrap();
    assert!(
        last.contains("completely received") && last.contains(&po.to_string()),
        "{last}"
    );
}

#[test]
fn a_form_the_user_may_not_submit_is_not_opened() {
    let mut h = Harness::new("rick");
    // At the dock digits are typed into the scan box; alt-1 switches panes.
    h.keys("alt-1");
    assert_eq!(h.app.pane, Pane::Pending);
    h.keys("n");
    assert!(h.app.dialog.is_none(), "no New order form for a receiver");
    let (_, msg) = h.app.status.clone().unwrap();
    assert_eq!(msg, "rick may not create purchase orders: that needs the buyer role");
    // An order that is already on its way cannot be placed: said at once, no form.
    let mut h = Harness::new("alice");
    let partial = h
        .svc
        .list_orders()
        .unwrap()
        .into_iter()
        .find(|o| o.status() == crate::domain::OrderStatus::Partial)
        .expect("a partial order")
        .number;
    h.app.open_place(partial, false);
    assert!(h.app.dialog.is_none());
    let (_, msg) = h.app.status.clone().unwrap();
    assert!(
        msg.contains("placing is only possible while it is Pending or Awaiting approval"),
        "{msg}"
    );
}

#[test]
fn an_api_placement_the_distributor_would_refuse_is_refused_at_once() {
    let h = Harness::new("alice");
    let c = h.svc.config().clone();
    let (alice, ada) = (as_user(&c, "alice"), as_user(&c, "ada"));
    // Two wholesale orders for TD SYNNEX (they go to our warehouse, whose state is set):
    // one pending, one that alice sent to carol for approval.
    h.svc
        .add_rule(
            &ada,
            ApprovalRule {
                from: "300".parse().unwrap(),
                to: Some("4999.99".parse().unwrap()),
                approver: "carol".into(),
            },
        )
        .unwrap();
    let items = h.svc.list_items(&Default::default()).unwrap();
    let id = |sku: &str| items.iter().find(|i| i.sku == sku).unwrap().id;
    let split = h.svc.split(&alice, id("P24H-2L"), 1).unwrap().1.id;
    let create = |item| {
        let req = CreateOrder {
            distributor: "tdsynnex".into(),
            items: vec![item],
            ..Default::default()
        };
        h.svc.create_order(&alice, req).unwrap().number
    };
    let awaiting = create(id("P24H-2L"));
    let pending = create(split);
    let r = h
        .svc
        .place(
            &alice,
            PlaceRequest {
                po: awaiting,
                method: PlacementMethod::Manual,
                link: None,
            },
        )
        .unwrap();
    assert_eq!(r.order.status(), crate::domain::OrderStatus::AwaitingApproval);
    // The warehouse loses its state in the configuration.
    let text = include_str!("../../assets/demo-config.toml")
        .replace("{os_user}", "boss")
        .replace("{inbox}", "/nonexistent/inbox")
        .replace("state = \"UT\"\n", "")
        + STATIC_DISTRIBUTORS;
    let c = Arc::new(Config::parse(&text).unwrap());
    let Harness {
        _dir,
        svc,
        mut app,
        poller,
        clock,
    } = h;
    drop(svc);
    let store = Store::open(&_dir.path().join("t.redb")).unwrap();
    let svc = Service::new(store, c.clone(), Arc::new(t0));
    app.config = c.clone();
    let mut h = Harness {
        _dir,
        svc,
        app,
        poller,
        clock,
    };
    let missing = "TD SYNNEX cannot take this order: the warehouse ([company.warehouse]) address lacks state";

    // Alice's placement is refused at once, by the service's answer for the order, naming
    // the field: no place form opens, nothing goes to the background.
    h.keys("2 ctrl-r g");
    assert_eq!(h.app.orders_selected(), Some(pending));
    h.keys("p");
    assert!(h.app.dialog.is_none(), "no place form");
    let (_, msg) = h.app.status.clone().unwrap();
    assert!(msg.contains(missing), "{msg}");

    // Carol approving it from her Approvals pane is refused the same way.
    let keymap = Keymap::load(&BTreeMap::new()).unwrap();
    let carol = App::new(
        as_user(&c, "carol"),
        c.clone(),
        keymap,
        Theme::built_in("dark").unwrap(),
        t0(),
    );
    h.app = carol;
    h.settle();
    h.keys("3");
    assert_eq!(h.app.approval_selected(), Some(awaiting));
    h.keys("a");
    assert!(h.app.dialog.is_none(), "no approve form");
    let (_, msg) = h.app.status.clone().unwrap();
    assert!(msg.contains(missing), "{msg}");

    for po in [pending, awaiting] {
        let o = h.order(po.0);
        assert!(o.sending.is_none() && o.errors.is_empty(), "{o:?}");
        let sends = |j: &crate::domain::job::Job| matches!(j.kind, JobKind::SubmitApi { po: p } | JobKind::SubmitEmail { po: p } if p == po);
        assert!(!h.svc.jobs().unwrap().iter().any(sends), "nothing is sent");
    }
    assert_eq!(
        h.order(awaiting.0).status(),
        crate::domain::OrderStatus::AwaitingApproval
    );
}

#[test]
fn help_greys_out_what_the_service_would_refuse() {
    let entry = |h: &Harness, text: &str| {
        super::ui::help_entries(&h.app)
            .into_iter()
            .find(|(_, d, _)| d.contains(text))
            .map(|(_, _, allowed)| allowed)
            .unwrap_or_else(|| panic!("no help line for {text}"))
    };
    // A role the user lacks: by the service's table.
    let mut h = Harness::new("rick");
    h.keys("alt-1");
    assert!(!entry(&h, "create an order"));
    let mut h = Harness::new("alice");
    assert!(entry(&h, "create an order"));
    // An order's status: by the service's answer for the order in focus.
    h.keys("2");
    let partial = h
        .app
        .data
        .orders
        .iter()
        .position(|o| o.status() == crate::domain::OrderStatus::Partial)
        .unwrap();
    h.app.orders.cursor.sel = partial;
    assert!(!entry(&h, "place the order"));
    assert!(entry(&h, "write the purchase order as PDF"));
    let pending = h
        .app
        .data
        .orders
        .iter()
        .position(|o| o.status() == crate::domain::OrderStatus::Pending)
        .unwrap();
    h.app.orders.cursor.sel = pending;
    assert!(entry(&h, "place the order"));
}

#[test]
fn a_failed_send_shows_on_every_pane_of_its_buyer_until_marked_seen() {
    let mut h = Harness::new("alice");
    let alice = as_user(&config(), "alice");
    let po = h
        .svc
        .list_orders()
        .unwrap()
        .into_iter()
        .find(|o| o.status() == crate::domain::OrderStatus::Pending)
        .expect("a pending order")
        .number;
    let r = h
        .svc
        .place(
            &alice,
            PlaceRequest {
                po,
                method: PlacementMethod::Email,
                link: None,
            },
        )
        .unwrap();
    let job = r.job.expect("an email job");
    // Someone else's process ran the job, and it failed.
    let claimed = h.svc.claim_job("rick@dock", Some(job)).unwrap().expect("claimed");
    let failed = crate::app::JobOutcome::Failed("550 mailbox unknown".into());
    h.svc
        .finish_job(&as_user(&config(), "rick"), claimed.id, "rick@dock", &failed)
        .unwrap();
    h.poll();
    for pane in ["1", "2", "4"] {
        h.keys(pane);
        let screen = h.render(120, 40);
        assert!(
            screen.contains("550 mailbox unknown") && screen.contains("F2 seen"),
            "pane {pane}:\n{screen}"
        );
    }
    h.keys("f2");
    let screen = h.render(120, 40);
    assert!(!screen.contains("550 mailbox unknown"), "{screen}");
    assert!(
        h.svc.notices(&alice, false).unwrap().is_empty(),
        "marked seen in the store"
    );
    assert_eq!(h.svc.notices(&alice, true).unwrap().len(), 1);
}

/// The panes, the worker, the commands and the loaded data never import the screen state
/// (the screen routes to them, not the other way round): a file that does is named with
/// its line.
#[test]
fn nothing_below_the_screen_imports_it() {
    fn rust_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                rust_files(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let tui = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/tui");
    let mut files = Vec::new();
    rust_files(&tui.join("panes"), &mut files);
    for f in [
        "worker.rs",
        "commands.rs",
        "data.rs",
        "form.rs",
        "widgets.rs",
        "background.rs",
        "scan.rs",
    ] {
        files.push(tui.join(f));
    }
    let mut found = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            // (`tui::app` and `super::app` were the screen state's module before it was
            // named `screen`.)
            let screen = ["tui::screen", "super::screen", "tui::app", "super::app"];
            if screen.iter().any(|s| code.contains(s)) {
                found.push(format!("{}:{}: {}", f.display(), n + 1, code));
            }
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
    assert!(files.len() > 10, "the panes were found");
}

/// An order of 12,345,678.90 EUR (10 × 1,234,567.89) awaiting dave's approval, by alice.
fn big_order(h: &Harness) -> PoNumber {
    let c = config();
    let alice = as_user(&c, "alice");
    let text = crate::demo::SAMPLES[0]
        .1
        .replace("Q-2026-0142", "Q-2026-0999")
        .replacen("\"quantity\": 3,", "\"quantity\": 10,", 1)
        .replace("\"unit_cost\": \"899.00\"", "\"unit_cost\": \"1234567.89\"");
    h.svc.import_text(&alice, "big.json", &text).unwrap();
    let items = h.svc.list_items(&Default::default()).unwrap();
    let id = items
        .iter()
        .find(|i| i.quote_id == "Q-2026-0999" && i.sku == "20XW00A1NL")
        .unwrap()
        .id;
    h.placed_by_hand("ingram", id)
}

/// The rows of a rendered screen that mention `what`.
fn rows_with(screen: &str, what: &str) -> Vec<String> {
    screen
        .lines()
        .filter(|l| l.contains(what))
        .map(str::to_string)
        .collect()
}

#[test]
fn large_totals_are_never_cut_and_go_last() {
    let mut h = Harness::new("dave");
    let po = big_order(&h);
    h.keys("ctrl-r");
    for pane in ["2", "3"] {
        h.keys(pane);
        for (w, ht) in [(120, 40), (80, 24), (60, 20)] {
            let screen = h.render(w, ht);
            let rows = rows_with(&screen, &po.to_string());
            assert!(
                rows.iter().any(|r| r.contains("12,345,678.90 EUR")),
                "pane {pane} at {w}x{ht}: {screen}"
            );
        }
        // However narrow: the order number and its total are the last to go, and a
        // total that no longer fits is marked as cut, never shown as a smaller amount.
        let screen = h.render(30, 20);
        let rows = rows_with(&screen, &po.to_string());
        assert!(
            rows.iter()
                .any(|r| r.contains("…78.90 EUR") || r.contains("12,345,678.90")),
            "{screen}"
        );
        assert!(
            !screen.contains(" 2,345,678.90") && !screen.contains(" ,345,678.90"),
            "{screen}"
        );
    }
}

#[test]
fn a_narrow_amount_column_marks_its_cut_at_the_left() {
    use super::widgets::{clip_left, Col, Grid, GridCell};
    assert_eq!(clip_left("12,345,678.90", 8), "…,678.90");
    let grid = Grid {
        cols: vec![
            Col::fixed("Order", 9, 9),
            Col::fill("Customer", 8, 1, 1),
            Col::amount("Total", 8),
        ],
        rows: vec![(
            vec![
                GridCell::from("PO-000009"),
                GridCell::from("Dentalcare West"),
                GridCell::from("12,345,678.90 EUR"),
            ],
            ratatui::style::Style::default(),
        )],
        header: ratatui::style::Style::default(),
    };
    assert_eq!(grid.widths(80), vec![Some(9), Some(52), Some(17)]);
    assert_eq!(
        grid.widths(30),
        vec![Some(9), None, Some(17)],
        "the customer goes first"
    );
    assert_eq!(
        grid.widths(17),
        vec![Some(9), None, None],
        "then the total; the order last"
    );
}

#[test]
fn cancel_refuses_at_once_with_the_real_reason() {
    let mut h = Harness::new("alice");
    h.keys("2");
    // PO-000002 is partly received, PO-000006 cancelled already.
    for (po, why) in [(2u64, "received"), (6, "cancelled")] {
        let row = h
            .app
            .orders
            .view
            .iter()
            .position(|i| h.app.data.orders[*i].number == PoNumber(po))
            .unwrap();
        h.app.orders.cursor.sel = row;
        h.keys("c");
        assert!(h.app.dialog.is_none(), "no question for {po}: {:?}", h.app.dialog);
        let (_, msg) = h.app.status.clone().unwrap();
        assert!(msg.contains(why), "{po}: {msg}");
        // The same from the order's detail.
        h.keys("enter c");
        assert!(h.app.dialog.is_none(), "no question for {po} in detail");
        h.keys("esc");
    }
}

#[test]
fn a_wholesale_form_shows_our_warehouse_and_dropship_the_customers_address() {
    let mut h = Harness::new("alice");
    h.keys("/");
    h.type_text("CAT6");
    h.keys("enter n");
    let form = |h: &Harness| match &h.app.dialog {
        Some(super::form::Dialog::Form(f)) => f.clone(),
        other => panic!("the create-order form: {other:?}"),
    };
    // Wholesale, the type offered first: our warehouse, never the customer's address.
    let f = form(&h);
    assert_eq!(f.get("Type").value(), "wholesale");
    assert_eq!(f.get("Ship-to city").value(), "Utrecht");
    assert_eq!(f.get("Ship-to street").value(), "Stationsweg 8");
    // Dropship: the quote's ship-to; and back.
    h.keys("tab right");
    assert_eq!(form(&h).get("Ship-to city").value(), "Rotterdam");
    h.keys("left");
    assert_eq!(form(&h).get("Ship-to city").value(), "Utrecht");
    // Saved as wholesale to us: no ship-to of its own.
    h.keys("enter");
    assert!(h.app.dialog.is_none(), "{:?}", h.app.status);
    let o = h.order(7);
    assert_eq!(o.order_type, OrderType::Wholesale);
    assert_eq!(o.ship_to, None);
}

#[test]
fn esc_from_an_order_opened_in_approvals_goes_back_to_approvals() {
    let mut h = Harness::new("carol");
    h.keys("3 enter");
    assert_eq!(h.app.pane, Pane::Orders);
    assert_eq!(h.app.orders.detail_po(), Some(PoNumber(3)));
    h.keys("esc");
    assert_eq!(h.app.pane, Pane::Approvals);
    assert!(h.app.orders.detail.is_none());
    // Opened from the Orders list, Esc stays in Orders.
    h.keys("2 enter esc");
    assert_eq!(h.app.pane, Pane::Orders);
}

#[test]
fn marks_of_items_that_left_the_list_are_cleared() {
    let mut h = Harness::new("alice");
    h.keys("space space");
    assert_eq!(h.app.pending.marks.len(), 2);
    let first = *h.app.pending.marks.iter().next().unwrap();
    // Someone else dismisses the first marked item.
    let c = config();
    h.svc.dismiss(&as_user(&c, "alice"), first, "not needed").unwrap();
    h.keys("ctrl-r");
    assert_eq!(h.app.pending.marks.len(), 1, "{:?}", h.app.pending.marks);
    assert!(!h.app.pending.marks.contains(&first));
}

fn pending_ids(h: &Harness) -> Vec<u64> {
    h.app
        .pending
        .view
        .iter()
        .map(|i| h.app.data.items[*i as usize].id)
        .collect()
}

#[test]
fn selection_marks_filter_and_scroll_survive_another_clients_change() {
    let mut h = Harness::new("alice");
    // Another client imports a quote of 30 lines: they join the list.
    let quote = crate::bench::quote_json(1, 30);
    let alice = as_user(&config(), "alice");
    h.other_client().import_text(&alice, "q.json", &quote).unwrap();
    h.poll();
    h.keys("/");
    h.type_text("bench");
    h.keys("enter");
    let shown = pending_ids(&h);
    assert_eq!(shown.len(), 30, "the other client's import arrived");
    // Down the list far enough that a short screen scrolls, two rows marked.
    h.keys("down down space down space down down down");
    let selected = h.app.pending_selected().unwrap();
    let marks = h.app.pending.marks.clone();
    assert_eq!(marks.len(), 2);
    let before = h.render(100, 12);
    let top_row = |screen: &str| screen.lines().find(|l| l.contains("SKU-1-")).map(str::to_string);
    // Another client dismisses the last row shown (neither selected nor marked).
    let gone = *shown.last().unwrap();
    assert!(gone != selected && !marks.contains(&gone));
    let other = h.other_client();
    other.dismiss(&alice, gone, "not needed").unwrap();
    h.poll();
    assert!(!pending_ids(&h).contains(&gone), "the dismissed item left the list");
    assert!(matches!(
        h.app.data.item(gone).unwrap().state,
        crate::domain::ItemState::Dismissed { .. }
    ));
    assert_eq!(h.app.pending_selected(), Some(selected), "selection kept");
    assert_eq!(h.app.pending.marks, marks, "marks kept");
    assert_eq!(h.app.pending.filter.value(), "bench", "filter kept");
    let after = h.render(100, 12);
    assert_eq!(top_row(&after), top_row(&before), "scroll kept:\n{before}\n{after}");
}

/// One command of another client, on whatever exists when it runs (refusals are fine:
/// they change nothing).
#[derive(Debug, Clone)]
enum OtherCmd {
    Dismiss(usize),
    Restore(usize),
    Split(usize),
    CreateOrder(usize, usize),
    Place(usize),
    Receive(usize),
    Cancel(usize),
    AddRule(u32),
    RemoveRule,
    Import(u32),
}

fn other_cmd() -> impl proptest::strategy::Strategy<Value = OtherCmd> {
    use proptest::prelude::*;
    prop_oneof![
        any::<usize>().prop_map(OtherCmd::Dismiss),
        any::<usize>().prop_map(OtherCmd::Restore),
        any::<usize>().prop_map(OtherCmd::Split),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| OtherCmd::CreateOrder(a, b)),
        any::<usize>().prop_map(OtherCmd::Place),
        any::<usize>().prop_map(OtherCmd::Receive),
        any::<usize>().prop_map(OtherCmd::Cancel),
        (1u32..50).prop_map(OtherCmd::AddRule),
        Just(OtherCmd::RemoveRule),
        (2u32..6).prop_map(OtherCmd::Import),
    ]
}

/// Runs `cmd` through `svc` (another client); a refusal is ignored.
fn run_other(svc: &Service, cmd: &OtherCmd) {
    let c = config();
    let (alice, ada, rick) = (as_user(&c, "alice"), as_user(&c, "ada"), as_user(&c, "rick"));
    let items = svc.items_from(0, usize::MAX).unwrap();
    let orders = svc.list_orders().unwrap();
    let item = |i: usize| items[i % items.len()].id;
    let order = |i: usize| orders[i % orders.len()].clone();
    let _ = match cmd {
        OtherCmd::Dismiss(i) => svc.dismiss_all(&alice, &[item(*i)], "not needed").map(drop),
        OtherCmd::Restore(i) => svc.restore_all(&alice, &[item(*i)]).map(drop),
        OtherCmd::Split(i) => svc.split(&alice, item(*i), 1).map(drop),
        OtherCmd::CreateOrder(a, b) => {
            let ids = vec![item(*a), item(*b)];
            let distributor = items[*a % items.len()]
                .distributor
                .as_ref()
                .map_or("ingram".to_string(), |d| d.to_string());
            let req = CreateOrder {
                distributor,
                order_type: OrderType::Wholesale,
                items: ids,
                ..Default::default()
            };
            svc.create_order_with(&alice, req, crate::app::OtherDistributors::Allow)
                .map(drop)
        }
        OtherCmd::Place(i) => {
            let po = order(*i).number;
            let req = PlaceRequest {
                po,
                method: PlacementMethod::Manual,
                link: None,
            };
            svc.place(&alice, req).map(drop)
        }
        OtherCmd::Receive(i) => {
            let o = order(*i);
            let serials = if o.lines[0].serialized {
                vec![format!("P-{}-{}", o.number.0, o.receipts.len())]
            } else {
                vec![]
            };
            let req = ReceiveRequest {
                line: 1,
                quantity: Some(1),
                serials,
            };
            svc.receive(&rick, o.number, req).map(drop)
        }
        OtherCmd::Cancel(i) => svc.cancel(&alice, order(*i).number).map(drop),
        OtherCmd::AddRule(k) => {
            let rule = ApprovalRule {
                from: rust_decimal::Decimal::from(100_000 + k * 1000),
                to: None,
                approver: "carol".into(),
            };
            svc.add_rule(&ada, rule).map(drop)
        }
        OtherCmd::RemoveRule => svc.remove_rule(&ada, 0).map(drop),
        OtherCmd::Import(lines) => {
            let n = 1000 + svc.change_counter().unwrap() as u32;
            let text = crate::bench::quote_json(n, *lines);
            svc.import_text(&alice, &format!("q{n}.json"), &text).map(drop)
        }
    };
}

/// A screen of `user` with everything loaded: items, orders, the audit list, the rules,
/// and an order's detail with its trail.
fn loaded_screen(svc: &Service, user: &str) -> App {
    let c = config();
    let keymap = Keymap::load(&BTreeMap::new()).unwrap();
    let mut app = App::new(
        as_user(&c, user),
        Arc::new(c),
        keymap,
        Theme::built_in("dark").unwrap(),
        t0(),
    );
    app.settle(svc);
    app.open_order(PoNumber(1));
    app.load(super::worker::Load::Audit);
    app.load(super::worker::Load::Rules);
    app.settle(svc);
    app
}

/// What the screens hold, as JSON, to compare a patched screen with a fresh one: the
/// data, and the rows every view derives from it.
fn held(app: &App) -> serde_json::Value {
    let d = &app.data;
    let sync: BTreeMap<String, &String> = d.sync.iter().map(|(k, v)| (k.to_string(), v)).collect();
    let numbers = |view: &[usize]| view.iter().map(|i| d.orders[*i].number.0).collect::<Vec<_>>();
    let lines: Vec<_> = app
        .receiving
        .lines
        .iter()
        .map(|l| (l.target.po.0, l.target.line, l.received, &l.line.sku))
        .collect();
    let audit_rows: Vec<u64> = app.audit.view.iter().map(|i| d.audit[*i].seq).collect();
    serde_json::json!({
        "items": d.items, "orders": d.orders, "sync": sync,
        "audit": if d.audit_loaded { Some(&d.audit) } else { None },
        "order_audit": d.order_audit, "rules": d.rules, "notices": app.notices,
        "receiving": app.receiving.orders, "receiving_lines": lines,
        "approvals": numbers(&app.approvals.view), "awaiting": app.approvals.count(),
        "orders_rows": numbers(&app.orders.view), "audit_rows": audit_rows,
    })
}

/// Narrows the views of `app` one of four ways (0: not at all): an order status and a
/// search typed into the Orders, Approvals and dock lists, and a user or action in the
/// Audit pane's filter.
fn narrow(app: &mut App, how: usize) {
    use crate::domain::OrderStatus;
    let (status, words, audit) = match how {
        0 => return,
        1 => (Some(OrderStatus::Submitted), "ingram", (1, "rick")),
        2 => (Some(OrderStatus::Partial), "po-0000", (2, "po.")),
        _ => (Some(OrderStatus::AwaitingApproval), "td", (1, "alice")),
    };
    let type_into = |b: &mut super::widgets::SearchBox| {
        for c in words.chars() {
            b.key(&KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
        }
        b.focused = false;
    };
    app.orders.status = status;
    type_into(&mut app.orders.search);
    type_into(&mut app.approvals.search);
    type_into(&mut app.receiving.search);
    app.audit.filters[audit.0] = tui_input::Input::new(audit.1.into());
    rederive(app);
}

/// Every view of the orders and the audit list derived again from the data, on the
/// rows selected.
fn rederive(app: &mut App) {
    use super::{panes::Ctx, screen::ctx};
    let (orders, approval) = (app.orders_selected(), app.approval_selected());
    app.orders.refresh(&ctx!(app), orders);
    app.approvals.refresh(&ctx!(app), approval);
    app.receiving.refresh(&ctx!(app));
    app.audit.refresh(&ctx!(app));
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 12, ..Default::default() })]

    /// Several clients (services on the same file, each on a thread of its own, as
    /// processes would be) change things; the screens take in each poll's changes; the
    /// patched screens hold what a fresh load would.
    #[test]
    fn patched_screens_equal_a_fresh_load(
        steps in proptest::collection::vec((other_cmd(), 0usize..2, proptest::bool::ANY), 1..14),
        how in 0usize..4,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let c = config();
        let path = dir.path().join("t.redb");
        let svc = Service::new(Store::open(&path).unwrap(), Arc::new(c.clone()), Arc::new(t0));
        populate(&svc, &c);
        let open = || Service::new(Store::open(&path).unwrap(), Arc::new(config()), Arc::new(t0));
        let clients = [open(), open()];
        let mut poller = super::worker::Poller::new(&svc);
        let mut screens = [loaded_screen(&svc, "alice"), loaded_screen(&svc, "carol")];
        for app in &mut screens {
            narrow(app, how);
        }
        for (cmd, who, poll) in &steps {
            let client = &clients[*who];
            std::thread::scope(|s| {
                s.spawn(|| run_other(client, cmd));
            });
            if *poll {
                if let Some(m) = poller.poll(&svc) {
                    for app in &mut screens {
                        app.on_msg(clone_msg(&m));
                        app.settle(&svc);
                    }
                }
            }
        }
        if let Some(m) = poller.poll(&svc) {
            for app in &mut screens {
                app.on_msg(clone_msg(&m));
                app.settle(&svc);
            }
        }
        for (app, user) in screens.iter().zip(["alice", "carol"]) {
            let mut fresh = loaded_screen(&svc, user);
            narrow(&mut fresh, how);
            proptest::prop_assert_eq!(held(app), held(&fresh), "{}", user);
        }
    }
}

/// The poll's answer for each screen (the worker sends each its own).
fn clone_msg(m: &Msg) -> Msg {
    match m {
        Msg::Changed(c) => Msg::Changed(c.clone()),
        Msg::Reload => Msg::Reload,
        other => panic!("a poll answers a change or a reload, not {other:?}"),
    }
}

/// The form open now, if any.
fn open_form(h: &Harness) -> Option<&super::form::Form> {
    match &h.app.dialog {
        Some(super::form::Dialog::Form(f)) => Some(f),
        _ => None,
    }
}

#[test]
fn no_to_quit_goes_back_to_the_form_as_it_was() {
    let mut h = Harness::new("alice");
    // A dismiss form with a reason typed, the cursor in the middle of it.
    h.keys("space x");
    h.type_text("customer cancelled");
    h.keys("left left");
    for answer in ["n", "esc"] {
        h.keys("ctrl-c");
        assert!(matches!(h.app.dialog, Some(super::form::Dialog::Confirm { .. })));
        h.keys(answer);
        assert!(!h.app.quit);
        let form = open_form(&h).expect("the form is back");
        assert_eq!(form.get("Reason").value(), "customer cancelled", "after {answer}");
        let super::form::FieldKind::Text(input) = &form.get("Reason").kind else {
            panic!("a text field")
        };
        assert_eq!(
            input.cursor(),
            "customer cancelled".len() - 2,
            "the cursor where it was"
        );
    }
    // Keys in a quick run are no answer: the question stays.
    h.keys("ctrl-c");
    h.type_at("yy", 4);
    h.pause();
    assert!(!h.app.quit);
    assert!(matches!(h.app.dialog, Some(super::form::Dialog::Confirm { .. })));
    assert!(h.app.status.as_ref().unwrap().1.contains("too fast to be an answer"));
    h.keys("n");
    // Typing goes on where it stopped.
    h.type_text("X");
    assert_eq!(open_form(&h).unwrap().get("Reason").value(), "customer cancellXed");

    // The order edit form, on its second field, likewise.
    let mut h = Harness::new("alice");
    h.keys("2 j enter e tab tab tab");
    h.type_text("Kanaalweg 12");
    let focus = open_form(&h).unwrap().focus;
    h.keys("ctrl-c n");
    let form = open_form(&h).expect("the edit form is back");
    assert_eq!(form.focus, focus);
    assert!(form.fields.iter().any(|f| f.value() == "Kanaalweg 12"));
    // A pick list with a filter typed and a row marked comes back as it was.
    let mut h = Harness::new("alice");
    h.keys("2 j enter a");
    h.type_text("P24H");
    h.keys("space ctrl-c n");
    let Some(super::form::Dialog::Pick(p)) = &h.app.dialog else {
        panic!("the pick list is back")
    };
    assert_eq!((p.filter.value(), p.marked.len()), ("P24H", 1));
    // Help open under the question comes back too; yes quits.
    h.keys("esc");
    h.keys("e tab tab tab");
    h.type_text("Kanaalweg 12");
    h.keys("f1 ctrl-c n");
    assert!(h.app.help && open_form(&h).is_some());
    h.keys("ctrl-c y");
    assert!(h.app.quit);
}

#[test]
fn a_scan_never_answers_a_question_at_the_dock() {
    let mut h = Harness::new("rick");
    h.type_text("half");
    h.keys("ctrl-c");
    assert!(h.app.dialog.is_some());
    // A code starting with Y, scanned: not a yes.
    h.scan("Y0195348765435\n");
    h.settle();
    assert!(!h.app.quit, "a scan answered the question");
    assert!(h.app.dialog.is_none(), "the question is left as no");
    assert_eq!(scan_box(&h), "half", "what was typed stays");
    let log = format!("{:?}", h.app.receiving.log);
    assert!(log.contains("Y0195348765435"), "the scan was read as a scan: {log}");
    // A short code is no answer either.
    h.keys("ctrl-c");
    h.scan("y\n");
    h.settle();
    assert!(!h.app.quit && h.app.dialog.is_none());
    assert!(format!("{:?}", h.app.receiving.log).contains("`y`"));
    // Two quick keys are no answer either; one key alone is.
    h.keys("ctrl-c");
    h.type_at("yn", 4);
    h.pause();
    assert!(!h.app.quit && h.app.dialog.is_none());
    assert_eq!(scan_box(&h), "halfyn");
    h.keys("ctrl-c y");
    assert!(h.app.quit);
}

#[test]
fn scans_outside_receiving_go_to_the_dock_never_to_keys() {
    // boss is buyer and receiver.
    let mut h = Harness::new("boss");
    let pdf = tempfile::tempdir().unwrap();
    h.app.pdf_dir = pdf.path().to_path_buf();
    let items = h.svc.list_items(&Default::default()).unwrap();
    assert_eq!(h.app.pane, Pane::Pending);
    // S splits, 1 and 2 switch panes, Enter creates an order: none of it (not even
    // with the mouse moving meanwhile).
    h.scan("S1");
    mouse_moves(&mut h);
    h.scan("2\n");
    h.settle();
    assert_eq!(h.app.pane, Pane::Receiving, "taken to the dock");
    assert!(h.app.dialog.is_none());
    assert_eq!(h.svc.list_items(&Default::default()).unwrap(), items);
    let log = format!("{:?}", h.app.receiving.log);
    assert!(log.contains("S12"), "read as a scan: {log}");
    // On Orders, an order number: no PDF, no pane switch by its digits.
    h.keys("alt-2");
    assert_eq!(h.app.pane, Pane::Orders);
    h.scan("PO-000004\n");
    h.settle();
    assert_eq!(h.app.pane, Pane::Receiving);
    assert_eq!(std::fs::read_dir(pdf.path()).unwrap().count(), 0, "no PDF written");
    // On Audit, an EAN.
    h.keys("alt-5");
    h.scan("0195348765435\n");
    h.settle();
    assert_eq!(h.app.pane, Pane::Receiving);
    assert!(format!("{:?}", h.app.receiving.log).contains("0195348765435"));
    // The same keys typed by a person still act.
    h.keys("alt-1 S");
    assert!(open_form(&h).is_some(), "S opens the split form");
    // A scan into a form's text field is typed, not submitted.
    h.scan("123\n");
    let form = open_form(&h).expect("still open");
    assert_eq!(form.fields[form.focus].value(), "123");
    h.keys("esc");

    // Someone who is no receiver: refused, in one message, nothing done.
    let mut h = Harness::new("alice");
    h.scan("S12\n");
    h.settle();
    assert_eq!(h.app.pane, Pane::Pending);
    assert!(h.app.dialog.is_none());
    let (tone, text) = h.app.status.clone().unwrap();
    assert_eq!(tone, super::widgets::Tone::Error);
    assert!(
        text.contains("`S12` came as a scan") && text.contains("receiver"),
        "{text}"
    );
}

#[test]
fn a_scan_right_after_star_n_is_the_code_that_quantity_is_for() {
    let mut h = Harness::new("rick");
    let before = h.order(4).received_on(2);
    h.type_text("*2");
    h.scan("JL259A\n");
    h.settle();
    let log = format!("{:?}", h.app.receiving.log);
    assert!(!log.contains("not a quantity"), "{log}");
    h.scan("S1\n");
    h.scan("S2\n");
    h.settle();
    assert_eq!(h.order(4).received_on(2), before + 2, "{:?}", h.app.receiving.log);
    // A scan right after other hand-typed text is read alone; the text stays.
    h.type_text("half");
    h.scan("NOPE-2\n");
    h.settle();
    assert_eq!(scan_box(&h), "half");
    assert!(h.app.status.as_ref().unwrap().1.contains("`NOPE-2`"));
    h.keys("esc");
    // Typed by hand, `*20` then Enter is still a quantity of 20.
    h.type_text("*20\n");
    h.settle();
    let (_, last) = h.app.receiving.log.back().cloned().unwrap();
    assert!(last.contains("×20"), "{last}");
    assert!(h.render(80, 24).contains("*N then a scan: receive N"));
}

#[test]
fn the_status_line_shows_the_latest_outcome_of_a_scan() {
    let mut h = Harness::new("rick");
    h.scan("JL259A\n");
    h.settle();
    h.scan("S1\n");
    h.settle();
    assert_eq!(h.app.status.as_ref().unwrap().0, super::widgets::Tone::Ok);
    h.keys("esc");
    h.scan("NOPE-1\n");
    h.settle();
    let (tone, text) = h.app.status.clone().unwrap();
    assert_eq!(tone, super::widgets::Tone::Error);
    assert!(text.contains("NOPE-1"), "{text}");
    assert!(h.render(120, 40).lines().last().unwrap().contains("NOPE-1"));
}

/// A left click at column `x`, row `y`.
fn click(h: &mut Harness, x: u16, y: u16) {
    use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
    assert!(h.app.on_mouse(MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column: x,
        row: y,
        modifiers: KeyModifiers::NONE,
    }));
    h.settle();
}

/// The mouse moving, as terminals report it with the mouse on.
fn mouse_moves(h: &mut Harness) {
    use crossterm::event::{MouseEvent, MouseEventKind};
    let moved = MouseEvent {
        kind: MouseEventKind::Moved,
        column: 3,
        row: 3,
        modifiers: KeyModifiers::NONE,
    };
    assert!(!h.app.on_mouse(moved), "nothing to draw");
}

fn wheel(h: &mut Harness, down: bool) {
    use crossterm::event::{MouseEvent, MouseEventKind};
    let kind = if down {
        MouseEventKind::ScrollDown
    } else {
        MouseEventKind::ScrollUp
    };
    assert!(h.app.on_mouse(MouseEvent {
        kind,
        column: 10,
        row: 10,
        modifiers: KeyModifiers::NONE,
    }));
    h.settle();
}

/// Where `text` is on the screen: (column, row).
fn find_on(screen: &str, text: &str) -> (u16, u16) {
    for (y, line) in screen.lines().enumerate() {
        let line = line.trim_matches('"');
        if let Some(i) = line.find(text) {
            return (line[..i].chars().count() as u16, y as u16);
        }
    }
    panic!("{text:?} is not on the screen:\n{screen}")
}

#[test]
fn the_mouse_clicks_tabs_rows_and_answers_and_the_wheel_scrolls() {
    let mut h = Harness::new("alice");
    // A row of the Pending list.
    let first = h.app.pending_selected().unwrap();
    let screen = h.render(120, 40);
    let (_, y) = find_on(&screen, "Customer");
    click(&mut h, 10, y + 3);
    assert_ne!(h.app.pending_selected(), Some(first));
    h.render(120, 40);
    assert_eq!(
        h.app.hits.borrow().selected_row,
        Some(y + 3),
        "the clicked row is selected"
    );
    wheel(&mut h, false);
    assert_eq!(h.app.pending_selected(), Some(first));
    let screen = h.render(120, 40);
    let (x, y) = find_on(&screen, "2 Orders");
    click(&mut h, x + 1, y);
    assert_eq!(h.app.pane, Pane::Orders);
    // A click on the third row selects it.
    let screen = h.render(120, 40);
    let first = h.app.orders_selected().unwrap();
    let (_, y) = find_on(&screen, &first.to_string());
    click(&mut h, 5, y + 2);
    let third = h.app.orders_selected().unwrap();
    assert_ne!(third, first);
    let screen = h.render(120, 40);
    assert_eq!(find_on(&screen, &third.to_string()).1, y + 2, "the clicked row");
    // The wheel moves through the list.
    wheel(&mut h, false);
    assert_eq!(h.app.orders_selected(), Some(first));
    // A question's answers are buttons: "no" leaves the order as it was.
    h.keys("j j");
    let po = h.app.orders_selected().unwrap();
    let status = h.svc.order(po).unwrap().status();
    h.keys("c");
    assert!(
        matches!(h.app.dialog, Some(super::form::Dialog::Confirm { .. })),
        "{po}"
    );
    let screen = h.render(120, 40);
    let (x, y) = find_on(&screen, "n / Esc: no");
    click(&mut h, x, y);
    assert!(h.app.dialog.is_none());
    assert_eq!(h.svc.order(po).unwrap().status(), status);
    h.keys("c");
    let screen = h.render(120, 40);
    let (x, y) = find_on(&screen, "y: yes");
    click(&mut h, x, y);
    assert_eq!(h.svc.order(po).unwrap().status(), crate::domain::OrderStatus::Cancelled);
}

#[test]
fn the_mouse_is_on_unless_the_settings_say_off() {
    assert!(Config::parse("").unwrap().ui.mouse);
    assert!(!Config::parse("[ui]\nmouse = false\n").unwrap().ui.mouse);
    let c = Config::parse("[ui]\nscan_gap_ms = 35\nscan_min_chars = 5\n").unwrap();
    assert_eq!((c.ui.scan_gap_ms, c.ui.scan_min_chars), (35, 5));
    let e = Config::parse("[ui]\nscan_gap_ms = 500\n").unwrap_err();
    assert!(e.contains("scan_gap_ms is 500"), "{e}");
    let e = Config::parse("[ui]\nscan_min_chars = 0\n").unwrap_err();
    assert!(e.contains("scan_min_chars"), "{e}");
}

#[test]
fn a_paste_goes_into_the_text_field_never_to_keys() {
    let mut h = Harness::new("alice");
    // Nothing takes text on the list: the paste does nothing (x would dismiss, 2 switch).
    h.app.on_paste("x2\n");
    h.settle();
    assert!(h.app.dialog.is_none() && h.app.pane == Pane::Pending);
    assert!(h.app.status.as_ref().unwrap().1.contains("paste was not used"));
    // Into a form's field, on one line; Enter in it does not submit.
    h.keys("space x");
    h.app.on_paste("customer\ncancelled\n");
    assert_eq!(open_form(&h).unwrap().get("Reason").value(), "customer cancelled");
    // Into the dock's scan box.
    let mut h = Harness::new("rick");
    h.app.on_paste("AP-650");
    assert_eq!(scan_box(&h), "AP-650");
    assert!(h.app.receiving.queue.is_empty() && !h.app.receiving.inflight);
    // Into the dock's order search when it is open: searched for, never received.
    let mut h = Harness::new("rick");
    h.keys("/");
    assert!(h.app.receiving.searching());
    h.app.on_paste("PO-000004\nPO-000009");
    assert_eq!(h.app.receiving.search.input.value(), "PO-000004 PO-000009");
    assert!(h.app.receiving.queue.is_empty() && !h.app.receiving.inflight);
    // Without the receiver role the dock takes no paste.
    let mut h = Harness::new("alice");
    h.keys("4");
    h.app.on_paste("SN-1\nSN-2");
    h.settle();
    assert!(h.app.receiving.queue.is_empty() && !h.app.receiving.inflight);
    assert_eq!(scan_box(&h), "");
    let status = h.app.status.clone().map(|(_, s)| s).unwrap_or_default();
    assert!(
        status.contains("the paste was not used") && status.contains("receiver role"),
        "{status}"
    );
    // Into the Pending and Audit filters, in one go: the rows typing it gives.
    let (mut pasted, mut typed) = (Harness::new("alice"), Harness::new("alice"));
    for h in [&mut pasted, &mut typed] {
        h.keys("/");
    }
    let all = typed.app.pending.view.len();
    let sku = typed.app.data.items[typed.app.pending.view[0] as usize].sku.clone();
    pasted.app.on_paste(&sku);
    typed.type_text(&sku);
    assert!(
        !typed.app.pending.view.is_empty() && typed.app.pending.view.len() < all,
        "{sku} filters"
    );
    assert_eq!(pasted.app.pending.view, typed.app.pending.view);
    for h in [&mut pasted, &mut typed] {
        h.keys("esc 5 /");
    }
    pasted.app.on_paste("PO-000001");
    typed.type_text("PO-000001");
    assert!(pasted.app.audit.typing());
    assert_eq!(pasted.app.audit.view, typed.app.audit.view);
    assert_ne!(
        pasted.app.audit.view.len(),
        pasted.app.data.audit.len(),
        "the paste filtered"
    );
}

#[test]
fn every_message_is_kept_and_read_whole() {
    let mut h = Harness::new("alice");
    let long = format!("{} the end of a long message", "word ".repeat(40));
    h.app.info(super::widgets::Tone::Error, long.clone());
    h.app.info(super::widgets::Tone::Info, "a later one");
    // The status line cuts it, naming the key that shows it whole; the messages show it
    // whole, wrapped.
    h.app.info(super::widgets::Tone::Error, long.clone());
    let bottom = h.render(80, 24).lines().last().unwrap().to_string();
    assert!(bottom.contains("… m whole"), "{bottom}");
    h.app.info(super::widgets::Tone::Info, "a later one");
    h.keys("m");
    assert!(h.app.messages.is_open());
    let screen = h.render(80, 24);
    assert!(screen.contains("a later one"), "{screen}");
    assert!(screen.contains("the end of a long message"), "{screen}");
    let help = super::ui::help_lines(&h.app);
    h.keys("esc");
    assert!(!h.app.messages.is_open());
    h.keys("?");
    let help_now = super::ui::help_lines(&h.app);
    assert!(
        help_now.iter().any(|(k, d)| k.contains("f3") && d.contains("messages")),
        "{help:?}"
    );
    h.keys("esc");
    // Many messages scroll; the oldest ones are dropped past the limit.
    for i in 0..super::messages::KEEP + 5 {
        h.app.info(super::widgets::Tone::Info, format!("message {i}"));
    }
    assert_eq!(h.app.messages.len(), super::messages::KEEP);
    h.keys("m");
    h.render(80, 24);
    h.keys("pagedown down");
    assert_eq!(h.app.messages.offset(), Some(11));
    wheel(&mut h, true);
    assert_eq!(h.app.messages.offset(), Some(14));
    h.keys("end");
    let screen = h.render(80, 24);
    assert!(screen.contains("message 5 "), "the oldest kept: {screen}");
    // Small terminals draw them too.
    for (w, hh) in [(40, 12), (20, 6), (3, 3)] {
        h.render(w, hh);
    }
    // From the dock's scan box, f3 opens them (m is typed into the box).
    let mut h = Harness::new("rick");
    h.keys("m");
    assert!(!h.app.messages.is_open());
    assert_eq!(scan_box(&h), "m");
    h.keys("f3");
    assert!(h.app.messages.is_open());
    // A scan while they are open closes them and goes into the box.
    h.scan("A");
    assert!(!h.app.messages.is_open());
    assert_eq!(scan_box(&h), "mA");
}

#[test]
fn the_pending_filter_takes_several_words_in_any_order() {
    let mut h = Harness::new("alice");
    h.keys("/");
    h.type_text("dental cfq");
    assert_eq!(pending_ids(&h), vec![4]);
    h.keys("esc backspace /");
    h.type_text("CFQ  Dental");
    assert_eq!(pending_ids(&h), vec![4]);
    // An item id is a word too.
    h.keys("esc backspace /");
    h.type_text("9 ups");
    assert_eq!(pending_ids(&h), vec![9]);
    h.keys("esc backspace");
    assert_eq!(pending_ids(&h).len(), 4);
}

#[test]
fn the_sorted_column_is_marked_in_the_header() {
    let mut h = Harness::new("alice");
    assert!(h.render(100, 20).contains("Id▲"));
    h.keys("o");
    let screen = h.render(100, 20);
    assert!(screen.contains("Customer▲") && !screen.contains("Id▲"), "{screen}");
    h.keys("O");
    assert!(h.render(100, 20).contains("Customer▼"));
}

fn order_numbers(h: &Harness) -> Vec<u64> {
    h.app
        .orders
        .view
        .iter()
        .map(|i| h.app.data.orders[*i].number.0)
        .collect()
}

#[test]
fn orders_and_approvals_are_searched_with_slash_and_statuses_picked() {
    let mut h = Harness::new("alice");
    h.keys("2 /");
    h.type_text("bakker");
    assert_eq!(order_numbers(&h), vec![4]);
    h.keys("enter");
    assert!(!h.app.orders.typing(), "Enter keeps the search and leaves the box");
    assert!(h.render(80, 24).contains("Search: bakker"));
    h.keys("backspace /");
    h.type_text("zzz");
    assert!(h.render(80, 24).contains("no orders match"));
    h.keys("esc backspace");
    assert_eq!(order_numbers(&h).len(), 6);
    // `f` opens a picker of statuses, with their counts.
    h.keys("f");
    let Some(super::form::Dialog::Pick(p)) = &h.app.dialog else {
        panic!("a status picker: {:?}", h.app.dialog)
    };
    assert!(p.rows.iter().any(|(_, r)| r == "Partial (1)"), "{:?}", p.rows);
    h.type_text("partial");
    h.keys("enter");
    assert_eq!(order_numbers(&h), vec![2]);
    h.keys("f");
    h.type_text("all");
    h.keys("enter");
    assert_eq!(order_numbers(&h).len(), 6);

    let mut h = Harness::new("carol");
    h.keys("3 /");
    h.type_text("nothing-like-it");
    let screen = h.render(80, 24);
    assert!(screen.contains("no order awaiting you matches"), "{screen}");
    assert!(
        screen.contains("Approvals (1)"),
        "the tab still counts what awaits: {screen}"
    );
    h.keys("esc backspace /");
    h.type_text("van dijk");
    assert_eq!(h.app.approvals.view.len(), 1);
}

#[test]
fn an_audit_entry_opens_whole_and_receipts_name_sku_and_serials() {
    let mut h = Harness::new("alice");
    h.keys("5");
    let screen = h.render(120, 30);
    // PO-000002's receipt: line 1, the notebook, one serial.
    let row = rows_with(&screen, "receipt.add")
        .into_iter()
        .find(|r| r.contains("PO-000002"))
        .unwrap();
    assert!(row.contains("line 1 20XW00A1NL ×1 serials PF4XK2A1"), "{row}");
    // The list holds slimmed entries; Enter loads the whole one.
    assert_eq!(h.app.data.audit.back().unwrap().before, serde_json::Value::Null);
    h.keys("enter");
    let screen = h.render(100, 40);
    assert!(screen.contains("entry 18"), "{screen}");
    assert!(screen.contains("Before") && screen.contains("After"), "{screen}");
    assert!(
        screen.contains("\"by\": \"alice\""),
        "the cancelled stage in full: {screen}"
    );
    h.keys("esc");
    assert!(h.app.audit.open.is_none());
    // A filter that matches nothing says so.
    h.keys("/");
    h.type_text("nobody-here");
    h.keys("enter");
    assert!(h.render(100, 24).contains("no entries match the filter"));
}

fn dock_orders(h: &Harness) -> Vec<u64> {
    h.app.receiving.orders.iter().map(|p| p.0).collect()
}

fn last_log(h: &Harness) -> String {
    h.app.receiving.log.back().map(|(_, t)| t.clone()).unwrap_or_default()
}

#[test]
fn the_dock_offers_what_arrives_here_and_names_where_a_code_is() {
    let mut h = Harness::new("rick");
    // PO-000002 is a dropship: its goods go to the customer, not to our dock.
    assert_eq!(dock_orders(&h), vec![4]);
    h.type_text("20XW00A1NL\n");
    h.settle();
    let log = last_log(&h);
    assert!(
        log.contains("PO-000002") && log.contains("dropship") && log.contains("ctrl-t"),
        "{log}"
    );
    h.keys("ctrl-t");
    assert_eq!(dock_orders(&h), vec![2, 4]);
    // A code on an order not placed yet is named as such.
    h.type_text("HDD-8TB-NAS\n");
    h.settle();
    let log = last_log(&h);
    assert!(log.contains("PO-000005") && log.contains("not placed yet"), "{log}");
    // A PO number from a packing slip narrows scanning to that order; Esc widens again.
    h.type_text("po-000004\n");
    h.settle();
    assert_eq!(dock_orders(&h), vec![4]);
    assert!(h.render(80, 24).contains("PO-000004 only"));
    h.type_text("20XW00A1NL\n");
    h.settle();
    let log = last_log(&h);
    assert!(log.contains("narrowed to PO-000004"), "{log}");
    h.keys("esc");
    assert_eq!(dock_orders(&h), vec![2, 4]);
    assert!(h.app.receiving.focused, "the first Esc widens; the box keeps the focus");
}

#[test]
fn the_scan_log_fills_the_pane_and_scrolls_back() {
    let mut h = Harness::new("rick");
    for i in 0..30 {
        h.type_text(&format!("NOPE-{i:02}\n"));
    }
    h.settle();
    let screen = h.render(80, 40);
    let shown = rows_with(&screen, "unknown code").len();
    assert!(shown > 10, "the log uses the pane's height: {shown} lines\n{screen}");
    assert!(screen.contains("NOPE-29") && !screen.contains("NOPE-00"), "{screen}");
    h.keys("pageup pageup pageup pageup pageup pageup");
    let screen = h.render(80, 40);
    assert!(
        screen.contains("NOPE-00") && screen.contains("older lines shown"),
        "{screen}"
    );
    assert!(h.app.receiving.focused, "scrolling leaves the scan box focused");
}

#[test]
fn without_the_receiver_role_the_dock_says_why_there_is_no_scan_box() {
    let mut h = Harness::new("alice");
    h.keys("4");
    assert!(!h.app.receiving.focused);
    let screen = h.render(80, 24);
    assert!(screen.contains("alice may not receive goods"), "{screen}");
    // A scan goes nowhere: nothing typed, nothing sent.
    h.type_text("AP-650\n");
    h.settle();
    assert!(!h.app.receiving.focused);
    assert_eq!(h.app.receiving.input.value(), "");
    assert_eq!(h.order(4).received_on(1), 0);
    // A scanner's burst there is refused whole: its characters never act as keys (q
    // quits, 2 switches pane, P writes a PDF).
    for ending in ["\n", "\t"] {
        h.keys("4");
        h.scan(&format!("ZZ-2Pq{ending}"));
        h.pause();
        h.settle();
        assert_eq!(h.app.pane, Pane::Receiving);
        assert!(!h.app.quit && h.app.dialog.is_none());
        let status = h.app.status.clone().map(|(_, s)| s).unwrap_or_default();
        assert!(status.contains("`ZZ-2Pq` came as a scan"), "{status}");
    }
}

#[test]
fn a_pax8_place_form_shows_its_whole_hint_and_a_link_must_be_a_web_address() {
    let mut h = Harness::new("alice");
    let c = config();
    let alice = as_user(&c, "alice");
    let item = h.app.data.items.iter().find(|i| i.sku == "CFQ-00004").unwrap().id;
    let po = h
        .svc
        .create_order(
            &alice,
            CreateOrder {
                distributor: "pax8".into(),
                order_type: OrderType::Wholesale,
                items: vec![item],
                ..Default::default()
            },
        )
        .unwrap()
        .number;
    h.keys("ctrl-r 2");
    h.app.open_place(po, false);
    let screen = h.render(80, 24);
    assert!(screen.contains("key is named)."), "the hint is whole:\n{screen}");
    assert!(!screen.contains("--via"), "{screen}");
    // "mark as submitted" with a link that is not a web address: refused, named.
    h.keys("m tab");
    h.type_text("portal.example/po/7");
    h.keys("enter");
    let Some(super::form::Dialog::Form(form)) = &h.app.dialog else {
        panic!("the form stays open")
    };
    assert!(
        form.error
            .as_deref()
            .unwrap_or("")
            .contains("`portal.example/po/7` is not a web address"),
        "{:?}",
        form.error
    );
    assert_eq!(h.order(po.0).status(), crate::domain::OrderStatus::Pending);
}

#[test]
fn a_manual_placements_link_is_labelled_in_the_detail() {
    let mut h = Harness::new("alice");
    let c = config();
    h.svc
        .place(
            &as_user(&c, "alice"),
            PlaceRequest {
                po: PoNumber(5),
                method: PlacementMethod::Manual,
                link: Some("https://portal.example/po/5".into()),
            },
        )
        .unwrap();
    h.keys("ctrl-r");
    h.app.open_order(PoNumber(5));
    h.settle();
    let screen = h.render(120, 30);
    assert!(screen.contains("· link https://portal.example/po/5"), "{screen}");
}

#[test]
fn help_descriptions_wrap_instead_of_being_cut() {
    let mut h = Harness::new("alice");
    h.keys("?");
    // Tall enough for every key of the pane: what is checked is the width.
    let screen = h.render(60, 60);
    // The help only (the list behind it may cut its own cells).
    let help: String = screen.lines().skip_while(|l| !l.contains("Help ·")).collect();
    assert!(!help.contains('…'), "{screen}");
    assert!(help.contains("(JSON or CSV)") || help.contains("CSV)"), "{screen}");
}

#[test]
fn work_under_way_on_quitting_is_a_running_job_of_ours() {
    let h = Harness::new("alice");
    let c = config();
    let alice = as_user(&c, "alice");
    assert!(!super::job_under_way(&h.svc, &alice), "nothing queued, nothing running");
    let placed = h
        .svc
        .place(
            &alice,
            PlaceRequest {
                po: PoNumber(5),
                method: PlacementMethod::Email,
                link: None,
            },
        )
        .unwrap();
    assert!(placed.job.is_some(), "an email send waits in the outbox");
    assert!(!super::job_under_way(&h.svc, &alice), "queued is not under way");
    // This process runs it: under way. Someone else's run is not ours to wait for.
    let owner = crate::jobs::outbox::owner_of(&alice);
    assert!(h.svc.claim_job(&owner, None).unwrap().is_some());
    assert!(super::job_under_way(&h.svc, &alice));
    assert!(!super::job_under_way(&h.svc, &as_user(&c, "ada")));
}

#[test]
fn a_dropship_order_asked_for_by_its_number_is_received_at_the_dock() {
    let mut h = Harness::new("rick");
    assert_eq!(dock_orders(&h), vec![4]);
    h.type_text("PO-000002\n20XW00A1NL\nPF4XK2A2\n");
    h.settle();
    assert_eq!(dock_orders(&h), vec![2]);
    assert_eq!(h.order(2).received_on(1), 2, "{}", last_log(&h));
    // Esc ends the serials, the next widens: the dropship order is left out again.
    h.keys("esc esc");
    assert_eq!(dock_orders(&h), vec![4]);
}

#[test]
fn the_docks_pick_list_names_each_lines_customer() {
    let mut h = Harness::new("rick");
    let c = config();
    let alice = as_user(&c, "alice");
    // The cables on two orders: a scan of their code asks which line.
    let (a, b) = h.svc.split(&alice, 7, 15).unwrap();
    for id in [a.id, b.id] {
        h.placed_by_hand("also", id);
    }
    h.app.reload();
    h.settle();
    h.type_text("CAT6-2M-BL\n");
    h.settle();
    let screen = h.render(130, 30);
    let picks: Vec<String> = rows_with(&screen, "line 1 · Bakker Logistics · CAT6-2M-BL");
    assert_eq!(picks.len(), 2, "{screen}");
}

#[test]
fn slash_in_an_empty_scan_box_searches_the_dock_s_orders() {
    let mut h = Harness::new("rick");
    assert_eq!(h.app.pane, Pane::Receiving);
    let before = h.app.receiving.orders.clone();
    assert!(!before.is_empty());
    h.type_text("/nobody-by-this-name");
    assert!(
        h.app.receiving.input.value().is_empty(),
        "nothing went into the scan box"
    );
    assert!(h.app.receiving.orders.is_empty());
    let screen = h.render(100, 24);
    assert!(screen.contains("no open order matches the search"), "{screen}");
    // Esc clears the search; the list is whole again and the scan box takes scans.
    h.keys("esc");
    assert_eq!(h.app.receiving.orders, before);
    h.type_text("/bakker");
    h.keys("enter");
    assert_eq!(h.app.receiving.orders.len(), 1);
    let screen = h.render(100, 24);
    assert!(screen.contains("Bakker"), "{screen}");
    h.type_text("AP-650");
    assert_eq!(h.app.receiving.input.value(), "AP-650");
}

/// An audit entry for the list, by number, actor and entity.
fn audit_entry(seq: u64, actor: &str, entity: &str) -> crate::domain::AuditEntry {
    serde_json::from_value(serde_json::json!({
        "seq": seq, "at": t0(), "actor": actor, "action": "receipt.add", "entity": entity,
        "before": null, "after": {}, "prev_hash": "", "hash": "",
    }))
    .unwrap()
}

#[test]
fn new_audit_entries_join_a_full_list_as_a_fresh_filter_would_show_them() {
    use super::worker::AUDIT_LATEST;
    let c = config();
    let keymap = Keymap::load(&BTreeMap::new()).unwrap();
    let mut app = App::new(
        as_user(&c, "rick"),
        Arc::new(c),
        keymap,
        Theme::built_in("dark").unwrap(),
        t0(),
    );
    let who = |seq: u64| if seq.is_multiple_of(3) { "rick" } else { "alice" };
    let full: Vec<_> = (1..=AUDIT_LATEST as u64)
        .map(|s| audit_entry(s, who(s), "PO-000001"))
        .collect();
    app.on_msg(Msg::Audit(full));
    app.audit.filters[1] = tui_input::Input::new("rick".into());
    rederive(&mut app);
    app.audit.cursor.sel = 7;
    let chosen = app.data.audit[app.audit.view[7]].seq;
    let newest = AUDIT_LATEST as u64;
    // Entries already held are not added twice; the oldest leave as new ones join.
    let added: Vec<_> = (newest - 1..newest + 5)
        .map(|s| audit_entry(s, who(s), "PO-000002"))
        .collect();
    app.on_msg(Msg::AuditAdded(added));
    let seqs: Vec<u64> = app.data.audit.iter().map(|e| e.seq).collect();
    assert!(
        seqs == (5..=newest + 4).collect::<Vec<_>>(),
        "the latest {AUDIT_LATEST}"
    );
    let patched = app.audit.view.clone();
    let ricks_newest = (newest + 1..=newest + 4).rev().find(|s| who(*s) == "rick");
    assert_eq!(
        Some(app.data.audit[patched[0]].seq),
        ricks_newest,
        "the newest of rick's first"
    );
    assert!(patched.iter().all(|i| app.data.audit[*i].actor == "rick"));
    let new_rows = (newest + 1..=newest + 4).filter(|s| who(*s) == "rick").count();
    assert!(new_rows > 0);
    assert_eq!(
        app.data.audit[patched[app.audit.cursor.sel]].seq, chosen,
        "the selection stays on its entry, the new rows above it"
    );
    assert_eq!(app.audit.cursor.sel, 7 + new_rows);
    rederive(&mut app);
    assert_eq!(patched, app.audit.view, "the rows a fresh filter gives");
}

#[test]
fn another_clients_order_change_moves_it_between_filtered_views_as_a_fresh_load_would() {
    let mut h = Harness::new("carol");
    h.app.orders.status = Some(crate::domain::OrderStatus::AwaitingApproval);
    rederive(&mut h.app);
    let awaiting = h.app.approvals.count();
    assert!(awaiting > 0 && !h.app.orders.view.is_empty());
    let po = h.app.approval_selected().expect("an order awaits carol");
    // Another client approves it: it leaves the Approvals pane and the filtered Orders list.
    let other = h.other_client();
    let carol = as_user(&config(), "carol");
    let req = PlaceRequest {
        po,
        method: PlacementMethod::Manual,
        link: None,
    };
    other.approve(&carol, req).unwrap();
    h.poll();
    let rows = |h: &Harness| {
        let r = &h.app.receiving;
        let lines: Vec<_> = r
            .lines
            .iter()
            .map(|l| (l.target.po, l.target.line, l.received))
            .collect();
        (
            h.app.orders.view.clone(),
            h.app.approvals.view.clone(),
            r.orders.clone(),
            lines,
        )
    };
    let patched = rows(&h);
    assert_eq!(h.app.approvals.count(), awaiting - 1);
    assert!(h.app.orders.view.iter().all(|i| h.app.data.orders[*i].number != po));
    assert!(h.app.receiving.orders.contains(&po), "placed, it comes to the dock");
    rederive(&mut h.app);
    assert_eq!(patched, rows(&h), "the rows a fresh derivation gives");
}

#[test]
fn a_service_that_takes_the_screens_back_with_other_roles_changes_what_they_offer() {
    let mut h = Harness::new("rick");
    assert!(h.app.receiving.refused.is_none(), "rick receives");
    let mut c = config();
    let mut rick = as_user(&c, "rick");
    rick.roles = crate::domain::Roles::new([crate::domain::Role::Buyer]);
    c.ui.scan_min_chars += 1;
    let ui_before = h.app.config.ui.scan_min_chars;
    h.app.on_msg(Msg::Welcome {
        actor: rick,
        config: Box::new(c),
    });
    let refused = h.app.receiving.refused.clone().expect("the scan box goes");
    assert!(refused.contains("receiver role"), "{refused}");
    let status = h.app.status.clone().map(|(_, s)| s).unwrap_or_default();
    assert!(status.contains("now knows you as rick (buyer)"), "{status}");
    // The screens' own display preferences stay.
    assert_eq!(h.app.config.ui.scan_min_chars, ui_before);
}

#[test]
fn screens_that_lost_the_service_say_so_on_every_pane_until_it_takes_them_back() {
    let mut h = Harness::new("rick");
    let marker = "service lost, reconnecting";
    assert!(!h.render(120, 30).contains(marker));
    h.app.on_msg(Msg::Disconnected);
    // Later messages take the status line; the tab bar keeps saying it.
    h.app
        .info(super::widgets::Tone::Error, "✗ not connected to the Purser service");
    for pane in ["4", "alt-2"] {
        h.keys(pane);
        let screen = h.render(120, 30);
        assert!(screen.lines().next().unwrap().contains(marker), "{screen}");
    }
    // At 80 columns the user's name gives way; the tabs and the warning stay.
    let narrow = h.render(80, 24);
    assert!(narrow.lines().next().unwrap().contains("⚠ service lost"), "{narrow}");
    h.app.on_msg(Msg::Welcome {
        actor: as_user(&config(), "rick"),
        config: Box::new(config()),
    });
    assert!(!h.render(120, 30).contains(marker));
}

/// The dock on small terminals, with Tab-ended scans, pastes and other clients' receipts.
mod dock;

#[test]
fn ctrl_r_says_when_everything_has_come_afresh() {
    let mut h = Harness::new("alice");
    h.press(KeyEvent::new(KeyCode::Char('r'), KeyModifiers::CONTROL));
    let status = |h: &Harness| h.app.status.clone().map(|(_, s)| s).unwrap_or_default();
    assert_eq!(status(&h), "reloading…");
    h.settle();
    assert!(status(&h).starts_with("reloaded"), "{}", status(&h));
    // Orders loaded for another reason later say nothing more.
    h.app.info(super::widgets::Tone::Info, "something else");
    h.app.reload();
    h.settle();
    assert_eq!(status(&h), "something else");
}

#[test]
fn no_to_other_distributors_goes_back_to_the_order_form_with_the_marks() {
    let mut h = Harness::new("alice");
    let all: std::collections::BTreeSet<ItemId> = h
        .app
        .pending
        .view
        .iter()
        .map(|i| h.app.data.items[*i as usize].id)
        .collect();
    let distributors: std::collections::BTreeSet<_> =
        h.app.data.items.iter().filter_map(|i| i.distributor.clone()).collect();
    assert!(
        distributors.len() > 1,
        "items of several distributors: {distributors:?}"
    );
    h.app.pending.marks = all.clone();
    let orders_before = h.svc.list_orders().unwrap().len();
    h.keys("n");
    assert!(open_form(&h).is_some(), "{:?}", h.app.status);
    h.keys("enter");
    assert!(
        matches!(h.app.dialog, Some(super::form::Dialog::Confirm { .. })),
        "asked about the other distributors' items"
    );
    h.keys("n");
    assert!(open_form(&h).is_some(), "back to the form");
    assert_eq!(h.app.pending.marks, all, "the marks are kept");
    assert_eq!(h.svc.list_orders().unwrap().len(), orders_before, "nothing ordered");
    // Yes then: ordered, and the items leave the marks.
    h.keys("enter y");
    assert!(h.app.dialog.is_none(), "{:?}", h.app.status);
    assert_eq!(h.svc.list_orders().unwrap().len(), orders_before + 1);
    assert!(h.app.pending.marks.is_empty());
}
