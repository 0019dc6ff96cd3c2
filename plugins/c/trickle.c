/* A trickled response through the writer (port of plugins/rust/trickle; plugins/EXAMPLES.md#trickle).
 *
 * The status line and headers, then `?chunks=` pieces (default 5) of `?chunk=` (default "chunk\n") with
 * `?delay=` ms (default 100) between them. No Content-Length unless `&length=1`; without it the
 * connection closes to end the body. */
#include "wpthost.h"

static bool number(const wpt_request *req, const char *name, uint64_t fallback, uint64_t *out) {
    wpt_bytes value;
    if (!wpt_query_first(req, name, &value)) {
        *out = fallback;
        return true;
    }
    return wpt_parse_u64(value, out);
}

int wpt_handle(const wpt_request *req) {
    uint64_t chunks, delay;
    if (!number(req, "chunks", 5, &chunks) || chunks > UINT32_MAX) return wpt_fail("invalid value for parameter \"chunks\"");
    if (!number(req, "delay", 100, &delay)) return wpt_fail("invalid value for parameter \"delay\"");
    wpt_bytes chunk = wpt_str("chunk\n"), length;
    wpt_query_first(req, "chunk", &chunk);

    if (!wpt_write_status(200, NULL)) return wpt_failed();
    if (!wpt_write_header("Content-Type", "text/plain")) return wpt_failed();
    if (!wpt_write_header("Cache-Control", "no-cache")) return wpt_failed();
    if (wpt_query_first(req, "length", &length) && wpt_eq(length, "1")) {
        wpt_buf total = {0};
        wpt_buf_append_u64(&total, chunk.len * chunks);
        if (!wpt_write_header_bytes(wpt_str("Content-Length"), wpt_buf_bytes(&total))) return wpt_failed();
    } else {
        wpt_close_connection();
    }
    if (!wpt_end_headers()) return wpt_failed();
    for (uint64_t i = 0; i < chunks; i++) {
        if (i > 0) wpt_sleep_ms(delay);
        if (!wpt_write_raw(chunk)) return wpt_failed();
    }
    return WPT_OK;
}
