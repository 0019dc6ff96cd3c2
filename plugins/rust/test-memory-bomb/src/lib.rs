//! Allocates 1 MiB blocks until the host refuses to grow memory.

wit_bindgen::generate!({ path: "../../../wit", world: "handler" });

struct Component;
export!(Component);

impl Guest for Component {
    fn handle(_request: Request) -> Result<(), String> {
        let mut blocks: Vec<Vec<u8>> = Vec::new();
        loop {
            blocks.push(std::hint::black_box(vec![1u8; 1 << 20]));
            std::hint::black_box(&blocks);
        }
    }
}
