//! Where a response writer's bytes go: a plain TCP connection's write half, which can also take a
//! file straight from the page cache (`sendfile`), or any other stream (TLS, the CONNECT
//! self-proxy's shared half).
//!
//! Why: a large static file streamed through user space is copied twice on the server (`read` into
//! a buffer, `write` out of it); `sendfile` hands the kernel the file's pages instead, as nginx
//! does. Files below `static_files::INLINE_LIMIT` are read whole and written with their headers in
//! one segment, so this matters only for the large ones.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::AsyncWrite;
use tokio::net::tcp::OwnedWriteHalf;

pub type BoxedWrite = Pin<Box<dyn AsyncWrite + Send>>;

pub enum Sink {
    Tcp(TcpWrite),
    Stream(BoxedWrite),
}

impl Sink {
    pub fn tcp(half: OwnedWriteHalf) -> Sink {
        Sink::Tcp(TcpWrite(Some(half)))
    }

    /// Whether `send_file` works here: a plain TCP connection, on Linux. Elsewhere the caller
    /// copies the file through the writer's buffer.
    pub fn can_send_file(&self) -> bool {
        cfg!(target_os = "linux") && matches!(self, Sink::Tcp(TcpWrite(Some(_))))
    }

    /// `TCP_CORK` on or off (plain TCP on Linux; elsewhere nothing). Best effort: a socket that
    /// refuses it still sends everything, in smaller segments.
    pub fn cork(&self, on: bool) {
        #[cfg(target_os = "linux")]
        if let Sink::Tcp(TcpWrite(Some(half))) = self {
            let _ = rustix::net::sockopt::set_tcp_cork(half.as_ref(), on);
        }
        #[cfg(not(target_os = "linux"))]
        let _ = on;
    }

    /// Send `len` bytes of `file` from its start with `sendfile`; how many went out (fewer when
    /// the file ended early, e.g. truncated since its size was read). Only where `can_send_file`.
    pub async fn send_file(&mut self, file: &std::fs::File, len: u64) -> io::Result<u64> {
        match self {
            Sink::Tcp(TcpWrite(Some(half))) => sendfile_all(half.as_ref(), file, len).await,
            _ => Err(io::ErrorKind::Unsupported.into()),
        }
    }

    /// The stream to write to; an error once a TCP half has been given up (never while in use).
    fn stream(&mut self) -> io::Result<Pin<&mut (dyn AsyncWrite + Send)>> {
        match self {
            Sink::Tcp(TcpWrite(Some(half))) => {
                let half: Pin<&mut OwnedWriteHalf> = Pin::new(half);
                Ok(half)
            }
            Sink::Tcp(TcpWrite(None)) => Err(io::ErrorKind::BrokenPipe.into()),
            Sink::Stream(s) => Ok(s.as_mut()),
        }
    }
}

/// A plain TCP write half that, when dropped, leaves the socket to be closed with the read half
/// (one `close` sends the FIN) instead of shutting the write side down first: `OwnedWriteHalf`'s
/// own drop would cost a `shutdown` syscall per connection.
pub struct TcpWrite(Option<OwnedWriteHalf>);

impl Drop for TcpWrite {
    fn drop(&mut self) {
        if let Some(half) = self.0.take() {
            half.forget();
        }
    }
}

impl AsyncWrite for Sink {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut().stream() {
            Ok(stream) => stream.poll_write(cx, buf),
            Err(e) => Poll::Ready(Err(e)),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut().stream() {
            Ok(stream) => stream.poll_flush(cx),
            Err(e) => Poll::Ready(Err(e)),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut().stream() {
            Ok(stream) => stream.poll_shutdown(cx),
            Err(e) => Poll::Ready(Err(e)),
        }
    }
}

/// Largest single `sendfile`: bounded so one response cannot hold a worker in one call while the
/// socket keeps draining (loopback can take megabytes at once).
#[cfg(target_os = "linux")]
const SENDFILE_CHUNK: usize = 1024 * 1024;

#[cfg(target_os = "linux")]
async fn sendfile_all(
    stream: &tokio::net::TcpStream,
    file: &std::fs::File,
    len: u64,
) -> io::Result<u64> {
    use tokio::io::Interest;
    let mut offset: u64 = 0;
    while offset < len {
        let want = usize::try_from(len - offset)
            .unwrap_or(usize::MAX)
            .min(SENDFILE_CHUNK);
        stream.writable().await?;
        // `try_io` clears the readiness on WouldBlock, so the next `writable` really waits.
        let sent = stream.try_io(Interest::WRITABLE, || {
            rustix::fs::sendfile(stream, file, Some(&mut offset), want).map_err(io::Error::from)
        });
        match sent {
            Ok(0) => break,
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
                ) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(offset)
}

#[cfg(not(target_os = "linux"))]
async fn sendfile_all(
    _stream: &tokio::net::TcpStream,
    _file: &std::fs::File,
    _len: u64,
) -> io::Result<u64> {
    Err(io::ErrorKind::Unsupported.into())
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use crate::http1::sink::Sink;
    use crate::http1::writer::ResponseWriter;
    use std::io::Write;
    use std::time::Duration;
    use tokio::io::AsyncReadExt;
    use tokio::net::{TcpListener, TcpStream};

    /// A connected loopback pair: the server side's writer, a duplicate of the server socket's
    /// descriptor (to read its options), and the client's stream.
    async fn pair() -> (ResponseWriter, std::os::fd::OwnedFd, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (client, accepted) = tokio::join!(TcpStream::connect(addr), listener.accept());
        let accepted = accepted.unwrap().0;
        let dup = std::os::fd::AsFd::as_fd(&accepted)
            .try_clone_to_owned()
            .unwrap();
        let (_rd, wr) = accepted.into_split();
        // The read half is dropped: the write half alone keeps the socket open.
        (ResponseWriter::new(Sink::tcp(wr)), dup, client.unwrap())
    }

    /// A file of `len` pseudo-random bytes in the temporary directory, deleted on drop.
    struct TempFile(std::path::PathBuf, Vec<u8>);

    impl TempFile {
        fn new(tag: &str, len: usize) -> TempFile {
            let path =
                std::env::temp_dir().join(format!("wpthost-sink-{tag}-{}", std::process::id()));
            let bytes: Vec<u8> = (0..len).map(|i| (i * 7 + i / 251) as u8).collect();
            std::fs::File::create(&path)
                .and_then(|mut f| f.write_all(&bytes))
                .unwrap();
            TempFile(path, bytes)
        }
        fn open(&self) -> std::fs::File {
            std::fs::File::open(&self.0).unwrap()
        }
    }

    impl Drop for TempFile {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    async fn read_exactly(client: &mut TcpStream, n: usize) -> Vec<u8> {
        let mut got = vec![0u8; n];
        tokio::time::timeout(Duration::from_secs(10), client.read_exact(&mut got))
            .await
            .expect("the bytes did not arrive")
            .unwrap();
        got
    }

    /// The buffered head, then a file larger than the socket buffers, arrive whole and in order;
    /// the writer counts the file's bytes as written.
    #[tokio::test]
    async fn a_file_follows_the_buffered_head_whole_f_st_2() {
        let file = TempFile::new("whole", 3 * 1024 * 1024 + 5);
        let (mut writer, _socket, mut client) = pair().await;
        writer.write_raw(b"HEAD\r\n").await.unwrap();
        let send = async {
            let sent = writer.send_file(&file.open(), file.1.len() as u64).await;
            (sent.map(|r| r.unwrap()), writer.bytes_written)
        };
        let (sent, got) = tokio::join!(send, read_exactly(&mut client, 6 + file.1.len()));
        assert_eq!(sent, (Some(file.1.len() as u64), 6 + file.1.len() as u64));
        assert_eq!(&got[..6], b"HEAD\r\n");
        assert!(got[6..] == file.1[..], "file bytes differ");
    }

    /// The cork comes off after the file, so the next response on a kept-alive connection is not
    /// held back (up to the kernel's 200 ms cork timeout) waiting to fill a segment.
    #[tokio::test]
    async fn the_connection_is_uncorked_after_the_file() {
        let file = TempFile::new("uncork", 300 * 1024);
        let (mut writer, socket, mut client) = pair().await;
        let opened = file.open();
        let send = writer.send_file(&opened, file.1.len() as u64);
        let (sent, _) = tokio::join!(send, read_exactly(&mut client, file.1.len()));
        assert_eq!(sent.map(|r| r.unwrap()), Some(file.1.len() as u64));
        assert!(!rustix::net::sockopt::tcp_cork(&socket).unwrap());
    }

    /// A file shorter than the length promised (truncated after its size was read): what it has
    /// goes out and the count says how much, so the caller can close the connection.
    #[tokio::test]
    async fn a_file_shorter_than_promised_reports_what_was_sent() {
        let file = TempFile::new("short", 10_000);
        let (mut writer, _socket, mut client) = pair().await;
        let opened = file.open();
        let send = writer.send_file(&opened, 50_000);
        let (sent, got) = tokio::join!(send, read_exactly(&mut client, 10_000));
        assert_eq!(sent.map(|r| r.unwrap()), Some(10_000));
        assert!(got == file.1);
    }

    /// Streams that are not plain TCP (TLS) decline, and the caller copies instead.
    #[tokio::test]
    async fn other_streams_decline() {
        let file = TempFile::new("decline", 10);
        let mut writer = ResponseWriter::new(Sink::Stream(Box::pin(tokio::io::sink())));
        assert!(writer.send_file(&file.open(), 10).await.is_none());
        assert!(ResponseWriter::detached()
            .send_file(&file.open(), 10)
            .await
            .is_none());
    }
}
