// The stash from a handler's point of view (port of plugins/rust/stash; plugins/EXAMPLES.md#stash).
//
// * POST with form fields `id` and `data`: put(id, data), answers `OK`.
// * GET ?id=<uuid>&value=<v>: the same put from a query.
// * GET ?id=<uuid>: take(id), answers the value or `NOT FOUND`.
// * GET ?id=<uuid>&action=count: under the stash lock, take the counter, add one, put it back.
// `&path=/shared` scopes the key to that path. A stash error is the handler's error: a JSON 500.
const { isomorphicEncode, utf8 } = wpthost;

// Query values are latin-1 strings; keys and paths are text, so read them as UTF-8.
const text = (value) => (value === null ? null : utf8(isomorphicEncode(value)));

export function main(request, response) {
  const path = text(request.GET.get('path')) ?? undefined;
  const stash = request.server.stash;
  response.headers.set('Content-Type', 'text/plain');

  if (request.method === 'POST') {
    const id = text(request.POST.get('id'));
    if (id === null) return response.setError(400, 'missing id');
    stash.put(id, isomorphicEncode(request.POST.get('data', '')), path);
    return 'OK';
  }

  const id = text(request.GET.get('id'));
  if (id === null) return response.setError(400, 'missing id');
  if (request.GET.get('action') === 'count') {
    const count = stash.withLock(() => {
      const old = stash.takeText(id, path);
      const next = (old !== null && /^[0-9]+$/.test(old) ? Number(old) : 0) + 1;
      stash.put(id, String(next), path);
      return next;
    });
    return String(count);
  }
  if (request.GET.has('value')) {
    stash.put(id, isomorphicEncode(request.GET.get('value')), path);
    return 'OK';
  }
  return stash.take(id, path) ?? 'NOT FOUND';
}
