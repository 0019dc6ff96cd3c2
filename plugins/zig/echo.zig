//! Echo the request back (port of plugins/rust/echo; plugins/EXAMPLES.md#echo).
//!
//! Default: application/json with every field, bytes mapped one byte per character (latin-1).
//! `?format=text`: text/plain with the request line, each header line as received, a blank line, the
//! body. Zig handlers use the C SDK (plugin-sdk/c/wpthost.h).
const c = @import("wpthost");

fn key(out: *c.wpt_buf, name: [*:0]const u8, first: bool) void {
    if (!first) c.wpt_buf_append_str(out, ", ");
    c.wpt_buf_append_json_latin1(out, c.wpt_str(name));
    c.wpt_buf_append_str(out, ": ");
}

fn pair(out: *c.wpt_buf, name: c.wpt_bytes, value: c.wpt_bytes, first: bool) void {
    if (!first) c.wpt_buf_append_str(out, ", ");
    c.wpt_buf_append_byte(out, '[');
    c.wpt_buf_append_json_latin1(out, name);
    c.wpt_buf_append_str(out, ", ");
    c.wpt_buf_append_json_latin1(out, value);
    c.wpt_buf_append_byte(out, ']');
}

fn asJson(req: *const c.wpt_request) c.wpt_bytes {
    var out = c.wpt_buf{ .ptr = null, .len = 0, .cap = 0 };
    c.wpt_buf_append_byte(&out, '{');
    key(&out, "method", true);
    c.wpt_buf_append_json_latin1(&out, c.wpt_list(req.method));
    key(&out, "target", false);
    c.wpt_buf_append_json_latin1(&out, c.wpt_list(req.target));
    key(&out, "path", false);
    c.wpt_buf_append_json_latin1(&out, c.wpt_list(req.path));
    key(&out, "query", false);
    c.wpt_buf_append_json_latin1(&out, c.wpt_list(req.query));
    key(&out, "version", false);
    c.wpt_buf_append_json_latin1(&out, c.wpt_list(req.version));

    key(&out, "headers", false);
    c.wpt_buf_append_byte(&out, '[');
    var i: usize = 0;
    while (i < req.headers.len) : (i += 1) {
        pair(&out, c.wpt_list(req.headers.ptr[i].name), c.wpt_list(req.headers.ptr[i].value), i == 0);
    }
    c.wpt_buf_append_byte(&out, ']');

    key(&out, "query_params", false);
    c.wpt_buf_append_byte(&out, '[');
    const query = c.wpt_query(req);
    i = 0;
    while (i < query.*.len) : (i += 1) {
        pair(&out, query.*.items[i].key, query.*.items[i].value, i == 0);
    }
    c.wpt_buf_append_byte(&out, ']');

    key(&out, "body", false);
    c.wpt_buf_append_json_latin1(&out, c.wpt_list(req.body));
    key(&out, "body_length", false);
    c.wpt_buf_append_u64(&out, req.body.len);
    key(&out, "url", false);
    c.wpt_buf_append_json_utf8(&out, c.wpt_string(req.url));
    key(&out, "scheme", false);
    c.wpt_buf_append_json_utf8(&out, c.wpt_string(req.scheme));
    key(&out, "client_address", false);
    c.wpt_buf_append_json_utf8(&out, c.wpt_string(req.client_address));

    key(&out, "route_match", false);
    c.wpt_buf_append_byte(&out, '{');
    i = 0;
    while (i < req.route_match.len) : (i += 1) {
        if (i > 0) c.wpt_buf_append_str(&out, ", ");
        c.wpt_buf_append_json_utf8(&out, c.wpt_string(req.route_match.ptr[i].name));
        c.wpt_buf_append_str(&out, ": ");
        c.wpt_buf_append_json_utf8(&out, c.wpt_string(req.route_match.ptr[i].value));
    }
    c.wpt_buf_append_byte(&out, '}');

    key(&out, "url_base", false);
    c.wpt_buf_append_json_utf8(&out, c.wpt_string(req.url_base));
    c.wpt_buf_append_byte(&out, '}');
    return c.wpt_buf_bytes(&out);
}

fn asText(req: *const c.wpt_request) c.wpt_bytes {
    var out = c.wpt_buf{ .ptr = null, .len = 0, .cap = 0 };
    c.wpt_buf_append(&out, c.wpt_list(req.method));
    c.wpt_buf_append_byte(&out, ' ');
    c.wpt_buf_append(&out, c.wpt_list(req.target));
    c.wpt_buf_append_byte(&out, ' ');
    c.wpt_buf_append(&out, c.wpt_list(req.version));
    c.wpt_buf_append_byte(&out, '\n');
    var i: usize = 0;
    while (i < req.headers.len) : (i += 1) {
        c.wpt_buf_append(&out, c.wpt_list(req.headers.ptr[i].name));
        c.wpt_buf_append_str(&out, ": ");
        c.wpt_buf_append(&out, c.wpt_list(req.headers.ptr[i].value));
        c.wpt_buf_append_byte(&out, '\n');
    }
    c.wpt_buf_append_byte(&out, '\n');
    c.wpt_buf_append(&out, c.wpt_list(req.body));
    return c.wpt_buf_bytes(&out);
}

export fn wpt_handle(req: *const c.wpt_request) c_int {
    var format: c.wpt_bytes = undefined;
    if (c.wpt_query_first(req, "format", &format) and c.wpt_eq(format, "text")) {
        c.wpt_set_header("Content-Type", "text/plain");
        c.wpt_set_body(asText(req));
    } else {
        c.wpt_set_header("Content-Type", "application/json");
        c.wpt_set_body(asJson(req));
    }
    return c.WPT_OK;
}
