//! A couple of dedicated threads for the small blocking file-system calls on the request path
//! (manifest and component `stat`s). `spawn_blocking` would do, but a burst of a thousand plugin
//! requests would make tokio start hundreds of blocking threads for microsecond-long jobs; a fixed
//! pool keeps the burst cheap and the async workers free of blocking calls.

use std::panic::AssertUnwindSafe;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};

type Job = Box<dyn FnOnce() + Send>;

pub struct FsPool {
    tx: Mutex<Sender<Job>>,
}

impl FsPool {
    pub fn new(threads: usize) -> FsPool {
        let (tx, rx) = channel::<Job>();
        let rx: Arc<Mutex<Receiver<Job>>> = Arc::new(Mutex::new(rx));
        for i in 0..threads.max(1) {
            let rx = rx.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("wpthost-fs-{i}"))
                .spawn(move || loop {
                    let job = match rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => return,
                    };
                    match job {
                        // A panicking job must not take the thread (and the pool) with it.
                        Ok(job) => drop(std::panic::catch_unwind(AssertUnwindSafe(job))),
                        Err(_) => return,
                    }
                });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "cannot start a plugin file-system thread");
            }
        }
        FsPool { tx: Mutex::new(tx) }
    }

    /// Run `f` on the pool; `None` if the pool is gone or the job panicked.
    pub async fn run<R: Send + 'static>(
        &self,
        f: impl FnOnce() -> R + Send + 'static,
    ) -> Option<R> {
        let (otx, orx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = otx.send(f());
        });
        self.tx.lock().ok()?.send(job).ok()?;
        orx.await.ok()
    }
}
