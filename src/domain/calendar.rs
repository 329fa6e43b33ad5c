//! The working-day calendar and how OneStop counts periods in working days.
//!
//! 行政许可法 Art 82: "期限以工作日计算，不含法定节假日". The counting rules, applied everywhere:
//!
//! 1. A day is a working day if it is Monday to Friday and not a listed holiday, or if it is a
//!    Saturday or Sunday listed as a make-up working day (调休上班).
//! 2. A period of *n* working days starting on date *s* ends on the *n*-th working day **after**
//!    *s*: day 1 is the first working day after the start date (民法典 Art 201: the day of the act
//!    is not counted), whatever kind of day *s* itself is. A period of 0 days ends on *s* itself
//!    (即办件: decided the same day).
//! 3. The working days between two dates *a* and *b* are those *d* with *a* < *d* ≤ *b*; the
//!    working days *in* a span from *a* to *b* (a special procedure, Art 45) are those with
//!    *a* ≤ *d* ≤ *b*, both ends included.
//! 4. A period is met if the act happens on or before its last day.
//! 5. Beyond the years the calendar covers, only weekends are non-working days. A year is
//!    *settled* once its official notice is entered and an administrator confirmed it; a
//!    deadline in a provisional year (only the statutory holidays, no 调休) or in a year with no
//!    calendar at all is shown with a warning that it may move when the notice is published.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Days, NaiveDate, Weekday};

/// Weekdays that are holidays and weekend days that are working days, by date.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    exceptions: BTreeMap<NaiveDate, DayKind>,
    /// The years whose official notice is entered and confirmed.
    settled: BTreeSet<i32>,
}

/// Whether a year's calendar is the official one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum YearStatus {
    /// Only the statutory holidays, no make-up days: it will change when the notice comes.
    Provisional,
    /// The State Council's notice, entered and confirmed.
    Confirmed,
}

impl YearStatus {
    pub fn code(self) -> &'static str {
        match self {
            YearStatus::Provisional => "provisional",
            YearStatus::Confirmed => "confirmed",
        }
    }

    pub fn parse(code: &str) -> Option<YearStatus> {
        [YearStatus::Provisional, YearStatus::Confirmed]
            .into_iter()
            .find(|s| s.code() == code)
    }
}

/// The years an administrator should see to before deadlines fall in them, on `today`: this
/// year and, from 1 October, the next, unless they are settled.
pub fn years_to_settle(settled: &[i32], today: NaiveDate) -> Vec<i32> {
    let mut years = vec![today.year()];
    if today.month() >= 10 {
        years.push(today.year() + 1);
    }
    years.retain(|y| !settled.contains(y));
    years
}

/// What an exception day is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayKind {
    /// A public holiday or a day off in lieu (放假).
    Holiday,
    /// A Saturday or Sunday worked in exchange (调休上班).
    MakeUpWorkday,
}

/// One exception with its note, as stored and shown to administrators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarDay {
    pub date: NaiveDate,
    pub kind: DayKind,
    pub note: String,
}

impl Calendar {
    /// A calendar of these exceptions, every year that has one counting as settled (see
    /// [`Self::with_settled_years`]).
    pub fn new(days: impl IntoIterator<Item = (NaiveDate, DayKind)>) -> Self {
        let exceptions: BTreeMap<NaiveDate, DayKind> = days.into_iter().collect();
        let settled = exceptions.keys().map(|d| d.year()).collect();
        Calendar {
            exceptions,
            settled,
        }
    }

    /// The same calendar where only `years` are settled.
    pub fn with_settled_years(mut self, years: impl IntoIterator<Item = i32>) -> Self {
        self.settled = years.into_iter().collect();
        self
    }

    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        match self.exceptions.get(&date) {
            Some(DayKind::Holiday) => false,
            Some(DayKind::MakeUpWorkday) => true,
            None => !matches!(date.weekday(), Weekday::Sat | Weekday::Sun),
        }
    }

    /// The last day of a period of `days` working days starting on `start` (rules 2 and 4).
    pub fn add_working_days(&self, start: NaiveDate, days: u32) -> NaiveDate {
        let mut date = start;
        let mut left = days;
        while left > 0 {
            date = next_day(date);
            if self.is_working_day(date) {
                left -= 1;
            }
        }
        date
    }

    /// The working days in (`from`, `to`]; 0 when `to` is not after `from` (rule 3).
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        let mut count = 0;
        let mut date = from;
        while date < to {
            date = next_day(date);
            if self.is_working_day(date) {
                count += 1;
            }
        }
        count
    }

    /// The working days in [`from`, `to`], both days included; 0 when `to` is before `from`.
    /// A special procedure (Art 45) excludes exactly these days from the periods.
    pub fn working_days_in(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        let day_before = from
            .pred_opt()
            .expect("dates stay far from chrono's limits");
        self.working_days_between(day_before, to)
    }

    /// The working day before `date` (for "one working day left").
    pub fn previous_working_day(&self, date: NaiveDate) -> NaiveDate {
        let mut day = date;
        loop {
            day = day.pred_opt().expect("dates stay far from chrono's limits");
            if self.is_working_day(day) {
                return day;
            }
        }
    }

    /// The years that have at least one exception listed: the years the calendar knows.
    pub fn years(&self) -> Vec<i32> {
        let mut years: Vec<i32> = self.exceptions.keys().map(|d| d.year()).collect();
        years.dedup();
        years
    }

    /// Whether `date` falls in a settled year (rule 5): if not, a deadline on it may move.
    pub fn covers(&self, date: NaiveDate) -> bool {
        self.settled.contains(&date.year())
    }
}

fn next_day(date: NaiveDate) -> NaiveDate {
    date.checked_add_days(Days::new(1))
        .expect("dates stay far from chrono's limits")
}

/// Why an exception day cannot be recorded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarProblem {
    #[error("{0} is a Saturday or Sunday: it is already a day off")]
    HolidayOnWeekend(NaiveDate),
    #[error("{0} is a weekday: it is already a working day")]
    MakeUpOnWeekday(NaiveDate),
}

impl CalendarDay {
    /// Checks that the exception changes something: a holiday on a weekday, a make-up working
    /// day on a weekend.
    pub fn check(&self) -> Result<(), CalendarProblem> {
        let weekend = matches!(self.date.weekday(), Weekday::Sat | Weekday::Sun);
        match (self.kind, weekend) {
            (DayKind::Holiday, true) => Err(CalendarProblem::HolidayOnWeekend(self.date)),
            (DayKind::MakeUpWorkday, false) => Err(CalendarProblem::MakeUpOnWeekday(self.date)),
            _ => Ok(()),
        }
    }
}

/// The calendar shipped with OneStop, in `calendar.toml`.
#[derive(Debug, serde::Deserialize)]
struct ShippedCalendar {
    year: Vec<ShippedYear>,
}

#[derive(Debug, serde::Deserialize)]
struct ShippedYear {
    year: i32,
    status: YearStatus,
    source: String,
    holidays: Vec<ShippedRange>,
    #[serde(default)]
    workdays: Vec<ShippedRange>,
}

#[derive(Debug, serde::Deserialize)]
struct ShippedRange {
    from: NaiveDate,
    #[serde(default)]
    to: Option<NaiveDate>,
    note: String,
}

fn shipped() -> ShippedCalendar {
    toml::from_str(include_str!("calendar.toml")).expect("calendar.toml is checked by the tests")
}

/// The shipped years, their status and source: 2026 confirmed, 2027 provisional.
pub fn shipped_years() -> Vec<(i32, YearStatus, String)> {
    shipped()
        .year
        .into_iter()
        .map(|y| (y.year, y.status, y.source))
        .collect()
}

/// The shipped exception days: 2026 from the State Council's notice, 2027 provisional.
pub fn shipped_days() -> Vec<CalendarDay> {
    let shipped = shipped();
    let mut days = Vec::new();
    for year in shipped.year {
        let ranges = year
            .holidays
            .iter()
            .map(|r| (r, DayKind::Holiday))
            .chain(year.workdays.iter().map(|r| (r, DayKind::MakeUpWorkday)));
        for (range, kind) in ranges {
            let mut date = range.from;
            let last = range.to.unwrap_or(range.from);
            while date <= last {
                let day = CalendarDay {
                    date,
                    kind,
                    note: format!("{}（{}）", range.note, year.source),
                };
                // A holiday range may span a weekend: only its weekdays are exceptions.
                if day.check().is_ok() {
                    days.push(day);
                }
                date = next_day(date);
            }
        }
    }
    days
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn shipped() -> Calendar {
        Calendar::new(shipped_days().into_iter().map(|d| (d.date, d.kind)))
    }

    #[test]
    fn the_2026_notice_is_shipped_as_published() {
        let cal = shipped();
        // 春节: 2月15日至23日放假, 2月14日（周六）、2月28日（周六）上班.
        for day in 15..=23 {
            assert!(!cal.is_working_day(d(2026, 2, day)), "Feb {day}");
        }
        assert!(cal.is_working_day(d(2026, 2, 14)));
        assert!(cal.is_working_day(d(2026, 2, 28)));
        // 元旦: 1月1日至3日放假, 1月4日（周日）上班.
        assert!(!cal.is_working_day(d(2026, 1, 1)));
        assert!(!cal.is_working_day(d(2026, 1, 2)));
        assert!(cal.is_working_day(d(2026, 1, 4)));
        // 国庆: 10月1日至7日放假, 9月20日（周日）、10月10日（周六）上班.
        for day in 1..=7 {
            assert!(!cal.is_working_day(d(2026, 10, day)), "Oct {day}");
        }
        assert!(cal.is_working_day(d(2026, 9, 20)));
        assert!(cal.is_working_day(d(2026, 10, 10)));
        // 劳动节 5月1日至5日, 5月9日（周六）上班; 清明 4月6日 (Monday); 端午 6月19日; 中秋 9月25日.
        assert!(!cal.is_working_day(d(2026, 5, 4)));
        assert!(!cal.is_working_day(d(2026, 5, 5)));
        assert!(cal.is_working_day(d(2026, 5, 9)));
        assert!(!cal.is_working_day(d(2026, 4, 6)));
        assert!(!cal.is_working_day(d(2026, 6, 19)));
        assert!(!cal.is_working_day(d(2026, 9, 25)));
        // An ordinary Saturday and Monday.
        assert!(!cal.is_working_day(d(2026, 11, 28)));
        assert!(cal.is_working_day(d(2026, 11, 30)));
        assert_eq!(cal.years(), vec![2026, 2027]);
    }

    #[test]
    fn day_one_is_the_first_working_day_after_the_start() {
        let cal = shipped();
        // Accepted on Monday 2026-11-23: day 1 is Tuesday, day 5 is Monday 11-30.
        assert_eq!(cal.add_working_days(d(2026, 11, 23), 1), d(2026, 11, 24));
        assert_eq!(cal.add_working_days(d(2026, 11, 23), 5), d(2026, 11, 30));
        // Received on a Saturday: day 1 is the Monday.
        assert_eq!(cal.add_working_days(d(2026, 11, 28), 1), d(2026, 11, 30));
        // 即办件: 0 days ends the same day.
        assert_eq!(cal.add_working_days(d(2026, 11, 28), 0), d(2026, 11, 28));
    }

    #[test]
    fn accepted_on_the_friday_before_national_day() {
        let cal = shipped();
        // Friday 2026-09-25 is 中秋 itself; take Wednesday 09-30, the last working day before
        // 国庆. Day 1 is Thursday 10-08 (Oct 1–7 off), Friday 10-09, Saturday 10-10 is a make-up
        // working day (day 3), then 10-12..10-16 (days 4–8), 10-19, 10-20 (days 9, 10).
        assert_eq!(cal.add_working_days(d(2026, 9, 30), 1), d(2026, 10, 8));
        assert_eq!(cal.add_working_days(d(2026, 9, 30), 3), d(2026, 10, 10));
        assert_eq!(cal.add_working_days(d(2026, 9, 30), 10), d(2026, 10, 20));
        // 20 working days from Friday 2026-09-18: 9-20 (Sunday, make-up) is day 1, 9-21..9-24
        // are 2–5, 9-25 中秋 off, 9-28..9-30 are 6–8, 10-08, 10-09, 10-10 are 9–11,
        // 10-12..16 are 12–16, 10-19..22 are 17–20.
        assert_eq!(cal.add_working_days(d(2026, 9, 18), 20), d(2026, 10, 22));
    }

    #[test]
    fn spring_festival_counts_its_make_up_saturdays() {
        let cal = shipped();
        // Friday 2026-02-13: day 1 is Saturday 02-14 (make-up), then nothing until 02-24.
        assert_eq!(cal.add_working_days(d(2026, 2, 13), 1), d(2026, 2, 14));
        assert_eq!(cal.add_working_days(d(2026, 2, 13), 2), d(2026, 2, 24));
        // 02-24..02-27 are days 2–5, Saturday 02-28 is day 6.
        assert_eq!(cal.add_working_days(d(2026, 2, 13), 6), d(2026, 2, 28));
    }

    #[test]
    fn working_days_between_excludes_the_start_and_includes_the_end() {
        let cal = shipped();
        assert_eq!(cal.working_days_between(d(2026, 9, 30), d(2026, 10, 10)), 3);
        assert_eq!(cal.working_days_between(d(2026, 10, 10), d(2026, 9, 30)), 0);
        assert_eq!(
            cal.working_days_between(d(2026, 11, 27), d(2026, 11, 29)),
            0
        );
    }

    #[test]
    fn working_days_in_a_span_include_both_ends() {
        let cal = shipped();
        // Monday 11-23 to Friday 11-27: five working days.
        assert_eq!(cal.working_days_in(d(2026, 11, 23), d(2026, 11, 27)), 5);
        // One working day, started and ended the same day.
        assert_eq!(cal.working_days_in(d(2026, 11, 24), d(2026, 11, 24)), 1);
        // A Saturday alone, and an end before the start.
        assert_eq!(cal.working_days_in(d(2026, 11, 28), d(2026, 11, 28)), 0);
        assert_eq!(cal.working_days_in(d(2026, 11, 27), d(2026, 11, 26)), 0);
        // 9-30 to 10-10 across 国庆: 9-30, 10-08, 10-09, 10-10 (make-up Saturday).
        assert_eq!(cal.working_days_in(d(2026, 9, 30), d(2026, 10, 10)), 4);
    }

    #[test]
    fn the_shipped_years_say_whether_they_are_settled() {
        let years = shipped_years();
        let status: Vec<(i32, YearStatus)> = years.iter().map(|(y, s, _)| (*y, *s)).collect();
        assert_eq!(
            status,
            [
                (2026, YearStatus::Confirmed),
                (2027, YearStatus::Provisional)
            ]
        );
        for (year, _, _) in &years {
            assert!(shipped_days().iter().any(|d| d.date.year() == *year));
        }
        let cal = shipped().with_settled_years([2026]);
        assert!(cal.covers(d(2026, 12, 31)));
        assert!(!cal.covers(d(2027, 1, 4)), "2027 is provisional");
        assert!(!cal.covers(d(2028, 1, 4)), "2028 has no calendar");
    }

    #[test]
    fn administrators_are_warned_from_the_first_of_october() {
        assert_eq!(years_to_settle(&[2026], d(2026, 9, 30)), Vec::<i32>::new());
        assert_eq!(years_to_settle(&[2026], d(2026, 10, 1)), [2027]);
        assert_eq!(
            years_to_settle(&[2026, 2027], d(2026, 12, 4)),
            Vec::<i32>::new()
        );
        assert_eq!(years_to_settle(&[2026], d(2027, 1, 4)), [2027]);
    }

    #[test]
    fn beyond_the_known_years_only_weekends_rest() {
        let cal = shipped();
        assert!(!cal.covers(d(2028, 1, 3)));
        assert!(cal.is_working_day(d(2028, 1, 3)));
        assert!(!cal.is_working_day(d(2028, 1, 1)));
    }

    #[test]
    fn exceptions_must_change_the_day() {
        let weekend_holiday = CalendarDay {
            date: d(2026, 11, 28),
            kind: DayKind::Holiday,
            note: String::new(),
        };
        assert!(weekend_holiday.check().is_err());
        let weekday_make_up = CalendarDay {
            date: d(2026, 11, 27),
            kind: DayKind::MakeUpWorkday,
            note: String::new(),
        };
        assert!(weekday_make_up.check().is_err());
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn any_date() -> impl Strategy<Value = NaiveDate> {
            (0u32..900).prop_map(|n| d(2025, 12, 1) + Days::new(n.into()))
        }

        proptest! {
            #[test]
            fn a_deadline_of_one_or_more_days_is_a_working_day(start in any_date(), n in 1u32..60) {
                let cal = shipped();
                prop_assert!(cal.is_working_day(cal.add_working_days(start, n)));
            }

            #[test]
            fn a_longer_period_never_ends_earlier(start in any_date(), n in 0u32..60, k in 0u32..30) {
                let cal = shipped();
                prop_assert!(cal.add_working_days(start, n + k) >= cal.add_working_days(start, n));
            }

            #[test]
            fn counting_inverts_adding(start in any_date(), n in 0u32..60) {
                let cal = shipped();
                let end = cal.add_working_days(start, n);
                prop_assert_eq!(cal.working_days_between(start, end), n);
            }
        }
    }
}
