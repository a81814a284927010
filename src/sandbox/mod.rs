//! In-process fake servers on 127.0.0.1 that stand in for the far side: distributor
//! APIs (and, from another module, PSAs). The demo starts them so that API submission
//! works out of the box; the integration tests run the real HTTP clients against them.

pub mod distributors;
pub mod psa;

/// Fake servers running on a thread of their own (with a small runtime), stopped and
/// joined when dropped.
pub(crate) struct Servers {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Servers {
    /// Serves each router on its listener (bound, non-blocking) until dropped; returns
    /// once all of them accept connections, or says why they cannot.
    pub(crate) fn start(name: String, servers: Vec<(std::net::TcpListener, axum::Router)>) -> std::io::Result<Servers> {
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new().name(name).spawn(move || {
            let rt = match tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = ready_tx.send(Err(e));
                    return;
                }
            };
            let mut started = Ok(());
            for (l, router) in servers {
                let _guard = rt.enter();
                match tokio::net::TcpListener::from_std(l) {
                    Ok(l) => {
                        rt.spawn(async move {
                            let _ = axum::serve(l, router).await;
                        });
                    }
                    Err(e) => started = Err(e),
                }
            }
            let _ = ready_tx.send(started);
            rt.block_on(async {
                let _ = stop_rx.await;
            });
            rt.shutdown_background();
        })?;
        ready_rx
            .recv()
            .map_err(|_| std::io::Error::other("the fake server thread ended early"))??;
        Ok(Servers {
            stop: Some(stop_tx),
            thread: Some(thread),
        })
    }
}

impl Drop for Servers {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
