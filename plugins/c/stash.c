/* The stash from a handler's point of view (port of plugins/rust/stash; plugins/EXAMPLES.md#stash).
 *
 * - POST with form fields `id` and `data`: put(id, data), answers `OK`.
 * - GET ?id=<uuid>&value=<v>: the same put from a query.
 * - GET ?id=<uuid>: take(id), answers the value or `NOT FOUND`.
 * - GET ?id=<uuid>&action=count: under the stash lock, take the counter, add one, put it back.
 * `&path=/shared` scopes the key to that path. A stash error is the handler's error: a JSON 500. */
#include "wpthost.h"

static int count(wpt_bytes id, const wpt_bytes *path) {
    if (!wpt_stash_lock()) return wpt_failed();
    wpt_bytes old;
    bool found = false;
    uint64_t n = 0;
    if (!wpt_stash_take(id, path, &old, &found)) {
        wpt_stash_unlock();
        return wpt_failed();
    }
    if (found && !wpt_parse_u64(wpt_utf8_lossy(old), &n)) n = 0;
    wpt_buf next = {0};
    wpt_buf_append_u64(&next, n + 1);
    bool ok = wpt_stash_put(id, wpt_buf_bytes(&next), path);
    wpt_stash_unlock();
    if (!ok) return wpt_failed();
    wpt_set_body(wpt_buf_bytes(&next));
    return WPT_OK;
}

int wpt_handle(const wpt_request *req) {
    wpt_bytes path_value, id, value, action;
    const wpt_bytes *path = wpt_query_first(req, "path", &path_value) ? &path_value : NULL;
    wpt_set_header("Content-Type", "text/plain");

    if (wpt_eq(wpt_list(req->method), "POST")) {
        const wpt_pairs *form;
        if (!wpt_form(req, &form)) return wpt_failed();
        if (!wpt_pairs_first(form, "id", &id)) {
            wpt_set_error(400, "missing id");
            return WPT_OK;
        }
        wpt_bytes data = wpt_str("");
        wpt_pairs_first(form, "data", &data);
        if (!wpt_stash_put(id, data, path)) return wpt_failed();
        wpt_set_body_str("OK");
        return WPT_OK;
    }

    if (!wpt_query_first(req, "id", &id)) {
        wpt_set_error(400, "missing id");
        return WPT_OK;
    }
    if (wpt_query_first(req, "action", &action) && wpt_eq(action, "count")) return count(id, path);
    if (wpt_query_first(req, "value", &value)) {
        if (!wpt_stash_put(id, value, path)) return wpt_failed();
        wpt_set_body_str("OK");
        return WPT_OK;
    }
    bool found = false;
    if (!wpt_stash_take(id, path, &value, &found)) return wpt_failed();
    wpt_set_body(found ? value : wpt_str("NOT FOUND"));
    return WPT_OK;
}
