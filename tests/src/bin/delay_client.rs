//! The delay-accuracy client of `bench/run.py` (trickle and sleep scenarios): `--count` GETs on
//! fresh connections over `--concurrency` lanes, each lane asking again as soon as its response
//! ends, each response sending `--piece`-byte pieces `--delay-ms` apart. It timestamps the moment
//! each piece boundary is first reached and prints, as JSON, every gap's error (observed minus
//! requested, in ms) and the number of failed requests.
//!
//! Lane `i` starts `i × --stagger-ms` after the first. With no stagger every lane starts at once
//! and, since every response takes as long, they stay in step: each lane's connection set-up then
//! falls on the very instant the other lanes' pieces are due, and on two cores shared with the
//! client that contention, not the delay, is what the tail measures. A stagger of a few ms keeps
//! the set-ups apart from the other lanes' deadlines.
//!
//! Why not Python: the bench's asyncio client cost ~0.1 ms of CPU per connection on the two cores
//! it shares with the server, and its single event loop stamped a piece late whenever it was busy
//! opening connections, so its figures measured the client as much as the server. One tokio thread
//! keeps this client to one core, as before, at a small fraction of that cost.

use anyhow::{bail, Context};
use clap::Parser;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::JoinSet;

#[derive(Parser)]
#[command(about = "Measure the gaps between timed pieces of HTTP responses (loopback only)")]
struct Args {
    /// Server address; must be a loopback address.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    #[arg(long)]
    port: u16,
    /// Request target, e.g. `/handlers/trickle.py?chunks=4&delay=50`.
    #[arg(long)]
    path: String,
    /// Body bytes per piece.
    #[arg(long)]
    piece: usize,
    /// Requested delay between pieces.
    #[arg(long)]
    delay_ms: f64,
    /// Requests in all.
    #[arg(long, default_value_t = 100)]
    count: usize,
    /// Lanes: requests in flight at once.
    #[arg(long, default_value_t = 10)]
    concurrency: usize,
    /// Start of each lane after the previous one (0: all at once).
    #[arg(long, default_value_t = 0.0)]
    stagger_ms: f64,
    /// Per read: a response that stalls this long counts as failed.
    #[arg(long, default_value_t = 10)]
    timeout_s: u64,
}

#[derive(serde::Serialize)]
struct Report {
    /// Observed minus requested, ms, one per gap between consecutive pieces.
    errors: Vec<f64>,
    failed: usize,
    /// The first failure's reason, to tell a broken scenario from a slow one.
    first_failure: Option<String>,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if !args.host.is_loopback() {
        bail!("--host must be a loopback address (load stays on this machine)");
    }
    if args.piece == 0 || args.concurrency == 0 {
        bail!("--piece and --concurrency must be at least 1");
    }
    if !(0.0..=10_000.0).contains(&args.stagger_ms) {
        bail!("--stagger-ms must be between 0 and 10000");
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the runtime")?;
    let report = runtime.block_on(measure(&args));
    println!("{}", serde_json::to_string(&report)?);
    Ok(())
}

async fn measure(args: &Args) -> Report {
    let addr = SocketAddr::new(args.host, args.port);
    let request = Arc::new(
        format!(
            "GET {} HTTP/1.1\r\nHost: localhost:{}\r\nConnection: close\r\n\r\n",
            args.path, args.port
        )
        .into_bytes(),
    );
    let timeout = Duration::from_secs(args.timeout_s);
    let stagger = Duration::from_secs_f64(args.stagger_ms / 1e3);
    let start = tokio::time::Instant::now();
    let mut lanes = JoinSet::new();
    for lane in 0..args.concurrency {
        // The first `count % concurrency` lanes take one request more.
        let requests =
            args.count / args.concurrency + usize::from(lane < args.count % args.concurrency);
        let (request, piece) = (request.clone(), args.piece);
        let offset = stagger * u32::try_from(lane).unwrap_or(u32::MAX);
        lanes.spawn(async move {
            tokio::time::sleep_until(start + offset).await;
            let mut outcomes = Vec::with_capacity(requests);
            for _ in 0..requests {
                outcomes.push(piece_marks(addr, &request, piece, timeout).await);
            }
            outcomes
        });
    }
    let mut report = Report {
        errors: Vec::new(),
        failed: 0,
        first_failure: None,
    };
    while let Some(joined) = lanes.join_next().await {
        let outcomes = match joined {
            Ok(outcomes) => outcomes,
            Err(e) => vec![Err(anyhow::Error::from(e))],
        };
        for outcome in outcomes {
            match outcome {
                Ok(marks) => report.errors.extend(
                    marks
                        .windows(2)
                        .map(|w| (w[1] - w[0]).as_secs_f64() * 1e3 - args.delay_ms),
                ),
                Err(e) => {
                    report.failed += 1;
                    report.first_failure.get_or_insert_with(|| format!("{e:#}"));
                }
            }
        }
    }
    report
}

/// One request on a fresh connection: the instant each `piece`-byte boundary of the body was first
/// seen (stamped as soon as the read returns). The body ends at Content-Length or at EOF.
async fn piece_marks(
    addr: SocketAddr,
    request: &[u8],
    piece: usize,
    timeout: Duration,
) -> anyhow::Result<Vec<Instant>> {
    let mut stream = tokio::time::timeout(timeout, TcpStream::connect(addr))
        .await
        .context("connect timed out")??;
    stream.set_nodelay(true)?;
    stream.write_all(request).await?;
    let mut data = Vec::with_capacity(4096);
    let mut chunk = vec![0u8; 65536];
    let mut head_end: Option<usize> = None;
    let mut length: Option<usize> = None;
    let mut marks = Vec::new();
    let mut next_boundary = piece;
    loop {
        let n = tokio::time::timeout(timeout, stream.read(&mut chunk))
            .await
            .context("read timed out")??;
        let now = Instant::now();
        if n == 0 {
            break;
        }
        data.extend_from_slice(&chunk[..n]);
        if head_end.is_none() {
            if let Some(at) = data.windows(4).position(|w| w == b"\r\n\r\n") {
                head_end = Some(at + 4);
                length = content_length(&data[..at]);
            }
        }
        let Some(start) = head_end else { continue };
        let body = data.len() - start;
        while body >= next_boundary {
            marks.push(now);
            next_boundary += piece;
        }
        if length.is_some_and(|l| body >= l) {
            break;
        }
    }
    if head_end.is_none() {
        bail!("connection closed before the end of the response head");
    }
    Ok(marks)
}

fn content_length(head: &[u8]) -> Option<usize> {
    String::from_utf8_lossy(head).lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("content-length")
            .then(|| value.trim().parse().ok())?
    })
}
