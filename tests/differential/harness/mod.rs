//! Support code of the differential test (tests/tests/differential.rs): case files, the reference
//! server, the wire client and the comparison. See tests/differential/README.md.

pub mod cases;
pub mod compare;
pub mod reference;
pub mod wire;
