//! Recurses without end: the guest stack limit must trap it.

wit_bindgen::generate!({ path: "../../../wit", world: "handler" });


struct Component;
export!(Component);

#[inline(never)]
#[allow(unconditional_recursion)]
fn deeper(n: u64) -> u64 {
    let frame = std::hint::black_box([n; 16]);
    std::hint::black_box(deeper(frame[3] + 1)) + frame[7]
}

impl Guest for Component {
    fn handle(_request: Request) -> Result<(), String> {
        let n = deeper(0);
        Err(format!("unreachable: {n}"))
    }
}
