/* wpthost guest SDK for C (see wpthost.h). Nothing is freed: the instance dies with the request. */
#include "wpthost.h"

#include <stdlib.h>
#include <string.h>

static const char *last_error = "handler failed";
static bool writer_used = false;

/* ---- bytes and buffers ---- */

wpt_bytes wpt_str(const char *s) {
    wpt_bytes b = {(const uint8_t *)s, s ? strlen(s) : 0};
    return b;
}

wpt_bytes wpt_list(handler_list_u8_t list) {
    wpt_bytes b = {list.ptr, list.len};
    return b;
}

wpt_bytes wpt_string(handler_string_t s) {
    wpt_bytes b = {s.ptr, s.len};
    return b;
}

bool wpt_eq(wpt_bytes a, const char *s) {
    size_t n = strlen(s);
    return a.len == n && (n == 0 || memcmp(a.ptr, s, n) == 0);
}

static uint8_t lower(uint8_t c) { return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c; }

bool wpt_eq_ignore_case(wpt_bytes a, const char *s) {
    size_t n = strlen(s);
    if (a.len != n) return false;
    for (size_t i = 0; i < n; i++) {
        if (lower(a.ptr[i]) != lower((uint8_t)s[i])) return false;
    }
    return true;
}

static void reserve(wpt_buf *buf, size_t extra) {
    if (buf->len + extra <= buf->cap) return;
    size_t cap = buf->cap ? buf->cap * 2 : 64;
    while (cap < buf->len + extra) cap *= 2;
    uint8_t *grown = realloc(buf->ptr, cap);
    if (!grown) abort(); /* out of memory: the host answers a 500 */
    buf->ptr = grown;
    buf->cap = cap;
}

void wpt_buf_append(wpt_buf *buf, wpt_bytes data) {
    if (data.len == 0) return;
    reserve(buf, data.len);
    memcpy(buf->ptr + buf->len, data.ptr, data.len);
    buf->len += data.len;
}

void wpt_buf_append_str(wpt_buf *buf, const char *s) { wpt_buf_append(buf, wpt_str(s)); }

void wpt_buf_append_byte(wpt_buf *buf, uint8_t byte) {
    reserve(buf, 1);
    buf->ptr[buf->len++] = byte;
}

void wpt_buf_append_u64(wpt_buf *buf, uint64_t n) {
    char digits[21];
    size_t i = sizeof digits;
    do {
        digits[--i] = (char)('0' + n % 10);
        n /= 10;
    } while (n);
    wpt_bytes b = {(const uint8_t *)digits + i, sizeof digits - i};
    wpt_buf_append(buf, b);
}

wpt_bytes wpt_buf_bytes(const wpt_buf *buf) {
    wpt_bytes b = {buf->ptr, buf->len};
    return b;
}

char *wpt_cstr(wpt_bytes data) {
    char *s = malloc(data.len + 1);
    if (!s) abort();
    if (data.len) memcpy(s, data.ptr, data.len);
    s[data.len] = 0;
    return s;
}

/* Length of the valid UTF-8 sequence at p (1-4), or 0 if the bytes there are not one; *bad gets how
 * many bytes form the maximal invalid subpart to replace with one U+FFFD. */
static size_t utf8_seq(const uint8_t *p, size_t avail, size_t *bad) {
    uint8_t c = p[0];
    size_t need;
    uint8_t lo = 0x80, hi = 0xBF;
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) need = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        need = 3;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 4;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;
    } else {
        *bad = 1;
        return 0;
    }
    for (size_t i = 1; i < need; i++) {
        uint8_t b = i < avail ? p[i] : 0;
        uint8_t l = i == 1 ? lo : 0x80, h = i == 1 ? hi : 0xBF;
        if (i >= avail || b < l || b > h) {
            *bad = i;
            return 0;
        }
    }
    return need;
}

wpt_bytes wpt_utf8_lossy(wpt_bytes data) {
    wpt_buf out = {0};
    size_t i = 0;
    while (i < data.len) {
        size_t bad = 0, n = utf8_seq(data.ptr + i, data.len - i, &bad);
        if (n) {
            wpt_bytes seq = {data.ptr + i, n};
            wpt_buf_append(&out, seq);
            i += n;
        } else {
            wpt_buf_append_str(&out, "\xEF\xBF\xBD");
            i += bad;
        }
    }
    return wpt_buf_bytes(&out);
}

static bool is_space(uint8_t c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

bool wpt_parse_u64(wpt_bytes text, uint64_t *out) {
    size_t i = 0, end = text.len;
    while (i < end && is_space(text.ptr[i])) i++;
    while (end > i && is_space(text.ptr[end - 1])) end--;
    if (i < end && text.ptr[i] == '+') i++;
    if (i == end) return false;
    uint64_t n = 0;
    for (; i < end; i++) {
        uint8_t c = text.ptr[i];
        if (c < '0' || c > '9') return false;
        if (n > (UINT64_MAX - (c - '0')) / 10) return false;
        n = n * 10 + (c - '0');
    }
    *out = n;
    return true;
}

static void json_unit(wpt_buf *buf, uint32_t unit) {
    static const char hex[] = "0123456789abcdef";
    switch (unit) {
    case '"': wpt_buf_append_str(buf, "\\\""); return;
    case '\\': wpt_buf_append_str(buf, "\\\\"); return;
    case '\n': wpt_buf_append_str(buf, "\\n"); return;
    case '\r': wpt_buf_append_str(buf, "\\r"); return;
    case '\t': wpt_buf_append_str(buf, "\\t"); return;
    case '\b': wpt_buf_append_str(buf, "\\b"); return;
    case '\f': wpt_buf_append_str(buf, "\\f"); return;
    }
    if (unit < 0x20 || unit > 0x7E) {
        char esc[6] = {'\\', 'u', hex[(unit >> 12) & 15], hex[(unit >> 8) & 15], hex[(unit >> 4) & 15], hex[unit & 15]};
        wpt_bytes b = {(const uint8_t *)esc, 6};
        wpt_buf_append(buf, b);
    } else {
        wpt_buf_append_byte(buf, (uint8_t)unit);
    }
}

void wpt_buf_append_json_latin1(wpt_buf *buf, wpt_bytes data) {
    wpt_buf_append_byte(buf, '"');
    for (size_t i = 0; i < data.len; i++) json_unit(buf, data.ptr[i]);
    wpt_buf_append_byte(buf, '"');
}

void wpt_buf_append_json_utf8(wpt_buf *buf, wpt_bytes text) {
    wpt_bytes valid = wpt_utf8_lossy(text);
    const uint8_t *p = valid.ptr;
    wpt_buf_append_byte(buf, '"');
    for (size_t i = 0; i < valid.len;) {
        uint32_t cp;
        uint8_t c = p[i];
        if (c < 0x80) { cp = c; i += 1; }
        else if (c < 0xE0) { cp = ((uint32_t)(c & 0x1F) << 6) | (p[i + 1] & 0x3F); i += 2; }
        else if (c < 0xF0) { cp = ((uint32_t)(c & 0x0F) << 12) | ((uint32_t)(p[i + 1] & 0x3F) << 6) | (p[i + 2] & 0x3F); i += 3; }
        else { cp = ((uint32_t)(c & 0x07) << 18) | ((uint32_t)(p[i + 1] & 0x3F) << 12) | ((uint32_t)(p[i + 2] & 0x3F) << 6) | (p[i + 3] & 0x3F); i += 4; }
        if (cp >= 0x10000) {
            cp -= 0x10000;
            json_unit(buf, 0xD800 + (cp >> 10));
            json_unit(buf, 0xDC00 + (cp & 0x3FF));
        } else {
            json_unit(buf, cp);
        }
    }
    wpt_buf_append_byte(buf, '"');
}

/* ---- request ---- */

static int hexval(uint8_t c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static wpt_bytes form_unquote(const uint8_t *p, size_t len) {
    wpt_buf out = {0};
    reserve(&out, len + 1);
    for (size_t i = 0; i < len; i++) {
        if (p[i] == '+') {
            wpt_buf_append_byte(&out, ' ');
        } else if (p[i] == '%' && i + 2 < len && hexval(p[i + 1]) >= 0 && hexval(p[i + 2]) >= 0) {
            wpt_buf_append_byte(&out, (uint8_t)(hexval(p[i + 1]) * 16 + hexval(p[i + 2])));
            i += 2;
        } else {
            wpt_buf_append_byte(&out, p[i]);
        }
    }
    return wpt_buf_bytes(&out);
}

wpt_pairs wpt_parse_urlencoded(wpt_bytes input) {
    wpt_pairs pairs = {0};
    size_t cap = 0, start = 0;
    for (size_t i = 0; i <= input.len; i++) {
        if (i < input.len && input.ptr[i] != '&') continue;
        const uint8_t *piece = input.ptr + start;
        size_t len = i - start;
        start = i + 1;
        if (len == 0) continue;
        const uint8_t *eq = memchr(piece, '=', len);
        size_t klen = eq ? (size_t)(eq - piece) : len;
        if (pairs.len == cap) {
            cap = cap ? cap * 2 : 8;
            pairs.items = realloc(pairs.items, cap * sizeof *pairs.items);
            if (!pairs.items) abort();
        }
        pairs.items[pairs.len].key = form_unquote(piece, klen);
        pairs.items[pairs.len].value = eq ? form_unquote(eq + 1, len - klen - 1) : form_unquote(piece, 0);
        pairs.len++;
    }
    return pairs;
}

bool wpt_pairs_first(const wpt_pairs *pairs, const char *key, wpt_bytes *out) {
    for (size_t i = 0; i < pairs->len; i++) {
        if (wpt_eq(pairs->items[i].key, key)) {
            if (out) *out = pairs->items[i].value;
            return true;
        }
    }
    return false;
}

static const wpt_request *query_of = NULL;
static wpt_pairs query_pairs;

const wpt_pairs *wpt_query(const wpt_request *req) {
    if (query_of != req) {
        query_pairs = wpt_parse_urlencoded(wpt_list(req->query));
        query_of = req;
    }
    return &query_pairs;
}

bool wpt_query_first(const wpt_request *req, const char *key, wpt_bytes *out) {
    return wpt_pairs_first(wpt_query(req), key, out);
}

bool wpt_form(const wpt_request *req, const wpt_pairs **out) {
    static wpt_pairs form;
    wpt_bytes method = wpt_list(req->method), ctype;
    if (wpt_eq(method, "GET") || wpt_eq(method, "HEAD")) {
        form.len = 0;
        *out = &form;
        return true;
    }
    if (wpt_header(req, "content-type", &ctype)) {
        size_t n = 0;
        while (n < ctype.len && ctype.ptr[n] != ';') n++;
        while (n > 0 && is_space(ctype.ptr[n - 1])) n--;
        wpt_bytes mime = {ctype.ptr, n};
        if (!wpt_eq_ignore_case(mime, "application/x-www-form-urlencoded")) {
            last_error = "request body is not application/x-www-form-urlencoded";
            return false;
        }
    }
    form = wpt_parse_urlencoded(wpt_list(req->body));
    *out = &form;
    return true;
}

bool wpt_header(const wpt_request *req, const char *name, wpt_bytes *out) {
    for (size_t i = 0; i < req->headers.len; i++) {
        if (wpt_eq_ignore_case(wpt_list(req->headers.ptr[i].name), name)) {
            if (out) *out = wpt_list(req->headers.ptr[i].value);
            return true;
        }
    }
    return false;
}

/* ---- high-level response ---- */

static handler_list_u8_t L(wpt_bytes b) {
    handler_list_u8_t l = {(uint8_t *)b.ptr, b.len};
    return l;
}

/* Header names set so far, so that set_error can drop them (as the Rust SDK does). */
static wpt_bytes touched[64];
static size_t touched_len = 0;

static bool same_name(wpt_bytes a, wpt_bytes b) {
    if (a.len != b.len) return false;
    for (size_t i = 0; i < a.len; i++) {
        if (lower(a.ptr[i]) != lower(b.ptr[i])) return false;
    }
    return true;
}

static void touch(wpt_bytes name) {
    for (size_t i = 0; i < touched_len; i++) {
        if (same_name(touched[i], name)) return;
    }
    if (touched_len < sizeof touched / sizeof *touched) touched[touched_len++] = name;
}

void wpt_set_status(uint16_t code) { wpthost_handler_response_set_status(code, NULL); }

void wpt_set_status_reason(uint16_t code, const char *reason) {
    handler_list_u8_t r = L(wpt_str(reason));
    wpthost_handler_response_set_status(code, &r);
}

void wpt_set_header_bytes(wpt_bytes name, wpt_bytes value) {
    touch(name);
    handler_list_u8_t n = L(name), v = L(value);
    wpthost_handler_response_set_header(&n, &v);
}

void wpt_set_header(const char *name, const char *value) { wpt_set_header_bytes(wpt_str(name), wpt_str(value)); }

void wpt_append_header_bytes(wpt_bytes name, wpt_bytes value) {
    touch(name);
    handler_list_u8_t n = L(name), v = L(value);
    wpthost_handler_response_append_header(&n, &v);
}

void wpt_append_header(const char *name, const char *value) {
    wpt_append_header_bytes(wpt_str(name), wpt_str(value));
}

void wpt_delete_header(const char *name) {
    handler_list_u8_t n = L(wpt_str(name));
    wpthost_handler_response_delete_header(&n);
}

void wpt_set_body(wpt_bytes body) {
    handler_list_u8_t b = L(body);
    wpthost_handler_response_set_body(&b);
}

void wpt_set_body_str(const char *body) { wpt_set_body(wpt_str(body)); }

void wpt_append_body_chunk(wpt_bytes chunk) {
    handler_list_u8_t b = L(chunk);
    wpthost_handler_response_append_body_chunk(&b);
}

void wpt_set_add_required_headers(bool value) { wpthost_handler_response_set_add_required_headers(value); }
void wpt_set_send_body_for_head(bool value) { wpthost_handler_response_set_send_body_for_head(value); }
void wpt_set_close_connection(bool value) { wpthost_handler_response_set_close_connection(value); }

void wpt_set_error(uint16_t code, const char *message) {
    for (size_t i = 0; i < touched_len; i++) {
        handler_list_u8_t n = L(touched[i]);
        wpthost_handler_response_delete_header(&n);
    }
    touched_len = 0;
    wpt_buf body = {0}, length = {0};
    wpt_buf_append_str(&body, "{\"error\": {\"code\": ");
    wpt_buf_append_u64(&body, code);
    wpt_buf_append_str(&body, ", \"message\": ");
    wpt_buf_append_json_utf8(&body, wpt_str(message));
    wpt_buf_append_str(&body, "}}");
    wpt_buf_append_u64(&length, body.len);
    wpthost_handler_response_set_status(code, NULL);
    handler_list_u8_t ct = L(wpt_str("Content-Type")), json = L(wpt_str("application/json"));
    handler_list_u8_t cl = L(wpt_str("Content-Length")), len = L(wpt_buf_bytes(&length));
    wpthost_handler_response_set_header(&ct, &json);
    wpthost_handler_response_set_header(&cl, &len);
    wpt_set_body(wpt_buf_bytes(&body));
}

/* ---- writer ---- */

static bool check(bool ok, handler_string_t *err) {
    if (!ok) last_error = wpt_cstr(wpt_string(*err));
    return ok;
}

bool wpt_write_status(uint16_t code, const char *reason) {
    handler_string_t err;
    handler_list_u8_t r = L(wpt_str(reason));
    writer_used = true;
    return check(wpthost_handler_writer_write_status(code, reason ? &r : NULL, &err), &err);
}

bool wpt_write_header_bytes(wpt_bytes name, wpt_bytes value) {
    handler_string_t err;
    handler_list_u8_t n = L(name), v = L(value);
    writer_used = true;
    return check(wpthost_handler_writer_write_header(&n, &v, &err), &err);
}

bool wpt_write_header(const char *name, const char *value) {
    return wpt_write_header_bytes(wpt_str(name), wpt_str(value));
}

bool wpt_end_headers(void) {
    handler_string_t err;
    writer_used = true;
    return check(wpthost_handler_writer_end_headers(&err), &err);
}

bool wpt_write_content(wpt_bytes data) {
    handler_string_t err;
    handler_list_u8_t d = L(data);
    writer_used = true;
    return check(wpthost_handler_writer_write_content(&d, &err), &err);
}

bool wpt_write_raw(wpt_bytes data) {
    handler_string_t err;
    handler_list_u8_t d = L(data);
    writer_used = true;
    return check(wpthost_handler_writer_write_raw(&d, &err), &err);
}

bool wpt_flush(void) {
    handler_string_t err;
    return check(wpthost_handler_writer_flush(&err), &err);
}

void wpt_close_connection(void) { wpthost_handler_writer_close_connection(); }

/* ---- timing, stash, log, configuration ---- */

void wpt_sleep_ms(uint64_t ms) { wpthost_handler_timing_sleep(ms); }
uint64_t wpt_elapsed_ms(void) { return wpthost_handler_timing_elapsed_ms(); }

static handler_string_t S(wpt_bytes text) {
    wpt_bytes valid = wpt_utf8_lossy(text);
    handler_string_t s = {(uint8_t *)valid.ptr, valid.len};
    return s;
}

bool wpt_stash_put(wpt_bytes key, wpt_bytes value, const wpt_bytes *path) {
    handler_string_t k = S(key), p, err;
    handler_list_u8_t v = L(value);
    if (path) p = S(*path);
    return check(wpthost_handler_stash_put(&k, &v, path ? &p : NULL, &err), &err);
}

bool wpt_stash_take(wpt_bytes key, const wpt_bytes *path, wpt_bytes *out, bool *found) {
    handler_string_t k = S(key), p, err;
    handler_option_list_u8_t ret;
    if (path) p = S(*path);
    if (!check(wpthost_handler_stash_take(&k, path ? &p : NULL, &ret, &err), &err)) return false;
    *found = ret.is_some;
    if (ret.is_some) *out = wpt_list(ret.val);
    return true;
}

bool wpt_stash_lock(void) {
    handler_string_t err;
    return check(wpthost_handler_stash_lock(&err), &err);
}

void wpt_stash_unlock(void) { wpthost_handler_stash_unlock(); }

void wpt_log(int level, const char *message) {
    handler_string_t m = S(wpt_str(message));
    wpthost_handler_log_log((wpthost_handler_log_level_t)level, &m);
}

wpt_bytes wpt_config_json(void) {
    handler_string_t ret;
    wpthost_handler_server_config_config_json(&ret);
    return wpt_string(ret);
}

/* ---- errors and the export ---- */

int wpt_fail(const char *message) {
    last_error = message;
    return 1;
}

int wpt_failed(void) { return 1; }

const char *wpt_last_error(void) { return last_error; }

bool exports_handler_handle(handler_request_t *request, handler_string_t *err) {
    if (wpt_handle(request) == WPT_OK) return true;
    *err = S(wpt_str(last_error)); /* freed by the canonical ABI's post-return: malloc'd */
    return false;
}
