//! What a receipt costs through the service, for `purser bench`: a client at the dock
//! sends it as its screens do and waits for the answer, which comes once the receipt is
//! durable. Measured with one client, and with eight receiving at once.

use super::client::connect;
use super::protocol::{CommandDone, Purpose, ScreenMessage, ScreenRequest};
use super::server::{self, Server};
use crate::app::Service;
use crate::domain::receiving::ReceiveRequest;
use crate::domain::PoNumber;
use crate::tui::commands::{Command, CommandKind};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// One unit still to receive: the order, the line, and whether it takes a serial.
pub type Unit = (PoNumber, u32, bool);

/// Round trips of receipts through a service on `svc`'s database: with one client
/// (`alone` units), and with eight clients at once (each its share of `together`).
pub struct ServiceReceipts {
    pub one_client: Vec<Duration>,
    pub eight_clients: Vec<Duration>,
    /// CPU time of the whole process (service and clients) per receipt, in each phase.
    pub cpu_per_receipt: [Duration; 2],
}

/// The clients receiving at once in the second measurement.
pub const CLIENTS: usize = 8;

/// Serves `svc` on a socket in `dir` and measures receipts of `alone` by one client, then
/// of `together` by [`CLIENTS`] clients at once. The clients name `user`, whom the
/// configuration must let them act as.
pub fn measure(
    svc: Service,
    config_text: String,
    dir: &Path,
    user: &str,
    alone: Vec<Unit>,
    together: Vec<Unit>,
) -> Result<ServiceReceipts, String> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(async {
        let socket = dir.join("bench.sock");
        let listener = server::bind(&socket).await.map_err(|e| e.to_string())?.listener;
        let refuse: server::Executor = Arc::new(|_, _, _| CommandDone {
            error: Some(("the bench serves screens only".into(), 2)),
            ..CommandDone::default()
        });
        let server = Server::new(Arc::new(svc), config_text, refuse).map_err(|e| e.to_string())?;
        let stop = tokio_util::sync::CancellationToken::new();
        tokio::spawn(server::accept(server, listener, stop.clone()));
        let cpu = crate::cputime::process_cpu();
        let one_client = client(&socket, user, alone, 0).await?;
        let cpu_one = (crate::cputime::process_cpu() - cpu) / one_client.len().max(1) as u32;
        let cpu = crate::cputime::process_cpu();
        let share = together.len().div_ceil(CLIENTS).max(1);
        let mut clients = Vec::new();
        for (n, units) in together.chunks(share).enumerate() {
            let (socket, user, units) = (socket.clone(), user.to_string(), units.to_vec());
            clients.push(tokio::spawn(async move { client(&socket, &user, units, n + 1).await }));
        }
        let mut eight_clients = Vec::new();
        for c in clients {
            eight_clients.extend(c.await.map_err(|e| e.to_string())??);
        }
        let cpu_eight = (crate::cputime::process_cpu() - cpu) / eight_clients.len().max(1) as u32;
        stop.cancel();
        Ok(ServiceReceipts {
            one_client,
            eight_clients,
            cpu_per_receipt: [cpu_one, cpu_eight],
        })
    })
}

/// One client at the dock: each receipt sent and its answer awaited.
async fn client(socket: &Path, user: &str, units: Vec<Unit>, n: usize) -> Result<Vec<Duration>, String> {
    let session = connect(socket, Some(user.into()), Purpose::Screens)
        .await
        .map_err(|e| e.to_string())?;
    let (mut sink, mut stream) = session.wire.split();
    let mut times = Vec::with_capacity(units.len());
    for (i, (po, line, serialized)) in units.into_iter().enumerate() {
        let req = one_unit(line, serialized, || format!("SVC-{n}-{i}"));
        let t = Instant::now();
        sink.send(&ScreenRequest::Do(Command::Receive { po, req }))
            .await
            .map_err(|e| e.to_string())?;
        loop {
            match stream.recv::<ScreenMessage>().await.map_err(|e| e.to_string())? {
                ScreenMessage::Done {
                    command: CommandKind::Receive,
                    result,
                } => {
                    result.map_err(|e| format!("a receipt on {po} line {line} was refused: {e}"))?;
                    break;
                }
                // Changes pushed, the busy flag: not the answer.
                _ => continue,
            }
        }
        times.push(t.elapsed());
    }
    Ok(times)
}

/// A receipt of one unit of `line`, with a serial from `serial` when the line takes one.
pub fn one_unit(line: u32, serialized: bool, serial: impl FnOnce() -> String) -> ReceiveRequest {
    ReceiveRequest {
        line,
        quantity: Some(1),
        serials: if serialized { vec![serial()] } else { vec![] },
    }
}

/// Units still to receive on the receivable orders of `svc`, in order.
pub fn open_units(svc: &Service) -> Result<Vec<Unit>, crate::app::AppError> {
    let mut open = Vec::new();
    for o in svc.list_orders()?.iter().filter(|o| o.status().is_receivable()) {
        for (i, l) in o.lines.iter().enumerate() {
            for _ in o.received_on(i as u32 + 1)..l.quantity {
                open.push((o.number, i as u32 + 1, l.serialized));
            }
        }
    }
    Ok(open)
}
