//! `purser po …`: purchase orders from the command line.

use super::args::*;
use super::print;
use super::run::{address_file, amount, method, order_type, po_arg, CliError, Ctx};
use crate::app::{CreateOrder, JobOutcome, OrderAction, PlaceRequest};
use crate::domain::order::{OrderEdit, PlaceOutcome};
use crate::domain::receiving::ReceiveRequest;
use crate::domain::{OrderStatus, PlacementMethod, PoNumber};
use serde::Serialize;

pub(super) fn po(ctx: &Ctx, cmd: PoCmd) -> Result<(), CliError> {
    let (svc, actor) = (&ctx.service, &ctx.actor);
    match cmd {
        PoCmd::Create {
            distributor,
            order_type: t,
            ship_to,
            special_bid,
            end_user,
            notes,
            other_distributors,
            items,
        } => {
            let req = CreateOrder {
                distributor,
                order_type: order_type(t),
                ship_to: ship_to
                    .as_deref()
                    .map(|p| address_file(ctx, p, "ship-to"))
                    .transpose()?,
                special_bid,
                end_user: end_user
                    .as_deref()
                    .map(|p| address_file(ctx, p, "end-user"))
                    .transpose()?,
                notes,
                items,
            };
            show(ctx, &svc.create_order_with(actor, req, others(other_distributors))?);
        }
        PoCmd::Add {
            po,
            items,
            other_distributors,
        } => show(
            ctx,
            &svc.add_to_order_with(actor, po_arg(&po)?, &items, others(other_distributors))?,
        ),
        PoCmd::Remove { po, items } => show(ctx, &svc.remove_from_order(actor, po_arg(&po)?, &items)?),
        PoCmd::Edit {
            po,
            order_type: t,
            ship_to,
            special_bid,
            end_user,
            notes,
            shipping,
        } => {
            let edit = OrderEdit {
                order_type: t.map(order_type),
                ship_to: ship_to
                    .as_deref()
                    .map(|p| address_file(ctx, p, "ship-to").map(Some))
                    .transpose()?,
                special_bid: special_bid.map(|s| Some(s).filter(|s| !s.trim().is_empty())),
                end_user: end_user
                    .as_deref()
                    .map(|p| address_file(ctx, p, "end-user").map(Some))
                    .transpose()?,
                notes: notes.map(|s| Some(s).filter(|s| !s.trim().is_empty())),
                shipping: shipping.as_deref().map(|s| amount(s, "--shipping")).transpose()?,
            };
            show(ctx, &svc.edit_order(actor, po_arg(&po)?, edit)?);
        }
        PoCmd::List { status } => list(ctx, status)?,
        PoCmd::Show { po } => show(ctx, &svc.order(po_arg(&po)?)?),
        PoCmd::Place {
            po,
            via,
            link,
            no_wait,
            api,
        } => place(ctx, &po, via, link, no_wait, api, OrderAction::Place)?,
        PoCmd::Approve {
            po,
            via,
            link,
            no_wait,
            api,
        } => place(ctx, &po, via, link, no_wait, api, OrderAction::Approve)?,
        PoCmd::Pdf { po, out } => pdf(ctx, &po, &out)?,
        PoCmd::Reject { po, reason } => show(ctx, &svc.reject(actor, po_arg(&po)?, &reason)?),
        PoCmd::Receive { po, line, qty, serials } => {
            let req = ReceiveRequest {
                line,
                quantity: qty,
                serials,
            };
            receive(ctx, &po, req)?;
        }
        PoCmd::Unreceive { po, receipt } => {
            let r = svc.unreceive(actor, po_arg(&po)?, receipt)?;
            let view = crate::app::views::OrderView::from(&r.order);
            ctx.out(&view, || {
                format!("receipt {} of {} undone ({})", receipt, view.number, view.status)
            });
        }
        PoCmd::Cancel { po } => cancel(ctx, &po)?,
    }
    Ok(())
}

/// Prints one order, with its PSA sync when there is one.
fn show(ctx: &Ctx, o: &crate::domain::Order) {
    let svc = &ctx.service;
    let mut view = crate::app::views::OrderView::from(o);
    view.psa = svc.psa_sync_of(o.number).ok().flatten();
    view.notices = svc.notices_of(o.number).unwrap_or_default();
    ctx.out(&view, || {
        let psa = view
            .psa
            .as_ref()
            .map(|p| format!("\nPSA sync\n{}", p.detail()))
            .unwrap_or_default();
        format!(
            "{}{psa}{}",
            print::order(&view, svc.config()),
            print::notices(&view.notices)
        )
    });
}

/// `po list [--status S]`.
fn list(ctx: &Ctx, status: Option<String>) -> Result<(), CliError> {
    let svc = &ctx.service;
    let status: Option<OrderStatus> = status
        .map(|s| s.parse())
        .transpose()
        .map_err(|e: String| CliError::new(e, 2))?;
    let orders: Vec<_> = svc
        .list_orders()?
        .iter()
        .filter(|o| status.is_none_or(|s| o.status() == s))
        .map(crate::app::views::OrderView::from)
        .collect();
    ctx.out(&orders, || print::orders(&orders, svc.config()));
    Ok(())
}

/// `po pdf PO --out FILE`.
fn pdf(ctx: &Ctx, po: &str, out: &std::path::Path) -> Result<(), CliError> {
    let svc = &ctx.service;
    let order = svc.order(po_arg(po)?)?;
    let bytes = crate::pdf::render_order(&order, svc.config());
    ctx.write_file(out, &bytes)?;
    ctx.out(
        &serde_json::json!({"file": out, "bytes": bytes.len(), "number": order.number}),
        || format!("{} written to {} ({} bytes)", order.number, out.display(), bytes.len()),
    );
    Ok(())
}

/// `po receive PO --line N [--qty Q] [--serial S]...`.
fn receive(ctx: &Ctx, po: &str, req: ReceiveRequest) -> Result<(), CliError> {
    let line = req.line;
    let r = ctx.service.receive(&ctx.actor, po_arg(po)?, req)?;
    let view = crate::app::views::OrderView::from(&r.order);
    #[derive(Serialize)]
    struct Received<'a> {
        receipt: &'a crate::domain::Receipt,
        order: &'a crate::app::views::OrderView,
    }
    ctx.out(
        &Received {
            receipt: &r.receipt,
            order: &view,
        },
        || {
            format!(
                "receipt {} on {} line {}: {} received ({}/{} on the order, {})",
                r.receipt.id, view.number, line, r.receipt.quantity, view.received, view.ordered, view.status
            )
        },
    );
    Ok(())
}

/// `po cancel PO`: the order in the shape every other `po` command prints, with what
/// cancelling returned to the pool and the distributor warning.
fn cancel(ctx: &Ctx, po: &str) -> Result<(), CliError> {
    let r = ctx.service.cancel(&ctx.actor, po_arg(po)?)?;
    #[derive(Serialize)]
    struct Cancelled<'a> {
        returned_items: &'a [crate::domain::ItemId],
        warning: Option<&'a str>,
        #[serde(flatten)]
        order: crate::app::views::OrderView,
    }
    let shown = Cancelled {
        returned_items: &r.returned_items,
        warning: r.warning.as_deref(),
        order: crate::app::views::OrderView::from(&r.order),
    };
    ctx.out(&shown, || {
        let mut s = format!(
            "{} cancelled; items {:?} are pending again",
            r.order.number, r.returned_items
        );
        if let Some(w) = &r.warning {
            s.push_str(&format!("\nnote: {w}"));
        }
        s
    });
    Ok(())
}

/// `po place` and `po approve`: places (or approves and places) the order, waits for an
/// email or API submission unless told not to, and says what became of it.
fn place(
    ctx: &Ctx,
    po: &str,
    via: ViaArg,
    link: Option<String>,
    no_wait: bool,
    api: ApiPlaceArgs,
    action: OrderAction,
) -> Result<(), CliError> {
    let (svc, actor) = (&ctx.service, &ctx.actor);
    let po = po_arg(po)?;
    let options = if matches!(method(via), PlacementMethod::Api) {
        prepare_api_placement(ctx, po, api)?
    } else {
        None
    };
    let req = PlaceRequest {
        po,
        method: method(via),
        link,
    };
    let r = match action {
        OrderAction::Approve => svc.approve_with_options(actor, req, options)?,
        _ => svc.place_with_options(actor, req, options)?,
    };
    // Email and API placement run as a job; wait for it unless told not to.
    let job_outcome = match r.job {
        Some(job) if !no_wait => crate::jobs::outbox::run_job_now(svc, actor, job)?,
        _ => None,
    };
    let order = svc.order(po)?;
    let view = crate::app::views::OrderView::from(&order);
    #[derive(Serialize)]
    struct Placed<'a> {
        outcome: &'a PlaceOutcome,
        job: Option<u64>,
        #[serde(flatten)]
        order: &'a crate::app::views::OrderView,
    }
    let failure = match &job_outcome {
        Some(JobOutcome::Failed(e)) => Some(format!("{po} was not sent: {e}; it is pending again")),
        Some(JobOutcome::RetryLater(e)) => Some(format!(
            "{po} could not be sent yet: {e}; it will be retried in the background (`purser sync run`), or see `purser sync status`"
        )),
        Some(JobOutcome::NotHandled(e)) => Some(format!("{po} waits to be sent: {e}")),
        Some(JobOutcome::Uncertain(e)) => {
            let job = r.job.map_or_else(|| "JOB".to_string(), |j| j.to_string());
            Some(format!(
                "{po} may have been sent: {e} (`purser sync mark-sent {job}` or `purser sync retry {job}`)"
            ))
        }
        _ => None,
    };
    let outcome = match &job_outcome {
        Some(JobOutcome::Done(_)) => PlaceOutcome::Placed,
        _ => r.outcome.clone(),
    };
    ctx.out(
        &Placed {
            outcome: &outcome,
            job: r.job,
            order: &view,
        },
        || match &outcome {
            PlaceOutcome::SentForApproval { approver } => {
                format!(
                    "{} needs approval: it now awaits {approver}, who will be notified",
                    view.number
                )
            }
            PlaceOutcome::Sending { job } => {
                format!("{} is being sent in the background (job {job})", view.number)
            }
            PlaceOutcome::Placed => match view.submission.as_ref() {
                Some(sub) if !sub.recipients.is_empty() => format!(
                    "{} emailed to {} (message {})",
                    view.number,
                    sub.recipients.join(", "),
                    sub.message_id.as_deref().unwrap_or("-")
                ),
                _ => format!("{} placed ({})", view.number, method(via).describe()),
            },
        },
    );
    if let Some(f) = failure {
        return Err(CliError::new(f, 1));
    }
    Ok(())
}

/// The Pax8 options given for an API placement, over those the order holds (recorded
/// with the placement, in its transaction); `None` when none were given. The service
/// checks them, and the order against its distributor, before anything changes.
fn prepare_api_placement(
    ctx: &Ctx,
    po: PoNumber,
    api: crate::cli::args::ApiPlaceArgs,
) -> Result<Option<crate::domain::order::ApiOptions>, CliError> {
    if api.billing_term.is_none() && api.commitment.is_none() && api.provision.is_empty() {
        return Ok(None);
    }
    let mut options = ctx.service.order(po)?.api_options();
    if api.billing_term.is_some() {
        options.billing_term = api.billing_term;
    }
    if api.commitment.is_some() {
        options.commitment = api.commitment;
    }
    if !api.provision.is_empty() {
        options.provision.clear();
        for p in api.provision {
            options.add_provision(p);
        }
    }
    Ok(Some(options))
}

/// Whether `--other-distributors` was given.
fn others(given: bool) -> crate::app::OtherDistributors {
    if given {
        crate::app::OtherDistributors::Allow
    } else {
        crate::app::OtherDistributors::Refuse
    }
}
