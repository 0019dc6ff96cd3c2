//! Just enough DER to read two fields of an X.509 certificate: the SubjectPublicKeyInfo (whose
//! SHA-256 is the pin Chrome's `--ignore-certificate-errors-spki-list` takes) and the end of the
//! validity period (to renew generated certificates before they expire). A full X.509 parser would
//! be a large dependency for two fields whose position RFC 5280 fixes.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// One tag-length-value: the tag byte, the content and what follows it.
struct Tlv<'a> {
    tag: u8,
    content: &'a [u8],
    whole: &'a [u8],
    rest: &'a [u8],
}

fn read_tlv(input: &[u8]) -> Option<Tlv<'_>> {
    let tag = *input.first()?;
    let first = *input.get(1)? as usize;
    let (len, header) = if first < 0x80 {
        (first, 2)
    } else {
        let n = first & 0x7f;
        if n == 0 || n > 4 {
            return None;
        }
        let mut len = 0usize;
        for i in 0..n {
            len = (len << 8) | *input.get(2 + i)? as usize;
        }
        (len, 2 + n)
    };
    let end = header.checked_add(len)?;
    if end > input.len() {
        return None;
    }
    Some(Tlv {
        tag,
        content: &input[header..end],
        whole: &input[..end],
        rest: &input[end..],
    })
}

const SEQUENCE: u8 = 0x30;
const INTEGER: u8 = 0x02;
const VERSION: u8 = 0xa0;
const UTC_TIME: u8 = 0x17;
const GENERALIZED_TIME: u8 = 0x18;

/// The fields of `TBSCertificate` up to and including subjectPublicKeyInfo.
struct Tbs<'a> {
    not_after: Tlv<'a>,
    spki: &'a [u8],
}

fn tbs(cert_der: &[u8]) -> Option<Tbs<'_>> {
    let cert = read_tlv(cert_der).filter(|t| t.tag == SEQUENCE)?;
    let tbs = read_tlv(cert.content).filter(|t| t.tag == SEQUENCE)?;
    let mut field = read_tlv(tbs.content)?;
    if field.tag == VERSION {
        field = read_tlv(field.rest)?;
    }
    if field.tag != INTEGER {
        return None;
    }
    let signature = read_tlv(field.rest).filter(|t| t.tag == SEQUENCE)?;
    let issuer = read_tlv(signature.rest).filter(|t| t.tag == SEQUENCE)?;
    let validity = read_tlv(issuer.rest).filter(|t| t.tag == SEQUENCE)?;
    let subject = read_tlv(validity.rest).filter(|t| t.tag == SEQUENCE)?;
    let spki = read_tlv(subject.rest).filter(|t| t.tag == SEQUENCE)?;
    let not_before = read_tlv(validity.content)?;
    let not_after = read_tlv(not_before.rest)?;
    Some(Tbs {
        not_after,
        spki: spki.whole,
    })
}

/// The DER bytes of the certificate's SubjectPublicKeyInfo.
pub fn subject_public_key_info(cert_der: &[u8]) -> Option<&[u8]> {
    tbs(cert_der).map(|t| t.spki)
}

/// The certificate's notAfter.
pub fn not_after(cert_der: &[u8]) -> Option<SystemTime> {
    let t = tbs(cert_der)?.not_after;
    let text = std::str::from_utf8(t.content).ok()?;
    let digits = text.strip_suffix('Z')?;
    let (year, rest) = match t.tag {
        UTC_TIME if digits.len() == 12 => {
            let yy: i64 = digits[..2].parse().ok()?;
            (if yy < 50 { 2000 + yy } else { 1900 + yy }, &digits[2..])
        }
        GENERALIZED_TIME if digits.len() == 14 => (digits[..4].parse().ok()?, &digits[4..]),
        _ => return None,
    };
    let num = |range: std::ops::Range<usize>| -> Option<i64> { rest.get(range)?.parse().ok() };
    let (month, day) = (num(0..2)?, num(2..4)?);
    let (hour, minute, second) = (num(4..6)?, num(6..8)?, num(8..10)?);
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3_600 + minute * 60 + second;
    Some(if secs >= 0 {
        UNIX_EPOCH + Duration::from_secs(secs as u64)
    } else {
        UNIX_EPOCH
    })
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_days() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(2026, 11, 25), 20_782);
    }

    #[test]
    fn rejects_garbage() {
        assert!(subject_public_key_info(b"").is_none());
        assert!(subject_public_key_info(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]).is_none());
        assert!(not_after(&[0x30, 0x00]).is_none());
    }
}
