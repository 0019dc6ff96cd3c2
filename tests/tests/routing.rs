//! Routing on the wire with the default table (F-RT-1..5); pattern details are unit-tested in
//! `host/src/router`.

use wpthost_tests::static_wire::{exchange, expected, json_404, normalize};
use wpthost_tests::{raw_exchange, TempDocRoot, TestServer};

const ASIS: &[u8] = b"HTTP/1.1 200 OK\r\nX-Raw: 1\r\n\r\nraw";

fn fixture() -> (TempDocRoot, TestServer) {
    let root = TempDocRoot::new();
    root.write("x.asis", ASIS);
    root.write("d/y.asis", ASIS);
    let server = TestServer::start(root.path());
    (root, server)
}

#[test]
fn f_rt_4_asis_route_before_catch_all() {
    let (_root, server) = fixture();
    assert_eq!(exchange(server.port(), "GET", "/x.asis", ""), ASIS);
    assert_eq!(exchange(server.port(), "GET", "/d/y.asis?q=1", ""), ASIS);
}

#[test]
fn f_rt_1_matches_raw_path_not_decoded() {
    // `/x%2Easis` does not end in `.asis` as received, so the file handler serves the same file.
    let (_root, server) = fixture();
    let raw = exchange(server.port(), "GET", "/x%2Easis", "");
    let want = expected(
        &[
            "HTTP/1.1 200 OK",
            "Content-Type: application/octet-stream",
            "{S}",
            "{D}",
        ],
        "",
    );
    let mut want = want.into_bytes();
    want.extend_from_slice(ASIS);
    assert_eq!(normalize(&raw).into_bytes(), want);
}

#[test]
fn f_rt_1_query_is_not_part_of_the_path() {
    let (_root, server) = fixture();
    // The pattern `*.asis` is anchored at the end of the path; the query does not count.
    let raw = exchange(server.port(), "GET", "/x.asis?y.txt", "");
    assert_eq!(raw, ASIS);
}

#[test]
fn f_rt_3_get_route_serves_head_other_methods_miss() {
    let (_root, server) = fixture();
    assert_eq!(exchange(server.port(), "HEAD", "/x.asis", ""), ASIS);
    for method in ["POST", "OPTIONS", "get", "BREW"] {
        let raw = exchange(server.port(), method, "/x.asis", "Content-Length: 0\r\n");
        assert_eq!(normalize(&raw), json_404(""), "{method}");
    }
}

#[test]
fn f_rt_5_no_route_is_404_with_empty_message() {
    let (_root, server) = fixture();
    let raw = raw_exchange(
        server.port(),
        format!("PUT /anything HTTP/1.1\r\nHost: localhost:{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", server.port()).as_bytes(),
    );
    assert_eq!(
        normalize(&raw),
        expected(
            &[
                "HTTP/1.1 404 Not Found",
                "Content-Type: application/json",
                "Content-Length: 39",
                "{S}",
                "{D}"
            ],
            "{\"error\": {\"code\": 404, \"message\": \"\"}}"
        )
    );
}
