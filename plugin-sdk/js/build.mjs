#!/usr/bin/env node
// Build a wpthost handler component from a JavaScript file exporting `main(request, response)`.
//
//   node plugin-sdk/js/build.mjs path/to/handler.js -o path/to/handler.wasm
//
// Needs @bytecodealliance/componentize-js 0.23 (npm); scripts/build-guests.sh installs it under
// .cache/js and sets NODE_PATH. wasi:http and the fetch-event are disabled so the component imports
// only the wpthost world and a few WASI interfaces (clocks, random, stdio) that the host links.
import { existsSync } from 'node:fs';
import { copyFile, writeFile, unlink } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

function usage(message) {
  console.error(`${message}\nusage: node build.mjs handler.js -o handler.wasm [--wit dir]`);
  process.exit(2);
}

const args = process.argv.slice(2);
let input;
let output;
let wit = resolve(here, '..', '..', 'wit');
for (let i = 0; i < args.length; i++) {
  if (args[i] === '-o' || args[i] === '--output') output = args[++i];
  else if (args[i] === '--wit') wit = args[++i];
  else if (!input) input = args[i];
  else usage(`unexpected argument ${args[i]}`);
}
if (!input || !output) usage('missing handler or output');

async function loadComponentize() {
  // NODE_PATH is not consulted for ES module imports, and the package only exports `import`: look
  // for it in NODE_PATH, then in node_modules beside the working directory and this file.
  const roots = (process.env.NODE_PATH ?? '').split(':').filter(Boolean);
  for (let dir = process.cwd(); ; dir = dirname(dir)) {
    roots.push(join(dir, 'node_modules'));
    if (dirname(dir) === dir) break;
  }
  roots.push(join(here, 'node_modules'));
  for (const root of roots) {
    const entry = join(root, '@bytecodealliance', 'componentize-js', 'src', 'componentize.js');
    if (existsSync(entry)) return import(pathToFileURL(entry).href);
  }
  usage('@bytecodealliance/componentize-js not found: npm install @bytecodealliance/componentize-js@0.23.0 (or set NODE_PATH)');
}

function commonRoot(a, b) {
  const pa = a.split(sep);
  const pb = b.split(sep);
  let i = 0;
  while (i < pa.length && i < pb.length && pa[i] === pb[i]) i++;
  return pa.slice(0, i).join(sep) || sep;
}

const handler = resolve(input);
const handlerDir = dirname(handler);
// componentize-js only sees files under the working directory, so the generated entry module sits
// beside the handler and the working directory is the common root of the handler and this SDK.
// When that root is `/` (a handler outside this checkout), componentize-js mangles the paths
// (its prefix becomes `//`), so the SDK is copied beside the handler instead.
const entry = join(handlerDir, `.wpthost-entry-${basename(handler)}`);
let workDir = commonRoot(handlerDir, here);
let sdkCopy = null;
let sdk;
if (workDir === sep) {
  workDir = handlerDir;
  sdkCopy = join(handlerDir, `.wpthost-sdk-${basename(handler)}`);
  sdk = `./${basename(sdkCopy)}`;
} else {
  sdk = relative(handlerDir, join(here, 'wpthost.js')).split(sep).join('/');
  if (!sdk.startsWith('.')) sdk = `./${sdk}`;
}
const source = `import { run } from '${sdk}';
import * as handler from './${basename(handler)}';
const main = handler.main ?? handler.default;
if (typeof main !== 'function') throw new Error('${basename(handler)} must export function main(request, response)');
export function handle(request) {
  return run(main, request);
}
`;

const { componentize } = await loadComponentize();
const outputPath = resolve(output);
await writeFile(entry, source);
try {
  if (sdkCopy) await copyFile(join(here, 'wpthost.js'), sdkCopy);
  process.chdir(workDir);
  const { component } = await componentize({
    sourcePath: entry,
    witPath: resolve(wit),
    worldName: 'handler',
    disableFeatures: ['http', 'fetch-event'],
  });
  await writeFile(outputPath, component);
} finally {
  await unlink(entry).catch(() => {});
  if (sdkCopy) await unlink(sdkCopy).catch(() => {});
}
