//! Calls to distributors made on the user's behalf (the latest cost, the comparison):
//! each runs as a task of the screens' runtime, its database work in short calls on the
//! database worker, so a scan at the dock commits in its usual time while a distributor
//! takes its time. Esc stops waiting.

use super::commands::CommandKind;
use super::error::ScreenError;
use super::screen::Call;
use super::worker::Msg;
use crate::identity::Actor;
use crate::jobs::Db;
use tokio::sync::mpsc::UnboundedSender;

/// Calls to the far side made on the user's behalf, each a task of the runtime.
pub struct Calls {
    db: Db,
    actor: Actor,
    out: UnboundedSender<Msg>,
    under_way: Option<tokio::task::AbortHandle>,
    /// Screens that are a client of the service hand their calls to it.
    through: Option<std::sync::mpsc::Sender<super::worker::Req>>,
}

impl Calls {
    pub fn new(db: Db, actor: Actor, out: UnboundedSender<Msg>) -> Calls {
        Calls {
            db,
            actor,
            out,
            under_way: None,
            through: None,
        }
    }

    /// Calls handed to the service through the screens' link to it.
    pub fn through(
        link: std::sync::mpsc::Sender<super::worker::Req>,
        config: std::sync::Arc<crate::config::Config>,
        actor: Actor,
        out: UnboundedSender<Msg>,
    ) -> Calls {
        let db = Db::from_fn(config, |_| false);
        Calls {
            through: Some(link),
            ..Calls::new(db, actor, out)
        }
    }

    pub fn take(&mut self, call: Call) {
        if let Some(link) = &self.through {
            let _ = link.send(match call {
                Call::Start(c) => super::worker::Req::Call(c),
                Call::Stop => super::worker::Req::StopCall,
            });
            return;
        }
        match call {
            Call::Start(c) => {
                let (db, actor, out) = (self.db.clone(), self.actor.clone(), self.out.clone());
                let command = c.kind();
                let task = tokio::spawn(async move {
                    let result = super::commands::call(&db, &actor, c).await;
                    let _ = out.send(Msg::Called { command, result });
                });
                self.under_way = Some(task.abort_handle());
            }
            Call::Stop => {
                if let Some(task) = self.under_way.take().filter(|t| !t.is_finished()) {
                    task.abort();
                    let _ = self.out.send(Msg::Called {
                        command: CommandKind::LatestCost,
                        result: Err(ScreenError::LatestCost(
                            "stopped waiting for the distributors; a cost already taken stays".into(),
                        )),
                    });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::receiving::ReceiveRequest;
    use crate::tui::commands::Command;
    use crate::tui::worker::{self, Req};

    /// A distributor that takes connections and never answers.
    fn hanging_distributor() -> (std::net::TcpListener, String) {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", l.local_addr().unwrap());
        (l, url)
    }

    #[test]
    fn a_scan_commits_while_a_distributor_call_hangs_and_esc_stops_the_wait() {
        let (_listener, url) = hanging_distributor();
        let mut kit = crate::app::testkit::Kit::with_config(&format!(
            "{}\n[distributors.hangs]\nkind = \"ingram\"\nbase_url = \"{url}\"\ncustomer_number = \"1\"\n\
             country_code = \"NL\"\nclient_id = \"x\"\nclient_secret_env = \"PURSER_TEST_HANGS_SECRET\"\n\
             token_url = \"{url}/token\"\ntimeout_secs = 600\n",
            crate::app::testkit::CONFIG
        ));
        std::env::set_var("PURSER_TEST_HANGS_SECRET", "hanging-secret");
        let items = kit.import(
            &crate::app::testkit::QuoteJson::new("Q-1")
                .line(serde_json::json!({
                    "line_id": "1", "kind": "product", "sku": "A", "description": "A", "quantity": 3,
                    "unit_cost": "1.00", "unit_price": "1.00", "distributor": "hangs",
                }))
                .product("2", "B", 3, "1.00"),
        );
        let order = kit.create(&[items[1]]);
        kit.place(
            &kit.alice(),
            crate::app::PlaceRequest {
                po: order.number,
                method: crate::domain::PlacementMethod::Manual,
                link: None,
            },
        )
        .unwrap();
        let (path, config) = (kit.path.clone(), kit.config.clone());
        let rick = kit.rick();
        let alice = kit.alice();
        // The screens' process: its own service on the same file.
        kit.close();
        let store = crate::store::Store::open(&path).unwrap();
        let svc = crate::app::Service::new(store, config.clone(), std::sync::Arc::new(chrono::Utc::now));
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let _g = rt.enter();
        let (out, mut answers) = tokio::sync::mpsc::unbounded_channel();
        let to_worker = worker::spawn(std::sync::Arc::new(svc), rick, out.clone());
        let tx = to_worker.clone();
        let db = Db::from_fn(config, move |t| tx.send(Req::Task(t)).is_ok());
        let mut calls = Calls::new(db, alice, out);
        calls.take(Call::Start(Command::LatestCost { ids: vec![items[0]] }));
        // The call hangs at the distributor; a scan goes through the worker meanwhile.
        let req = ReceiveRequest {
            line: 1,
            quantity: Some(1),
            serials: vec![],
        };
        to_worker
            .send(Req::Do(Command::Receive { po: order.number, req }))
            .unwrap();
        let first = rt.block_on(async {
            loop {
                match answers.recv().await.unwrap() {
                    Msg::Done { command, result } => break (command, result.is_ok()),
                    Msg::Called { .. } => panic!("the hanging call cannot have answered"),
                    _ => {}
                }
            }
        });
        assert_eq!(
            first,
            (CommandKind::Receive, true),
            "the scan committed while the call hung"
        );
        calls.take(Call::Stop);
        let stopped = rt.block_on(async {
            loop {
                if let Msg::Called { result, .. } = answers.recv().await.unwrap() {
                    break result;
                }
            }
        });
        assert!(matches!(stopped, Err(e) if e.to_string().contains("stopped waiting")));
    }
}
