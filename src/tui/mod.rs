//! The terminal UI: panes for pending items, orders, approvals, receiving and audit.
