//! The fixed routes `wpt serve` puts before every mount point (F-SV-1, F-SV-8).

/// serve.py's `forbidden` routes, after its `forbidden_override`: `* /_certs/*`, `* /tools/*`,
/// `* {spec}/tools/*` and `* /results/` answer 404 (JSON, empty message), except that
/// `GET /tools/runner/*` and `POST /tools/runner/update_manifest.py` go on to the normal handlers.
/// `path` is the raw (still percent-encoded) URL path, as the router matches it.
pub fn is_forbidden(method: &str, path: &str) -> bool {
    let get = method == "GET" || method == "HEAD";
    if (get && path.starts_with("/tools/runner/"))
        || (method == "POST" && path == "/tools/runner/update_manifest.py")
    {
        return false;
    }
    if path.starts_with("/_certs/") || path.starts_with("/tools/") || path == "/results/" {
        return true;
    }
    // `{spec}/tools/*`: one non-empty first segment, then `/tools/`.
    let Some(rest) = path.strip_prefix('/') else {
        return false;
    };
    match rest.split_once('/') {
        Some((spec, tail)) => !spec.is_empty() && tail.starts_with("tools/"),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f_sv_1_forbidden_paths() {
        for path in [
            "/_certs/cacert.key",
            "/_certs/",
            "/tools/",
            "/tools/serve/serve.py",
            "/css/tools/x",
            "/a/tools/",
            "/results/",
        ] {
            assert!(is_forbidden("GET", path), "{path}");
            assert!(is_forbidden("POST", path), "{path}");
        }
        for path in [
            "/_certs",
            "/tools",
            "/results/x",
            "/results",
            "/a/b/tools/x",
            "//tools/x",
            "/toolsx/y",
            "/index.html",
        ] {
            assert!(!is_forbidden("GET", path), "{path}");
        }
        assert!(!is_forbidden("GET", "/tools/runner/index.html"));
        assert!(!is_forbidden("HEAD", "/tools/runner/index.html"));
        assert!(is_forbidden("POST", "/tools/runner/index.html"));
        assert!(!is_forbidden("POST", "/tools/runner/update_manifest.py"));
    }
}
