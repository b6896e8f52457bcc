//! YAML 1.1 timestamps as PyYAML constructs them (`datetime.date` / `datetime.datetime`).

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Time {
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub microsecond: u32,
    /// Offset from UTC in minutes, when the timestamp names one.
    pub offset_minutes: Option<i32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timestamp {
    pub year: i32,
    pub month: u32,
    pub day: u32,
    pub time: Option<Time>,
}

impl Timestamp {
    /// `isoformat()`: what Ansible's JSON encoder writes.
    pub fn isoformat(&self) -> String {
        self.format('T')
    }

    /// `str()`: what `--graph --vars` shows.
    pub fn python_str(&self) -> String {
        self.format(' ')
    }

    fn format(&self, sep: char) -> String {
        let mut out = format!("{:04}-{:02}-{:02}", self.year, self.month, self.day);
        if let Some(t) = &self.time {
            out.push_str(&format!(
                "{sep}{:02}:{:02}:{:02}",
                t.hour, t.minute, t.second
            ));
            if t.microsecond != 0 {
                out.push_str(&format!(".{:06}", t.microsecond));
            }
            if let Some(off) = t.offset_minutes {
                let sign = if off < 0 { '-' } else { '+' };
                let off = off.abs();
                out.push_str(&format!("{sign}{:02}:{:02}", off / 60, off % 60));
            }
        }
        out
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.python_str())
    }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

/// Build a timestamp from text the YAML 1.1 timestamp pattern already matched.
/// Returns an error message when the fields are out of range, as Python's datetime does.
pub fn parse_timestamp(text: &str) -> Result<Timestamp, String> {
    let bad = || format!("invalid timestamp {text:?}");
    let num = |s: &str| s.parse::<u32>().map_err(|_| bad());
    let (date, rest) = match text.find(['T', 't', ' ', '\t']) {
        Some(i) => (
            &text[..i],
            Some(text[i..].trim_start_matches(['T', 't', ' ', '\t'])),
        ),
        None => (text, None),
    };
    let mut parts = date.splitn(3, '-');
    let year: i32 = parts.next().ok_or_else(bad)?.parse().map_err(|_| bad())?;
    let month = num(parts.next().ok_or_else(bad)?)?;
    let day = num(parts.next().ok_or_else(bad)?)?;
    if !(1..=12).contains(&month) {
        return Err("month must be in 1..12".into());
    }
    if day < 1 || day > days_in_month(year, month) {
        return Err("day is out of range for month".into());
    }
    if year < 1 {
        return Err(format!("year {year} is out of range"));
    }
    let Some(rest) = rest else {
        return Ok(Timestamp {
            year,
            month,
            day,
            time: None,
        });
    };
    // rest: HH:MM:SS[.frac][ws][Z|+-HH[:MM]]
    let tz_start = rest.find(['Z', '+', '-', ' ', '\t']).unwrap_or(rest.len());
    let (clock, tz) = rest.split_at(tz_start);
    let tz = tz.trim_start_matches([' ', '\t']);
    let (hms, frac) = match clock.split_once('.') {
        Some((a, b)) => (a, b),
        None => (clock, ""),
    };
    let mut hms = hms.split(':');
    let hour = num(hms.next().ok_or_else(bad)?)?;
    let minute = num(hms.next().ok_or_else(bad)?)?;
    let second = num(hms.next().ok_or_else(bad)?)?;
    if hour > 23 {
        return Err("hour must be in 0..23".into());
    }
    if minute > 59 {
        return Err("minute must be in 0..59".into());
    }
    if second > 59 {
        return Err("second must be in 0..59".into());
    }
    let mut frac: String = frac.chars().take(6).collect();
    while frac.len() < 6 {
        frac.push('0');
    }
    let microsecond = num(&frac)?;
    let offset_minutes = if tz.is_empty() {
        None
    } else if tz == "Z" {
        Some(0)
    } else {
        let sign = if tz.starts_with('-') { -1 } else { 1 };
        let body = &tz[1..];
        let (h, m) = match body.split_once(':') {
            Some((h, m)) => (num(h)?, num(m)?),
            None => (num(body)?, 0),
        };
        Some(sign * (h as i32 * 60 + m as i32))
    };
    Ok(Timestamp {
        year,
        month,
        day,
        time: Some(Time {
            hour,
            minute,
            second,
            microsecond,
            offset_minutes,
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isoformat_matches_python() {
        let t = parse_timestamp("2001-12-14t21:59:43.10-05:00").unwrap();
        assert_eq!(t.isoformat(), "2001-12-14T21:59:43.100000-05:00");
        let t = parse_timestamp("2001-12-14 21:59:43.10").unwrap();
        assert_eq!(t.isoformat(), "2001-12-14T21:59:43.100000");
        let t = parse_timestamp("2001-12-15T02:59:43.1Z").unwrap();
        assert_eq!(t.isoformat(), "2001-12-15T02:59:43.100000+00:00");
        assert_eq!(
            parse_timestamp("2001-12-14").unwrap().isoformat(),
            "2001-12-14"
        );
        assert!(parse_timestamp("2001-02-30").is_err());
    }
}
