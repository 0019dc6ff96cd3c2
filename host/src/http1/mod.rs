//! HTTP/1.1 on the wire: request parsing (httparse), body framing, the connection loop and the raw
//! response writer.

pub mod reason;
pub mod writer;
