//! Fast reading of SQLite's dates and timestamps, for the rows read by the thousand.
//!
//! SQLite stores a date as the text `2026-12-05` and a timestamp as `2026-12-05 08:00:00.123456`.
//! diesel reads them with chrono's `parse_from_str`, which interprets its format string afresh
//! for every value: on the clerk's queue (51 rows of five dates and a timestamp) that was 16 % of
//! the request's CPU (`perf`, issue 24). These types read the two shapes OneStop writes directly
//! and hand anything else to diesel's own reading; on PostgreSQL, whose values are binary, they
//! are diesel's reading unchanged.
//!
//! A query field uses them with `#[diesel(deserialize_as = …)]`, so models keep chrono's types.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use diesel::deserialize::{self, FromSql};
use diesel::pg::Pg;
use diesel::sql_types::{Date, Nullable, Timestamp};
use diesel::sqlite::Sqlite;

use super::MultiBackend;

/// A date read from the database (the non-null half of [`MaybeDay`]).
struct Day(NaiveDate);
/// A date or NULL read from the database.
#[derive(diesel::deserialize::FromSqlRow)]
pub struct MaybeDay(Option<NaiveDate>);
/// A timestamp read from the database (the non-null half of [`MaybeStamp`]).
struct Stamp(NaiveDateTime);
/// A timestamp or NULL read from the database.
#[derive(diesel::deserialize::FromSqlRow)]
pub struct MaybeStamp(Option<NaiveDateTime>);

impl From<MaybeDay> for Option<NaiveDate> {
    fn from(day: MaybeDay) -> Self {
        day.0
    }
}
impl From<MaybeStamp> for Option<NaiveDateTime> {
    fn from(stamp: MaybeStamp) -> Self {
        stamp.0
    }
}

/// `n` ASCII digits at the start of `bytes` as a number.
fn digits(bytes: &[u8], n: usize) -> Option<u32> {
    let field = bytes.get(..n)?;
    field.iter().try_fold(0u32, |value, &b| {
        b.is_ascii_digit().then(|| value * 10 + u32::from(b - b'0'))
    })
}

/// `YYYY-MM-DD`, exactly.
fn parse_day(text: &str) -> Option<NaiveDate> {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = i32::try_from(digits(b, 4)?).ok()?;
    NaiveDate::from_ymd_opt(year, digits(&b[5..], 2)?, digits(&b[8..], 2)?)
}

/// `YYYY-MM-DD HH:MM:SS` with an optional fraction of up to nine digits (a `T` may stand for
/// the space), exactly.
fn parse_stamp(text: &str) -> Option<NaiveDateTime> {
    let b = text.as_bytes();
    if b.len() < 19 || !matches!(b[10], b' ' | b'T') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let day = parse_day(text.get(..10)?)?;
    let nanos = match &b[19..] {
        [] => 0,
        [b'.', fraction @ ..] if (1..=9).contains(&fraction.len()) => {
            let n = fraction.len();
            digits(fraction, n)? * 10u32.pow(9 - u32::try_from(n).ok()?)
        }
        _ => return None,
    };
    let time = NaiveTime::from_hms_nano_opt(
        digits(&b[11..], 2)?,
        digits(&b[14..], 2)?,
        digits(&b[17..], 2)?,
        nanos,
    )?;
    Some(day.and_time(time))
}

impl FromSql<Date, Sqlite> for Day {
    fn from_sql(
        mut value: <Sqlite as diesel::backend::Backend>::RawValue<'_>,
    ) -> deserialize::Result<Self> {
        if let Some(day) = parse_day(value.read_text()) {
            return Ok(Day(day));
        }
        <NaiveDate as FromSql<Date, Sqlite>>::from_sql(value).map(Day)
    }
}

impl FromSql<Timestamp, Sqlite> for Stamp {
    fn from_sql(
        mut value: <Sqlite as diesel::backend::Backend>::RawValue<'_>,
    ) -> deserialize::Result<Self> {
        if let Some(stamp) = parse_stamp(value.read_text()) {
            return Ok(Stamp(stamp));
        }
        <NaiveDateTime as FromSql<Timestamp, Sqlite>>::from_sql(value).map(Stamp)
    }
}

impl FromSql<Date, Pg> for Day {
    fn from_sql(
        value: <Pg as diesel::backend::Backend>::RawValue<'_>,
    ) -> deserialize::Result<Self> {
        <NaiveDate as FromSql<Date, Pg>>::from_sql(value).map(Day)
    }
}

impl FromSql<Timestamp, Pg> for Stamp {
    fn from_sql(
        value: <Pg as diesel::backend::Backend>::RawValue<'_>,
    ) -> deserialize::Result<Self> {
        <NaiveDateTime as FromSql<Timestamp, Pg>>::from_sql(value).map(Stamp)
    }
}

impl FromSql<Date, MultiBackend> for Day {
    fn from_sql(
        value: <MultiBackend as diesel::backend::Backend>::RawValue<'_>,
    ) -> deserialize::Result<Self> {
        value.from_sql::<Self, Date>()
    }
}

impl FromSql<Timestamp, MultiBackend> for Stamp {
    fn from_sql(
        value: <MultiBackend as diesel::backend::Backend>::RawValue<'_>,
    ) -> deserialize::Result<Self> {
        value.from_sql::<Self, Timestamp>()
    }
}

impl FromSql<Nullable<Date>, MultiBackend> for MaybeDay {
    fn from_sql(
        value: <MultiBackend as diesel::backend::Backend>::RawValue<'_>,
    ) -> deserialize::Result<Self> {
        Ok(MaybeDay(Some(value.from_sql::<Day, Date>()?.0)))
    }

    fn from_nullable_sql(
        value: Option<<MultiBackend as diesel::backend::Backend>::RawValue<'_>>,
    ) -> deserialize::Result<Self> {
        value.map_or(Ok(MaybeDay(None)), Self::from_sql)
    }
}

impl FromSql<Nullable<Timestamp>, MultiBackend> for MaybeStamp {
    fn from_sql(
        value: <MultiBackend as diesel::backend::Backend>::RawValue<'_>,
    ) -> deserialize::Result<Self> {
        Ok(MaybeStamp(Some(value.from_sql::<Stamp, Timestamp>()?.0)))
    }

    fn from_nullable_sql(
        value: Option<<MultiBackend as diesel::backend::Backend>::RawValue<'_>>,
    ) -> deserialize::Result<Self> {
        value.map_or(Ok(MaybeStamp(None)), Self::from_sql)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_shapes_onestop_writes() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
        assert_eq!(parse_day("2026-12-05"), Some(day));
        assert_eq!(
            parse_stamp("2026-12-05 08:09:10"),
            Some(day.and_hms_opt(8, 9, 10).unwrap())
        );
        assert_eq!(
            parse_stamp("2026-12-05 08:09:10.123456"),
            Some(day.and_hms_micro_opt(8, 9, 10, 123_456).unwrap())
        );
        assert_eq!(
            parse_stamp("2026-12-05T08:09:10.5"),
            Some(day.and_hms_milli_opt(8, 9, 10, 500).unwrap())
        );
    }

    #[test]
    fn leaves_every_other_shape_to_diesel() {
        for text in [
            "2026-02-30",
            "2026-12-5",
            "26-12-05",
            "2026/12/05",
            "2026-12-05 ",
            "２０２６-12-05",
        ] {
            assert_eq!(parse_day(text), None, "{text}");
        }
        for text in [
            "2026-12-05",
            "2026-12-05 24:00:00",
            "2026-12-05 08:09:10.",
            "2026-12-05 08:09:10.1234567890",
            "2026-12-05 08:09:10+08:00",
            "2026-12-05 08:09",
        ] {
            assert_eq!(parse_stamp(text), None, "{text}");
        }
    }

    #[test]
    fn agrees_with_chrono_on_every_day_of_a_leap_year_and_its_neighbours() {
        let mut day = NaiveDate::from_ymd_opt(2023, 12, 25).unwrap();
        while day < NaiveDate::from_ymd_opt(2025, 1, 8).unwrap() {
            let text = day.format("%Y-%m-%d").to_string();
            assert_eq!(parse_day(&text), Some(day));
            let stamp = day.and_hms_micro_opt(23, 59, 59, 999_999).unwrap();
            let text = stamp.format("%Y-%m-%d %H:%M:%S%.f").to_string();
            assert_eq!(parse_stamp(&text), Some(stamp));
            day = day.succ_opt().unwrap();
        }
    }
}
