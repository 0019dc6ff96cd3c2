// META: title=Wrapped & <ok>
// META: timeout=long
// META: script=/wrappers/helper.js
test(() => {}, "t");
