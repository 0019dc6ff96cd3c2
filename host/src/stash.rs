//! The stash (F-SH-*). (Skeleton; the plugin helper owns this module.)

#[derive(Default)]
pub struct Stash {}
