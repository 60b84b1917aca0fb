//! Calendar arithmetic for the scenario clock: RFC 3339 instants and short durations
//! ("3d", "12h", "1d6h30m"), without a date-time dependency.

/// Seconds in a day.
pub const DAY: i64 = 86_400;

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

/// Parses `2025-03-01T00:00:00Z` (or with a `+hh:mm` offset, or a bare date) into Unix seconds.
///
/// # Errors
/// A message saying what part of the text is not a valid instant.
pub fn parse_instant(s: &str) -> Result<i64, String> {
    let bad = || format!("\"{s}\" is not a date-time like \"2025-03-01T00:00:00Z\"");
    let (date, rest) = match s.find(['T', ' ']) {
        Some(i) => (&s[..i], &s[i + 1..]),
        None => (s, ""),
    };
    let dp: Vec<&str> = date.split('-').collect();
    if dp.len() != 3 || dp[0].len() != 4 {
        return Err(bad());
    }
    let num = |t: &str| t.parse::<i64>().map_err(|_| bad());
    let (y, m, d) = (num(dp[0])?, num(dp[1])?, num(dp[2])?);
    if !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
        return Err(format!("\"{s}\" names a day that does not exist"));
    }
    let mut secs = days_from_civil(y, m, d) * DAY;
    if !rest.is_empty() {
        let (clock, offset) = if let Some(c) = rest.strip_suffix('Z') {
            (c, 0)
        } else if let Some(i) = rest.rfind(['+', '-']) {
            let sign = if &rest[i..=i] == "-" { -1 } else { 1 };
            let op: Vec<&str> = rest[i + 1..].split(':').collect();
            if op.len() != 2 {
                return Err(bad());
            }
            (&rest[..i], sign * (num(op[0])? * 3600 + num(op[1])? * 60))
        } else {
            return Err(format!("\"{s}\" needs a time zone: end it with Z for UTC"));
        };
        let cp: Vec<&str> = clock.split(':').collect();
        if cp.len() < 2 || cp.len() > 3 {
            return Err(bad());
        }
        let (h, mi) = (num(cp[0])?, num(cp[1])?);
        let sec = if cp.len() == 3 { num(cp[2].split('.').next().unwrap_or("0"))? } else { 0 };
        if h > 23 || mi > 59 || sec > 60 {
            return Err(bad());
        }
        secs += h * 3600 + mi * 60 + sec - offset;
    }
    Ok(secs)
}

/// Formats Unix seconds as `2025-03-01T00:00:00Z`.
pub fn format_instant(t: i64) -> String {
    let (y, m, d) = civil_from_days(t.div_euclid(DAY));
    let s = t.rem_euclid(DAY);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", s / 3600, s / 60 % 60, s % 60)
}

/// Parses a duration such as `3d`, `12h`, `1d6h`, `90m`, `2w`, `45s` into seconds.
///
/// # Errors
/// A message naming the unit it expected.
pub fn parse_duration(s: &str) -> Result<i64, String> {
    let bad = || format!("\"{s}\" is not a duration; write a number and a unit: \"3d\", \"12h\", \"1d6h\", \"90m\"");
    let t = s.trim();
    if t.is_empty() {
        return Err(bad());
    }
    let mut total: i64 = 0;
    let mut num = String::new();
    for c in t.chars() {
        if c.is_ascii_digit() || c == '.' {
            num.push(c);
            continue;
        }
        let unit = match c {
            'w' => 7 * DAY,
            'd' => DAY,
            'h' => 3600,
            'm' => 60,
            's' => 1,
            _ => return Err(bad()),
        };
        let n: f64 = num.parse().map_err(|_| bad())?;
        num.clear();
        let add = n * unit as f64;
        if !add.is_finite() || add > 1e12 {
            return Err(format!("\"{s}\" is longer than any scenario can be"));
        }
        total += add.round() as i64;
    }
    if !num.is_empty() {
        return Err(bad());
    }
    Ok(total)
}

/// A duration in the short form `parse_duration` reads (`1d6h`).
pub fn format_duration(mut secs: i64) -> String {
    if secs == 0 {
        return "0s".into();
    }
    let mut out = String::new();
    for (unit, name) in [(DAY, 'd'), (3600, 'h'), (60, 'm'), (1, 's')] {
        if secs >= unit {
            out.push_str(&format!("{}{name}", secs / unit));
            secs %= unit;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_round_trip() {
        let t = parse_instant("2025-03-01T12:34:56Z").unwrap();
        assert_eq!(t, 1_740_832_496);
        assert_eq!(format_instant(t), "2025-03-01T12:34:56Z");
        assert_eq!(parse_instant("2024-02-29").unwrap() % DAY, 0);
        assert_eq!(parse_instant("2025-03-01T14:34:56+02:00").unwrap(), t);
    }

    #[test]
    fn bad_instants_say_why() {
        assert!(parse_instant("2025-02-30T00:00:00Z").unwrap_err().contains("does not exist"));
        assert!(parse_instant("2025-03-01T00:00:00").unwrap_err().contains("time zone"));
        assert!(parse_instant("yesterday").is_err());
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("1d6h").unwrap(), DAY + 6 * 3600);
        assert_eq!(parse_duration("90m").unwrap(), 5400);
        assert_eq!(parse_duration("0.5d").unwrap(), DAY / 2);
        assert!(parse_duration("3 days").is_err());
        assert!(parse_duration("12").is_err());
        assert_eq!(format_duration(DAY + 6 * 3600), "1d6h");
    }
}
