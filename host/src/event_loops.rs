//! The server's event loops: one thread per loop, each running a single-threaded tokio runtime,
//! with its own listening sockets (`listener::start_on`) and its own connections.
//!
//! Why not one work-stealing runtime: measured on two cores shared with the load generator, its
//! workers handed work to each other instead of running side by side. A connection woken from the
//! reactor lands in the queue of the worker that polled it; the other worker sleeps until told
//! to steal, and with the client waking on the same core the two alternated for long stretches
//! with requests waiting in their sockets and 30-50% of the machine idle. Loops that own their
//! connections (the kernel spreads new ones among their listeners through `SO_REUSEPORT`) never
//! wait for each other: the Rust echo plugin went from ~12,000 to ~15,000 requests/s in an
//! interleaved A/B. The cost is that a connection stays on its loop: a plugin burning CPU shares
//! that loop's thread with the loop's other connections (it yields every epoch tick), not with
//! the whole machine.

use std::future::Future;
use std::thread::JoinHandle;
use std::time::Duration;
use tokio::runtime::Handle;
use tokio::sync::oneshot;

/// How long a loop's leftover blocking work (file reads in flight) may hold up its stop.
const STOP_GRACE: Duration = Duration::from_millis(500);

/// Running event loops; dropping them stops every loop and joins its thread.
pub struct EventLoops {
    loops: Vec<Loop>,
}

struct Loop {
    handle: Handle,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl EventLoops {
    /// Start `count` loops (at least one), on threads named `wpthost-loop-<n>`.
    pub fn start(count: usize) -> std::io::Result<EventLoops> {
        let mut loops = Vec::with_capacity(count.max(1));
        for n in 0..count.max(1) {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            let handle = runtime.handle().clone();
            let (stop, stopped) = oneshot::channel::<()>();
            let thread = std::thread::Builder::new()
                .name(format!("wpthost-loop-{n}"))
                .spawn(move || {
                    // Serves whatever is spawned onto `handle` until told to stop.
                    runtime.block_on(async {
                        let _ = stopped.await;
                    });
                    runtime.shutdown_timeout(STOP_GRACE);
                })?;
            loops.push(Loop {
                handle,
                stop: Some(stop),
                thread: Some(thread),
            });
        }
        Ok(EventLoops { loops })
    }

    /// One handle per loop, to bind listeners and spawn tasks on it.
    pub fn handles(&self) -> Vec<Handle> {
        self.loops.iter().map(|l| l.handle.clone()).collect()
    }

    /// Run `future` to completion on the calling thread. Timers and sockets it uses work because
    /// the first loop's thread drives them; it must not be called from inside a runtime.
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.loops[0].handle.block_on(future)
    }
}

impl Drop for EventLoops {
    fn drop(&mut self) {
        for event_loop in &mut self.loops {
            if let Some(stop) = event_loop.stop.take() {
                let _ = stop.send(());
            }
        }
        for event_loop in &mut self.loops {
            if let Some(thread) = event_loop.thread.take() {
                let _ = thread.join();
            }
        }
    }
}

/// The number of loops to run when the configuration leaves it open: one per CPU this process may
/// use.
pub fn default_count() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::sync::{Arc, Mutex};

    #[test]
    fn each_loop_runs_its_tasks_on_its_own_thread_and_stops_on_drop() {
        let loops = EventLoops::start(3).unwrap_or_else(|e| panic!("{e}"));
        let seen = Arc::new(Mutex::new(HashSet::new()));
        let mut joins = Vec::new();
        for handle in loops.handles() {
            let seen = seen.clone();
            joins.push(handle.spawn(async move {
                // Timers work on every loop.
                tokio::time::sleep(Duration::from_millis(5)).await;
                let name = std::thread::current().name().map(str::to_owned);
                seen.lock().unwrap_or_else(|e| e.into_inner()).insert(name);
            }));
        }
        loops.block_on(async {
            for join in joins {
                join.await.unwrap_or_else(|e| panic!("{e}"));
            }
        });
        let names = seen.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let expected: HashSet<Option<String>> =
            (0..3).map(|n| Some(format!("wpthost-loop-{n}"))).collect();
        assert_eq!(names, expected);
        // A task that never ends does not hold the drop up.
        loops.handles()[0].spawn(std::future::pending::<()>());
        drop(loops);
    }
}
