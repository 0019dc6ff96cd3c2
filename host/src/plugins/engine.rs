//! The process-wide wasmtime engine: component model, pooling allocator with copy-on-write memory
//! images, epoch interruption driven by a ticker thread, and the linker with our world plus a
//! locked-down WASI p2.

use super::bindings::Handler;
use super::ctx::PluginCtx;
use super::settings::PluginSettings;
use wasmtime::component::{HasSelf, Linker};
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

/// Guest stack: deep recursion traps at this depth instead of growing.
const MAX_WASM_STACK: usize = 1024 * 1024;
/// Fiber stack per running instance; the part above `MAX_WASM_STACK` is left for host functions.
const ASYNC_STACK: usize = 2 * 1024 * 1024;

fn base_config() -> Config {
    let mut c = Config::new();
    c.wasm_component_model(true);
    c.epoch_interruption(true);
    c.consume_fuel(false);
    c.memory_init_cow(true);
    c.max_wasm_stack(MAX_WASM_STACK);
    c.async_stack_size(ASYNC_STACK);
    c.cranelift_opt_level(wasmtime::OptLevel::Speed);
    // Proposals no handler needs stay off: less attack surface.
    c.wasm_memory64(false);
    c
}

fn pooling(settings: &PluginSettings) -> PoolingAllocationConfig {
    let n = settings.max_instances.max(1);
    let mut p = PoolingAllocationConfig::new();
    p.total_component_instances(n);
    // A component may hold more than one core instance, memory and table (adapters, libc shims).
    p.total_core_instances(n.saturating_mul(4));
    p.total_memories(n.saturating_mul(2));
    p.total_tables(n.saturating_mul(2));
    p.total_stacks(n);
    p.max_memory_size(settings.max_memory_bytes);
    p.max_memories_per_component(32);
    p.max_tables_per_component(64);
    p.max_core_instances_per_component(200);
    p.table_elements(20_000);
    // Slot reset: with PAGEMAP_SCAN (Linux >= 6.7) only the pages the guest dirtied are restored
    // with memset and stay resident, so the next instance neither pays an madvise nor page-faults
    // them back. Without it, a fixed-prefix memset would touch pages a Rust guest never uses (its
    // stack sits at 1 MiB), so keep-resident is only set when the scan is available.
    if PoolingAllocationConfig::is_pagemap_scan_available() {
        p.pagemap_scan(wasmtime::Enabled::Yes);
        p.linear_memory_keep_resident(2 * 1024 * 1024);
        p.table_keep_resident(64 * 1024);
    } else {
        p.linear_memory_keep_resident(0);
        p.table_keep_resident(0);
    }
    p
}

/// Build the engine: pooled if possible, on-demand otherwise (machines without the address space).
pub fn build_engine(settings: &PluginSettings) -> wasmtime::Result<Engine> {
    if settings.pooling {
        let mut c = base_config();
        c.allocation_strategy(InstanceAllocationStrategy::Pooling(pooling(settings)));
        match Engine::new(&c) {
            Ok(engine) => return Ok(engine),
            Err(e) => {
                tracing::warn!(error = %e, "plugin pooling allocator unavailable; allocating on demand")
            }
        }
    }
    Engine::new(&base_config())
}

/// Advance the engine's epoch every `tick` until the engine is dropped. Every store's deadline is one
/// tick ahead, so this is what makes running guests yield and what the CPU budget counts.
pub fn start_epoch_ticker(engine: &Engine, tick: std::time::Duration) {
    let weak = engine.weak();
    let spawned = std::thread::Builder::new()
        .name("wpthost-epoch".into())
        .spawn(move || loop {
            std::thread::sleep(tick);
            match weak.upgrade() {
                Some(engine) => engine.increment_epoch(),
                None => return,
            }
        });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "cannot start the plugin epoch ticker; CPU budgets are not enforced");
    }
}

/// The linker every component is instantiated against: our world and WASI p2 (which
/// componentize-py/JS output always imports); the WASI context itself grants nothing.
pub fn build_linker(engine: &Engine) -> wasmtime::Result<Linker<PluginCtx>> {
    let mut linker = Linker::new(engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
    Handler::add_to_linker::<PluginCtx, HasSelf<PluginCtx>>(&mut linker, |ctx| ctx)?;
    Ok(linker)
}
