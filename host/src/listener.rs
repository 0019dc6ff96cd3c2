//! Accept loops, one per configured port. (Skeleton; the http helper owns this file.)
