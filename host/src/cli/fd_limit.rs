//! Open-file limit: every connection, timerfd and plugin compile holds a descriptor, and the usual
//! soft limit of 1,024 is below the default `max_connections` (10,000); past it, accepts fail
//! with EMFILE and clients wait. `wpthost serve` raises the soft limit to the hard one, as nginx's
//! `worker_rlimit_nofile` does on request.

/// Raise the soft `RLIMIT_NOFILE` to the hard limit (capped, for an unlimited hard limit); returns
/// the limit now in force, when known.
#[cfg(target_os = "linux")]
pub(crate) fn raise() -> Option<u64> {
    use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
    /// What "unlimited" becomes: more than any one server here needs, and what the kernel's
    /// default `fs.nr_open` (1,048,576) accepts.
    const CAP: u64 = 1 << 20;
    let limit = getrlimit(Resource::Nofile);
    let want = limit.maximum.unwrap_or(CAP).min(CAP);
    if limit.current.is_some_and(|current| current >= want) {
        return limit.current;
    }
    let raised = Rlimit {
        current: Some(want),
        maximum: limit.maximum,
    };
    match setrlimit(Resource::Nofile, raised) {
        Ok(()) => Some(want),
        Err(e) => {
            tracing::debug!("cannot raise the open-file limit to {want}: {e}");
            limit.current
        }
    }
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn raise() -> Option<u64> {
    None
}
