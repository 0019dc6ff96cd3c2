//! Recurses without end on the WebAssembly stack (scalar frames, nothing in the shadow stack): the
//! engine's guest stack limit must trap it.

wit_bindgen::generate!({ path: "../../../wit", world: "handler" });

struct Component;
export!(Component);

/// Read through a volatile load so the compiler cannot prove the recursion endless and drop it.
static LIMIT: u64 = u64::MAX;

#[inline(never)]
fn deeper(n: u64) -> u64 {
    // SAFETY: a plain read of an immutable static.
    if n == unsafe { core::ptr::read_volatile(&LIMIT) } {
        return n;
    }
    let r = deeper(n + 1);
    r ^ (r >> 3) ^ n
}

impl Guest for Component {
    fn handle(_request: Request) -> Result<(), String> {
        let n = deeper(0);
        Err(format!("unreachable: {n}"))
    }
}
