//! The wrapper documents of serve.py (§6.5), byte for byte. `render` fills wptserve's
//! `%(meta)s`, `%(script)s`, `%(path)s` and `%(query)s` slots.

use super::WrapperKind;

const ANY_HTML: &str = r#"<!doctype html>
<meta charset=utf-8>
%(meta)s
<script>
self.GLOBAL = {
  isWindow: function() { return true; },
  isWorker: function() { return false; },
  isShadowRealm: function() { return false; },
};
</script>
<script src="/resources/testharness.js"></script>
<script src="/resources/testharnessreport.js"></script>
%(script)s
<div id=log></div>
<script src="%(path)s"></script>
"#;

const WINDOW: &str = r#"<!doctype html>
<meta charset=utf-8>
%(meta)s
<script src="/resources/testharness.js"></script>
<script src="/resources/testharnessreport.js"></script>
%(script)s
<div id=log></div>
<script src="%(path)s"></script>
"#;

const WINDOW_MODULE: &str = r#"<!doctype html>
<meta charset=utf-8>
%(meta)s
<script src="/resources/testharness.js"></script>
<script src="/resources/testharnessreport.js"></script>
%(script)s
<div id=log></div>
<script type=module src="%(path)s"></script>
"#;

const WORKER: &str = r#"<!doctype html>
<meta charset=utf-8>
%(meta)s
<script src="/resources/testharness.js"></script>
<script src="/resources/testharnessreport.js"></script>
<div id=log></div>
<script>
fetch_tests_from_worker(new Worker("%(path)s%(query)s"));
</script>
"#;

const WORKER_MODULE: &str = r#"<!doctype html>
<meta charset=utf-8>
%(meta)s
<script src="/resources/testharness.js"></script>
<script src="/resources/testharnessreport.js"></script>
<div id=log></div>
<script>
fetch_tests_from_worker(new Worker("%(path)s%(query)s", { type: "module" }));
</script>
"#;

const SHARED_WORKER: &str = r#"<!doctype html>
<meta charset=utf-8>
%(meta)s
<script src="/resources/testharness.js"></script>
<script src="/resources/testharnessreport.js"></script>
<div id=log></div>
<script>
fetch_tests_from_worker(new SharedWorker("%(path)s%(query)s"));
</script>
"#;

const SHARED_WORKER_MODULE: &str = r#"<!doctype html>
<meta charset=utf-8>
%(meta)s
<script src="/resources/testharness.js"></script>
<script src="/resources/testharnessreport.js"></script>
<div id=log></div>
<script>
fetch_tests_from_worker(new SharedWorker("%(path)s%(query)s", { type: "module" }));
</script>
"#;

const SERVICE_WORKER: &str = r#"<!doctype html>
<meta charset=utf-8>
%(meta)s
<script src="/resources/testharness.js"></script>
<script src="/resources/testharnessreport.js"></script>
<div id=log></div>
<script>
(async function() {
  const scope = 'does/not/exist';
  let reg = await navigator.serviceWorker.getRegistration(scope);
  if (reg) await reg.unregister();
  reg = await navigator.serviceWorker.register("%(path)s%(query)s", {scope});
  fetch_tests_from_worker(reg.installing);
})();
</script>
"#;

const SERVICE_WORKER_MODULE: &str = r#"<!doctype html>
<meta charset=utf-8>
%(meta)s
<script src="/resources/testharness.js"></script>
<script src="/resources/testharnessreport.js"></script>
<div id=log></div>
<script>
(async function() {
  const scope = 'does/not/exist';
  let reg = await navigator.serviceWorker.getRegistration(scope);
  if (reg) await reg.unregister();
  reg = await navigator.serviceWorker.register(
    "%(path)s%(query)s",
    { scope, type: 'module' },
  );
  fetch_tests_from_worker(reg.installing);
})();
</script>
"#;

const SHADOW_REALM: &str = r#"<!doctype html>
<meta charset=utf-8>
%(meta)s
<script src="/resources/testharness.js"></script>
<script src="/resources/testharnessreport.js"></script>
<script>
(async function() {
  const r = new ShadowRealm();
  r.evaluate("globalThis.self = globalThis; undefined;");
  r.evaluate(`func => {
    globalThis.fetch_json = (resource) => {
      const thenMethod = func(resource);
      return new Promise((resolve, reject) => thenMethod((s) => resolve(JSON.parse(s)), reject));
    };
  }`)((resource) => function (resolve, reject) {
    fetch(resource).then(res => res.text(), String).then(resolve, reject);
  });
  r.evaluate(`s => {
    globalThis.location = { search: s };
  }`)(location.search);
  await new Promise(r.evaluate(`
    (resolve, reject) => {
      (async () => {
        globalThis.self.GLOBAL = {
          isWindow: function() { return false; },
          isWorker: function() { return false; },
          isShadowRealm: function() { return true; },
        };
        await import("/resources/testharness.js");
        %(script)s
        await import("%(path)s");
      })().then(resolve, (e) => reject(e.toString()));
    }
  `));

  await fetch_tests_from_shadow_realm(r);
  done();
})();
</script>
"#;

const CLASSIC_WORKER: &str = r#"%(meta)s
self.GLOBAL = {
  isWindow: function() { return false; },
  isWorker: function() { return true; },
  isShadowRealm: function() { return false; },
};
importScripts("/resources/testharness.js");
%(script)s
importScripts("%(path)s");
done();
"#;

const MODULE_WORKER: &str = r#"%(meta)s
self.GLOBAL = {
  isWindow: function() { return false; },
  isWorker: function() { return true; },
  isShadowRealm: function() { return false; },
};
import "/resources/testharness.js";
%(script)s
import "%(path)s";
done();
"#;

fn template(kind: WrapperKind) -> &'static str {
    use WrapperKind::*;
    match kind {
        Workers => WORKER,
        WorkerModules => WORKER_MODULE,
        Window => WINDOW,
        AnyHtml => ANY_HTML,
        SharedWorkers => SHARED_WORKER,
        SharedWorkerModules => SHARED_WORKER_MODULE,
        ServiceWorkers => SERVICE_WORKER,
        ServiceWorkerModules => SERVICE_WORKER_MODULE,
        ShadowRealm => SHADOW_REALM,
        WindowModules => WINDOW_MODULE,
        ClassicWorker => CLASSIC_WORKER,
        ModuleWorker => MODULE_WORKER,
    }
}

/// Python's `%`-formatting with a dict: every `%(name)s` replaced in one left-to-right pass, so
/// text substituted in is never scanned again (a `%(path)s` inside a META value stays literal).
pub fn render(kind: WrapperKind, meta: &str, script: &str, path: &str, query: &str) -> String {
    let mut rest = template(kind);
    let mut out = String::with_capacity(rest.len() + meta.len() + script.len() + 2 * path.len());
    while let Some(start) = rest.find("%(") {
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        let slot = ["meta", "script", "path", "query"]
            .into_iter()
            .find(|name| after[2..].starts_with(name) && after[2 + name.len()..].starts_with(")s"));
        match slot {
            Some(name) => {
                out.push_str(match name {
                    "meta" => meta,
                    "script" => script,
                    "path" => path,
                    _ => query,
                });
                rest = &after[name.len() + 4..];
            }
            None => {
                out.push_str("%(");
                rest = &after[2..];
            }
        }
    }
    out.push_str(rest);
    out
}
