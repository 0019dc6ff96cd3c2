// META: global=window
test(() => {});
