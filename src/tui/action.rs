//! Everything a key can ask for, and the modes (panes and views) keys are bound in.

use crate::app::{OrderAction, Permission};

/// One thing the user can ask the screens to do. Keymaps bind keys to these by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Quit,
    Help,
    Messages,
    PanePending,
    PaneOrders,
    PaneApprovals,
    PaneReceiving,
    PaneAudit,
    Settings,
    Refresh,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Filter,
    ClearFilter,
    Sort,
    ReverseSort,
    Mark,
    MarkAll,
    ClearMarks,
    Dismiss,
    Restore,
    ShowDismissed,
    Split,
    CreateOrder,
    AddToOrder,
    Open,
    Back,
    Place,
    EditOrder,
    CancelOrder,
    AddItems,
    RemoveItem,
    StatusFilter,
    ScrollUp,
    ScrollDown,
    /// At the dock: offer dropship and licence-only orders too.
    ShowAllKinds,
    Approve,
    Reject,
    FocusScan,
    Undo,
    AddRule,
    RemoveRule,
    LatestCost,
    ImportQuotes,
    ExportPdf,
    RetrySync,
    MarkSent,
    SendAgain,
}

/// (action, name in key files, description in the help overlay).
pub const ACTIONS: &[(Action, &str, &str)] = &[
    (Action::Quit, "quit", "quit (asks when typed input would be lost)"),
    (Action::Help, "help", "show this help"),
    (
        Action::Messages,
        "messages",
        "all messages of this session, whole (↑↓ scroll, Esc closes)",
    ),
    (Action::PanePending, "pane_pending", "Pending items pane"),
    (Action::PaneOrders, "pane_orders", "Orders pane"),
    (Action::PaneApprovals, "pane_approvals", "Approvals pane"),
    (Action::PaneReceiving, "pane_receiving", "Receiving pane"),
    (Action::PaneAudit, "pane_audit", "Audit pane"),
    (Action::Settings, "settings", "settings: approval rules (admins)"),
    (Action::Refresh, "refresh", "reload from the database"),
    (Action::Up, "up", "move up"),
    (Action::Down, "down", "move down"),
    (Action::PageUp, "page_up", "page up"),
    (Action::PageDown, "page_down", "page down"),
    (Action::Top, "top", "go to the first row"),
    (Action::Bottom, "bottom", "go to the last row"),
    (Action::Filter, "filter", "filter (type, Enter keeps it, Esc leaves)"),
    (Action::ClearFilter, "clear_filter", "clear the filter"),
    (Action::Sort, "sort", "sort by the next column"),
    (Action::ReverseSort, "reverse_sort", "reverse the sort order"),
    (Action::Mark, "mark", "mark / unmark the row (multi-select)"),
    (Action::MarkAll, "mark_all", "mark every row shown"),
    (Action::ClearMarks, "clear_marks", "clear the marks"),
    (Action::Dismiss, "dismiss", "dismiss marked items (asks for a reason)"),
    (Action::Restore, "restore", "restore marked dismissed items"),
    (
        Action::ShowDismissed,
        "show_dismissed",
        "show pending / dismissed items",
    ),
    (Action::Split, "split", "split the item's quantity"),
    (
        Action::CreateOrder,
        "create_order",
        "create an order from the marked items",
    ),
    (
        Action::AddToOrder,
        "add_to_order",
        "add the marked items to a pending order",
    ),
    (
        Action::Open,
        "open",
        "open the selected order (the audit entry in Audit)",
    ),
    (
        Action::Back,
        "back",
        "back to the list or the pane it came from (at the dock: scan every order again)",
    ),
    (Action::Place, "place", "place the order (method picker)"),
    (
        Action::EditOrder,
        "edit_order",
        "edit a pending order: type, ship-to, special bid, end user, notes, shipping",
    ),
    (Action::CancelOrder, "cancel_order", "cancel the order (asks first)"),
    (Action::AddItems, "add_items", "add pending items to the order"),
    (
        Action::RemoveItem,
        "remove_item",
        "remove the selected line (back to the pool)",
    ),
    (
        Action::StatusFilter,
        "status_filter",
        "choose the status of the orders shown",
    ),
    (Action::ScrollUp, "scroll_up", "scroll the details up"),
    (Action::ScrollDown, "scroll_down", "scroll the details down"),
    (
        Action::ShowAllKinds,
        "show_all_kinds",
        "offer dropship and licence-only orders at the dock too (again: only ours)",
    ),
    (Action::Approve, "approve", "approve and place (method picker)"),
    (Action::Reject, "reject", "reject with a reason"),
    (Action::FocusScan, "focus_scan", "focus the scan box"),
    (Action::Undo, "undo", "undo the last receipt"),
    (Action::AddRule, "add_rule", "add an approval rule"),
    (Action::RemoveRule, "remove_rule", "remove the selected rule"),
    (
        Action::LatestCost,
        "latest_cost",
        "use the latest distributor cost (and compare distributors)",
    ),
    (
        Action::ImportQuotes,
        "import_quotes",
        "import approved-quote files (JSON or CSV)",
    ),
    (Action::ExportPdf, "export_pdf", "write the purchase order as PDF"),
    (Action::RetrySync, "retry_sync", "retry the order's failed PSA sync"),
    (
        Action::MarkSent,
        "mark_sent",
        "uncertain send: the distributor has it — record it as sent",
    ),
    (
        Action::SendAgain,
        "send_again",
        "uncertain or failed send: send it again",
    ),
];

impl Action {
    /// What the action does to an order, when it acts on one: the service's answer for
    /// that order says whether the user may ([`crate::app::OrderActions`]).
    pub fn on_order(self) -> Option<OrderAction> {
        Some(match self {
            Action::Place => OrderAction::Place,
            Action::EditOrder => OrderAction::Edit,
            Action::CancelOrder => OrderAction::Cancel,
            Action::AddItems => OrderAction::AddItems,
            Action::RemoveItem => OrderAction::RemoveItems,
            Action::Approve => OrderAction::Approve,
            Action::Reject => OrderAction::Reject,
            Action::ExportPdf => OrderAction::ExportPdf,
            Action::RetrySync => OrderAction::RetrySync,
            Action::MarkSent => OrderAction::MarkSent,
            Action::SendAgain => OrderAction::SendAgain,
            _ => return None,
        })
    }

    /// The service command the action leads to, when it needs a role and acts on no one
    /// order: the service's table says which roles ([`Permission::roles`]).
    pub fn permission(self) -> Option<Permission> {
        Some(match self {
            Action::Dismiss => Permission::DismissItems,
            Action::Restore => Permission::RestoreItems,
            Action::Split => Permission::SplitItems,
            Action::CreateOrder => Permission::CreateOrders,
            Action::AddToOrder => Permission::ChangeOrders,
            Action::LatestCost => Permission::UpdateCosts,
            Action::ImportQuotes => Permission::ImportQuotes,
            Action::AddRule | Action::RemoveRule => Permission::EditRules,
            Action::Undo => Permission::UndoReceipts,
            _ => return None,
        })
    }

    pub fn describe(self) -> &'static str {
        ACTIONS.iter().find(|(a, _, _)| *a == self).map_or("?", |(_, _, d)| d)
    }

    pub fn from_name(name: &str) -> Option<Action> {
        ACTIONS.iter().find(|(_, n, _)| *n == name).map(|(a, _, _)| *a)
    }
}

/// Where keys are looked up: one mode per pane or view, then `global`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Mode {
    Global,
    Pending,
    Orders,
    OrderDetail,
    Approvals,
    Receiving,
    Scan,
    Audit,
    Settings,
}

impl Mode {
    pub const ALL: [Mode; 9] = [
        Mode::Global,
        Mode::Pending,
        Mode::Orders,
        Mode::OrderDetail,
        Mode::Approvals,
        Mode::Receiving,
        Mode::Scan,
        Mode::Audit,
        Mode::Settings,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Mode::Global => "global",
            Mode::Pending => "pending",
            Mode::Orders => "orders",
            Mode::OrderDetail => "order_detail",
            Mode::Approvals => "approvals",
            Mode::Receiving => "receiving",
            Mode::Scan => "scan",
            Mode::Audit => "audit",
            Mode::Settings => "settings",
        }
    }

    pub fn from_name(name: &str) -> Option<Mode> {
        Mode::ALL.into_iter().find(|m| m.name() == name)
    }

    /// Modes where a text field has the focus: only keys with Ctrl/Alt, function and
    /// navigation keys are looked up; everything else is typed into the field.
    pub fn is_text(self) -> bool {
        matches!(self, Mode::Scan)
    }
}
