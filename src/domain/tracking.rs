//! Tracking numbers (办件编号): `440306` (the district) + the submission date + 8 random digits +
//! a check character (ISO 7064 MOD 11-2, as in resident ID numbers). Random rather than
//! sequential, so that numbers cannot be enumerated; unique by a database constraint (a clash is
//! retried); the check character catches a mistyped number before any lookup.
//!
//! Each kind of case has its own series: an application's number is the bare 23 characters; a
//! rating's remedy case (整改) carries the letters `ZG` before them, so that a number says what
//! it is and the two series never meet.

use chrono::NaiveDate;

/// The administrative division code of Bao'an District (GB/T 2260).
pub const DISTRICT: &str = "440306";
const LENGTH: usize = 6 + 8 + 8 + 1;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TrackingNumber(String);

/// The number series of each kind of case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Series {
    Application,
    /// A bad rating's remedy (整改).
    Remedy,
    /// A 12345 hotline request (热线).
    Hotline,
    /// A grid event (网格事件), found on patrol or reported by a citizen (随手拍).
    Event,
}

impl Series {
    pub fn prefix(self) -> &'static str {
        match self {
            Series::Application => "",
            Series::Remedy => "ZG",
            Series::Hotline => "RX",
            Series::Event => "SJ",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a tracking number")]
pub struct NotATrackingNumber;

/// ISO 7064 MOD 11-2 over decimal digits: '0'-'9' or 'X'.
fn check_character(digits: &str) -> char {
    let sum = digits
        .bytes()
        .fold(0u32, |acc, b| (acc + u32::from(b - b'0')) * 2 % 11);
    let value = (12 - sum % 11) % 11;
    if value == 10 {
        'X'
    } else {
        char::from(b'0' + value as u8)
    }
}

impl TrackingNumber {
    /// The number for a submission on `date` with the random part `random` (taken modulo 10^8).
    pub fn new(date: NaiveDate, random: u64) -> Self {
        Self::in_series(Series::Application, date, random)
    }

    /// The number of a case of another kind: the series' letters, then the same 23 characters.
    pub fn in_series(series: Series, date: NaiveDate, random: u64) -> Self {
        let body = format!(
            "{DISTRICT}{}{:08}",
            date.format("%Y%m%d"),
            random % 100_000_000
        );
        let check = check_character(&body);
        Self(format!("{}{body}{check}", series.prefix()))
    }

    /// Accepts what a person types: spaces and dashes ignored, `x` in any case.
    pub fn parse(value: &str) -> Result<Self, NotATrackingNumber> {
        let clean: String = value
            .chars()
            .filter(|c| !matches!(c, ' ' | '-'))
            .collect::<String>()
            .to_ascii_uppercase();
        // Byte positions below are character positions only in ASCII.
        if !clean.is_ascii() {
            return Err(NotATrackingNumber);
        }
        let prefix = [Series::Remedy, Series::Hotline, Series::Event]
            .map(Series::prefix)
            .into_iter()
            .find(|p| clean.starts_with(p))
            .unwrap_or("");
        let clean = clean[prefix.len()..].to_owned();
        let (body, check) = clean.split_at(clean.len().min(LENGTH - 1));
        let well_formed = clean.len() == LENGTH
            && body.bytes().all(|b| b.is_ascii_digit())
            && body.starts_with(DISTRICT)
            && NaiveDate::parse_from_str(&body[6..14], "%Y%m%d").is_ok();
        if well_formed && check.starts_with(check_character(body)) {
            Ok(Self(format!("{prefix}{clean}")))
        } else {
            Err(NotATrackingNumber)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn series(&self) -> Series {
        [Series::Remedy, Series::Hotline, Series::Event]
            .into_iter()
            .find(|s| self.0.starts_with(s.prefix()))
            .unwrap_or(Series::Application)
    }
}

impl std::fmt::Display for TrackingNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 28).unwrap()
    }

    #[test]
    fn a_number_carries_district_date_random_part_and_check() {
        let number = TrackingNumber::new(day(), 1234);
        assert_eq!(number.as_str().len(), 23);
        assert!(number.as_str().starts_with("4403062026112800001234"));
        assert_eq!(TrackingNumber::parse(number.as_str()), Ok(number.clone()));
        let typed = format!("{} {}", &number.as_str()[..6], &number.as_str()[6..]).to_lowercase();
        assert_eq!(TrackingNumber::parse(&typed), Ok(number));
    }

    #[test]
    fn the_check_character_catches_single_digit_mistakes_and_swaps() {
        let number = TrackingNumber::new(day(), 48_151_623).as_str().to_owned();
        for i in 14..22 {
            let mut wrong: Vec<u8> = number.clone().into_bytes();
            wrong[i] = if wrong[i] == b'9' { b'0' } else { wrong[i] + 1 };
            assert!(
                TrackingNumber::parse(std::str::from_utf8(&wrong).unwrap()).is_err(),
                "digit {i}"
            );
            let mut swapped: Vec<u8> = number.clone().into_bytes();
            if swapped[i] != swapped[i + 1] && i + 1 < 22 {
                swapped.swap(i, i + 1);
                assert!(
                    TrackingNumber::parse(std::str::from_utf8(&swapped).unwrap()).is_err(),
                    "swap at {i}"
                );
            }
        }
        for bad in [
            "",
            "440306",
            "11030620261128000012345",
            "44030620261328000012340",
        ] {
            assert!(TrackingNumber::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_remedy_number_has_its_own_series_and_the_same_check() {
        let number = TrackingNumber::in_series(Series::Remedy, day(), 1234);
        assert!(number.as_str().starts_with("ZG4403062026112800001234"));
        assert_eq!(number.series(), Series::Remedy);
        let hotline = TrackingNumber::in_series(Series::Hotline, day(), 1234);
        assert!(hotline.as_str().starts_with("RX"));
        assert_eq!(hotline.series(), Series::Hotline);
        let spoken = hotline.as_str().to_lowercase().replace("rx", "rx-");
        assert_eq!(TrackingNumber::parse(&spoken), Ok(hotline));
        let typed = number.as_str().to_lowercase();
        assert_eq!(TrackingNumber::parse(&typed), Ok(number.clone()));
        // The application with the same digits is another number.
        let application = TrackingNumber::new(day(), 1234);
        assert_eq!(application.series(), Series::Application);
        assert_ne!(application, number);
        assert!(TrackingNumber::parse(&format!("XX{application}")).is_err());
        let mut wrong = number.as_str().to_owned().into_bytes();
        wrong[10] = if wrong[10] == b'9' {
            b'0'
        } else {
            wrong[10] + 1
        };
        assert!(TrackingNumber::parse(std::str::from_utf8(&wrong).unwrap()).is_err());
    }

    #[test]
    fn the_check_matches_the_resident_id_algorithm() {
        // 11010519491231002X is a valid resident ID: MOD 11-2 over its first 17 digits gives X.
        assert_eq!(check_character("11010519491231002"), 'X');
    }
}
