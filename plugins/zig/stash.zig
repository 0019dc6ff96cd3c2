//! The stash from a handler's point of view (port of plugins/rust/stash; plugins/EXAMPLES.md#stash).
//!
//! - POST with form fields `id` and `data`: put(id, data), answers `OK`.
//! - GET ?id=<uuid>&value=<v>: the same put from a query.
//! - GET ?id=<uuid>: take(id), answers the value or `NOT FOUND`.
//! - GET ?id=<uuid>&action=count: under the stash lock, take the counter, add one, put it back.
//! `&path=/shared` scopes the key to that path. A stash error is the handler's error: a JSON 500.
//! Zig handlers use the C SDK (plugin-sdk/c/wpthost.h).
const c = @import("wpthost");

fn count(id: c.wpt_bytes, path: ?*const c.wpt_bytes) c_int {
    if (!c.wpt_stash_lock()) return c.wpt_failed();
    defer c.wpt_stash_unlock();
    var old: c.wpt_bytes = undefined;
    var found = false;
    var n: u64 = 0;
    if (!c.wpt_stash_take(id, path, &old, &found)) return c.wpt_failed();
    if (found and !c.wpt_parse_u64(c.wpt_utf8_lossy(old), &n)) n = 0;
    var next = c.wpt_buf{ .ptr = null, .len = 0, .cap = 0 };
    c.wpt_buf_append_u64(&next, n + 1);
    if (!c.wpt_stash_put(id, c.wpt_buf_bytes(&next), path)) return c.wpt_failed();
    c.wpt_set_body(c.wpt_buf_bytes(&next));
    return c.WPT_OK;
}

export fn wpt_handle(req: *const c.wpt_request) c_int {
    var path_value: c.wpt_bytes = undefined;
    var id: c.wpt_bytes = undefined;
    var value: c.wpt_bytes = undefined;
    var action: c.wpt_bytes = undefined;
    const path: ?*const c.wpt_bytes = if (c.wpt_query_first(req, "path", &path_value)) &path_value else null;
    c.wpt_set_header("Content-Type", "text/plain");

    if (c.wpt_eq(c.wpt_list(req.method), "POST")) {
        var form: [*c]const c.wpt_pairs = undefined;
        if (!c.wpt_form(req, &form)) return c.wpt_failed();
        if (!c.wpt_pairs_first(form, "id", &id)) {
            c.wpt_set_error(400, "missing id");
            return c.WPT_OK;
        }
        var data = c.wpt_str("");
        _ = c.wpt_pairs_first(form, "data", &data);
        if (!c.wpt_stash_put(id, data, path)) return c.wpt_failed();
        c.wpt_set_body_str("OK");
        return c.WPT_OK;
    }

    if (!c.wpt_query_first(req, "id", &id)) {
        c.wpt_set_error(400, "missing id");
        return c.WPT_OK;
    }
    if (c.wpt_query_first(req, "action", &action) and c.wpt_eq(action, "count")) return count(id, path);
    if (c.wpt_query_first(req, "value", &value)) {
        if (!c.wpt_stash_put(id, value, path)) return c.wpt_failed();
        c.wpt_set_body_str("OK");
        return c.WPT_OK;
    }
    var found = false;
    if (!c.wpt_stash_take(id, path, &value, &found)) return c.wpt_failed();
    c.wpt_set_body(if (found) value else c.wpt_str("NOT FOUND"));
    return c.WPT_OK;
}
