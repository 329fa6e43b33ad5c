//! Events found on the street (网格事件): the taxonomy of 11 categories and 152 types (who
//! answers for each, whether a grid worker may close it on the spot, its time limit), what a
//! report must say, and when two reports are the same event. An event moves through its
//! workflow on the one engine (`workflows/grid-event.toml`).

use serde::Deserialize;
use std::sync::LazyLock;

use super::territory::Point;

/// The kind of case of a grid event (`applications.kind`).
pub const KIND_EVENT: &str = "event";
/// The key of the shipped grid event workflow.
pub const EVENT_WORKFLOW: &str = "grid-event";
/// The name under which an event's photos are kept beside an application's materials.
pub const PHOTO_MATERIAL: &str = "事件照片";
/// The name of the photo of the result (处置后照片), on the spot or at the verification.
pub const RESULT_PHOTO_MATERIAL: &str = "处置结果照片";
/// How many photos a report may carry.
pub const PHOTOS_MAX: usize = 3;

/// Two reports of the same type within this distance and [`DUPLICATE_HOURS`] are offered for
/// merging as one event.
pub const DUPLICATE_METRES: f64 = 50.0;
pub const DUPLICATE_HOURS: i64 = 24;

/// The states in which the event is closed (its figures counted as closed).
pub const CLOSED_STATES: &[&str] = &["event_closed", "event_merged"];

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub types: Vec<EventType>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventType {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// The responsible department's code.
    pub department: String,
    /// 自行处置: a grid worker may close it on the spot, with a photo of the result.
    pub on_the_spot: bool,
    /// Working days from the report.
    pub limit_days: u32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Shipped {
    categories: Vec<Category>,
}

static SHIPPED: LazyLock<Shipped> = LazyLock::new(|| {
    toml::from_str(include_str!("grid_events.toml"))
        .expect("grid_events.toml is checked by the tests")
});

/// The shipped taxonomy (the database holds the current one).
pub fn shipped_categories() -> &'static [Category] {
    &SHIPPED.categories
}

/// Where a report came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A grid worker on patrol.
    Patrol,
    /// A citizen's 随手拍.
    Citizen,
}

impl Source {
    pub fn slug(self) -> &'static str {
        match self {
            Source::Patrol => "patrol",
            Source::Citizen => "citizen",
        }
    }
}

/// A field of the report form that can be wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportField {
    EventType,
    Description,
    Address,
    Location,
    Phone,
    Photo,
}

impl ReportField {
    pub fn name(self) -> &'static str {
        match self {
            ReportField::EventType => "event_type",
            ReportField::Description => "description",
            ReportField::Address => "address",
            ReportField::Location => "longitude",
            ReportField::Phone => "phone",
            ReportField::Photo => "photo",
        }
    }
}

pub type ReportError = (ReportField, &'static str);

/// The report form as typed. The location comes from the phone's position (a small script
/// fills the two fields) or from the worker, who types it or picks a grid's centre.
#[derive(Debug, Clone, Default)]
pub struct ReportInput {
    pub event_type: String,
    pub description: String,
    pub address: String,
    pub longitude: String,
    pub latitude: String,
    /// A citizen's phone, to follow the report without an account.
    pub phone: String,
}

/// A report as it is recorded (its type checked against the database's taxonomy by the
/// caller, its point against the grids).
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub event_type: String,
    pub description: String,
    pub address: String,
    pub point: Point,
    pub phone: String,
}

pub const DESCRIPTION_MAX: usize = 2000;
pub const ADDRESS_MAX: usize = 200;

impl Report {
    /// Checks the form. `phone_needed`: a citizen reporting without an account.
    pub fn parse(input: &ReportInput, phone_needed: bool) -> Result<Report, Vec<ReportError>> {
        let mut errors = Vec::new();
        let event_type = input.event_type.trim();
        if event_type.is_empty() {
            errors.push((ReportField::EventType, "grid.error.type"));
        }
        let description = input.description.trim();
        if description.is_empty() {
            errors.push((ReportField::Description, "grid.error.description"));
        } else if description.chars().count() > DESCRIPTION_MAX {
            errors.push((ReportField::Description, "grid.error.description_long"));
        }
        let address = input.address.trim();
        if address.chars().count() > ADDRESS_MAX {
            errors.push((ReportField::Address, "grid.error.address_long"));
        }
        let point = match (
            input.longitude.trim().parse::<f64>(),
            input.latitude.trim().parse::<f64>(),
        ) {
            (Ok(lon), Ok(lat)) if Point::new(lon, lat).is_valid() => Some(Point::new(lon, lat)),
            _ => {
                errors.push((ReportField::Location, "grid.error.location"));
                None
            }
        };
        let phone = super::hotline::normalise_phone(&input.phone);
        if !input.phone.trim().is_empty() && phone.is_none() {
            errors.push((ReportField::Phone, "grid.error.phone"));
        } else if phone_needed && phone.is_none() {
            errors.push((ReportField::Phone, "grid.error.phone_needed"));
        }
        match point {
            Some(point) if errors.is_empty() => Ok(Report {
                event_type: event_type.to_owned(),
                description: description.to_owned(),
                address: address.to_owned(),
                point,
                phone: phone.unwrap_or_default(),
            }),
            _ => Err(errors),
        }
    }
}

/// An event type as an administrator types it (a new one, or the changes to one: then its code
/// and category are the type's own).
#[derive(Debug, Clone, Default)]
pub struct TypeInput {
    pub code: String,
    pub category: String,
    pub name_zh: String,
    pub name_en: String,
    pub department: String,
    pub on_the_spot: bool,
    pub limit_days: String,
}

/// An event type as it is stored; the department and the category are checked against the
/// database by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeDraft {
    pub code: String,
    pub category: String,
    pub name_zh: String,
    pub name_en: String,
    pub department: String,
    pub on_the_spot: bool,
    pub limit_days: i32,
}

/// A field of the type form and the message key of what is wrong with it.
pub type TypeError = (&'static str, &'static str);

pub const TYPE_NAME_MAX: usize = 40;
/// The longest time limit an administrator may give, in working days (the law's decision
/// period with its extension is 30; an event is meant to be quicker than an application).
pub const TYPE_LIMIT_MAX: i32 = 30;

impl TypeDraft {
    pub fn parse(input: &TypeInput) -> Result<TypeDraft, Vec<TypeError>> {
        let mut errors = Vec::new();
        let code = input.code.trim().to_ascii_uppercase();
        let code_ok = (2..=10).contains(&code.len())
            && code.starts_with(|c: char| c.is_ascii_uppercase())
            && code
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
        if !code_ok {
            errors.push(("code", "grid.types.error.code"));
        }
        if input.category.trim().is_empty() {
            errors.push(("category", "grid.types.error.category"));
        }
        let name = |value: &str, field: &'static str, errors: &mut Vec<TypeError>| {
            let value = value.trim();
            if value.is_empty() || value.chars().count() > TYPE_NAME_MAX {
                errors.push((field, "grid.types.error.name"));
            }
            value.to_owned()
        };
        let name_zh = name(&input.name_zh, "name_zh", &mut errors);
        let name_en = name(&input.name_en, "name_en", &mut errors);
        if input.department.trim().is_empty() {
            errors.push(("department", "grid.types.error.department"));
        }
        let limit_days = input
            .limit_days
            .trim()
            .parse::<i32>()
            .ok()
            .filter(|d| (1..=TYPE_LIMIT_MAX).contains(d));
        if limit_days.is_none() {
            errors.push(("limit_days", "grid.types.error.limit"));
        }
        match limit_days {
            Some(limit_days) if errors.is_empty() => Ok(TypeDraft {
                code,
                category: input.category.trim().to_owned(),
                name_zh,
                name_en,
                department: input.department.trim().to_owned(),
                on_the_spot: input.on_the_spot,
                limit_days,
            }),
            _ => Err(errors),
        }
    }
}

/// The box around `here` that holds every point within [`DUPLICATE_METRES`] (with a tenth to
/// spare): (west, south, east, north), for the database to narrow the search before
/// [`is_duplicate`] measures.
pub fn duplicate_box(here: Point) -> (f64, f64, f64, f64) {
    const METRES_PER_DEGREE: f64 = 111_320.0;
    let reach = DUPLICATE_METRES * 1.1;
    let dlat = reach / METRES_PER_DEGREE;
    let dlon = reach / (METRES_PER_DEGREE * here.lat.to_radians().cos().max(0.01));
    (
        here.lon - dlon,
        here.lat - dlat,
        here.lon + dlon,
        here.lat + dlat,
    )
}

/// Whether an earlier report at `other` is the same event as one at `here` (same type, the
/// caller has checked the time window): within [`DUPLICATE_METRES`].
pub fn is_duplicate(here: Point, other: Point) -> bool {
    here.metres_to(other) <= DUPLICATE_METRES
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_taxonomy_has_11_categories_and_152_types() {
        let categories = shipped_categories();
        assert_eq!(categories.len(), 11);
        let types: Vec<&EventType> = categories.iter().flat_map(|c| &c.types).collect();
        assert_eq!(types.len(), 152);
        let mut codes: Vec<&str> = types.iter().map(|t| t.code.as_str()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), 152, "codes are unique");
        // Each department is one of the catalog's 30.
        let catalog = include_str!("../../catalog/services.csv");
        for t in &types {
            let listed = format!("\n{},", t.department);
            assert!(catalog.contains(&listed), "{}: {}", t.code, t.department);
            assert!((1..=30).contains(&t.limit_days), "{}", t.code);
        }
        assert!(types.iter().any(|t| t.on_the_spot) && types.iter().any(|t| !t.on_the_spot));
    }

    #[test]
    fn the_duplicate_box_holds_every_point_within_50_metres() {
        let here = Point::new(113.8512, 22.5803);
        let (west, south, east, north) = duplicate_box(here);
        for step in 0..360 {
            let angle = f64::from(step).to_radians();
            // 49.9 m in every direction, by the same measure as is_duplicate.
            let (mut lo, mut hi) = (0.0, 0.01);
            let at = |d: f64| Point::new(here.lon + d * angle.cos(), here.lat + d * angle.sin());
            for _ in 0..60 {
                let mid = (lo + hi) / 2.0;
                if here.metres_to(at(mid)) < 49.9 {
                    lo = mid
                } else {
                    hi = mid
                }
            }
            let p = at(lo);
            assert!(is_duplicate(here, p));
            assert!(
                p.lon > west && p.lon < east && p.lat > south && p.lat < north,
                "{step}°"
            );
        }
        // And not much more: 60 m east is outside.
        assert!(here.lon + 60.0 / (111_320.0 * here.lat.to_radians().cos()) > east);
    }

    #[test]
    fn an_event_type_is_checked_field_by_field() {
        let typed = TypeInput {
            code: " sr99 ".into(),
            category: "SR".into(),
            name_zh: "共享单车乱停放".into(),
            name_en: "Shared bikes parked in the way".into(),
            department: "CGJ".into(),
            on_the_spot: true,
            limit_days: "2".into(),
        };
        let draft = TypeDraft::parse(&typed).expect("a good type");
        assert_eq!((draft.code.as_str(), draft.limit_days), ("SR99", 2));
        let bad = TypeInput {
            code: "9X".into(),
            name_zh: " ".into(),
            name_en: "x".repeat(TYPE_NAME_MAX + 1),
            limit_days: "31".into(),
            department: String::new(),
            ..typed.clone()
        };
        let fields: Vec<&str> = TypeDraft::parse(&bad)
            .unwrap_err()
            .iter()
            .map(|(f, _)| *f)
            .collect();
        assert_eq!(
            fields,
            ["code", "name_zh", "name_en", "department", "limit_days"]
        );
        for days in ["0", "", "1.5"] {
            let typed = TypeInput {
                limit_days: days.into(),
                ..typed.clone()
            };
            assert!(TypeDraft::parse(&typed).is_err(), "{days:?}");
        }
    }

    fn input() -> ReportInput {
        ReportInput {
            event_type: "SR01".into(),
            description: "人行道上占道经营".into(),
            longitude: "113.8512".into(),
            latitude: "22.5803".into(),
            ..ReportInput::default()
        }
    }

    #[test]
    fn a_report_needs_a_type_a_description_and_a_place() {
        let report = Report::parse(&input(), false).unwrap();
        assert_eq!(report.point, Point::new(113.8512, 22.5803));
        let errors = Report::parse(&ReportInput::default(), false).unwrap_err();
        let fields: Vec<ReportField> = errors.iter().map(|(f, _)| *f).collect();
        assert_eq!(
            fields,
            [
                ReportField::EventType,
                ReportField::Description,
                ReportField::Location
            ]
        );
        let mut far = input();
        far.latitude = "122.6".into();
        assert!(Report::parse(&far, false).is_err());
    }

    #[test]
    fn a_citizen_without_an_account_leaves_a_phone() {
        let errors = Report::parse(&input(), true).unwrap_err();
        assert_eq!(
            errors,
            vec![(ReportField::Phone, "grid.error.phone_needed")]
        );
        let mut with_phone = input();
        with_phone.phone = "138 0013 8000".into();
        assert_eq!(
            Report::parse(&with_phone, true).unwrap().phone,
            "13800138000"
        );
    }

    #[test]
    fn duplicates_are_within_50_metres() {
        let here = Point::new(113.85, 22.58);
        assert!(is_duplicate(here, Point::new(113.85, 22.5804))); // ~44 m
        assert!(!is_duplicate(here, Point::new(113.85, 22.5806))); // ~67 m
    }
}
