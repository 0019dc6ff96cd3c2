//! Sandbox test guest: traps before anything was written, so the host must answer a JSON 500.

wit_bindgen::generate!({ path: "../../../wit", world: "handler" });

struct Component;

impl Guest for Component {
    fn handle(_request: Request) -> Result<(), String> {
        core::arch::wasm32::unreachable()
    }
}

export!(Component);
