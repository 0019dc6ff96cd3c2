//! Delays that reach the client as requested: trickle pipes, the plugin `sleep` import and the
//! configured latency all wait here, so their precision is decided in one place.
//!
//! `tokio::time::sleep` alone is late by about a millisecond: its timer wheel has 1 ms ticks and
//! rounds deadlines up, and the reactor's `epoll_wait` timeout is in whole milliseconds too. So on
//! Linux a delay sleeps on tokio's timer until shortly before the deadline (cheap, no fd, scales to
//! any number of sleepers) and waits out the last stretch on a `timerfd` armed with the absolute
//! `CLOCK_MONOTONIC` deadline and registered with tokio's reactor: the kernel's hrtimer wakes the
//! reactor on time, no thread is held and nothing spins. A timerfd that cannot be had (fd limit,
//! the cap below) degrades to tokio's timer: a late delay, never a failed request.

use std::time::Duration;

/// Wait `d` without holding a thread; never returns early. A zero duration returns at once without
/// touching the timer or making a syscall.
pub async fn sleep(d: Duration) {
    if d.is_zero() {
        return;
    }
    precise::sleep(d).await;
}

#[cfg(target_os = "linux")]
mod precise {
    use rustix::time::{
        clock_gettime, timerfd_create, timerfd_settime, ClockId, Itimerspec, TimerfdClockId,
        TimerfdFlags, TimerfdTimerFlags, Timespec,
    };
    use std::io;
    use std::os::fd::OwnedFd;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::OnceLock;
    use std::time::Duration;
    use tokio::io::unix::AsyncFd;
    use tokio::io::Interest;
    use tokio::time::Instant;

    /// How long before the deadline tokio's timer hands over to the timerfd. tokio wakes up to
    /// ~2 ms after what it is asked for (tick rounding plus the millisecond `epoll_wait` timeout),
    /// so asking for deadline − 2 ms lands before the deadline on a quiet machine, and a timerfd is
    /// held only for those last ≤ 2 ms — a thousand sleepers do not hold a thousand fds for a second.
    const HANDOVER: Duration = Duration::from_millis(2);

    /// timerfds open at once. Past this the rest of a delay is tokio-rounded, so a burst of
    /// sleepers cannot eat the file descriptors connections need.
    static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);

    /// Tests set this to exercise the fallback (usize::MAX: no override).
    #[cfg(test)]
    pub(super) static CAP_OVERRIDE: AtomicUsize = AtomicUsize::new(usize::MAX);

    /// An eighth of the soft RLIMIT_NOFILE, between 16 and 1,024.
    fn cap() -> usize {
        #[cfg(test)]
        {
            let forced = CAP_OVERRIDE.load(Ordering::Relaxed);
            if forced != usize::MAX {
                return forced;
            }
        }
        static CAP: OnceLock<usize> = OnceLock::new();
        *CAP.get_or_init(|| {
            let soft = rustix::process::getrlimit(rustix::process::Resource::Nofile)
                .current
                .unwrap_or(u64::MAX);
            usize::try_from(soft / 8)
                .unwrap_or(usize::MAX)
                .clamp(16, 1024)
        })
    }

    #[cfg(test)]
    pub(super) fn in_flight() -> usize {
        IN_FLIGHT.load(Ordering::Relaxed)
    }

    /// One slot under the cap, released on drop (also when the sleep is cancelled).
    struct Slot;

    impl Slot {
        fn take() -> Option<Slot> {
            IN_FLIGHT
                .fetch_update(Ordering::AcqRel, Ordering::Relaxed, |n| {
                    (n < cap()).then_some(n + 1)
                })
                .ok()
                .map(|_| Slot)
        }
    }

    impl Drop for Slot {
        fn drop(&mut self) {
            IN_FLIGHT.fetch_sub(1, Ordering::AcqRel);
        }
    }

    pub async fn sleep(d: Duration) {
        // The same instant on both clocks: tokio's Instant is std's, which is CLOCK_MONOTONIC.
        let start = Instant::now();
        let deadline = start + d;
        let Some(deadline_ts) = monotonic_after(d) else {
            tokio::time::sleep_until(deadline).await;
            return;
        };
        if let Some(coarse) = d.checked_sub(HANDOVER).filter(|c| !c.is_zero()) {
            tokio::time::sleep_until(start + coarse).await;
        }
        // Already there (a loaded machine woke us late): no fd, no syscall beyond the clock read.
        if Instant::now() >= deadline {
            return;
        }
        if let Some(slot) = Slot::take() {
            if wait_timerfd(deadline_ts).await.is_ok() {
                drop(slot);
                return;
            }
        }
        tokio::time::sleep_until(deadline).await;
    }

    /// CLOCK_MONOTONIC now plus `d`; None if that does not fit a timespec.
    fn monotonic_after(d: Duration) -> Option<Timespec> {
        let now = clock_gettime(ClockId::Monotonic);
        let nanos = i128::from(now.tv_sec) * 1_000_000_000
            + i128::from(now.tv_nsec)
            + i128::try_from(d.as_nanos()).ok()?;
        Some(Timespec {
            tv_sec: i64::try_from(nanos / 1_000_000_000).ok()?,
            tv_nsec: i64::try_from(nanos % 1_000_000_000).ok()?,
        })
    }

    /// Wait until CLOCK_MONOTONIC reaches `deadline` on a one-shot timerfd (a deadline already past
    /// fires at once). Errors mean "no timerfd": the caller falls back to tokio's timer.
    async fn wait_timerfd(deadline: Timespec) -> io::Result<()> {
        let fd: OwnedFd = timerfd_create(
            TimerfdClockId::Monotonic,
            TimerfdFlags::NONBLOCK | TimerfdFlags::CLOEXEC,
        )?;
        let zero = Timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        timerfd_settime(
            &fd,
            TimerfdTimerFlags::ABSTIME,
            &Itimerspec {
                it_interval: zero,
                it_value: deadline,
            },
        )?;
        // SAFETY: the AsyncFd owns the OwnedFd, which stays open and is never replaced until the
        // AsyncFd (which deregisters it first) is dropped.
        let fd = unsafe { AsyncFd::register_with_interest(fd, Interest::READABLE) }
            .map_err(|e| e.into_parts().1)?;
        loop {
            let mut guard = fd.readable().await?;
            let mut expirations = [0u8; 8];
            match guard.try_io(|fd| {
                rustix::io::read(fd.get_ref(), &mut expirations).map_err(io::Error::from)
            }) {
                Ok(Ok(_)) => return Ok(()),
                Ok(Err(e)) => return Err(e),
                // Readiness was stale; try_io cleared it.
                Err(_would_block) => continue,
            }
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod precise {
    use std::time::Duration;

    /// No timerfd here: tokio's timer, up to a tick late.
    pub async fn sleep(d: Duration) {
        tokio::time::sleep(d).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::future::Future;
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};
    use std::time::Instant;

    /// Run `f` on a two-worker runtime (the server's shape), one such test at a time: the timerfd
    /// counter is global and measurements should not compete with each other.
    fn run<F: Future>(f: F) -> F::Output {
        static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("runtime: {e}"));
        rt.block_on(f)
    }

    /// Observed minus requested, in ms, for `n` sleeps of `d` one after another.
    #[cfg(target_os = "linux")]
    async fn errors(d: Duration, n: usize) -> Vec<f64> {
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            let t = Instant::now();
            sleep(d).await;
            let took = t.elapsed();
            assert!(took >= d, "woke early: {took:?} < {d:?}");
            out.push((took.as_secs_f64() - d.as_secs_f64()) * 1e3);
        }
        out
    }

    /// The counter is process-wide and other modules' tests (pipes) sleep too, unserialised: a
    /// leak shows as a count that does not return to zero, so wait a little for theirs to end.
    #[cfg(target_os = "linux")]
    fn no_timerfds_soon() -> bool {
        let until = Instant::now() + Duration::from_secs(2);
        while precise::in_flight() != 0 {
            if Instant::now() > until {
                return false;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        true
    }

    #[cfg(target_os = "linux")]
    fn median(mut v: Vec<f64>) -> f64 {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    }

    /// tokio's timer alone is late by ~1 ms at the median whatever the load; the timerfd finish is
    /// not. Load only ever adds lateness, so the best median of a few batches is the robust
    /// statistic: one quiet batch passes, and no batch of tick-rounded sleeps can.
    #[cfg(target_os = "linux")]
    async fn best_batch_median(d: Duration) -> f64 {
        let mut best = f64::INFINITY;
        for _ in 0..8 {
            best = best.min(median(errors(d, 20).await));
            if best < 0.4 {
                break;
            }
        }
        best
    }

    /// Outside any runtime (where tokio's timer or reactor would panic), a zero delay is ready on
    /// the first poll: it touches neither.
    #[test]
    fn zero_is_ready_at_once_without_timer_or_reactor() {
        let mut f = pin!(sleep(Duration::ZERO));
        let mut cx = Context::from_waker(Waker::noop());
        assert_eq!(f.as_mut().poll(&mut cx), Poll::Ready(()));
    }

    /// Longer than the handover: tokio's timer, then the timerfd.
    #[cfg(target_os = "linux")]
    #[test]
    fn median_error_is_well_under_a_tick() {
        let best = run(best_batch_median(Duration::from_millis(5)));
        assert!(best < 0.4, "best batch median error {best:.3} ms");
    }

    /// Shorter than the handover: the timerfd alone; sub-millisecond requests are honoured too.
    #[cfg(target_os = "linux")]
    #[test]
    fn short_delays_are_not_rounded_to_a_tick() {
        let best = run(best_batch_median(Duration::from_micros(300)));
        assert!(best < 0.4, "best batch median error {best:.3} ms");
    }

    /// 1,000 concurrent sleepers with one deadline: all wake, none early, none much late, and every
    /// timerfd is released (past the cap the rest are tokio-rounded sleeps, not failures).
    #[test]
    fn a_thousand_concurrent_sleepers_finish_together() {
        let d = Duration::from_millis(50);
        let latest = run(async move {
            let start = Instant::now();
            let tasks: Vec<_> = (0..1000)
                .map(|_| {
                    tokio::spawn(async move {
                        sleep(d).await;
                        start.elapsed()
                    })
                })
                .collect();
            let mut latest = Duration::ZERO;
            for t in tasks {
                let took = t.await.unwrap_or_else(|e| panic!("sleeper panicked: {e}"));
                assert!(took >= d, "woke early: {took:?}");
                latest = latest.max(took);
            }
            latest
        });
        assert!(latest < d + Duration::from_millis(500), "latest {latest:?}");
        #[cfg(target_os = "linux")]
        assert!(no_timerfds_soon(), "timerfd slots leaked");
    }

    /// A sleep dropped while waiting on its timerfd (a wall-clock timeout, a client gone) closes
    /// it and frees its slot.
    #[cfg(target_os = "linux")]
    #[test]
    fn cancelled_sleeps_release_their_timerfd() {
        run(async {
            // 1.9 ms is under the handover: the first poll arms and registers a timerfd.
            let mut pending: Vec<_> = (0..50)
                .map(|_| Box::pin(sleep(Duration::from_micros(1900))))
                .collect();
            // Each first poll arms a timerfd (one could fire before its poll on a stalled
            // machine; that one has already let its slot go).
            let waiting = std::future::poll_fn(|cx| {
                let mut waiting = 0;
                for f in &mut pending {
                    waiting += usize::from(f.as_mut().poll(cx).is_pending());
                }
                Poll::Ready(waiting)
            })
            .await;
            assert!(waiting > 0);
            // Other modules' tests may hold a few timerfds of their own meanwhile.
            assert!(precise::in_flight() >= waiting);
            drop(pending);
        });
        assert!(no_timerfds_soon(), "timerfd slots leaked");
    }

    /// No timerfd to be had (here: the cap forced to zero; in production the cap or an fd limit):
    /// the delay still happens, on tokio's timer, never early — a late delay, not a failed request.
    #[cfg(target_os = "linux")]
    #[test]
    fn without_a_timerfd_the_delay_falls_back_to_tokio() {
        struct Restore;
        impl Drop for Restore {
            fn drop(&mut self) {
                precise::CAP_OVERRIDE.store(usize::MAX, std::sync::atomic::Ordering::Relaxed);
            }
        }
        let took = run(async {
            precise::CAP_OVERRIDE.store(0, std::sync::atomic::Ordering::Relaxed);
            let _restore = Restore;
            let d = Duration::from_millis(3);
            let tasks: Vec<_> = (0..20)
                .map(|_| {
                    tokio::spawn(async move {
                        let t = Instant::now();
                        sleep(d).await;
                        t.elapsed()
                    })
                })
                .collect();
            let mut took = Vec::new();
            for t in tasks {
                took.push(t.await.unwrap_or_else(|e| panic!("sleeper panicked: {e}")));
            }
            took
        });
        assert!(no_timerfds_soon(), "timerfd slots leaked");
        for t in took {
            assert!(t >= Duration::from_millis(3), "woke early: {t:?}");
            assert!(t < Duration::from_millis(500), "took {t:?}");
        }
    }
}
