/* wpthost guest SDK for C: write one function, `int wpt_handle(const wpt_request *req)`.
 *
 * The request is the WIT record the host passed (`req->method.ptr/.len`, `req->headers`, ...), plus
 * helpers for what wptserve handlers use: query and form parsing (`wpt_query_first`), header lookup,
 * the high-level response (`wpt_set_header`, `wpt_set_body`), the writer, `wpt_sleep_ms`, the stash.
 *
 * Memory: a fresh instance serves every request and is thrown away afterwards, so nothing here is
 * ever freed and handlers need not free either.
 *
 * Errors: calls into the host that can fail return false and keep the host's message; return
 * `wpt_failed()` from `wpt_handle` to pass it on (the host answers a JSON 500), or `wpt_fail("...")`
 * for your own message. Return WPT_OK when the response is complete.
 *
 * Build: plugin-sdk/c/build.sh handler.c -o handler.wasm (see docs/WRITING-HANDLERS.md).
 */
#ifndef WPTHOST_H
#define WPTHOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "handler.h"

#define WPT_OK 0

typedef handler_request_t wpt_request;

/* A byte string (not NUL-terminated). */
typedef struct {
    const uint8_t *ptr;
    size_t len;
} wpt_bytes;

/* A growable byte buffer. Start with `wpt_buf b = {0};`. */
typedef struct {
    uint8_t *ptr;
    size_t len;
    size_t cap;
} wpt_buf;

/* Decoded `key=value` pairs of a query string or urlencoded body, in order, duplicates kept. */
typedef struct {
    wpt_bytes key;
    wpt_bytes value;
} wpt_pair;

typedef struct {
    wpt_pair *items;
    size_t len;
} wpt_pairs;

/* Implemented by the handler. */
int wpt_handle(const wpt_request *req);

/* ---- bytes and buffers ---- */
wpt_bytes wpt_str(const char *s);
wpt_bytes wpt_list(handler_list_u8_t list);
wpt_bytes wpt_string(handler_string_t s);
bool wpt_eq(wpt_bytes a, const char *s);
bool wpt_eq_ignore_case(wpt_bytes a, const char *s);
void wpt_buf_append(wpt_buf *buf, wpt_bytes data);
void wpt_buf_append_str(wpt_buf *buf, const char *s);
void wpt_buf_append_byte(wpt_buf *buf, uint8_t byte);
void wpt_buf_append_u64(wpt_buf *buf, uint64_t n);
wpt_bytes wpt_buf_bytes(const wpt_buf *buf);
/* A NUL-terminated copy. */
char *wpt_cstr(wpt_bytes data);
/* UTF-8 with each invalid sequence replaced by U+FFFD (Rust's from_utf8_lossy). */
wpt_bytes wpt_utf8_lossy(wpt_bytes data);
/* Decimal integer with optional surrounding whitespace and leading `+`; false if it is not one. */
bool wpt_parse_u64(wpt_bytes text, uint64_t *out);
/* A JSON string of `data` read as latin-1: printable ASCII as is, the rest escaped (\u00XX). */
void wpt_buf_append_json_latin1(wpt_buf *buf, wpt_bytes data);
/* A JSON string of UTF-8 text, escaped the same way (UTF-16 escapes above U+007E). */
void wpt_buf_append_json_utf8(wpt_buf *buf, wpt_bytes text);

/* ---- request ---- */
/* wptserve's parse_qsl: split on `&`, `+` is a space, %XX a byte, `a` and `a=` give "". */
wpt_pairs wpt_parse_urlencoded(wpt_bytes input);
bool wpt_pairs_first(const wpt_pairs *pairs, const char *key, wpt_bytes *out);
/* The query's pairs (parsed once). */
const wpt_pairs *wpt_query(const wpt_request *req);
bool wpt_query_first(const wpt_request *req, const char *key, wpt_bytes *out);
/* The body's form fields: urlencoded, or no Content-Type; empty for GET/HEAD. False for other types. */
bool wpt_form(const wpt_request *req, const wpt_pairs **out);
/* First value of a header, case-insensitive. */
bool wpt_header(const wpt_request *req, const char *name, wpt_bytes *out);

/* ---- high-level response (the host adds Server, Date, Content-Length and applies pipes) ---- */
void wpt_set_status(uint16_t code);
void wpt_set_status_reason(uint16_t code, const char *reason);
void wpt_set_header(const char *name, const char *value);
void wpt_set_header_bytes(wpt_bytes name, wpt_bytes value);
void wpt_append_header(const char *name, const char *value);
void wpt_append_header_bytes(wpt_bytes name, wpt_bytes value);
void wpt_delete_header(const char *name);
void wpt_set_body(wpt_bytes body);
void wpt_set_body_str(const char *body);
void wpt_append_body_chunk(wpt_bytes chunk);
void wpt_set_add_required_headers(bool value);
void wpt_set_send_body_for_head(bool value);
void wpt_set_close_connection(bool value);
/* wptserve's response.set_error: drops the headers set so far, answers
 * {"error": {"code": <code>, "message": "<message>"}} as application/json. */
void wpt_set_error(uint16_t code, const char *message);

/* ---- writer (wptserve's response.writer; the high-level response is then ignored) ---- */
bool wpt_write_status(uint16_t code, const char *reason /* NULL: the standard phrase */);
bool wpt_write_header(const char *name, const char *value);
bool wpt_write_header_bytes(wpt_bytes name, wpt_bytes value);
bool wpt_end_headers(void);
bool wpt_write_content(wpt_bytes data);
bool wpt_write_raw(wpt_bytes data);
bool wpt_flush(void);
void wpt_close_connection(void);

/* ---- timing, stash, log, configuration ---- */
void wpt_sleep_ms(uint64_t ms); /* flushes, then waits without holding a host thread */
uint64_t wpt_elapsed_ms(void);
/* `path` NULL: the request's URL path. Keys and paths are made valid UTF-8 (lossy). */
bool wpt_stash_put(wpt_bytes key, wpt_bytes value, const wpt_bytes *path);
/* *found is false when the key holds nothing. */
bool wpt_stash_take(wpt_bytes key, const wpt_bytes *path, wpt_bytes *out, bool *found);
bool wpt_stash_lock(void);
void wpt_stash_unlock(void);
enum { WPT_LOG_DEBUG = 0, WPT_LOG_INFO = 1, WPT_LOG_WARN = 2, WPT_LOG_ERROR = 3 };
void wpt_log(int level, const char *message);
wpt_bytes wpt_config_json(void);

/* ---- errors ---- */
int wpt_fail(const char *message); /* returns non-zero: `return wpt_fail("...");` */
int wpt_failed(void);              /* the last host error: `if (!wpt_flush()) return wpt_failed();` */
const char *wpt_last_error(void);

#endif
