//! Why a plugin request failed, one category per cause, for the 500 message and the warn log line.

use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Failure {
    /// The plugin returned `Err(message)`; the message is passed on verbatim (F-ER-3).
    #[error("{0}")]
    Returned(String),
    #[error("plugin trapped: {0}")]
    Trap(String),
    #[error("plugin exceeded its CPU budget of {} ms", .0.as_millis())]
    CpuBudget(Duration),
    #[error("plugin exceeded its wall-clock budget of {} ms", .0.as_millis())]
    WallBudget(Duration),
    #[error("plugin exceeded its memory limit of {0} bytes")]
    Memory(usize),
    #[error("plugin exceeded its guest stack (unbounded recursion)")]
    StackOverflow,
    #[error("plugin exceeded its output limit of {0} bytes")]
    OutputLimit(u64),
    /// The component could not be loaded (missing, not a component, wrong imports, ...).
    #[error("{0}")]
    Load(String),
    /// Instantiation failed (for instance the pool is exhausted).
    #[error("plugin could not be instantiated: {0}")]
    Instantiate(String),
}
