//! Unit tests of pipe application; the wire tests live in tests/tests/pipes.rs.

use super::*;
use crate::response::{Body, BodyStep};
use crate::template::tests::request;
use bytes::Bytes;
use std::time::Duration;

const DOC: &str = "This is a test document\n";

fn file_response() -> (Response, tempdir::Dir) {
    let dir = tempdir::Dir::new();
    let path = dir.path.join("document.txt");
    std::fs::write(&path, DOC).unwrap();
    let mut r = Response::new(200);
    r.headers.set("Content-Type", "text/plain");
    r.body = Body::File {
        path,
        len: DOC.len() as u64,
    };
    (r, dir)
}

mod tempdir {
    pub struct Dir {
        pub path: std::path::PathBuf,
    }
    impl Dir {
        pub fn new() -> Dir {
            use std::sync::atomic::{AtomicUsize, Ordering};
            static N: AtomicUsize = AtomicUsize::new(0);
            let path = std::env::temp_dir().join(format!(
                "wpthost-pipes-{}-{}",
                std::process::id(),
                N.fetch_add(1, Ordering::SeqCst)
            ));
            std::fs::create_dir_all(&path).unwrap();
            Dir { path }
        }
    }
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

async fn run(target: &str, sub_path: Option<&str>) -> Result<Response, PipeError> {
    let (response, dir) = file_response();
    let req = request(target, &[], dir.path.clone());
    let cfg = Config::for_doc_root(dir.path.clone()).unwrap();
    let mut r = apply(response, &req, sub_path, &cfg).await?;
    // `slice` leaves a file on disk as a range of it: read it while the file still exists.
    if let Body::FileRanges(_) = &r.body {
        r.body = Body::Bytes(resolve_body(std::mem::take(&mut r.body)).await?);
    }
    Ok(r)
}

fn headers(r: &Response) -> Vec<(String, String)> {
    r.headers
        .iter()
        .map(|(n, v)| {
            (
                String::from_utf8_lossy(n).into_owned(),
                String::from_utf8_lossy(v).into_owned(),
            )
        })
        .collect()
}

fn bytes(r: &Response) -> Bytes {
    match &r.body {
        Body::Bytes(b) => b.clone(),
        other => panic!("expected bytes, got {other:?}"),
    }
}

#[tokio::test]
async fn no_pipes_leaves_file_alone() {
    let r = run("/document.txt", None).await.unwrap();
    assert!(matches!(r.body, Body::File { .. }));
    let r = run("/document.txt?pipe=", None).await.unwrap();
    assert!(matches!(r.body, Body::File { .. }));
}

#[tokio::test]
async fn status_f_pp_1() {
    let r = run("/d?pipe=status(202)", None).await.unwrap();
    assert_eq!((r.status, r.reason.clone()), (202, None));
    // Header-only pipes do not read the file.
    assert!(matches!(r.body, Body::File { .. }));
    for bad in [
        "status(202,Foo)",
        "status(abc)",
        "status()",
        "status",
        "status(70000)",
    ] {
        assert!(run(&format!("/d?pipe={bad}"), None).await.is_err(), "{bad}");
    }
}

#[tokio::test]
async fn header_f_pp_2() {
    let r = run(
        "/d?pipe=header(X-Test,1)|header(x-test,2,True)|header(Content-Type,text/html)",
        None,
    )
    .await
    .unwrap();
    assert_eq!(
        headers(&r),
        vec![
            ("Content-Type".into(), "text/html".into()),
            ("X-Test".into(), "1".into()),
            ("X-Test".into(), "2".into()),
        ]
    );
    let r = run(r"/d?pipe=header(X,a\nb)", None).await.unwrap();
    assert_eq!(r.headers.get(b"x"), &[b"a\nb".to_vec()]);
    let r = run("/d?pipe=header(X,%C3%A9)", None).await.unwrap();
    assert_eq!(r.headers.get(b"x"), &[vec![0xe9]]);
    for bad in [
        "header(X)",
        "header(X,1,yes)",
        "header(X,1,True,4)",
        "header(X,%E2%82%AC)",
    ] {
        assert!(run(&format!("/d?pipe={bad}"), None).await.is_err(), "{bad}");
    }
}

#[tokio::test]
async fn slice_f_pp_3() {
    let cases = [
        ("slice(1,10)", &DOC[1..10]),
        ("slice(1)", &DOC[1..]),
        ("slice(null,10)", &DOC[..10]),
        ("slice(-5)", &DOC[19..]),
        ("slice(NULL,-5)", &DOC[..19]),
        ("slice(2,1)", ""),
    ];
    for (pipe, expected) in cases {
        let r = run(&format!("/d?pipe={pipe}"), None).await.unwrap();
        assert_eq!(bytes(&r), expected.as_bytes(), "{pipe}");
        assert_eq!(
            headers(&r)[1],
            ("Content-Length".into(), expected.len().to_string()),
            "{pipe}"
        );
    }
    assert!(run("/d?pipe=slice()", None).await.is_err());
    assert!(run("/d?pipe=slice(a)", None).await.is_err());
    assert!(run("/d?pipe=slice(1,2,3)", None).await.is_err());
}

#[tokio::test]
async fn sub_from_path_and_query_f_pp_4_f_st_7() {
    let mut response = Response::new(200);
    response.body = Body::Bytes(Bytes::from_static(b"{{GET[x]}}"));
    let dir = tempdir::Dir::new();
    let req = request("/e.sub.html?x=%3Cb%3E", &[], dir.path.clone());
    let cfg = Config::for_doc_root(dir.path.clone()).unwrap();
    let r = apply(response.clone(), &req, Some("/root/e.sub.html"), &cfg)
        .await
        .unwrap();
    assert_eq!(bytes(&r), "&lt;b&gt;");
    let r = apply(response.clone(), &req, Some("/root/e.sub.txt"), &cfg)
        .await
        .unwrap();
    assert_eq!(bytes(&r), "<b>");
    let req = request("/e.txt?x=%3Cb%3E&pipe=sub", &[], dir.path.clone());
    let r = apply(response.clone(), &req, Some("/root/e.txt"), &cfg)
        .await
        .unwrap();
    assert_eq!(bytes(&r), "&lt;b&gt;");
    // The first sub's escaping wins: the second sees no `{{`.
    let req = request("/e.sub.txt?x=%3Cb%3E&pipe=sub(html)", &[], dir.path.clone());
    let r = apply(response.clone(), &req, Some("/root/e.sub.txt"), &cfg)
        .await
        .unwrap();
    assert_eq!(bytes(&r), "<b>");
    let req = request("/e.txt?x=1&pipe=sub(bogus)", &[], dir.path.clone());
    assert!(apply(response.clone(), &req, None, &cfg).await.is_err());
    let req = request("/e.txt?pipe=sub(none,x)", &[], dir.path.clone());
    assert!(apply(response, &req, None, &cfg).await.is_err());
    assert!(is_markup("/a/b.sub.svg"));
    assert!(is_markup("/a/.sub.xhtml"));
    assert!(!is_markup("/a/b.sub.HTML"));
    assert!(!is_markup("/a.html/b.sub.js"));
}

#[tokio::test]
async fn trickle_f_pp_5() {
    let r = run("/d?pipe=trickle(5:d0.2:r2)", None).await.unwrap();
    let Body::Steps(steps) = &r.body else {
        panic!("expected steps")
    };
    assert_eq!(steps[0], BodyStep::Data(Bytes::from_static(b"This ")));
    assert_eq!(steps[1], BodyStep::Delay(Duration::from_millis(200)));
    assert_eq!(
        headers(&r)[1..],
        [
            (
                "Cache-Control".into(),
                "no-cache, no-store, must-revalidate".into()
            ),
            ("Pragma".into(), "no-cache".into()),
            ("Expires".into(), "0".into()),
        ]
    );
    let r = run("/d?pipe=header(pragma,x)|trickle(d0)", None)
        .await
        .unwrap();
    assert_eq!(headers(&r).len(), 2);
    for bad in [
        "trickle(5:r3)",
        "trickle()",
        "trickle(5:5)",
        "trickle(5:r0)",
        "trickle",
    ] {
        assert!(run(&format!("/d?pipe={bad}"), None).await.is_err(), "{bad}");
    }
}

#[tokio::test]
async fn gzip_f_pp_6() {
    let r = run("/d?pipe=gzip", None).await.unwrap();
    let body = bytes(&r);
    assert_eq!(&body[..3], &[0x1f, 0x8b, 8]);
    let mut out = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&body[..]), &mut out).unwrap();
    assert_eq!(out, DOC);
    assert_eq!(
        headers(&r)[1..],
        [
            ("Content-Encoding".into(), "gzip".into()),
            ("Content-Length".into(), body.len().to_string()),
        ]
    );
    assert!(run("/d?pipe=gzip()", None).await.is_err());
}

#[tokio::test]
async fn grammar_errors_and_order_f_pp_9() {
    let err = run("/d?pipe=nosuchpipe", None).await.unwrap_err();
    assert_eq!(err.to_string(), "unknown pipe \"nosuchpipe\"");
    // Unknown names are found before anything runs.
    assert!(run("/d?pipe=status(201)|bogus", None).await.is_err());
    let r = run("/d?pipe=status(201)&pipe=status(202)", None)
        .await
        .unwrap();
    assert_eq!(r.status, 202);
    // Left to right: slice then sub vs sub then slice.
    let r = run("/d?pipe=slice(0,4)|gzip", None).await.unwrap();
    assert_eq!(r.headers.get(b"content-encoding"), &[b"gzip".to_vec()]);
    let err = run("/d?pipe=status(x)", None).await.unwrap_err();
    assert!(err.to_string().contains("status(x)"), "{err}");
    let err = run("/d?pipe=gzip(1)", None).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "pipe gzip(1): Expected between 0 and 0 args, got 1"
    );
}

#[tokio::test]
async fn trickle_then_slice_plays_the_delays() {
    let start = std::time::Instant::now();
    let r = run("/d?pipe=trickle(d0.1)|slice(0,4)", None).await.unwrap();
    assert!(start.elapsed() >= Duration::from_millis(100));
    assert_eq!(bytes(&r), "This");
}
