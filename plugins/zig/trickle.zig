//! A trickled response through the writer (port of plugins/rust/trickle; plugins/EXAMPLES.md#trickle).
//!
//! The status line and headers, then `?chunks=` pieces (default 5) of `?chunk=` (default "chunk\n")
//! with `?delay=` ms (default 100) between them. No Content-Length unless `&length=1`; without it the
//! connection closes to end the body. Zig handlers use the C SDK (plugin-sdk/c/wpthost.h).
const c = @import("wpthost");

fn number(req: *const c.wpt_request, name: [*:0]const u8, fallback: u64, out: *u64) bool {
    var value: c.wpt_bytes = undefined;
    if (!c.wpt_query_first(req, name, &value)) {
        out.* = fallback;
        return true;
    }
    return c.wpt_parse_u64(value, out);
}

export fn wpt_handle(req: *const c.wpt_request) c_int {
    var chunks: u64 = 0;
    var delay: u64 = 0;
    if (!number(req, "chunks", 5, &chunks) or chunks > 0xffffffff) return c.wpt_fail("invalid value for parameter \"chunks\"");
    if (!number(req, "delay", 100, &delay)) return c.wpt_fail("invalid value for parameter \"delay\"");
    var chunk = c.wpt_str("chunk\n");
    _ = c.wpt_query_first(req, "chunk", &chunk);
    if (!c.wpt_write_status(200, null)) return c.wpt_failed();
    if (!c.wpt_write_header("Content-Type", "text/plain")) return c.wpt_failed();
    if (!c.wpt_write_header("Cache-Control", "no-cache")) return c.wpt_failed();
    var length: c.wpt_bytes = undefined;
    if (c.wpt_query_first(req, "length", &length) and c.wpt_eq(length, "1")) {
        var total = c.wpt_buf{ .ptr = null, .len = 0, .cap = 0 };
        c.wpt_buf_append_u64(&total, chunk.len * chunks);
        if (!c.wpt_write_header_bytes(c.wpt_str("Content-Length"), c.wpt_buf_bytes(&total))) return c.wpt_failed();
    } else {
        c.wpt_close_connection();
    }
    if (!c.wpt_end_headers()) return c.wpt_failed();
    var i: u64 = 0;
    while (i < chunks) : (i += 1) {
        if (i > 0) c.wpt_sleep_ms(delay);
        if (!c.wpt_write_raw(chunk)) return c.wpt_failed();
    }
    return c.WPT_OK;
}
