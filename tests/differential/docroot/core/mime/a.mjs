mjs
