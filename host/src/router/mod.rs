//! wptserve's router: route patterns (F-RT-1), route match (F-RT-2), method rules (F-RT-3),
//! priorities (F-RT-4). A miss (F-RT-5) is answered by the caller.

mod pattern;

pub use pattern::{PatternError, RoutePattern};

/// Built-in handler kinds a route can point at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandlerKind {
    File,
    AsIs,
    /// Always answer with this JSON error status and an empty message (forbidden paths, F-SV-1).
    Error(u16),
}

/// Which request methods a route accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MethodRule {
    /// wptserve's `"*"` / `any_method`.
    Any,
    /// An exact, case-sensitive method token; `GET` also matches `HEAD` (F-RT-3).
    Exact(String),
}

impl MethodRule {
    /// `"*"` is any method, anything else an exact token.
    pub fn parse(method: &str) -> MethodRule {
        if method == "*" {
            MethodRule::Any
        } else {
            MethodRule::Exact(method.to_string())
        }
    }

    pub fn accepts(&self, method: &str) -> bool {
        match self {
            MethodRule::Any => true,
            MethodRule::Exact(m) => m == method || (m == "GET" && method == "HEAD"),
        }
    }
}

#[derive(Debug, Clone)]
struct Route {
    method: MethodRule,
    pattern: RoutePattern,
    handler: HandlerKind,
}

/// Routes in wptserve's priority order.
#[derive(Debug, Clone, Default)]
pub struct Router {
    /// Stored in registration order and searched from the end, exactly as wptserve does, so that
    /// a later `register` wins over everything earlier.
    routes: Vec<Route>,
}

impl Router {
    /// An empty router (every request misses).
    pub fn new() -> Self {
        Router::default()
    }

    /// `Router(doc_root, routes)`: earlier entries of `routes` take priority over later ones.
    pub fn with_routes(routes: &[(&[&str], &str, HandlerKind)]) -> Result<Self, PatternError> {
        let mut router = Router::new();
        for (methods, pattern, handler) in routes.iter().rev() {
            router.register(methods, pattern, handler.clone())?;
        }
        Ok(router)
    }

    /// The route table of standalone wptserve minus Python: `GET *.asis`, `GET *` (§1.3).
    pub fn wptserve_default() -> Self {
        let asis = RoutePattern::parse("*.asis");
        let all = RoutePattern::parse("*");
        let mut router = Router::new();
        // Both patterns are constants that parse; a failure would be a bug caught by the tests.
        if let (Ok(asis), Ok(all)) = (asis, all) {
            router.push(MethodRule::parse("GET"), all, HandlerKind::File);
            router.push(MethodRule::parse("GET"), asis, HandlerKind::AsIs);
        }
        router
    }

    /// `router.register(methods, path, handler)`: one route per method, taking precedence over
    /// every route registered before it (F-RT-4).
    pub fn register(
        &mut self,
        methods: &[&str],
        pattern: &str,
        handler: HandlerKind,
    ) -> Result<(), PatternError> {
        let compiled = RoutePattern::parse(pattern)?;
        for method in methods {
            self.push(MethodRule::parse(method), compiled.clone(), handler.clone());
        }
        Ok(())
    }

    /// Register an already compiled pattern.
    pub fn push(&mut self, method: MethodRule, pattern: RoutePattern, handler: HandlerKind) {
        self.routes.push(Route {
            method,
            pattern,
            handler,
        });
    }

    /// First matching route for `method` and the raw URL `path`: its handler and the route match.
    pub fn resolve(
        &self,
        method: &str,
        path: &str,
    ) -> Option<(HandlerKind, Vec<(String, String)>)> {
        self.routes.iter().rev().find_map(|route| {
            if !route.method.accepts(method) {
                return None;
            }
            route
                .pattern
                .matches(path)
                .map(|groups| (route.handler.clone(), groups))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f_rt_3_methods() {
        let r = Router::wptserve_default();
        assert_eq!(
            r.resolve("GET", "/a.txt").map(|x| x.0),
            Some(HandlerKind::File)
        );
        assert_eq!(
            r.resolve("HEAD", "/a.txt").map(|x| x.0),
            Some(HandlerKind::File)
        );
        assert_eq!(r.resolve("POST", "/a.txt"), None);
        assert_eq!(r.resolve("get", "/a.txt"), None);
        assert_eq!(
            r.resolve("HEAD", "/t.asis").map(|x| x.0),
            Some(HandlerKind::AsIs)
        );
        assert_eq!(r.resolve("POST", "/t.asis"), None);

        let mut any = Router::new();
        any.register(&["*"], "/x", HandlerKind::Error(410))
            .expect("pattern");
        assert!(any.resolve("BREW", "/x").is_some());
        let mut head_only = Router::new();
        head_only
            .register(&["HEAD"], "/x", HandlerKind::Error(410))
            .expect("pattern");
        assert!(head_only.resolve("GET", "/x").is_none());
    }

    #[test]
    fn f_rt_4_priority() {
        let mut r = Router::with_routes(&[
            (&["GET"], "/r/*", HandlerKind::Error(401)),
            (&["GET"], "/r/x", HandlerKind::Error(402)),
        ])
        .expect("patterns");
        // Initial list: the earlier entry wins.
        assert_eq!(
            r.resolve("GET", "/r/x").map(|x| x.0),
            Some(HandlerKind::Error(401))
        );
        r.register(&["GET", "POST"], "/r/x", HandlerKind::Error(403))
            .expect("pattern");
        assert_eq!(
            r.resolve("GET", "/r/x").map(|x| x.0),
            Some(HandlerKind::Error(403))
        );
        assert_eq!(
            r.resolve("POST", "/r/x").map(|x| x.0),
            Some(HandlerKind::Error(403))
        );
        assert_eq!(
            r.resolve("GET", "/r/y").map(|x| x.0),
            Some(HandlerKind::Error(401))
        );
    }

    #[test]
    fn f_rt_2_route_match() {
        let r = Router::wptserve_default();
        assert_eq!(
            r.resolve("GET", "/d/t.asis"),
            Some((
                HandlerKind::AsIs,
                vec![("*".to_string(), "d/t.asis".to_string())]
            ))
        );
    }
}
