//! The lifecycle the stand-ins share: a listener on `127.0.0.1` with a random port, a shutdown
//! signal, the serving task, and stopping it, politely or on drop.
//!
//! Each stand-in ([`crate::standin`], [`crate::mastodon`], [`crate::jetstream`]) keeps only what
//! is its own (routes or accept loop, scripted state); the handlers get the stop signal through
//! that state, so that open streams end abruptly when the server stops, as when the real service
//! goes away.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// How long [`Server::shutdown`] waits for the task to end before aborting it.
const GRACE: Duration = Duration::from_secs(5);

/// A bound address and, once started, the task serving it.
#[derive(Debug)]
pub(crate) struct Server {
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl Server {
    /// Binds `127.0.0.1:0`, and hands out the listener, not served yet, and the stop signal
    /// (`true` once the server stops) for the stand-in's shared state; the stand-in then calls
    /// [`Server::serve`] or [`Server::spawn`] with the listener.
    ///
    /// # Panics
    /// If no local port can be bound, since no test can proceed without one.
    pub(crate) async fn bind() -> (Server, TcpListener, watch::Receiver<bool>) {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("stand-in: bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("stand-in: local address");
        let (stop_tx, stop) = watch::channel(false);
        let server = Server {
            addr,
            stop: stop_tx,
            task: None,
        };
        (server, listener, stop)
    }

    /// Serves `app` on `listener` until stopped; axum's graceful shutdown then closes the
    /// listener, while the handlers' streams end on the same signal.
    pub(crate) fn serve(&mut self, listener: TcpListener, app: Router) {
        let mut signal = self.stop.subscribe();
        self.spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = signal.wait_for(|stop| *stop).await;
                })
                .await;
        });
    }

    /// Runs `task` (a stand-in's own accept loop, which must end when the stop signal is set)
    /// as the serving task.
    pub(crate) fn spawn(&mut self, task: impl Future<Output = ()> + Send + 'static) {
        self.task = Some(tokio::spawn(task));
    }

    /// The bound address, `127.0.0.1:PORT`.
    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Signals the stop, then waits at most [`GRACE`] for the task to end, and aborts it if it
    /// has not.
    pub(crate) async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(mut task) = self.task.take() {
            if tokio::time::timeout(GRACE, &mut task).await.is_err() {
                task.abort();
            }
        }
    }
}

impl Drop for Server {
    /// A test that forgets to shut its stand-in down (or panics) must not leave a server task
    /// running, so dropping signals the stop and aborts the task.
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}
