//! Reading the ranges of a `Body::FileRanges` through one moving window, for the writer (which
//! streams them) and for body pipes (which need the bytes, F-RG-7). Ranges are ascending, so one
//! blocking-pool read of up to `WINDOW` bytes serves every range that falls inside it: a request
//! naming thousands of tiny ranges costs a few reads, not two pool hops per range.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

/// Bytes read per hop to the blocking pool.
const WINDOW: usize = 64 * 1024;

pub struct RangeReader {
    /// `None` only while a read is in flight on the blocking pool.
    file: Option<File>,
    /// File offset of `data[0]`.
    start: u64,
    data: Vec<u8>,
}

impl RangeReader {
    pub async fn open(path: &Path) -> io::Result<RangeReader> {
        let path = path.to_path_buf();
        let file = tokio::task::spawn_blocking(move || File::open(path))
            .await
            .map_err(io::Error::other)??;
        Ok(RangeReader {
            file: Some(file),
            start: 0,
            data: Vec::new(),
        })
    }

    /// The bytes from `pos` up to at most `end` that the window holds, reading a new window when
    /// `pos` is outside it. Empty means the file ends before `pos` (it shrank since it was
    /// measured).
    pub async fn bytes_at(&mut self, pos: u64, end: u64) -> io::Result<&[u8]> {
        let held = self.start..self.start + self.data.len() as u64;
        if !held.contains(&pos) {
            self.fill(pos).await?;
        }
        let from = usize::try_from(pos - self.start).unwrap_or(usize::MAX);
        let upto = usize::try_from(end.saturating_sub(self.start))
            .unwrap_or(usize::MAX)
            .min(self.data.len());
        Ok(self.data.get(from..upto).unwrap_or(&[]))
    }

    async fn fill(&mut self, pos: u64) -> io::Result<()> {
        let mut file = self
            .file
            .take()
            .ok_or_else(|| io::Error::other("range reader used after a failed read"))?;
        let mut buf = std::mem::take(&mut self.data);
        let (file, buf, result) = tokio::task::spawn_blocking(move || {
            buf.clear();
            let result = file
                .seek(SeekFrom::Start(pos))
                .and_then(|_| (&mut file).take(WINDOW as u64).read_to_end(&mut buf));
            (file, buf, result)
        })
        .await
        .map_err(io::Error::other)?;
        self.file = Some(file);
        self.start = pos;
        self.data = buf;
        result.map(|_| ())
    }
}
