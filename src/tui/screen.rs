//! The state of the screens and how keys and worker messages change it. Nothing here
//! touches the database: requests go into `to_worker` (the database worker's queue), answers come back
//! through [`App::on_msg`].

use super::action::{Action, Mode};
pub use super::data::Data;
use super::form::{Confirm, Dialog, Form, Outcome};
use super::keymap::{Key, Keymap};
use super::panes::{approvals::ApprovalsPane, audit::AuditPane, orders::OrdersPane, pending::PendingPane};
use super::panes::{receiving::ReceivingPane, settings::SettingsPane, Ask, Ctx};
use super::theme::Theme;
pub use super::widgets::Tone;
use super::worker::{self, Command, Load, Msg, Patch, Req};
use crate::app::{OrderActions, OtherDistributors, Permission};
use crate::config::Config;
use crate::domain::{PoNumber, Role, RuleError, Timestamp};
use crate::identity::Actor;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use std::sync::Arc;
use std::time::Instant;

pub use super::panes::Pane;

/// The panes' read-only context, borrowed field by field from the screen, so that a
/// pane can be borrowed mutably beside it.
macro_rules! ctx {
    ($s:expr) => {
        Ctx {
            data: &$s.data,
            config: &$s.config,
            actor: &$s.actor,
            theme: &$s.theme,
            keymap: &$s.keymap,
            now: $s.now,
            pdf_dir: &$s.pdf_dir,
        }
    };
}
pub(crate) use ctx;

/// The whole screen state.
pub struct App {
    pub actor: Actor,
    pub config: Arc<Config>,
    pub keymap: Keymap,
    pub theme: Theme,
    pub pane: Pane,
    /// The pane to go back to from settings.
    pub prev_pane: Pane,
    pub now: Timestamp,
    pub help: bool,
    pub dialog: Option<Dialog>,
    /// One entry per command sent, in order (the worker answers them in order): the form
    /// it came from, if any, so that a refusal reopens it with what was typed and why.
    pub submitted: std::collections::VecDeque<Option<Form>>,
    pub status: Option<(Tone, String)>,
    pub busy: bool,
    pub spinner: usize,
    pub quit: bool,
    /// Ring the terminal bell after the next frame.
    pub bell: bool,
    /// Requests for the database worker (its queue), taken by the event loop.
    pub to_worker: Vec<Req>,
    /// Calls to distributors made on the user's behalf, taken by the event loop, which
    /// runs each as a task (never on the database worker).
    pub calls: Vec<Call>,
    /// A call to a distributor is under way (Esc on its pane stops waiting for it).
    pub calling: bool,
    /// The connection to the Purser service is lost and being made again (the screens are
    /// its client): shown on every pane until it is back.
    pub disconnected: bool,
    /// This user's unseen notices (failed background work for their orders), newest
    /// first: shown on every pane until marked seen.
    pub notices: Vec<crate::domain::notice::Notice>,
    pub data: Data,
    pub pending: PendingPane,
    pub orders: OrdersPane,
    pub approvals: ApprovalsPane,
    pub receiving: ReceivingPane,
    pub audit: AuditPane,
    pub settings: SettingsPane,
    /// Where purchase-order PDFs are written (`pdf/` beside the database).
    pub pdf_dir: std::path::PathBuf,
    /// Characters held back until it is known they are not a scanner's burst.
    pub held: super::input::Held,
    /// Where the last frame drew what can be clicked.
    pub hits: std::cell::RefCell<super::input::Hits>,
    /// What a question came up over, to go back to on "no".
    pub asked_over: Option<super::input::Before>,
    /// Every status message of the session (the newest few hundred).
    pub messages: super::messages::Messages,
    /// How many of the dock's notes the status line has followed.
    pub dock_seen: u64,
    /// The user asked for everything afresh (Ctrl-R) and the orders have not come yet.
    pub reloading: bool,
}

impl App {
    pub fn new(actor: Actor, config: Arc<Config>, keymap: Keymap, theme: Theme, now: Timestamp) -> App {
        // Start where the person works: the dock for receivers, approvals for approvers.
        let r = &actor.roles;
        let pane = if r.has(Role::Buyer) || r.has(Role::Admin) {
            Pane::Pending
        } else if r.has(Role::Receiver) {
            Pane::Receiving
        } else if r.has(Role::Approver) {
            Pane::Approvals
        } else {
            Pane::Orders
        };
        let mut app = App {
            actor,
            config,
            keymap,
            theme,
            pane,
            prev_pane: pane,
            now,
            help: false,
            dialog: None,
            submitted: Default::default(),
            status: None,
            busy: false,
            spinner: 0,
            quit: false,
            bell: false,
            to_worker: Vec::new(),
            calls: Vec::new(),
            calling: false,
            disconnected: false,
            notices: Vec::new(),
            pdf_dir: std::path::PathBuf::from("pdf"),
            data: Data::default(),
            pending: PendingPane::default(),
            orders: OrdersPane::default(),
            approvals: ApprovalsPane::default(),
            receiving: ReceivingPane::default(),
            audit: AuditPane::default(),
            settings: SettingsPane::default(),
            held: Default::default(),
            hits: Default::default(),
            asked_over: None,
            messages: Default::default(),
            dock_seen: 0,
            reloading: false,
        };
        app.receiving.focus();
        let me = app.actor.name.clone();
        app.load(Load::Notices(me));
        // The current pane's data first: the first frame needs only that.
        if pane == Pane::Pending {
            app.load(Load::Items);
            app.load(Load::Orders);
        } else {
            app.load(Load::Orders);
            app.load(Load::Items);
        }
        app
    }

    pub fn load(&mut self, l: Load) {
        self.to_worker.push(Req::Load(l));
    }

    pub fn send(&mut self, c: Command) {
        self.send_from(c, None);
    }

    /// Sends a command, remembering the form it came from.
    fn send_from(&mut self, c: Command, form: Option<Form>) {
        self.submitted.push_back(form);
        self.to_worker.push(Req::Do(c));
    }

    pub fn info(&mut self, tone: Tone, text: impl Into<String>) {
        if tone == Tone::Error {
            self.bell = true;
        }
        let text = text.into();
        self.messages.push(self.now, tone, &text);
        self.status = Some((tone, text));
    }

    /// The key mode of what has the focus now.
    pub fn mode(&self) -> Mode {
        match self.pane {
            Pane::Pending => Mode::Pending,
            Pane::Orders if self.orders.detail_po().is_some() => Mode::OrderDetail,
            Pane::Orders => Mode::Orders,
            Pane::Approvals => Mode::Approvals,
            Pane::Receiving if self.receiving.typing() => Mode::Scan,
            Pane::Receiving => Mode::Receiving,
            Pane::Audit => Mode::Audit,
            Pane::Settings => Mode::Settings,
        }
    }

    /// Whether quitting now would lose something typed.
    pub fn has_typed_input(&self) -> bool {
        self.dialog.as_ref().is_some_and(Dialog::has_typed) || self.receiving.has_unsent()
    }

    fn request_quit(&mut self) {
        if matches!(
            self.dialog,
            Some(Dialog::Confirm {
                what: Confirm::Quit,
                ..
            })
        ) || !self.has_typed_input()
        {
            self.quit = true;
        } else {
            self.ask_over(Dialog::Confirm {
                text: "Typed input has not been saved. Quit anyway?".into(),
                what: Confirm::Quit,
            });
        }
    }

    /// A key that is known to be a person's (or the dock's), arrived at `at`.
    pub(crate) fn key_at(&mut self, ev: KeyEvent, at: Instant) {
        if ev.kind == KeyEventKind::Release {
            return;
        }
        let key = Key::from_event(&ev);
        if key.code == KeyCode::Char('c') && key.mods == KeyModifiers::CONTROL {
            return self.request_quit();
        }
        if key.code == KeyCode::F(1) {
            self.help = !self.help;
            return;
        }
        // Notices are answered from anywhere; a scanner never sends a function key.
        if key.code == KeyCode::F(2) && !self.notices.is_empty() {
            let ids = self.notices.iter().map(|n| n.id).collect();
            self.notices.clear();
            self.send(Command::NoticesSeen { ids });
            let me = self.actor.name.clone();
            return self.load(Load::Notices(me));
        }
        // At the dock every letter, digit and sign is part of a scan: it goes to the scan
        // box (focusing it), never to a command, so a scan arriving at any moment can
        // neither switch panes nor undo nor answer a question — nor lose its first character.
        let scan = self.pane == Pane::Receiving && key.is_text();
        if self.help {
            if scan
                || matches!(
                    key.code,
                    KeyCode::Esc | KeyCode::Enter | KeyCode::Char('?') | KeyCode::Char('q')
                )
            {
                self.help = false;
            }
            if !scan {
                return;
            }
        }
        if self.messages_took(&key, scan) {
            return;
        }
        if let Some(Dialog::Confirm { .. }) = &self.dialog {
            if scan && !matches!(key.code, KeyCode::Char('y' | 'Y' | 'n' | 'N')) {
                self.close_question();
            }
        }
        if self.dialog.is_some() {
            return self.dialog_key(&ev);
        }
        if self.calling && self.pane == Pane::Pending && key.code == KeyCode::Esc && key.mods.is_empty() {
            self.calls.push(Call::Stop);
            return;
        }
        if scan {
            self.receiving.focus();
        }
        if self.text_key(&ev, &key, at) {
            return;
        }
        let mode = self.mode();
        if let Some(a) = self.keymap.lookup(mode, &key) {
            self.act(a);
        }
    }

    /// Keys for a focused text field of a pane; returns whether the key was used.
    fn text_key(&mut self, ev: &KeyEvent, key: &Key, at: Instant) -> bool {
        match self.pane {
            Pane::Pending if self.pending.typing() => {
                self.pending.filter_key(ev, &ctx!(self));
                true
            }
            Pane::Audit if self.audit.typing() => {
                self.audit.filter_key(ev, &ctx!(self));
                true
            }
            Pane::Orders if self.orders.typing() => {
                self.orders.filter_key(ev, &ctx!(self));
                true
            }
            Pane::Approvals if self.approvals.typing() => {
                self.approvals.filter_key(ev, &ctx!(self));
                true
            }
            Pane::Receiving if self.receiving.searching() || self.receiving.opens_search(ev) => {
                if !self.receiving.searching() {
                    self.receiving.search.focused = true;
                } else {
                    self.receiving.search_key(ev, &ctx!(self));
                }
                true
            }
            Pane::Receiving if self.receiving.typing() => {
                // Esc followed quickly by a character arrives as Alt+character. While the
                // scanner is busy (serials, a pick list, typed text) Esc has work to do, so
                // that is what it was; on an idle box, Alt+digit switches panes.
                let alt_char = match key.code {
                    KeyCode::Char(c) if key.mods == KeyModifiers::ALT => Some(c),
                    _ => None,
                };
                let busy = self.receiving.is_busy();
                let bound = self
                    .keymap
                    .lookup(Mode::Scan, key)
                    .filter(|_| !(busy && alt_char.is_some()));
                match (bound, alt_char) {
                    (Some(a), _) => self.act(a),
                    (None, Some(c)) => {
                        let esc =
                            self.receiving
                                .scan_key(&KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE), at, &ctx!(self));
                        self.ask(esc);
                        let typed = self.receiving.scan_key(
                            &KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE),
                            at,
                            &ctx!(self),
                        );
                        self.ask(typed);
                    }
                    (None, None) => {
                        let asks = self.receiving.scan_key(ev, at, &ctx!(self));
                        self.ask(asks);
                    }
                }
                true
            }
            _ => false,
        }
    }

    fn dialog_key(&mut self, ev: &KeyEvent) {
        let Some(dialog) = self.dialog.as_mut() else { return };
        match dialog {
            Dialog::Confirm { what, .. } => {
                let what = what.clone();
                // Only `y` says yes: a stray Enter (a scanner ends every scan with one) must
                // not cancel an order or quit with typed input lost.
                match ev.code {
                    KeyCode::Char('y') | KeyCode::Char('Y') => {
                        self.dialog = None;
                        self.asked_over = None;
                        self.confirmed(what);
                    }
                    KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc | KeyCode::Char('q') => {
                        self.close_question()
                    }
                    _ => {}
                }
            }
            Dialog::Form(form) => match form.key(ev) {
                Outcome::Stay => {}
                Outcome::Cancel => self.dialog = None,
                Outcome::Submit => {
                    let form = form.clone();
                    match super::panes::form_command(&ctx!(self), &form) {
                        // Items of other distributors: asked over the form, which comes
                        // back with what was typed, and the marks kept, on "no".
                        Ok(cmd) => match self.other_distributors_question(&cmd) {
                            Some(text) => self.ask_over(Dialog::Confirm {
                                text,
                                what: Confirm::OtherDistributors(Box::new((cmd, Some(form)))),
                            }),
                            None => {
                                self.dialog = None;
                                self.send_form(cmd, form);
                            }
                        },
                        Err(e) => {
                            self.bell = true;
                            if let Some(Dialog::Form(f)) = self.dialog.as_mut() {
                                f.error = Some(e.to_string());
                            }
                        }
                    }
                }
            },
            Dialog::Pick(p) => match p.key(ev) {
                Outcome::Stay => {}
                Outcome::Cancel => self.dialog = None,
                Outcome::Submit => {
                    let (purpose, chosen) = (p.purpose.clone(), p.chosen());
                    self.dialog = None;
                    if purpose == super::form::PickPurpose::OrderStatus {
                        let asks = self.orders.status_chosen(&ctx!(self), &chosen);
                        self.ask(asks);
                    } else if let Some(cmd) = super::panes::picked_command(purpose, chosen) {
                        self.send_asking(cmd, None);
                    }
                }
            },
        }
    }

    fn confirmed(&mut self, what: Confirm) {
        match what {
            Confirm::Quit => self.quit = true,
            Confirm::Cancel(po) => self.send(Command::Cancel { po }),
            Confirm::RemoveRule(n) => self.send(Command::RemoveRule(n)),
            Confirm::OtherDistributors(sent) => match *sent {
                (cmd, Some(form)) => self.send_form(allow_others(cmd), form),
                (cmd, None) => self.send_from(allow_others(cmd), None),
            },
        }
    }

    /// Sends a form's command; an order made of marked items takes them off the marks.
    fn send_form(&mut self, cmd: Command, form: Form) {
        if matches!(form.purpose, super::form::Purpose::CreateOrder { .. }) {
            self.pending.clear_marks();
        }
        self.send_from(cmd, Some(form));
    }

    /// Sends a command that puts items on an order, asking first — naming both — when
    /// any item is another distributor's than the order's.
    pub(crate) fn send_asking(&mut self, cmd: Command, form: Option<Form>) {
        match self.other_distributors_question(&cmd) {
            Some(text) => {
                self.dialog = Some(Dialog::Confirm {
                    text,
                    what: Confirm::OtherDistributors(Box::new((cmd, form))),
                });
            }
            None => self.send_from(cmd, form),
        }
    }

    /// The question to ask before `cmd`, when it puts items of another distributor on an
    /// order: naming the items' distributors and the order's.
    fn other_distributors_question(&self, cmd: &Command) -> Option<String> {
        let (ids, order_distributor) = match cmd {
            Command::CreateOrder(req, OtherDistributors::Refuse) => (&req.items, req.distributor.clone()),
            Command::AddToOrder {
                po,
                ids,
                others: OtherDistributors::Refuse,
            } => (ids, self.data.order(*po)?.distributor.clone()),
            _ => return None,
        };
        let mut others: Vec<(String, Vec<String>)> = Vec::new();
        for id in ids {
            let Some(d) = self.data.item(*id).and_then(|i| i.distributor.clone()) else {
                continue;
            };
            if d == order_distributor {
                continue;
            }
            match others.iter_mut().find(|(k, _)| *k == d) {
                Some((_, list)) => list.push(id.to_string()),
                None => others.push((d.to_string(), vec![id.to_string()])),
            }
        }
        if others.is_empty() {
            return None;
        }
        let name = |k: &str| self.config.distributor_name(k);
        let whose: Vec<String> = others
            .iter()
            .map(|(d, ids)| format!("{} of {}", some_items(ids), name(d)))
            .collect();
        Some(format!(
            "{} — order from {} anyway? Their own part numbers are then not used. y: order them · n: back",
            whose.join("; "),
            name(&order_distributor)
        ))
    }

    /// Switches to a pane, loading what it shows if needed.
    pub fn switch(&mut self, pane: Pane) {
        if pane == Pane::Settings && !Permission::EditRules.allows(&self.actor) {
            let roles: Vec<String> = Permission::EditRules.roles().iter().map(|r| r.to_string()).collect();
            return self.info(
                Tone::Error,
                format!(
                    "settings need the {} role; {} has {}",
                    roles.join(" or "),
                    self.actor.name,
                    self.actor.roles
                ),
            );
        }
        if pane != Pane::Settings {
            self.prev_pane = pane;
        }
        self.pane = pane;
        match pane {
            Pane::Pending if !self.data.items_loaded => self.load(Load::Items),
            Pane::Orders | Pane::Approvals | Pane::Receiving if !self.data.orders_loaded => self.load(Load::Orders),
            Pane::Audit => self.load(Load::Audit),
            Pane::Settings => self.load(Load::Rules),
            _ => {}
        }
        if pane == Pane::Receiving {
            self.receiving.focus();
        }
    }

    /// Reloads what the screens show (after another process wrote, or on request).
    pub fn reload(&mut self) {
        if self.data.items_loaded {
            self.load(Load::Items);
        }
        self.load(Load::Orders);
        if self.pane == Pane::Audit {
            self.load(Load::Audit);
        } else {
            self.data.audit_loaded = false;
        }
        if let Some(po) = self.orders.detail_po() {
            self.to_worker.push(Req::Load(Load::OrderAudit(po)));
        }
        let me = self.actor.name.clone();
        self.load(Load::Notices(me));
        if self.pane == Pane::Settings {
            self.load(Load::Rules);
        }
    }

    /// The service took the screens back (after a restart) as `actor`, with `config`:
    /// what the user may do follows at once. The screens' display preferences (theme,
    /// keys, scan timing) stay as they are.
    pub fn welcomed(&mut self, actor: Actor, mut config: Config) {
        config.ui = self.config.ui.clone();
        if actor != self.actor {
            self.info(
                Tone::Warn,
                format!("the service now knows you as {} ({})", actor.name, actor.roles),
            );
        }
        self.actor = actor;
        self.config = Arc::new(config);
        self.receiving.refresh(&ctx!(self));
    }

    /// Other people's changes: asks for exactly the entities they touched that the
    /// screens hold, to patch them in (selection, marks, filters and scroll stay).
    pub fn take_in(&mut self, changes: &crate::app::Changes) {
        let items = changes.items();
        if !items.is_empty() && self.data.items_loaded {
            self.load(Load::ItemsById(items));
        }
        let orders = changes.orders();
        if !orders.is_empty() && self.data.orders_loaded {
            self.load(Load::OrdersByNumber(orders));
        }
        let first_audit = changes.touched.iter().find_map(|t| match t {
            crate::app::Touched::Audit(seq) => Some(*seq),
            _ => None,
        });
        if let Some(start) = first_audit {
            if self.data.audit_loaded {
                self.load(Load::AuditFrom(start));
            }
            if let Some((po, _)) = &self.data.order_audit {
                let po = *po;
                self.load(Load::OrderAuditFrom(po, start));
            }
        }
        if changes.rules() && self.data.rules_loaded {
            self.load(Load::Rules);
        }
        if changes.notices() {
            let me = self.actor.name.clone();
            self.load(Load::Notices(me));
        }
    }

    /// One action from the keymap.
    pub fn act(&mut self, a: Action) {
        match a {
            Action::Quit => self.request_quit(),
            Action::Help => self.help = true,
            Action::Messages => self.messages.toggle(),
            Action::PanePending => self.switch(Pane::Pending),
            Action::PaneOrders => self.switch(Pane::Orders),
            Action::PaneApprovals => self.switch(Pane::Approvals),
            Action::PaneReceiving => self.switch(Pane::Receiving),
            Action::PaneAudit => self.switch(Pane::Audit),
            Action::Settings => self.switch(Pane::Settings),
            Action::Refresh => {
                self.reload();
                self.reloading = true;
                self.info(Tone::Info, "reloading…");
            }
            _ if !self.may(a) => {}
            _ => match self.pane {
                Pane::Pending => {
                    let asks = self.pending.handle(a, &ctx!(self));
                    self.ask(asks);
                }
                Pane::Orders => {
                    let asks = self.orders.handle(a, &ctx!(self));
                    self.ask(asks);
                }
                Pane::Approvals => {
                    let asks = self.approvals.handle(a, &ctx!(self));
                    self.ask(asks);
                }
                Pane::Receiving => {
                    let asks = self.receiving.handle(a, &ctx!(self));
                    self.ask(asks);
                }
                Pane::Audit => {
                    let asks = self.audit.handle(a, &ctx!(self));
                    self.ask(asks);
                }
                Pane::Settings => {
                    let asks = self.settings.handle(a, &ctx!(self));
                    self.ask(asks);
                }
            },
        }
    }

    /// Whether the user holds a role the action's command needs (by the service's table);
    /// if not, says so before any form opens.
    fn may(&mut self, a: Action) -> bool {
        let Some(p) = a.permission() else { return true };
        match p.check(&self.actor) {
            Ok(()) => true,
            Err(e) => {
                self.refuse(&e);
                false
            }
        }
    }

    /// The order the focused pane shows or has selected, if any.
    pub(crate) fn focused_order(&self) -> Option<PoNumber> {
        match self.pane {
            Pane::Orders => self.orders.focused(&self.ctx()),
            Pane::Approvals => self.approvals.selected(&self.ctx()),
            _ => None,
        }
    }

    /// What the user may do to order `po` now: the service's answer.
    pub(crate) fn order_actions(&self, po: PoNumber) -> Option<OrderActions> {
        self.data
            .order(po)
            .map(|o| OrderActions::of(&self.config, &self.actor, o))
    }

    /// Shows a refusal in the status line (a missing role in short: who, what, which role).
    fn refuse(&mut self, e: &RuleError) {
        let text = match e {
            RuleError::MissingRole {
                actor, action, roles, ..
            } => {
                let roles: Vec<String> = roles.iter().map(|r| r.to_string()).collect();
                format!("{actor} may not {action}: that needs the {} role", roles.join(" or "))
            }
            other => other.to_string(),
        };
        self.info(Tone::Error, text);
    }

    /// The item on the selected row of the Pending pane.
    pub fn pending_selected(&self) -> Option<crate::domain::ItemId> {
        self.pending.selected(&self.ctx())
    }

    /// The order on the selected row of the Orders list.
    pub fn orders_selected(&self) -> Option<PoNumber> {
        self.orders.selected(&self.ctx())
    }

    /// The order on the selected row of the Approvals pane.
    pub fn approval_selected(&self) -> Option<PoNumber> {
        self.approvals.selected(&self.ctx())
    }

    /// Opens an order in detail (from any pane).
    pub fn open_order(&mut self, po: PoNumber) {
        let from = self.pane;
        self.switch(Pane::Orders);
        self.data.order_audit = None;
        let asks = self.orders.open(po, from);
        self.ask(asks);
    }

    /// Opens the method picker to place (or approve and place) an order, unless the
    /// service says the user may not.
    pub fn open_place(&mut self, po: PoNumber, approve: bool) {
        let ask = super::panes::orders::place_dialog(&ctx!(self), po, approve);
        self.ask([ask]);
    }

    /// The panes' read-only context.
    pub fn ctx(&self) -> Ctx<'_> {
        ctx!(self)
    }

    /// Does what a pane asked.
    pub(crate) fn ask(&mut self, asks: impl IntoIterator<Item = Ask>) {
        for a in asks {
            match a {
                Ask::Nothing => {}
                Ask::Dialog(d) => self.dialog = Some(*d),
                Ask::Send(c) => self.send(c),
                Ask::Call(_) if self.calling => self.info(
                    Tone::Error,
                    "the distributors are being asked already; Esc stops waiting",
                ),
                Ask::Call(c) => {
                    self.calling = true;
                    self.calls.push(Call::Start(c));
                }
                Ask::Load(l) => self.load(l),
                Ask::Say(tone, text) => self.info(tone, text),
                Ask::Refuse(e) => self.refuse(&e),
                Ask::OpenOrder(po) => self.open_order(po),
                Ask::Switch(p) => self.switch(p),
                Ask::Back => {
                    let p = self.prev_pane;
                    self.switch(p);
                }
                Ask::Bell => self.bell = true,
            }
        }
    }

    /// An answer from the worker.
    pub fn on_msg(&mut self, msg: Msg) {
        match msg {
            Msg::Items { from, to, items } => self.items_change(|d| d.splice_items(from, to, items)),
            Msg::Orders(orders, sync) => {
                self.orders_change(|d| {
                    d.orders = orders;
                    d.sync = sync;
                    d.orders_loaded = true;
                });
                if std::mem::take(&mut self.reloading) {
                    self.info(Tone::Ok, "reloaded: everything as the database has it now");
                }
            }
            Msg::Audit(entries) => {
                self.data.audit = entries.into();
                self.data.audit_loaded = true;
                self.audit.refresh(&ctx!(self));
            }
            Msg::OrderAudit(po, entries) => self.data.order_audit = Some((po, entries)),
            Msg::AuditEntry(seq, entry) => self.audit.entry_arrived(seq, entry),
            Msg::Rules(rules) => {
                self.data.rules = rules;
                self.data.rules_loaded = true;
                self.settings.rules_changed(&ctx!(self));
            }
            Msg::ShipTo(quote, addr) => super::panes::pending::ship_to_arrived(self.dialog.as_mut(), &quote, addr),
            Msg::Changed(changes) => self.take_in(&changes),
            Msg::Reload => self.reload(),
            Msg::ItemsChanged(items) => {
                if self.data.items_loaded {
                    self.items_change(|d| d.upsert_items(items));
                }
            }
            Msg::OrdersChanged { asked, orders, sync } => {
                if self.data.orders_loaded {
                    self.orders_patch(&asked, orders, sync);
                }
            }
            Msg::AuditAdded(entries) => {
                if self.data.audit_loaded && !entries.is_empty() {
                    let (added, dropped) = self.data.add_audit(entries);
                    self.audit.entries_added(&ctx!(self), added, dropped);
                }
            }
            Msg::OrderAuditAdded(po, entries) => self.data.add_order_audit(po, entries),
            Msg::Busy(b) => self.busy = b,
            Msg::Notices(list) => {
                if list.iter().any(|n| !self.notices.iter().any(|m| m.id == n.id)) {
                    self.bell = true;
                }
                self.notices = list;
            }
            Msg::Called { command, result } => {
                self.calling = false;
                match result {
                    Ok(fx) => {
                        let message = fx.message.clone();
                        self.apply(fx);
                        self.info(Tone::Ok, message);
                    }
                    Err(e) => self.info(Tone::Error, format!("{command}: {e}")),
                }
            }
            Msg::Failed(e) => self.info(Tone::Error, e.to_string()),
            Msg::Notice(tone, text) => self.info(tone, text),
            Msg::Disconnected => self.disconnected = true,
            Msg::Welcome { actor, config } => {
                self.disconnected = false;
                self.welcomed(actor, *config)
            }
            // The event loop closes the screens on it; nothing is left to show.
            Msg::Ended(why) => self.info(Tone::Error, why),
            Msg::Done { command, result } => {
                if let (Some(mut form), Err(e)) = (self.submitted.pop_front().flatten(), &result) {
                    if self.dialog.is_none() {
                        form.error = Some(e.to_string());
                        self.dialog = Some(Dialog::Form(form));
                        self.bell = true;
                    }
                }
                let scan = command.is_scan();
                // The dock needs only the message and the receipt once the data is applied.
                let result = result.map(|fx| {
                    let done = (fx.message.clone(), fx.receipt.clone());
                    self.apply(fx);
                    done
                });
                match &result {
                    Err(e) if !scan => self.info(Tone::Error, format!("{command}: {e}")),
                    _ => {}
                }
                if scan {
                    let asks = self.receiving.done(command, result, &ctx!(self));
                    self.ask(asks);
                    self.follow_dock();
                }
            }
        }
        // Orders changed elsewhere may stop the dock's serials, saying so: the status too.
        self.follow_dock();
    }

    fn apply(&mut self, fx: Patch) {
        if !fx.items.is_empty() {
            self.items_change(|d| d.upsert_items(fx.items));
        }
        if !fx.orders.is_empty() {
            self.orders_patch(&[], fx.orders, Default::default());
        }
        if let Some(rules) = fx.rules {
            self.data.rules = rules;
            self.settings.rules_changed(&ctx!(self));
        }
        if let Some(po) = self.orders.detail_po() {
            self.load(Load::OrderAudit(po));
        }
        if self.pane == Pane::Audit {
            self.load(Load::Audit);
        } else {
            self.data.audit_loaded = false;
        }
        match fx.warning {
            Some(w) => self.info(Tone::Warn, format!("{} — {w}", fx.message)),
            None => self.info(Tone::Ok, fx.message),
        }
    }

    /// Changes the items; the Pending rows follow, on the item that was selected. (Rows
    /// number the items, so the selection is read before the change, not after.)
    fn items_change(&mut self, change: impl FnOnce(&mut Data)) {
        let selected = self.pending.selected(&self.ctx());
        change(&mut self.data);
        self.pending.refresh(&ctx!(self), selected);
    }

    /// Changes the orders; every view derived from them follows, each on the order it had
    /// selected.
    fn orders_change(&mut self, change: impl FnOnce(&mut Data)) {
        let (orders, approvals) = (self.orders_selected(), self.approval_selected());
        change(&mut self.data);
        self.orders.refresh(&ctx!(self), orders);
        self.approvals.refresh(&ctx!(self), approvals);
        self.receiving.refresh(&ctx!(self));
    }

    /// Orders changed (by someone else, or by the user's own command), as they are now,
    /// with the PSA sync state of the numbers `asked`. When each replaces its old self in
    /// place, every view looks again at only their rows; an order new to the list
    /// renumbers the rows, and every view is derived again. Either way the views end as
    /// [`Self::orders_change`] leaves them.
    fn orders_patch(
        &mut self,
        asked: &[PoNumber],
        orders: Vec<crate::domain::Order>,
        sync: std::collections::HashMap<PoNumber, String>,
    ) {
        let slots = self.data.order_slots(&orders).filter(|s| {
            let mut once = s.clone();
            once.sort_unstable();
            once.dedup();
            once.len() == s.len()
        });
        let Some(slots) = slots else {
            return self.orders_change(|d| d.patch_orders(asked, orders, sync));
        };
        let (keep, approval) = (self.orders_selected(), self.approval_selected());
        let awaited: Vec<bool> = slots
            .iter()
            .map(|i| super::panes::approvals::awaits(&ctx!(self), &self.data.orders[*i]))
            .collect();
        self.data.patch_sync(asked, sync);
        for (o, i) in orders.into_iter().zip(&slots) {
            self.data.orders[*i] = o;
        }
        self.orders.orders_changed(&ctx!(self), &slots, keep);
        self.approvals.orders_changed(&ctx!(self), &slots, &awaited, approval);
        self.receiving.orders_changed(&ctx!(self), &slots);
    }

    /// Runs every request the screens made, in this thread, feeding the answers back until
    /// no request is left (tests and the benchmark use it instead of the worker thread).
    pub fn settle(&mut self, svc: &crate::app::Service) {
        loop {
            let reqs = std::mem::take(&mut self.to_worker);
            let calls = std::mem::take(&mut self.calls);
            if reqs.is_empty() && calls.is_empty() {
                return;
            }
            for call in calls {
                if let Call::Start(c) = call {
                    let command = c.kind();
                    let actor = self.actor.clone();
                    let result = crate::jobs::db::with_db(svc, |db| {
                        crate::jobs::db::block_on(super::commands::call(&db, &actor, c))
                    });
                    self.on_msg(Msg::Called { command, result });
                }
            }
            for r in reqs {
                match r {
                    Req::Load(Load::Items) => {
                        let mut from = 0;
                        loop {
                            match worker::items_chunk(svc, from, worker::CHUNK) {
                                Ok((msg, next)) => {
                                    self.on_msg(msg);
                                    match next {
                                        Some(n) => from = n,
                                        None => break,
                                    }
                                }
                                Err(e) => {
                                    self.on_msg(Msg::Failed(e));
                                    break;
                                }
                            }
                        }
                    }
                    Req::Load(l) => self.on_msg(worker::load(svc, &l)),
                    Req::Poll | Req::Call(_) | Req::StopCall => {}
                    Req::Task(task) => task(svc),
                    Req::Do(c) => {
                        let command = c.kind();
                        let result = worker::execute(svc, &self.actor.clone(), c);
                        self.on_msg(Msg::Done { command, result });
                    }
                }
            }
        }
    }

    /// Called on every tick of the event loop.
    pub fn tick(&mut self, now: Timestamp) -> bool {
        self.now = now;
        if self.busy || self.calling || self.receiving.saving() {
            self.spinner = self.spinner.wrapping_add(1);
            true
        } else {
            false
        }
    }
}

/// A call to the far side made on the user's behalf: started, or no longer waited for.
#[derive(Debug, Clone)]
pub enum Call {
    Start(Command),
    Stop,
}

/// `cmd` with items of other distributors allowed (the person said yes).
fn allow_others(cmd: Command) -> Command {
    match cmd {
        Command::CreateOrder(req, _) => Command::CreateOrder(req, OtherDistributors::Allow),
        Command::AddToOrder { po, ids, .. } => Command::AddToOrder {
            po,
            ids,
            others: OtherDistributors::Allow,
        },
        other => other,
    }
}

/// Items named in a question: each of a few, the first few of many and how many more (a
/// thousand marked items would push the question's keys out of its box).
fn some_items(ids: &[String]) -> String {
    const NAMED: usize = 5;
    match ids {
        [] => "no items".to_string(),
        [one] => format!("item {one}"),
        [first @ .., last] if ids.len() <= NAMED + 1 => format!("items {} and {last}", first.join(", ")),
        _ => format!(
            "items {} and {} more",
            ids[..NAMED].join(", "),
            super::widgets::count(ids.len() - NAMED)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::some_items;

    fn ids(n: usize) -> Vec<String> {
        (1..=n).map(|i| i.to_string()).collect()
    }

    #[test]
    fn a_question_names_a_few_items_and_counts_the_rest() {
        assert_eq!(some_items(&ids(1)), "item 1");
        assert_eq!(some_items(&ids(2)), "items 1 and 2");
        assert_eq!(some_items(&ids(6)), "items 1, 2, 3, 4, 5 and 6");
        assert_eq!(some_items(&ids(7)), "items 1, 2, 3, 4, 5 and 2 more");
        assert_eq!(some_items(&ids(2_000)), "items 1, 2, 3, 4, 5 and 1,995 more");
    }
}
