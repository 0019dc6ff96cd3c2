//! Loops forever: the epoch deadline must make it yield and the CPU budget must end it.

wit_bindgen::generate!({ path: "../../../wit", world: "handler" });

struct Component;
export!(Component);

impl Guest for Component {
    fn handle(_request: Request) -> Result<(), String> {
        let mut n: u64 = 0;
        loop {
            n = std::hint::black_box(n.wrapping_add(1));
        }
    }
}
