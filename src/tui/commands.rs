//! The commands a person gives on the screens, and how each runs through the service:
//! [`execute`] turns a [`Command`] into the [`Patch`] the screens patch in. The worker
//! thread ([`super::worker`]) calls it, one command at a time in the order sent.

use crate::app::{CreateOrder, ImportOutcome, OtherDistributors, PlaceRequest, Service};
use crate::domain::order::PlaceOutcome;
use crate::domain::receiving::ReceiveRequest;
use crate::domain::text::count as plural;
use crate::domain::{ApprovalRule, ItemId, Order, PendingItem, PoNumber, Receipt};
use crate::identity::Actor;
use crate::tui::error::ScreenError;

/// What can be loaded; a newer request for the same thing replaces an older one.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Load {
    Items,
    Orders,
    Audit,
    OrderAudit(PoNumber),
    /// One audit entry, whole (the list holds slimmed ones).
    AuditEntry(u64),
    Rules,
    ShipTo(String),
    /// The unseen notices of this user.
    Notices(String),
    /// These items as they are now (someone else changed them).
    ItemsById(Vec<ItemId>),
    /// These orders, with their PSA sync state, as they are now.
    OrdersByNumber(Vec<PoNumber>),
    /// The audit entries from this sequence number on, for the Audit pane's list.
    AuditFrom(u64),
    /// An order's audit entries from this sequence number on, for its detail view.
    OrderAuditFrom(PoNumber, u64),
}

/// A change a person asked for.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub enum Command {
    Dismiss {
        ids: Vec<ItemId>,
        reason: String,
    },
    Restore {
        ids: Vec<ItemId>,
    },
    Split {
        id: ItemId,
        qty: u32,
    },
    /// Create an order; `others`: items of another distributor may go on it (asked).
    CreateOrder(Box<CreateOrder>, OtherDistributors),
    AddToOrder {
        po: PoNumber,
        ids: Vec<ItemId>,
        others: OtherDistributors,
    },
    RemoveFromOrder {
        po: PoNumber,
        ids: Vec<ItemId>,
    },
    Place(PlaceRequest),
    /// Place through the API with distributor options (Pax8 terms and provisioning).
    PlaceWithOptions(PlaceRequest, Box<crate::domain::order::ApiOptions>),
    /// Approve and place an order awaiting the user's approval (with API options).
    Approve(PlaceRequest, Option<Box<crate::domain::order::ApiOptions>>),
    /// Change a pending order's header.
    EditOrder {
        po: PoNumber,
        edit: Box<crate::domain::order::OrderEdit>,
    },
    Reject {
        po: PoNumber,
        reason: String,
    },
    Cancel {
        po: PoNumber,
    },
    Receive {
        po: PoNumber,
        req: ReceiveRequest,
    },
    Unreceive {
        po: PoNumber,
        receipt: u32,
    },
    AddRule(ApprovalRule),
    RemoveRule(usize),
    /// Import quote files.
    Import {
        files: Vec<std::path::PathBuf>,
    },
    /// Import quote files a client of the service read (see [`crate::serve`]).
    ImportRead {
        files: Vec<ReadQuote>,
    },
    /// Fetch the latest distributor cost of items, with a comparison across distributors.
    LatestCost {
        ids: Vec<ItemId>,
    },
    /// Write an order's PDF into `dir`.
    ExportPdf {
        po: PoNumber,
        dir: std::path::PathBuf,
    },
    /// Queue an order's failed PSA sync again.
    RetrySync {
        po: PoNumber,
    },
    /// A person settles an uncertain send as done.
    MarkSent {
        job: u64,
    },
    /// A person sends an uncertain or failed job again.
    SendAgain {
        job: u64,
    },
    /// A person has seen these notices of theirs.
    NoticesSeen {
        ids: Vec<u64>,
    },
}

/// A quote file as a client of the service read it: its name and text, or why it could
/// not be read (in the words of [`crate::app::read_error`]).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ReadQuote {
    pub file: String,
    pub text: Result<String, String>,
}

impl ReadQuote {
    /// Reads `path` with the limits of [`crate::app::quote_file::read_quote_file`].
    pub fn read(path: &std::path::Path, max_bytes: u64) -> ReadQuote {
        let file = path.display().to_string();
        let text = crate::app::quote_file::read_quote_file(path, max_bytes)
            .map_err(|e| crate::app::read_error(&file, e).to_string());
        ReadQuote { file, text }
    }
}

/// What a command changed, for the screens to patch in without reloading.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Patch {
    pub message: String,
    pub warning: Option<String>,
    pub items: Vec<PendingItem>,
    pub orders: Vec<Order>,
    pub rules: Option<Vec<ApprovalRule>>,
    pub receipt: Option<(PoNumber, Receipt)>,
}

/// Which command it was, without its arguments: what an answer is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum CommandKind {
    Dismiss,
    Restore,
    Split,
    CreateOrder,
    AddToOrder,
    RemoveFromOrder,
    Place,
    Approve,
    EditOrder,
    Reject,
    Cancel,
    Receive,
    UndoReceipt,
    AddRule,
    RemoveRule,
    LatestCost,
    Import,
    ExportPdf,
    RetrySync,
    MarkSent,
    SendAgain,
    NoticesSeen,
}

impl CommandKind {
    /// Whether it is the dock's (receiving or undoing a receipt): its answer goes to the
    /// scan log.
    pub fn is_scan(self) -> bool {
        matches!(self, CommandKind::Receive | CommandKind::UndoReceipt)
    }
}

/// The command's name, as a refusal starts: "place: …".
impl std::fmt::Display for CommandKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            CommandKind::Dismiss => "dismiss",
            CommandKind::Restore => "restore",
            CommandKind::Split => "split",
            CommandKind::CreateOrder => "create order",
            CommandKind::AddToOrder => "add to order",
            CommandKind::RemoveFromOrder => "remove from order",
            CommandKind::Place => "place",
            CommandKind::Approve => "approve",
            CommandKind::EditOrder => "edit order",
            CommandKind::Reject => "reject",
            CommandKind::Cancel => "cancel",
            CommandKind::Receive => "receive",
            CommandKind::UndoReceipt => "undo receipt",
            CommandKind::AddRule => "add rule",
            CommandKind::RemoveRule => "remove rule",
            CommandKind::LatestCost => "latest cost",
            CommandKind::Import => "import",
            CommandKind::ExportPdf => "export PDF",
            CommandKind::RetrySync => "retry sync",
            CommandKind::MarkSent => "mark sent",
            CommandKind::SendAgain => "send again",
            CommandKind::NoticesSeen => "notices seen",
        })
    }
}

impl Command {
    pub fn kind(&self) -> CommandKind {
        match self {
            Command::Dismiss { .. } => CommandKind::Dismiss,
            Command::Restore { .. } => CommandKind::Restore,
            Command::Split { .. } => CommandKind::Split,
            Command::CreateOrder(..) => CommandKind::CreateOrder,
            Command::AddToOrder { .. } => CommandKind::AddToOrder,
            Command::RemoveFromOrder { .. } => CommandKind::RemoveFromOrder,
            Command::Place(_) | Command::PlaceWithOptions(..) => CommandKind::Place,
            Command::Approve(..) => CommandKind::Approve,
            Command::EditOrder { .. } => CommandKind::EditOrder,
            Command::Reject { .. } => CommandKind::Reject,
            Command::Cancel { .. } => CommandKind::Cancel,
            Command::Receive { .. } => CommandKind::Receive,
            Command::Unreceive { .. } => CommandKind::UndoReceipt,
            Command::AddRule(_) => CommandKind::AddRule,
            Command::RemoveRule(_) => CommandKind::RemoveRule,
            Command::LatestCost { .. } => CommandKind::LatestCost,
            Command::Import { .. } | Command::ImportRead { .. } => CommandKind::Import,
            Command::ExportPdf { .. } => CommandKind::ExportPdf,
            Command::RetrySync { .. } => CommandKind::RetrySync,
            Command::MarkSent { .. } => CommandKind::MarkSent,
            Command::SendAgain { .. } => CommandKind::SendAgain,
            Command::NoticesSeen { .. } => CommandKind::NoticesSeen,
        }
    }
}

fn items_after(svc: &Service, ids: &[ItemId]) -> Vec<PendingItem> {
    ids.iter().filter_map(|id| svc.item(*id).ok()).collect()
}

/// Places an order (with its API options, in the same transaction) and says what became
/// of it.
fn placed(
    svc: &Service,
    actor: &Actor,
    req: PlaceRequest,
    options: Option<crate::domain::order::ApiOptions>,
    approve: bool,
) -> Result<Patch, ScreenError> {
    let method = req.method;
    let r = if approve {
        svc.approve_with_options(actor, req, options)
    } else {
        svc.place_with_options(actor, req, options)
    }?;
    let message = match &r.outcome {
        PlaceOutcome::SentForApproval { approver } => {
            format!(
                "{} needs approval: it now awaits {approver}, who will be notified",
                r.order.number
            )
        }
        PlaceOutcome::Sending { .. } => format!(
            "{} is being sent ({}) in the background; its status follows",
            r.order.number,
            method.describe()
        ),
        PlaceOutcome::Placed => format!("{} placed ({})", r.order.number, method.describe()),
    };
    Ok(Patch {
        message,
        orders: vec![r.order],
        ..Patch::default()
    })
}

/// Runs one command through the service (also used synchronously by tests).
pub fn execute(svc: &Service, actor: &Actor, cmd: Command) -> Result<Patch, ScreenError> {
    match cmd {
        Command::Dismiss { ids, reason } => dismiss(svc, actor, &ids, &reason),
        Command::Restore { ids } => done(
            format!("{} back in the pool", plural(ids.len(), "item")),
            svc.restore_all(actor, &ids)?,
            vec![],
        ),
        Command::Split { id, qty } => {
            let (rest, part) = svc.split(actor, id, qty)?;
            let message = format!(
                "item {id} keeps {}; new item {} has {}",
                rest.quantity, part.id, part.quantity
            );
            done(message, vec![rest, part], vec![])
        }
        Command::CreateOrder(req, others) => {
            let ids = req.items.clone();
            let o = svc.create_order_with(actor, *req, others)?;
            let message = format!("{} created with {}", o.number, plural(o.lines.len(), "line"));
            done(message, items_after(svc, &ids), vec![o])
        }
        Command::AddToOrder { po, ids, others } => {
            let o = svc.add_to_order_with(actor, po, &ids, others)?;
            let message = format!("{} added to {po}", plural(ids.len(), "item"));
            done(message, items_after(svc, &ids), vec![o])
        }
        Command::RemoveFromOrder { po, ids } => {
            let o = svc.remove_from_order(actor, po, &ids)?;
            let message = format!("{} removed from {po}; back in the pool", plural(ids.len(), "item"));
            done(message, items_after(svc, &ids), vec![o])
        }
        Command::EditOrder { po, edit } => done(format!("{po} saved"), vec![], vec![svc.edit_order(actor, po, *edit)?]),
        Command::Place(req) => placed(svc, actor, req, None, false),
        Command::PlaceWithOptions(req, options) => placed(svc, actor, req, Some(*options), false),
        Command::Approve(req, options) => placed(svc, actor, req, options.map(|o| *o), true),
        Command::Reject { po, reason } => {
            let o = svc.reject(actor, po, &reason)?;
            done(
                format!("{po} rejected; back to pending for {}", o.created_by),
                vec![],
                vec![o],
            )
        }
        Command::Cancel { po } => cancel(svc, actor, po),
        Command::Import { files } => import(svc, files.iter().map(|f| svc.import_file(actor, f))),
        Command::ImportRead { files } => import(
            svc,
            files.into_iter().map(|f| match f.text {
                Ok(text) => svc.import_sent_text(actor, &f.file, &text).map_err(|e| e.to_string()),
                Err(why) => Err(why),
            }),
        ),
        // Asked off the database worker, by a task of its own (see `call`).
        Command::LatestCost { .. } => Err(ScreenError::LatestCost(
            "the latest cost is asked off the database worker".into(),
        )),
        Command::NoticesSeen { ids } => {
            let seen = svc.mark_notices_seen(actor, &ids)?;
            done(format!("{} notice(s) marked seen", seen.len()), vec![], vec![])
        }
        Command::ExportPdf { po, dir } => export_pdf(svc, po, dir),
        Command::MarkSent { job } => {
            svc.settle_job_done(actor, job)?;
            done(format!("job {job} recorded as sent"), vec![], vec![])
        }
        Command::SendAgain { job } => {
            svc.retry_job(actor, job)?;
            done(format!("job {job} queued to be sent again"), vec![], vec![])
        }
        Command::RetrySync { po } => retry_sync(svc, actor, po),
        Command::Receive { po, req } => receive(svc, actor, po, req),
        Command::Unreceive { po, receipt } => unreceive(svc, actor, po, receipt),
        Command::AddRule(rule) => {
            let d = rule.describe();
            let rules = svc.add_rule(actor, rule)?;
            Ok(Patch {
                message: format!("rule added: {d}"),
                rules: Some(rules),
                ..Patch::default()
            })
        }
        Command::RemoveRule(n) => Ok(Patch {
            rules: Some(svc.remove_rule(actor, n)?),
            message: format!("rule {n} removed"),
            ..Patch::default()
        }),
    }
}

/// A command done: what to say, and the items and orders as they are now.
fn done(message: String, items: Vec<PendingItem>, orders: Vec<Order>) -> Result<Patch, ScreenError> {
    Ok(Patch {
        message,
        items,
        orders,
        ..Patch::default()
    })
}

fn dismiss(svc: &Service, actor: &Actor, ids: &[ItemId], reason: &str) -> Result<Patch, ScreenError> {
    let items = svc.dismiss_all(actor, ids, reason)?;
    done(
        format!("{} dismissed: {}", plural(ids.len(), "item"), reason.trim()),
        items,
        vec![],
    )
}

fn cancel(svc: &Service, actor: &Actor, po: PoNumber) -> Result<Patch, ScreenError> {
    let r = svc.cancel(actor, po)?;
    Ok(Patch {
        message: format!(
            "{po} cancelled; {} back in the pool",
            plural(r.returned_items.len(), "item")
        ),
        warning: r.warning.clone(),
        items: items_after(svc, &r.returned_items),
        orders: vec![r.order],
        ..Patch::default()
    })
}

/// Imports quote files. Each file imports whole or not at all, on its own: one bad file
/// does not hold back the others, and what did import is shown with what did not.
fn import<E: std::fmt::Display>(
    svc: &Service,
    reports: impl Iterator<Item = Result<crate::app::ImportReport, E>>,
) -> Result<Patch, ScreenError> {
    let mut fx = Patch::default();
    let mut imported = Vec::new();
    let mut failed = Vec::new();
    for report in reports {
        let report = match report {
            Ok(r) => r,
            Err(err) => {
                failed.push(err.to_string());
                continue;
            }
        };
        let mut new_items = Vec::new();
        for q in &report.quotes {
            imported.push(match q {
                ImportOutcome::Imported { quote_id, items, .. } => {
                    new_items.extend(items.iter().copied());
                    format!("{quote_id}: {} items", items.len())
                }
                ImportOutcome::Unchanged { quote_id } => format!("{quote_id}: already imported"),
            });
        }
        fx.items.extend(items_after(svc, &new_items));
    }
    if imported.is_empty() {
        return Err(ScreenError::NothingImported(failed));
    }
    fx.message = format!("imported {}", imported.join(", "));
    if !failed.is_empty() {
        fx.warning = Some(format!("not imported: {}", failed.join("; ")));
    }
    Ok(fx)
}

/// Runs a command that calls the far side (a distributor) as a task of its own: the
/// database work goes through `db` in short calls, and nothing waits on the database
/// worker while the distributor takes its time. Takes the latest distributor cost of each
/// item, and names the cheapest in stock.
pub async fn call(db: &crate::jobs::Db, actor: &Actor, c: Command) -> Result<Patch, ScreenError> {
    use crate::jobs::price;
    let Command::LatestCost { ids } = c else {
        return Err(ScreenError::LatestCost(format!(
            "{} is not a call to a distributor",
            c.kind()
        )));
    };
    let mut lines = Vec::new();
    for id in &ids {
        let id = *id;
        let change = price::refresh_cost(db, actor, id, None)
            .await
            .map_err(|e| ScreenError::LatestCost(e.to_string()))?;
        let best = price::compare(db, id)
            .await
            .ok()
            .and_then(|offers| offers.into_iter().find(|o| o.best))
            .map(|o| {
                format!(
                    "; cheapest in stock: {} {}",
                    o.name,
                    o.unit_cost.map(|c| c.to_string()).unwrap_or_default()
                )
            })
            .unwrap_or_default();
        let stock = change.available.map(|a| format!(", {a} in stock")).unwrap_or_default();
        lines.push(format!(
            "item {id}: {} → {} {} at {}{stock}{best}",
            change.old, change.new, change.currency, change.distributor
        ));
    }
    let wanted = ids.clone();
    let items = db.call(move |svc| items_after(svc, &wanted)).await.unwrap_or_default();
    done(lines.join(" · "), items, vec![])
}

/// Writes the order's PDF into `dir`.
fn export_pdf(svc: &Service, po: PoNumber, dir: std::path::PathBuf) -> Result<Patch, ScreenError> {
    let order = svc.order(po)?;
    save_pdf(po, &crate::pdf::render_order(&order, svc.config()), dir)
}

/// Saves an order's PDF `bytes` into `dir` (made by this process or by the service).
pub fn save_pdf(po: PoNumber, bytes: &[u8], dir: std::path::PathBuf) -> Result<Patch, ScreenError> {
    if let Err(error) = std::fs::create_dir_all(&dir) {
        return Err(ScreenError::PdfFolder { dir, error });
    }
    let path = dir.join(format!("{po}.pdf"));
    if let Err(error) = crate::fsutil::write_atomically(&path, bytes) {
        return Err(ScreenError::PdfFile { path, error });
    }
    let message = format!("{po} written to {} ({} KB)", path.display(), bytes.len().div_ceil(1024));
    done(message, vec![], vec![])
}

fn retry_sync(svc: &Service, actor: &Actor, po: PoNumber) -> Result<Patch, ScreenError> {
    let jobs = svc.psa_retry(actor, po)?;
    let message = if jobs.is_empty() {
        format!("{po}: nothing to retry in the PSA sync")
    } else {
        format!("{po}: PSA sync queued again ({} job(s))", jobs.len())
    };
    done(message, vec![], vec![])
}

fn receive(svc: &Service, actor: &Actor, po: PoNumber, req: ReceiveRequest) -> Result<Patch, ScreenError> {
    let r = svc.receive(actor, po, req)?;
    let line = &r.order.lines[r.receipt.line as usize - 1];
    let serials = serials_text(" serial", &r.receipt.serials);
    let message = format!(
        "✓ {} × {}{serials} → {po} line {} ({}/{}), order {} {}",
        r.receipt.quantity,
        line.sku,
        r.receipt.line,
        r.order.received_on(r.receipt.line),
        line.quantity,
        r.order.progress(),
        r.order.status()
    );
    Ok(Patch {
        message,
        receipt: Some((po, r.receipt)),
        orders: vec![r.order],
        ..Patch::default()
    })
}

/// `lead` and the serials, or nothing when there are none.
fn serials_text(lead: &str, serials: &[String]) -> String {
    if serials.is_empty() {
        String::new()
    } else {
        format!("{lead} {}", serials.join(", "))
    }
}

fn unreceive(svc: &Service, actor: &Actor, po: PoNumber, receipt: u32) -> Result<Patch, ScreenError> {
    let r = svc.unreceive(actor, po, receipt)?;
    let serials = serials_text(", serial", &r.receipt.serials);
    let message = format!(
        "receipt {receipt} of {po} undone ({} × {}{serials}); order {} {}",
        r.receipt.quantity,
        r.order.lines[r.receipt.line as usize - 1].sku,
        r.order.progress(),
        r.order.status()
    );
    Ok(Patch {
        message,
        receipt: Some((po, r.receipt)),
        orders: vec![r.order],
        ..Patch::default()
    })
}
