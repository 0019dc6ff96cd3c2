//! wptserve's MIME table (F-ST-6): keyed by the last extension, case-sensitive, no charset.

use super::path::extension;

/// `guess_content_type`: the type for the file-system path's last extension.
pub fn guess_content_type(path: &str) -> &'static str {
    match extension(path) {
        "json" => "application/json",
        "wasm" => "application/wasm",
        "xht" | "xhtm" | "xhtml" => "application/xhtml+xml",
        "xml" => "application/xml",
        "xpi" => "application/x-xpinstall",
        "m4a" => "audio/mp4",
        "mp3" => "audio/mpeg",
        "oga" => "audio/ogg",
        "weba" => "audio/webm",
        "wav" => "audio/x-wav",
        "avif" => "image/avif",
        "bmp" => "image/bmp",
        "gif" => "image/gif",
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "svg" => "image/svg+xml",
        "manifest" => "text/cache-manifest",
        "css" => "text/css",
        "event_stream" => "text/event-stream",
        "htm" | "html" => "text/html",
        "js" | "mjs" => "text/javascript",
        "txt" | "md" => "text/plain",
        "vtt" => "text/vtt",
        "mp4" | "m4v" => "video/mp4",
        "webm" => "video/webm",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f_st_6_table() {
        assert_eq!(guess_content_type("/r/a.txt"), "text/plain");
        assert_eq!(guess_content_type("/r/a.any.js"), "text/javascript");
        assert_eq!(guess_content_type("/r/x.event_stream"), "text/event-stream");
        assert_eq!(guess_content_type("/r/a.HTML"), "application/octet-stream");
        assert_eq!(guess_content_type("/r/a.ogg"), "application/octet-stream");
        assert_eq!(guess_content_type("/r/noext"), "application/octet-stream");
        assert_eq!(guess_content_type("/r/.html"), "application/octet-stream");
        assert_eq!(guess_content_type("/r/a.xhtm"), "application/xhtml+xml");
    }
}
