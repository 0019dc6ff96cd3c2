// Echo the request back (port of plugins/rust/echo; plugins/EXAMPLES.md#echo).
//
// Default: application/json with every field, bytes mapped one byte per character (latin-1).
// `?format=text`: text/plain with the request line, each header line as received, a blank line, the body.
const { jsonString, isomorphicDecode, isomorphicEncode, concat } = wpthost;

const js = (bytes) => jsonString(isomorphicDecode(bytes));
const pairs = (items) => `[${items.map(([n, v]) => `[${jsonString(n)}, ${jsonString(v)}]`).join(', ')}]`;

function asJson(request) {
  const raw = request.raw;
  const route = Object.entries(request.routeMatch).map(([k, v]) => `${jsonString(k)}: ${jsonString(v)}`);
  const fields = [
    ['method', js(raw.method)],
    ['target', js(raw.target)],
    ['path', js(raw.path)],
    ['query', js(raw.query)],
    ['version', js(raw.version)],
    ['headers', pairs(request.headers.lines())],
    ['query_params', pairs(request.GET.pairs())],
    ['body', js(raw.body)],
    ['body_length', String(raw.body.length)],
    ['url', jsonString(raw.url)],
    ['scheme', jsonString(raw.scheme)],
    ['client_address', jsonString(raw.clientAddress)],
    ['route_match', `{${route.join(', ')}}`],
    ['url_base', jsonString(raw.urlBase)],
  ];
  return `{${fields.map(([k, v]) => `${jsonString(k)}: ${v}`).join(', ')}}`;
}

function asText(request) {
  const raw = request.raw;
  let head = `${request.method} ${request.requestPath} ${isomorphicDecode(raw.version)}\n`;
  for (const [name, value] of request.headers.lines()) head += `${name}: ${value}\n`;
  return concat([isomorphicEncode(head + '\n'), raw.body]);
}

export function main(request, response) {
  if (request.GET.get('format') === 'text') {
    response.headers.set('Content-Type', 'text/plain');
    return asText(request);
  }
  response.headers.set('Content-Type', 'application/json');
  return asJson(request);
}
