//! The `{{...}}` substitution language (§2.I). (Skeleton; the pipes helper owns this module.)
