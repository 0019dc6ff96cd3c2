//! The generated test wrappers of `wpt serve` (F-SV-2..4): `foo.any.html`, `foo.any.worker.html`,
//! `foo.window.html`, `foo.any.worker.js`, ... are never files on disk; they are made from the
//! underlying `foo.any.js` / `foo.window.js` / `foo.worker.js`, its `// META:` lines (F-SV-3) and
//! its `.headers` files (set semantics, F-HD-6), byte-identical to serve.py's templates (§6.5).

pub mod meta;
mod templates;

use crate::config::Config;
use crate::errors::{internal_error, json_error};
use crate::request::Request;
use crate::response::{Body, Response};
use crate::server::Handled;
use crate::static_files::headers_file::{self, HeaderList, HeadersCache, HeadersSource};
use crate::static_files::path::filesystem_path;
use bytes::Bytes;
use std::path::Path;
use std::sync::Arc;

/// One serve.py wrapper handler class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WrapperKind {
    /// `WorkersHandler`: `*.worker.html` (`.any.worker.html` and `.worker.html`).
    Workers,
    /// `WorkerModulesHandler`: `*.worker-module.html`.
    WorkerModules,
    /// `WindowHandler`: `*.window.html`.
    Window,
    /// `AnyHtmlHandler`: `*.any.html`.
    AnyHtml,
    SharedWorkers,
    SharedWorkerModules,
    ServiceWorkers,
    ServiceWorkerModules,
    ShadowRealm,
    /// `WindowModulesHandler`: `*.any.window-module.html`.
    WindowModules,
    /// `ClassicWorkerHandler`: `*.any.worker.js`.
    ClassicWorker,
    /// `ModuleWorkerHandler`: `*.any.worker-module.js`.
    ModuleWorker,
}

/// serve.py's wrapper routes of a mount point, in priority order (F-SV-1): the first whose suffix
/// ends the path wins (so `.any.worker.html` is a `Workers` page).
const ROUTES: &[(&str, WrapperKind)] = &[
    (".worker.html", WrapperKind::Workers),
    (".worker-module.html", WrapperKind::WorkerModules),
    (".window.html", WrapperKind::Window),
    (".any.html", WrapperKind::AnyHtml),
    (".any.sharedworker.html", WrapperKind::SharedWorkers),
    (
        ".any.sharedworker-module.html",
        WrapperKind::SharedWorkerModules,
    ),
    (".any.serviceworker.html", WrapperKind::ServiceWorkers),
    (
        ".any.serviceworker-module.html",
        WrapperKind::ServiceWorkerModules,
    ),
    (".any.shadowrealm.html", WrapperKind::ShadowRealm),
    (".any.window-module.html", WrapperKind::WindowModules),
    (".any.worker.js", WrapperKind::ClassicWorker),
    (".any.worker-module.js", WrapperKind::ModuleWorker),
];

/// The wrapper route matching a request, if any: the routes are `GET` (so also `HEAD`) patterns
/// `<url_base>*<suffix>` matched against the raw URL path.
pub fn resolve(method: &str, path: &str, url_base: &str) -> Option<WrapperKind> {
    if method != "GET" && method != "HEAD" {
        return None;
    }
    let rest = path.strip_prefix(url_base)?;
    ROUTES
        .iter()
        .find(|(suffix, _)| rest.ends_with(suffix))
        .map(|(_, kind)| *kind)
}

/// How a wrapper writes its META lines into the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    Html,
    ShadowRealm,
    ClassicWorker,
    ModuleWorker,
}

impl WrapperKind {
    /// serve.py's `path_replace`: `(request suffix, file suffix, resource suffix)`.
    fn path_replace(self) -> &'static [(&'static str, &'static str, &'static str)] {
        use WrapperKind::*;
        match self {
            Workers => &[
                (".any.worker.html", ".any.js", ".any.worker.js"),
                (".worker.html", ".worker.js", ".worker.js"),
            ],
            WorkerModules => &[
                (
                    ".any.worker-module.html",
                    ".any.js",
                    ".any.worker-module.js",
                ),
                (".worker.html", ".worker.js", ".worker.js"),
            ],
            Window => &[(".window.html", ".window.js", ".window.js")],
            AnyHtml => &[(".any.html", ".any.js", ".any.js")],
            SharedWorkers => &[(".any.sharedworker.html", ".any.js", ".any.worker.js")],
            SharedWorkerModules => &[(
                ".any.sharedworker-module.html",
                ".any.js",
                ".any.worker-module.js",
            )],
            ServiceWorkers => &[(".any.serviceworker.html", ".any.js", ".any.worker.js")],
            ServiceWorkerModules => &[(
                ".any.serviceworker-module.html",
                ".any.js",
                ".any.worker-module.js",
            )],
            ShadowRealm => &[(".any.shadowrealm.html", ".any.js", ".any.js")],
            WindowModules => &[(".any.window-module.html", ".any.js", ".any.js")],
            ClassicWorker => &[(".any.worker.js", ".any.js", ".any.js")],
            ModuleWorker => &[(".any.worker-module.js", ".any.js", ".any.js")],
        }
    }

    /// `_get_path`: every replacement applied in turn to the end of `path`.
    fn replace_path(self, path: &str, resource: bool) -> String {
        let mut path = path.to_string();
        for (src, file, res) in self.path_replace() {
            if let Some(stem) = path.strip_suffix(src) {
                path = format!("{stem}{}", if resource { res } else { file });
            }
        }
        path
    }

    /// The global this page runs tests in; `None` = no exposure check.
    fn global_type(self) -> Option<&'static str> {
        use WrapperKind::*;
        match self {
            Workers => Some("dedicatedworker"),
            WorkerModules => Some("dedicatedworker-module"),
            Window | ClassicWorker | ModuleWorker => None,
            AnyHtml => Some("window"),
            SharedWorkers => Some("sharedworker"),
            SharedWorkerModules => Some("sharedworker-module"),
            ServiceWorkers => Some("serviceworker"),
            ServiceWorkerModules => Some("serviceworker-module"),
            ShadowRealm => Some("shadowrealm"),
            WindowModules => Some("window-module"),
        }
    }

    fn style(self) -> Style {
        match self {
            WrapperKind::ShadowRealm => Style::ShadowRealm,
            WrapperKind::ClassicWorker => Style::ClassicWorker,
            WrapperKind::ModuleWorker => Style::ModuleWorker,
            _ => Style::Html,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self.style() {
            Style::ClassicWorker | Style::ModuleWorker => "text/javascript",
            _ => "text/html",
        }
    }
}

/// `_meta_replacement`: the line a META entry adds to `%(meta)s`.
fn meta_line(style: Style, key: &str, value: &str) -> Option<String> {
    match style {
        Style::Html | Style::ShadowRealm => match key {
            "timeout" if value == "long" => Some(r#"<meta name="timeout" content="long">"#.into()),
            "title" => Some(format!(
                "<title>{}</title>",
                value.replace('&', "&amp;").replace('<', "&lt;")
            )),
            _ => None,
        },
        Style::ClassicWorker | Style::ModuleWorker => None,
    }
}

/// `_script_replacement`: the line a META entry adds to `%(script)s`.
fn script_line(style: Style, key: &str, value: &str) -> Option<String> {
    let js_escape = |v: &str| v.replace('\\', "\\\\").replace('"', "\\\"");
    match (style, key) {
        (Style::Html, "script") => Some(format!(
            r#"<script src="{}"></script>"#,
            value.replace('&', "&amp;").replace('"', "&quot;")
        )),
        (Style::ShadowRealm, "script") => Some(format!(r#"await import("{value}");"#)),
        (Style::ClassicWorker, "script") => {
            Some(format!(r#"importScripts("{}")"#, js_escape(value)))
        }
        (Style::ModuleWorker, "script") => Some(format!(r#"import "{}";"#, js_escape(value))),
        (Style::ClassicWorker | Style::ModuleWorker, "title") => {
            Some(format!(r#"self.META_TITLE = "{}";"#, js_escape(value)))
        }
        _ => None,
    }
}

/// The wrapper body for a JS file's metadata, or the exposure 404's message.
pub fn build(
    kind: WrapperKind,
    metadata: &[(String, String)],
    resource_path: &str,
    query: &str,
) -> Result<String, String> {
    if let Some(global) = kind.global_type() {
        let value = metadata
            .iter()
            .find(|(k, _)| k == "global")
            .map_or("", |(_, v)| v.as_str());
        if !meta::parse_variants(value).contains(global) {
            // `str(HTTPException(404, msg))` is the args tuple's repr.
            return Err(format!(
                "(404, 'This test cannot be loaded in {global} mode')"
            ));
        }
    }
    let style = kind.style();
    let meta: Vec<String> = metadata
        .iter()
        .filter_map(|(k, v)| meta_line(style, k, v))
        .collect();
    let script: Vec<String> = metadata
        .iter()
        .filter_map(|(k, v)| script_line(style, k, v))
        .collect();
    let query = if query.is_empty() {
        String::new()
    } else {
        format!("?{query}")
    };
    Ok(templates::render(
        kind,
        &meta.join("\n"),
        &script.join("\n"),
        resource_path,
        &query,
    ))
}

/// Serve a wrapper. `request.doc_root` / `request.url_base` are the mount point's (F-SV-5).
pub async fn serve(
    kind: WrapperKind,
    request: &Request,
    config: &Arc<Config>,
    cache: &Arc<HeadersCache>,
) -> Handled {
    match serve_inner(kind, request, config, cache).await {
        Ok(handled) => handled,
        // Errors come from `set_error`, which never reaches `wrap_pipeline`.
        Err(response) => Handled::Unpiped(response),
    }
}

async fn serve_inner(
    kind: WrapperKind,
    request: &Request,
    config: &Arc<Config>,
    cache: &Arc<HeadersCache>,
) -> Result<Handled, Response> {
    let not_found = || json_error(404, "404");
    let fs_path = filesystem_path(&request.doc_root, &request.path, &request.url_base)
        .map_err(|_| not_found())?;
    let js_path = kind.replace_path(&fs_path.to_string_lossy(), false);

    let (dir_src, own_src, js) = {
        let cache = cache.clone();
        let js_path = js_path.clone();
        tokio::task::spawn_blocking(move || {
            let path = Path::new(&js_path);
            let dir = path.parent().unwrap_or(Path::new("/")).join("__dir__");
            (cache.load(&dir), cache.load(path), std::fs::read(path))
        })
        .await
        .map_err(|e| {
            exception(
                request,
                "RuntimeError",
                &format!("wrapper task failed: {e}"),
            )
        })?
    };
    let mut headers = HeaderList::new();
    for source in [dir_src, own_src] {
        let parsed = match source {
            HeadersSource::None => continue,
            HeadersSource::Plain(parsed) => parsed.as_ref().clone(),
            HeadersSource::Sub(raw) => {
                let rendered = crate::template::render_headers_file(&raw, request, config)
                    .map_err(|e| internal_error(500, &request.url, &e.to_string()))?;
                headers_file::parse(&rendered)
            }
        };
        match parsed {
            Ok(lines) => headers.extend(lines),
            Err(e) => return Err(exception(request, "ValueError", e.python_message())),
        }
    }

    // wptserve opens the JS file only now, so a missing file is a 404 whatever the headers say.
    let js = js.map_err(|_| not_found())?;
    let metadata = meta::read_metadata(&js).map_err(|_| {
        exception(
            request,
            "UnicodeDecodeError",
            "'utf-8' codec can't decode a META line",
        )
    })?;
    let resource_path = kind.replace_path(&request.path, true);
    let body = build(kind, &metadata, &resource_path, &request.query)
        .map_err(|message| json_error(404, &message))?;

    let mut response = Response::new(200);
    response.headers.set("Content-Type", kind.content_type());
    for (name, value) in headers {
        response.headers.set(name, value);
    }
    response.body = Body::Bytes(Bytes::from(body));
    Ok(Handled::Response {
        response,
        sub_path: Some(resource_path),
    })
}

/// A 500 as wptserve reports an uncaught exception (no Python frames to show).
fn exception(request: &Request, type_name: &str, message: &str) -> Response {
    internal_error(
        500,
        &request.url,
        &format!("Traceback (most recent call last):\n  {type_name}: {message}\n"),
    )
}

#[cfg(test)]
mod tests;
