//! `.asis` files (F-AS-1, F-AS-3): the file's bytes are the entire response, written raw (no
//! status line or headers added, body even for HEAD), then the connection closes. Pipes never
//! apply (F-AS-2) because the response is already written.

use super::error::StaticError;
use super::path;
use crate::http1::writer::ResponseWriter;
use crate::request::Request;
use crate::server::Handled;

enum Loaded {
    Data(Vec<u8>),
    Error(StaticError),
}

fn load(fs_path: std::path::PathBuf) -> Loaded {
    if fs_path.as_os_str().as_encoded_bytes().contains(&0) {
        return Loaded::Error(StaticError::embedded_nul());
    }
    if fs_path.is_dir() {
        // `HTTPException(500, "AsIsHandler cannot process directory, <path>")`.
        return Loaded::Error(StaticError::Exception {
            type_name: "HTTPException",
            message: format!(
                "(500, 'AsIsHandler cannot process directory, {}')",
                fs_path.display()
            ),
        });
    }
    match std::fs::metadata(&fs_path) {
        // Only regular files: a FIFO or device would hold a blocking thread forever.
        Ok(meta) if meta.is_file() => {}
        _ => return Loaded::Error(StaticError::NotFound),
    }
    match std::fs::read(&fs_path) {
        Ok(data) => Loaded::Data(data),
        Err(_) => Loaded::Error(StaticError::NotFound),
    }
}

pub async fn serve(request: &Request, writer: &mut ResponseWriter) -> Handled {
    let fs_path = match path::filesystem_path(&request.doc_root, &request.path, &request.url_base) {
        Ok(p) => p,
        Err(path::Outside) => {
            return Handled::Unpiped(StaticError::NotFound.into_response(&request.url))
        }
    };
    let loaded = tokio::task::spawn_blocking(move || load(fs_path))
        .await
        .unwrap_or_else(|join| {
            Loaded::Error(StaticError::Internal(format!("asis task failed: {join}")))
        });
    match loaded {
        Loaded::Error(err) => Handled::Unpiped(err.into_response(&request.url)),
        Loaded::Data(data) => {
            writer.close_connection = true;
            if let Err(e) = writer.write_raw(&data).await {
                tracing::debug!("writing {}: {e}", request.url);
            }
            Handled::Written
        }
    }
}
