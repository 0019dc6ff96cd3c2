// A trickled response through the writer (port of plugins/rust/trickle; plugins/EXAMPLES.md#trickle).
//
// The status line and headers, then `?chunks=` pieces (default 5) of `?chunk=` (default `chunk\n`)
// with `?delay=` ms (default 100) between them. No Content-Length unless `&length=1`; without it the
// connection closes to end the body.
const { sleep, isomorphicEncode } = wpthost;

function number(request, name, fallback) {
  const value = request.GET.get(name);
  if (value === null) return fallback;
  if (!/^\s*\+?[0-9]+\s*$/.test(value)) throw new Error(`invalid value "${value}" for parameter "${name}"`);
  return Number(value.trim());
}

export function main(request, response) {
  const chunks = number(request, 'chunks', 5);
  const delay = number(request, 'delay', 100);
  const chunk = isomorphicEncode(request.GET.get('chunk', 'chunk\n'));
  const w = response.writer;
  w.writeStatus(200);
  w.writeHeader('Content-Type', 'text/plain');
  w.writeHeader('Cache-Control', 'no-cache');
  if (request.GET.get('length') === '1') {
    w.writeHeader('Content-Length', String(chunk.length * chunks));
  } else {
    w.closeConnection();
  }
  w.endHeaders();
  for (let i = 0; i < chunks; i++) {
    if (i > 0) sleep(delay);
    w.writeRawContent(chunk);
  }
}
