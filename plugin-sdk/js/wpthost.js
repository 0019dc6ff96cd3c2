// wpthost guest SDK for JavaScript: write `export function main(request, response)` as for wptserve.
//
// Built into a component by build.mjs (componentize-js). Bytes from the request are exposed as
// latin-1 ("isomorphic") strings, one character per byte, so any byte survives; response header
// strings are encoded back the same way, body strings as UTF-8 (wptserve's rules for str).
import * as hostResponseImport from 'wpthost:handler/response@0.1.0';
import * as hostWriter from 'wpthost:handler/writer@0.1.0';
import * as hostTiming from 'wpthost:handler/timing@0.1.0';
import * as hostStash from 'wpthost:handler/stash@0.1.0';
import * as hostLog from 'wpthost:handler/log@0.1.0';
import * as hostConfig from 'wpthost:handler/server-config@0.1.0';

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder();
const ASCII = /^[\x00-\x7f]*$/;

/** bytes -> string, one character per byte (wptserve's isomorphic_decode). */
export function isomorphicDecode(bytes) {
  let out = '';
  for (let i = 0; i < bytes.length; i += 8192) {
    out += String.fromCharCode.apply(null, bytes.subarray(i, i + 8192));
  }
  return out;
}

/** string -> bytes, one byte per character (wptserve's isomorphic_encode); other values via String(). */
export function isomorphicEncode(value) {
  if (value instanceof Uint8Array) return value;
  const text = String(value);
  // ASCII is the common case and the same bytes in UTF-8: one native call instead of a loop in the
  // interpreter (the guest's JavaScript is interpreted, not JIT-compiled).
  if (ASCII.test(text)) return utf8Encoder.encode(text);
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0xff) throw new TypeError(`character U+${code.toString(16)} is not a byte: use a Uint8Array`);
    out[i] = code;
  }
  return out;
}

/** Body data: Uint8Array as is, strings as UTF-8. */
export function encodeBody(value) {
  return toBytes(value) ?? utf8Encoder.encode(String(value));
}

/** Any byte container (Uint8Array, other views, ArrayBuffer, array of numbers) as a Uint8Array. */
function toBytes(value) {
  if (value instanceof Uint8Array) return value;
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (Array.isArray(value)) return Uint8Array.from(value);
  return null;
}

export function utf8(bytes) {
  return utf8Decoder.decode(bytes);
}

function concat(chunks) {
  const total = chunks.reduce((n, c) => n + c.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** `throw new HTTPException(404)`: a JSON error response with that status (wptserve's HTTPException). */
export class HTTPException extends Error {
  constructor(code, message = '') {
    super(message ? `(${code}, '${message}')` : String(code));
    this.code = code;
    this.detail = message;
  }
}

/** A host call failed (client gone, limit reached, bad stash key...). */
export class HostError extends Error {
  constructor(message) {
    super(message);
    this.name = 'HostError';
  }
}

function call(fn, ...args) {
  try {
    return fn(...args);
  } catch (e) {
    const detail = e && e.payload !== undefined ? e.payload : e;
    throw new HostError(String(detail));
  }
}

/** Holds the host's delay instruction: no thread is kept while sleeping. */
export function sleep(ms) {
  hostTiming.sleep(BigInt(Math.max(0, Math.round(ms))));
}

export function elapsedMs() {
  return Number(hostTiming.elapsedMs());
}

export function log(level, message) {
  hostLog.log(level, String(message));
}

/** Percent-decoding as Python's unquote_plus with latin-1: `+` is a space, bad escapes stay. */
function formUnquote(text) {
  const spaced = text.replace(/\+/g, ' ');
  return spaced.replace(/%([0-9a-fA-F]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16)));
}

/** wptserve's MultiDict: keys and values are latin-1 strings; a key may repeat. */
export class MultiDict {
  constructor(pairs = []) {
    this._pairs = pairs.slice();
  }

  static parse(text) {
    const pairs = [];
    for (const piece of text.split('&')) {
      if (piece === '') continue;
      const eq = piece.indexOf('=');
      const name = eq < 0 ? piece : piece.slice(0, eq);
      const value = eq < 0 ? '' : piece.slice(eq + 1);
      pairs.push([formUnquote(name), formUnquote(value)]);
    }
    return new MultiDict(pairs);
  }

  first(key, fallback) {
    for (const [k, v] of this._pairs) if (k === key) return v;
    if (arguments.length < 2) throw new Error(`KeyError: ${key}`);
    return fallback;
  }

  last(key, fallback) {
    for (let i = this._pairs.length - 1; i >= 0; i--) if (this._pairs[i][0] === key) return this._pairs[i][1];
    if (arguments.length < 2) throw new Error(`KeyError: ${key}`);
    return fallback;
  }

  get(key, fallback = null) {
    return this.first(key, fallback);
  }

  getList(key) {
    return this._pairs.filter(([k]) => k === key).map(([, v]) => v);
  }

  has(key) {
    return this._pairs.some(([k]) => k === key);
  }

  /** Every [key, value] in order. */
  pairs() {
    return this._pairs.slice();
  }

  keys() {
    return [...new Set(this._pairs.map(([k]) => k))];
  }
}

/** Request headers: case-insensitive; every value of a repeated header is kept (joined by ", "). */
export class RequestHeaders {
  constructor(lines) {
    this._lines = lines;
  }

  getList(name) {
    const lower = name.toLowerCase();
    return this._lines.filter(([n]) => n.toLowerCase() === lower).map(([, v]) => v);
  }

  get(name, fallback = null) {
    const values = this.getList(name);
    return values.length ? values.join(', ') : fallback;
  }

  has(name) {
    return this.getList(name).length > 0;
  }

  /** Every [name, value] line as received (original case, duplicates kept). */
  lines() {
    return this._lines.slice();
  }
}


/** wptserve's stash: UUID keys, scoped to the request path unless `path` is given, read-once. */
export class Stash {
  /** Strings are stored as UTF-8, Uint8Arrays as they are. */
  put(key, value, path) {
    if (value === undefined || value === null) throw new Error('stash value may not be null');
    call(hostStash.put, String(key), encodeBody(value), path ?? undefined);
  }

  /** The stored bytes (Uint8Array) or null. */
  take(key, path) {
    const value = call(hostStash.take, String(key), path ?? undefined);
    return value === undefined || value === null ? null : toBytes(value);
  }

  /** The stored value as UTF-8 text, or null. */
  takeText(key, path) {
    const value = this.take(key, path);
    return value === null ? null : utf8(value);
  }

  lock() {
    call(hostStash.lock);
  }

  unlock() {
    hostStash.unlock();
  }

  /** Run `fn` holding the global stash lock (wptserve's `with stash.lock:`). */
  withLock(fn) {
    this.lock();
    try {
      return fn();
    } finally {
      this.unlock();
    }
  }
}

class Server {
  constructor() {
    this.stash = new Stash();
    this._config = null;
  }

  get config() {
    if (this._config === null) this._config = JSON.parse(hostConfig.configJson());
    return this._config;
  }

  browserHost() {
    return hostConfig.browserHost();
  }

  ports(scheme) {
    return Array.from(hostConfig.ports(scheme));
  }
}

export class Request {
  constructor(raw) {
    /** The WIT record as the host passed it (Uint8Array fields). */
    this.raw = raw;
    this.method = isomorphicDecode(raw.method);
    this.requestPath = isomorphicDecode(raw.target);
    this.path = isomorphicDecode(raw.path);
    this.query = isomorphicDecode(raw.query);
    this.protocolVersion = 'HTTP/1.1';
    this.url = raw.url;
    this.urlBase = raw.urlBase;
    this.scheme = raw.scheme;
    this.clientAddress = raw.clientAddress;
    this.body = raw.body;
    this.routeMatch = Object.fromEntries(raw.routeMatch.map((p) => [p.name, p.value]));
    this.headers = new RequestHeaders(raw.headers.map((h) => [isomorphicDecode(h.name), isomorphicDecode(h.value)]));
    this.server = new Server();
    this._GET = null;
    this._POST = null;
  }

  get GET() {
    if (this._GET === null) this._GET = MultiDict.parse(this.query);
    return this._GET;
  }

  /** application/x-www-form-urlencoded bodies (also assumed without a Content-Type). */
  get POST() {
    if (this._POST === null) {
      const ctype = (this.headers.get('content-type') ?? 'application/x-www-form-urlencoded').toLowerCase();
      if (!ctype.startsWith('application/x-www-form-urlencoded')) {
        throw new Error('POST parsing supports application/x-www-form-urlencoded only');
      }
      this._POST = MultiDict.parse(isomorphicDecode(this.body));
    }
    return this._POST;
  }

  /** The body as UTF-8 text. */
  text() {
    return utf8(this.body);
  }
}

/** Ordered map: lower-cased name -> [display name, [values]] with wptserve's set/append rules. */
export class ResponseHeaders {
  constructor() {
    this._map = new Map();
  }

  set(name, value) {
    this._map.set(String(name).toLowerCase(), [String(name), [value]]);
  }

  append(name, value) {
    const entry = this._map.get(String(name).toLowerCase());
    if (entry) entry[1].push(value);
    else this._map.set(String(name).toLowerCase(), [String(name), [value]]);
  }

  update(pairs) {
    for (const pair of pairs) {
      if (!Array.isArray(pair) || pair.length !== 2) throw new Error('headers must be [name, value] pairs');
      this.append(pair[0], pair[1]);
    }
  }

  get(name) {
    const entry = this._map.get(String(name).toLowerCase());
    return entry ? entry[1].slice() : [];
  }

  has(name) {
    return this._map.has(String(name).toLowerCase());
  }

  delete(name) {
    this._map.delete(String(name).toLowerCase());
  }

  entries() {
    return [...this._map.values()];
  }
}

/** `response.writer`: wptserve's ResponseWriter over the host's writer interface. */
export class ResponseWriter {
  constructor() {
    this.used = false;
  }

  writeStatus(code, message) {
    this.used = true;
    call(hostWriter.writeStatus, code, message === undefined || message === null ? undefined : isomorphicEncode(message));
  }

  writeHeader(name, value) {
    this.used = true;
    call(hostWriter.writeHeader, isomorphicEncode(name), isomorphicEncode(value));
  }

  endHeaders() {
    this.used = true;
    call(hostWriter.endHeaders);
  }

  writeContent(data) {
    this.used = true;
    call(hostWriter.writeContent, encodeBody(data));
  }

  writeRawContent(data) {
    this.used = true;
    call(hostWriter.writeRaw, encodeBody(data));
  }

  /** Raw bytes; false if the connection is gone. */
  write(data) {
    try {
      this.writeRawContent(data);
      return true;
    } catch (e) {
      if (e instanceof HostError) return false;
      throw e;
    }
  }

  flush() {
    call(hostWriter.flush);
  }

  closeConnection() {
    hostWriter.closeConnection();
  }
}

export class Response {
  constructor(request) {
    this.request = request;
    this.status = 200;
    this.headers = new ResponseHeaders();
    this.content = [];
    this.addRequiredHeaders = true;
    this.sendBodyForHeadRequest = false;
    this.closeConnection = false;
    this.writer = new ResponseWriter();
  }

  /** Replace status, headers and content with wptserve's JSON error (F-RS-8). */
  setError(code, message = '') {
    const body = `{"error": {"code": ${code}, "message": ${jsonString(String(message))}}}`;
    this.status = code;
    this.headers = new ResponseHeaders();
    this.headers.set('Content-Type', 'application/json');
    this.headers.set('Content-Length', String(body.length));
    this.content = body;
  }
}

/** A JSON string with every character outside printable ASCII escaped (Python's json.dumps style). */
export function jsonString(text) {
  return '"' + text.replace(JSON_UNSAFE, jsonEscape) + '"';
}

const JSON_ESCAPES = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f' };
// Characters jsonString escapes: quote, backslash, and everything outside printable ASCII. A regular
// expression runs natively; a character loop would run in the interpreter.
const JSON_UNSAFE = /["\\\x00-\x1f\x7f-\uffff]/g;

function jsonEscape(c) {
  return JSON_ESCAPES[c] ?? '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0');
}

function applyReturn(rv, response) {
  if (rv === undefined || rv === null) return;
  if (Array.isArray(rv)) {
    let headers;
    let body;
    if (rv.length === 3) {
      response.status = rv[0];
      [, headers, body] = rv;
    } else if (rv.length === 2) {
      [headers, body] = rv;
    } else {
      throw new Error(`handler returned an array of length ${rv.length}: use [status, headers, body] or [headers, body]`);
    }
    response.headers.update(headers);
    response.content = body;
  } else {
    response.content = rv;
  }
}

function send(response, hostResponse = hostResponseImport) {
  let code = response.status;
  let reason;
  if (Array.isArray(code)) [code, reason] = code;
  hostResponse.setStatus(Number(code), reason === undefined || reason === null ? undefined : isomorphicEncode(reason));
  for (const [name, values] of response.headers.entries()) {
    hostResponse.setHeader(isomorphicEncode(name), isomorphicEncode(values[0]));
    for (const value of values.slice(1)) hostResponse.appendHeader(isomorphicEncode(name), isomorphicEncode(value));
  }
  if (!response.addRequiredHeaders) hostResponse.setAddRequiredHeaders(false);
  if (response.sendBodyForHeadRequest) hostResponse.setSendBodyForHead(true);
  if (response.closeConnection) hostResponse.setCloseConnection(true);
  const content = response.content;
  if (typeof content === 'string' || ArrayBuffer.isView(content) || content instanceof ArrayBuffer) {
    hostResponse.setBody(encodeBody(content));
    return;
  }
  // Arrays and iterables go out unframed, as wptserve sends lists and generators.
  let sent = false;
  for (let item of content ?? []) {
    if (typeof item === 'function') item = item();
    if (item === undefined || item === null || item.length === 0) continue;
    hostResponse.appendBodyChunk(encodeBody(item));
    sent = true;
  }
  if (!sent) hostResponse.appendBodyChunk(new Uint8Array(0));
}

/** The body of the exported `handle`: used by the entry module build.mjs generates. */
export function run(main, raw) {
  const request = new Request(raw);
  const response = new Response(request);
  try {
    try {
      applyReturn(main(request, response), response);
    } catch (e) {
      if (!(e instanceof HTTPException) || response.writer.used) throw e;
      response.setError(e.code, e.code >= 500 ? e.detail : e.message);
    }
    if (!response.writer.used) send(response);
  } catch (e) {
    const message = e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ''}` : String(e);
    throw message;
  }
}

/**
 * Run the SDK's own per-request path once while the component is built.
 *
 * componentize-js snapshots the engine after the modules are evaluated, and every request starts from
 * that snapshot. SpiderMonkey compiles a function to bytecode only when it is first called, and a
 * regular expression when it is first run; the guest has no JIT, so doing that here moves the work
 * out of every request. Only the SDK runs (with a stand-in for the host, which does not exist at
 * build time): a handler's `main` may have side effects.
 */
function warmUp() {
  const bytes = (text) => utf8Encoder.encode(text);
  const raw = {
    method: bytes('GET'), target: bytes('/warm-up?a=1&b=%20'), path: bytes('/warm-up'), query: bytes('a=1&b=%20'),
    version: bytes('HTTP/1.1'), headers: [{ name: bytes('Host'), value: bytes('localhost') }], body: new Uint8Array(0),
    clientAddress: '127.0.0.1:1', scheme: 'http', url: 'http://localhost/warm-up?a=1&b=%20', routeMatch: [],
    urlBase: '/',
  };
  const noHost = new Proxy({}, { get: () => () => undefined });
  for (const result of ['warm', [200, [['X-Warm-Up', '1']], bytes('warm')], [[], 'warm'], undefined]) {
    const request = new Request(raw);
    const response = new Response(request);
    request.GET.get('a');
    request.GET.pairs();
    request.headers.get('host');
    request.headers.lines();
    response.headers.set('Content-Type', 'text/plain');
    response.headers.append('X-Warm-Up', '2');
    applyReturn(result, response);
    send(response, noHost);
  }
  jsonString('"\\\n\u00e9\ud83d\ude00');
  isomorphicDecode(bytes('warm'));
  isomorphicEncode('w\u00e9');
  concat([bytes('a'), bytes('b')]);
}

warmUp();

// Helpers without an import (the handler file is bundled as is): `wpthost.HTTPException` etc.
globalThis.wpthost = {
  HTTPException, HostError, MultiDict, isomorphicDecode, isomorphicEncode, encodeBody, utf8,
  jsonString, sleep, elapsedMs, log, concat,
};
