//! rpm's version comparison (`rpmvercmp`): segments of digits compare as numbers, letters
//! as strings, a digit segment is newer than a letter one, `~` sorts before everything
//! (pre-releases) and `^` after the version but before any further segment.

use std::cmp::Ordering;

/// Compares two version (or release) strings as rpm does.
pub fn compare(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    let (mut a, mut b) = (a.as_bytes(), b.as_bytes());
    let sep = |c: u8| !c.is_ascii_alphanumeric() && c != b'~' && c != b'^';
    loop {
        while let Some((&c, rest)) = a.split_first()
            && sep(c)
        {
            a = rest;
        }
        while let Some((&c, rest)) = b.split_first()
            && sep(c)
        {
            b = rest;
        }
        for mark in [b'~', b'^'] {
            match (a.first() == Some(&mark), b.first() == Some(&mark)) {
                (true, true) => {
                    a = &a[1..];
                    b = &b[1..];
                    continue;
                }
                (true, false) => {
                    return if mark == b'~' || !b.is_empty() {
                        Ordering::Less
                    } else {
                        Ordering::Greater
                    };
                }
                (false, true) => {
                    return if mark == b'~' || !a.is_empty() {
                        Ordering::Greater
                    } else {
                        Ordering::Less
                    };
                }
                _ => {}
            }
        }
        if a.is_empty() || b.is_empty() {
            break;
        }
        let digits = a[0].is_ascii_digit();
        let take = |s: &[u8]| {
            s.iter()
                .take_while(|c| {
                    if digits {
                        c.is_ascii_digit()
                    } else {
                        c.is_ascii_alphabetic()
                    }
                })
                .count()
        };
        let (la, lb) = (take(a), take(b));
        if lb == 0 {
            // A number is newer than letters.
            return if digits {
                Ordering::Greater
            } else {
                Ordering::Less
            };
        }
        let (sa, sb) = (&a[..la], &b[..lb]);
        let ord = if digits {
            let trim = |s: &[u8]| {
                let z = s.iter().take_while(|&&c| c == b'0').count();
                s[z..].to_vec()
            };
            let (ta, tb) = (trim(sa), trim(sb));
            ta.len().cmp(&tb.len()).then_with(|| ta.cmp(&tb))
        } else {
            sa.cmp(sb)
        };
        if ord != Ordering::Equal {
            return ord;
        }
        a = &a[la..];
        b = &b[lb..];
    }
    a.len().cmp(&b.len())
}

#[cfg(test)]
mod tests {
    use super::compare;
    use std::cmp::Ordering::*;

    #[test]
    fn rpm_ordering() {
        assert_eq!(compare("1.1", "1.0"), Greater);
        assert_eq!(compare("1.10", "1.9"), Greater);
        assert_eq!(compare("1.0", "1.0"), Equal);
        assert_eq!(compare("1.0~rc1", "1.0"), Less);
        assert_eq!(compare("1.0^git1", "1.0"), Greater);
        assert_eq!(compare("1.0^git1", "1.0.1"), Less);
        assert_eq!(compare("1.0a", "1.0"), Greater);
        assert_eq!(compare("2", "1a"), Greater);
        assert_eq!(compare("1.001", "1.1"), Equal);
    }
}
