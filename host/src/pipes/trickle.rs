//! `trickle(spec)` (F-PP-5): the body as data and delay steps, which the writer sends as they come
//! (a delay is a tokio sleep: no thread is held while waiting).
//!
//! `spec := item (':' item)*` with `N` (send the next N bytes), `dF` (sleep F seconds) and `rN`
//! (as the last item: repeat the previous N items until the body is exhausted). The steps are worked
//! out here exactly as wptserve's generator would produce them, Python slice arithmetic included.

use super::convert::{py_float, py_int, py_slice};
use super::{body, Call, PipeError};
use crate::response::{Body, BodyStep, Response};
use bytes::Bytes;
use std::time::Duration;

/// More steps than this is a runaway spec (e.g. `1:d0:r2` over a large file); refuse it.
const MAX_STEPS: usize = 1_000_000;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Item {
    Bytes(i64),
    Delay(Duration),
    Repeat(i64),
}

impl Item {
    fn kind(&self) -> &'static str {
        match self {
            Item::Bytes(_) => "byte count",
            Item::Delay(_) => "delay",
            Item::Repeat(_) => "repeat",
        }
    }
}

pub async fn apply(response: &mut Response, call: &Call<'_>) -> Result<(), PipeError> {
    call.expect_args(1, 1)?;
    let items = parse(&call.args()[0]).map_err(|e| call.error(e))?;
    let content = body::resolve(std::mem::take(&mut response.body)).await?;
    let steps = plan(&items, &content).map_err(|e| call.error(e))?;
    let h = &mut response.headers;
    if !(h.contains(b"Cache-Control") || h.contains(b"Pragma") || h.contains(b"Expires")) {
        h.set("Cache-Control", "no-cache, no-store, must-revalidate");
        h.set("Pragma", "no-cache");
        h.set("Expires", "0");
    }
    response.body = Body::Steps(steps);
    Ok(())
}

fn parse(spec: &str) -> Result<Vec<Item>, String> {
    let mut items: Vec<Item> = Vec::new();
    for part in spec.split(':') {
        let item = if let Some(rest) = part.strip_prefix('d') {
            let secs = py_float(rest).ok_or_else(|| format!("bad delay {part:?}"))?;
            // wptserve would fail half-way through the body on these; refuse them up front.
            let d = Duration::try_from_secs_f64(secs)
                .map_err(|_| format!("delay {part:?} is not a finite, non-negative number"))?;
            Item::Delay(d)
        } else if let Some(rest) = part.strip_prefix('r') {
            let n = py_int(rest).ok_or_else(|| format!("bad repeat {part:?}"))?;
            if n.rem_euclid(2) != 0 {
                return Err(format!("repeat count in {part:?} must be even"));
            }
            Item::Repeat(n)
        } else {
            Item::Bytes(py_int(part).ok_or_else(|| format!("bad byte count {part:?}"))?)
        };
        if let Some(last) = items.last() {
            // wptserve tries to merge these and crashes.
            if last.kind() == item.kind() {
                return Err(format!(
                    "two consecutive {} items ({part:?} follows another)",
                    item.kind()
                ));
            }
        }
        items.push(item);
    }
    Ok(items)
}

struct Planner<'c> {
    content: &'c Bytes,
    offset: i64,
    steps: Vec<BodyStep>,
}

fn plan(items: &[Item], content: &Bytes) -> Result<Vec<BodyStep>, String> {
    let mut p = Planner {
        content,
        offset: 0,
        steps: Vec::new(),
    };
    p.run(items, false)?;
    Ok(p.steps)
}

impl Planner<'_> {
    fn len(&self) -> i64 {
        i64::try_from(self.content.len()).unwrap_or(i64::MAX)
    }

    fn push(&mut self, step: BodyStep) -> Result<(), String> {
        if let BodyStep::Data(d) = &step {
            // wptserve's writer skips empty chunks.
            if d.is_empty() {
                return Ok(());
            }
        }
        if self.steps.len() >= MAX_STEPS {
            return Err(format!(
                "the spec would produce more than {MAX_STEPS} steps"
            ));
        }
        self.steps.push(step);
        Ok(())
    }

    /// wptserve's `add_content(delays, repeat)`.
    fn run(&mut self, items: &[Item], repeat: bool) -> Result<(), String> {
        for (i, item) in items.iter().enumerate() {
            match *item {
                Item::Bytes(n) => {
                    let end = self.offset.saturating_add(n);
                    let range = py_slice(self.content.len(), Some(self.offset), Some(end));
                    self.push(BodyStep::Data(self.content.slice(range)))?;
                    self.offset = end;
                }
                Item::Delay(d) => self.push(BodyStep::Delay(d))?,
                Item::Repeat(n) => {
                    if i != items.len() - 1 {
                        continue;
                    }
                    let start = n.saturating_add(1).saturating_neg();
                    let len = items.len();
                    let range = py_slice(len, Some(start), Some(-1));
                    let repeated = &items[range];
                    while self.offset < self.len() {
                        let before = self.offset;
                        self.run(repeated, true)?;
                        if self.offset <= before {
                            // wptserve loops forever here (`r0`, or nothing but delays repeated).
                            return Err(format!(
                                "r{n} repeats items that send no data, so the body would never end"
                            ));
                        }
                    }
                }
            }
        }
        if !repeat && self.offset < self.len() {
            let range = py_slice(self.content.len(), Some(self.offset), None);
            self.push(BodyStep::Data(self.content.slice(range)))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(ms: u64) -> BodyStep {
        BodyStep::Delay(Duration::from_millis(ms))
    }

    fn b(s: &'static str) -> BodyStep {
        BodyStep::Data(Bytes::from_static(s.as_bytes()))
    }

    fn steps(spec: &str, content: &'static str) -> Result<Vec<BodyStep>, String> {
        plan(&parse(spec)?, &Bytes::from_static(content.as_bytes()))
    }

    const DOC: &str = "This is a test document\n";

    #[test]
    fn bytes_delays_and_remainder() {
        assert_eq!(steps("d1", DOC).unwrap(), vec![d(1000), b(DOC)]);
        assert_eq!(
            steps("5:d0.2", DOC).unwrap(),
            vec![b("This "), d(200), b("is a test document\n")]
        );
    }

    #[test]
    fn repeat_f_pp_5() {
        // The upstream test: 1 byte, 2 s, 5 bytes, 1 s, then (5 bytes, 1 s) until done.
        let s = steps("1:d2:5:d1:r2", DOC).unwrap();
        let data: Vec<u8> = s
            .iter()
            .filter_map(|x| match x {
                BodyStep::Data(d) => Some(d.to_vec()),
                _ => None,
            })
            .flatten()
            .collect();
        assert_eq!(data, DOC.as_bytes());
        let total: Duration = s
            .iter()
            .filter_map(|x| match x {
                BodyStep::Delay(d) => Some(*d),
                _ => None,
            })
            .sum();
        // 2 + 1 + 1 s per further 5-byte chunk: 18 bytes left -> 4 chunks.
        assert_eq!(total, Duration::from_secs(7));
        assert_eq!(
            steps("5:d0.2:r2", "0123456789ab").unwrap(),
            vec![b("01234"), d(200), b("56789"), d(200), b("ab"), d(200)]
        );
    }

    #[test]
    fn python_slice_quirks() {
        // Negative counts slice like Python: content[0:-5] then the remainder content[-5:].
        let s = steps("-5", DOC).unwrap();
        assert_eq!(s, vec![b("This is a test docu"), b("ment\n")]);
        // A repeat that is not last is ignored.
        assert_eq!(
            steps("5:r2:d0", "0123456789").unwrap(),
            vec![b("01234"), d(0), b("56789")]
        );
    }

    #[test]
    fn rejected_specs() {
        for bad in [
            "", "5:", "d", "5:5", "d1:d2", "1:r3", "5:r0", "d1:r2", "x", "d-1", "dnan", "dinf",
        ] {
            assert!(steps(bad, DOC).is_err(), "{bad:?}");
        }
    }
}
