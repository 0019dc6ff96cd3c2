//! HTTP/1.1 on the wire: request parsing (httparse), body framing, the connection loop and the raw
//! response writer.

pub mod body;
pub mod connection;
pub mod parse;
pub mod reason;
pub mod respond;
pub mod sink;
pub mod url;
pub mod writer;
