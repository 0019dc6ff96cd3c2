//! The wit-bindgen guest bindings for `wpthost:handler/handler`.
//!
//! Generated here, once, so that handler crates depend on this SDK only. The export macro is public and
//! its runtime path points back into this crate, which is what lets [`crate::export_handler!`] expand in
//! a downstream crate that has no `wit-bindgen` dependency of its own.

wit_bindgen::generate!({
    path: "../wit",
    world: "handler",
    pub_export_macro: true,
    export_macro_name: "__export_handler_world",
    default_bindings_module: "wpthost_plugin_sdk::bindings",
    runtime_path: "wpthost_plugin_sdk::__private::rt",
});
