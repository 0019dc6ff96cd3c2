/* Echo the request back (port of plugins/rust/echo; plugins/EXAMPLES.md#echo).
 *
 * Default: application/json with every field, bytes mapped one byte per character (latin-1).
 * `?format=text`: text/plain with the request line, each header line as received, a blank line, the
 * body. */
#include "wpthost.h"

static void key(wpt_buf *out, const char *name, bool first) {
    if (!first) wpt_buf_append_str(out, ", ");
    wpt_buf_append_json_latin1(out, wpt_str(name));
    wpt_buf_append_str(out, ": ");
}

static void pair(wpt_buf *out, wpt_bytes name, wpt_bytes value, bool first) {
    if (!first) wpt_buf_append_str(out, ", ");
    wpt_buf_append_byte(out, '[');
    wpt_buf_append_json_latin1(out, name);
    wpt_buf_append_str(out, ", ");
    wpt_buf_append_json_latin1(out, value);
    wpt_buf_append_byte(out, ']');
}

static wpt_bytes as_json(const wpt_request *req) {
    wpt_buf out = {0};
    wpt_buf_append_byte(&out, '{');
    key(&out, "method", true);
    wpt_buf_append_json_latin1(&out, wpt_list(req->method));
    key(&out, "target", false);
    wpt_buf_append_json_latin1(&out, wpt_list(req->target));
    key(&out, "path", false);
    wpt_buf_append_json_latin1(&out, wpt_list(req->path));
    key(&out, "query", false);
    wpt_buf_append_json_latin1(&out, wpt_list(req->query));
    key(&out, "version", false);
    wpt_buf_append_json_latin1(&out, wpt_list(req->version));

    key(&out, "headers", false);
    wpt_buf_append_byte(&out, '[');
    for (size_t i = 0; i < req->headers.len; i++) {
        pair(&out, wpt_list(req->headers.ptr[i].name), wpt_list(req->headers.ptr[i].value), i == 0);
    }
    wpt_buf_append_byte(&out, ']');

    key(&out, "query_params", false);
    wpt_buf_append_byte(&out, '[');
    const wpt_pairs *query = wpt_query(req);
    for (size_t i = 0; i < query->len; i++) pair(&out, query->items[i].key, query->items[i].value, i == 0);
    wpt_buf_append_byte(&out, ']');

    key(&out, "body", false);
    wpt_buf_append_json_latin1(&out, wpt_list(req->body));
    key(&out, "body_length", false);
    wpt_buf_append_u64(&out, req->body.len);
    key(&out, "url", false);
    wpt_buf_append_json_utf8(&out, wpt_string(req->url));
    key(&out, "scheme", false);
    wpt_buf_append_json_utf8(&out, wpt_string(req->scheme));
    key(&out, "client_address", false);
    wpt_buf_append_json_utf8(&out, wpt_string(req->client_address));

    key(&out, "route_match", false);
    wpt_buf_append_byte(&out, '{');
    for (size_t i = 0; i < req->route_match.len; i++) {
        if (i > 0) wpt_buf_append_str(&out, ", ");
        wpt_buf_append_json_utf8(&out, wpt_string(req->route_match.ptr[i].name));
        wpt_buf_append_str(&out, ": ");
        wpt_buf_append_json_utf8(&out, wpt_string(req->route_match.ptr[i].value));
    }
    wpt_buf_append_byte(&out, '}');

    key(&out, "url_base", false);
    wpt_buf_append_json_utf8(&out, wpt_string(req->url_base));
    wpt_buf_append_byte(&out, '}');
    return wpt_buf_bytes(&out);
}

static wpt_bytes as_text(const wpt_request *req) {
    wpt_buf out = {0};
    wpt_buf_append(&out, wpt_list(req->method));
    wpt_buf_append_byte(&out, ' ');
    wpt_buf_append(&out, wpt_list(req->target));
    wpt_buf_append_byte(&out, ' ');
    wpt_buf_append(&out, wpt_list(req->version));
    wpt_buf_append_byte(&out, '\n');
    for (size_t i = 0; i < req->headers.len; i++) {
        wpt_buf_append(&out, wpt_list(req->headers.ptr[i].name));
        wpt_buf_append_str(&out, ": ");
        wpt_buf_append(&out, wpt_list(req->headers.ptr[i].value));
        wpt_buf_append_byte(&out, '\n');
    }
    wpt_buf_append_byte(&out, '\n');
    wpt_buf_append(&out, wpt_list(req->body));
    return wpt_buf_bytes(&out);
}

int wpt_handle(const wpt_request *req) {
    wpt_bytes format;
    if (wpt_query_first(req, "format", &format) && wpt_eq(format, "text")) {
        wpt_set_header("Content-Type", "text/plain");
        wpt_set_body(as_text(req));
    } else {
        wpt_set_header("Content-Type", "application/json");
        wpt_set_body(as_json(req));
    }
    return WPT_OK;
}
