//! The service catalog: departments, items (事项) and services (办理项), with their guides.
//!
//! One item has one or more services: a licence with a life-cycle is published as 新办, 变更, 延续
//! and 注销 services that share the item's code and legal basis (domain notes, section 2).

use std::fmt;

use super::labelled::labelled_enum;

/// Why a catalog value was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogError {
    #[error("department code {0:?} is not 2 to 8 capital letters")]
    DepartmentCode(String),
    #[error("item code {0:?} is not of the form 440306-DEPT-TT-0001")]
    ItemCode(String),
    #[error("service code {0:?} is not an item code followed by -NN")]
    ServiceCode(String),
    #[error("promised days ({promised}) exceed legal days ({legal})")]
    PromisedExceedsLegal { legal: u16, promised: u16 },
    #[error("an extension of {0} working days is more than the law allows (1 to {max})", max = crate::domain::workflow::MAX_EXTENSION_DAYS)]
    Extension(u16),
    #[error("fee {0:?} is not an amount of yuan with at most two decimals")]
    Fee(String),
    #[error(transparent)]
    Label(#[from] super::UnknownLabel),
}

/// A department's short code, e.g. `SJJ` (市场监督管理局宝安监管局).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DepartmentCode(String);

impl DepartmentCode {
    pub fn parse(value: &str) -> Result<Self, CatalogError> {
        let ok = (2..=8).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_uppercase());
        if ok {
            Ok(Self(value.to_owned()))
        } else {
            Err(CatalogError::DepartmentCode(value.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An item's implementing code: division, department, type letters and a sequence number,
/// e.g. `440306-SJJ-XK-0013` (the pattern of GB/T 39554.1 local catalogs).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ItemCode(String);

impl ItemCode {
    pub fn parse(value: &str) -> Result<Self, CatalogError> {
        let err = || CatalogError::ItemCode(value.to_owned());
        let parts: Vec<&str> = value.split('-').collect();
        let [division, department, kind, sequence] = parts.as_slice() else {
            return Err(err());
        };
        let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        let letters = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_uppercase());
        if digits(division, 6)
            && DepartmentCode::parse(department).is_ok()
            && letters(kind, 2)
            && digits(sequence, 4)
        {
            Ok(Self(value.to_owned()))
        } else {
            Err(err())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The department code embedded in the item code.
    pub fn department(&self) -> &str {
        self.0.split('-').nth(1).unwrap_or_default()
    }

    /// The two type letters embedded in the item code (XK, QT, …).
    pub fn type_letters(&self) -> &str {
        self.0.split('-').nth(2).unwrap_or_default()
    }
}

/// A service's code: its item's code and a two-digit number, `00` for an item with a single
/// service, `01`–`04` for 新办/变更/延续/注销. The number follows from the variant, so a service
/// keeps its code however the catalog file is reordered.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ServiceCode(String);

impl ServiceCode {
    pub fn new(item: &ItemCode, variant: Variant) -> Self {
        Self(format!("{}-{}", item.as_str(), variant.number()))
    }

    pub fn parse(value: &str) -> Result<Self, CatalogError> {
        let err = || CatalogError::ServiceCode(value.to_owned());
        let (item, number) = value.rsplit_once('-').ok_or_else(err)?;
        let number_ok = number.len() == 2 && number.bytes().all(|b| b.is_ascii_digit());
        if number_ok && ItemCode::parse(item).is_ok() {
            Ok(Self(value.to_owned()))
        } else {
            Err(err())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ServiceCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

labelled_enum! {
    /// The kinds of on-application administrative power (依申请事项) and public services.
    pub enum ItemType as "item type" {
        Licensing = ("licensing", "行政许可"),
        Payment = ("payment", "行政给付"),
        Confirmation = ("confirmation", "行政确认"),
        Adjudication = ("adjudication", "行政裁决"),
        Levy = ("levy", "行政征收"),
        Reward = ("reward", "行政奖励"),
        Other = ("other", "其他行政权力"),
        PublicService = ("public_service", "公共服务"),
    }
}

impl ItemType {
    /// The letters this type carries inside item codes.
    pub fn code_letters(self) -> &'static str {
        match self {
            ItemType::Licensing => "XK",
            ItemType::Payment => "JF",
            ItemType::Confirmation => "QR",
            ItemType::Adjudication => "CJ",
            ItemType::Levy => "ZS",
            ItemType::Reward => "JL",
            ItemType::Other => "QT",
            ItemType::PublicService => "GG",
        }
    }
}

labelled_enum! {
    /// Who may apply: natural persons (自然人), legal persons (法人) or both.
    pub enum ApplicantType as "applicant type" {
        Natural = ("natural", "自然人"),
        Legal = ("legal", "法人"),
        Both = ("both", "自然人、法人"),
    }
}

labelled_enum! {
    /// The life-cycle action a service performs on its item's licence.
    pub enum Variant as "service variant" {
        /// The item has one service only (the catalog writes "—").
        Single = ("single", "—"),
        New = ("new", "新办"),
        Change = ("change", "变更"),
        Renewal = ("renewal", "延续"),
        Cancellation = ("cancellation", "注销"),
    }
}

impl Variant {
    /// The two-digit service number within the item.
    fn number(self) -> &'static str {
        match self {
            Variant::Single => "00",
            Variant::New => "01",
            Variant::Change => "02",
            Variant::Renewal => "03",
            Variant::Cancellation => "04",
        }
    }
}

/// The legal time limit (法定时限) and the shorter one the district promises (承诺时限), in
/// working days. A promise of 0 days makes the service 即办件 (decided on the spot). With them,
/// the statutory extension a department head may grant once (Art 42: 10 working days; joint or
/// centralised handling under Art 26: a 45-day period plus 15), unless the service's own law
/// says otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeLimits {
    legal_days: u16,
    promised_days: u16,
    extension_days: u16,
}

/// The statutory extension of Art 42, for services whose law says nothing else.
pub const DEFAULT_EXTENSION_DAYS: u16 = 10;

impl TimeLimits {
    pub fn new(legal_days: u16, promised_days: u16) -> Result<Self, CatalogError> {
        if promised_days > legal_days {
            return Err(CatalogError::PromisedExceedsLegal {
                legal: legal_days,
                promised: promised_days,
            });
        }
        Ok(Self {
            legal_days,
            promised_days,
            extension_days: DEFAULT_EXTENSION_DAYS,
        })
    }

    /// The same limits with the service's own statutory extension (1 to 15 working days).
    pub fn with_extension(self, extension_days: u16) -> Result<Self, CatalogError> {
        let max = crate::domain::workflow::MAX_EXTENSION_DAYS;
        if extension_days == 0 || u32::from(extension_days) > max {
            return Err(CatalogError::Extension(extension_days));
        }
        Ok(Self {
            extension_days,
            ..self
        })
    }

    pub fn legal_days(self) -> u16 {
        self.legal_days
    }

    /// The most working days an extension may add to the legal period.
    pub fn extension_days(self) -> u16 {
        self.extension_days
    }

    pub fn promised_days(self) -> u16 {
        self.promised_days
    }

    /// 即办件: decided on the spot (行政许可法 Art 34).
    pub fn is_immediate(self) -> bool {
        self.promised_days == 0
    }
}

/// A fee in fen (分), so that amounts are exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Fee(i64);

impl Fee {
    pub fn from_fen(fen: i64) -> Self {
        Self(fen)
    }

    /// Parses an amount of yuan such as `80`, `12.5` or `0.05`.
    pub fn parse_yuan(value: &str) -> Result<Self, CatalogError> {
        let err = || CatalogError::Fee(value.to_owned());
        let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !all_digits(whole) || !all_digits(fraction) || fraction.len() > 2 {
            return Err(err());
        }
        let yuan: i64 = whole.parse().map_err(|_| err())?;
        let fen: i64 = format!("{fraction:0<2}").parse().map_err(|_| err())?;
        yuan.checked_mul(100)
            .and_then(|v| v.checked_add(fen))
            .map(Self)
            .ok_or_else(err)
    }

    pub fn fen(self) -> i64 {
        self.0
    }

    pub fn is_free(self) -> bool {
        self.0 == 0
    }
}

impl fmt::Display for Fee {
    /// Yuan without a fraction when there is none: `80`, `12.50`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (yuan, fen) = (self.0 / 100, self.0 % 100);
        if fen == 0 {
            write!(f, "{yuan}")
        } else {
            write!(f, "{yuan}.{fen:02}")
        }
    }
}

labelled_enum! {
    /// Whether the applicant hands in the original, a copy, or both.
    pub enum MaterialForm as "material form" {
        Original = ("original", "原件"),
        Copy = ("copy", "复印件"),
        OriginalAndCopy = ("original_and_copy", "原件和复印件"),
    }
}

labelled_enum! {
    /// Whether a material is required, optional, or may be missing at acceptance (容缺) and
    /// supplied later under a pledge.
    pub enum Necessity as "material necessity" {
        Required = ("required", "必要"),
        Optional = ("optional", "非必要"),
        Deferrable = ("deferrable", "容缺"),
    }
}

labelled_enum! {
    /// Where a material comes from: the applicant, data sharing between departments (免提交), or a
    /// licence OneStop has already issued.
    pub enum MaterialSource as "material source" {
        Applicant = ("applicant", "申请人自备"),
        Shared = ("shared", "共享获取"),
        IssuedLicence = ("issued_licence", "电子证照"),
    }
}

/// One entry of a guide's materials list (材料清单).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Material {
    pub name: String,
    /// The English name (the Chinese one where the source has none).
    pub name_en: String,
    pub form: MaterialForm,
    pub copies: u8,
    pub necessity: Necessity,
    pub source: MaterialSource,
}

/// The name a reader of `lang` (a BCP 47 code: `en`, `zh-CN`) sees of a catalog name given in
/// both languages: the English where there is one, else the Chinese. The one place that
/// chooses, for pages (through `PageContext::pick`) and mails alike.
pub fn pick<'a>(lang: &str, zh: &'a str, en: &'a str) -> &'a str {
    if lang.starts_with("en") && !en.trim().is_empty() {
        en
    } else {
        zh
    }
}

/// A catalog name in Chinese and in English, for code that picks one per reader (mails).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Names {
    pub zh: String,
    pub en: String,
}

impl Names {
    pub fn for_lang(&self, lang: &str) -> &str {
        pick(lang, &self.zh, &self.en)
    }
}

/// A department as the catalog lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Department {
    pub code: DepartmentCode,
    pub name: String,
    pub name_en: String,
}

/// An item (事项): the unit of legal power.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub code: ItemCode,
    pub name: String,
    pub name_en: String,
    pub item_type: ItemType,
    pub department: DepartmentCode,
}

/// A service (办理项) with its guide (办事指南).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    pub code: ServiceCode,
    pub item: ItemCode,
    pub name: String,
    pub name_en: String,
    pub variant: Variant,
    pub applicant_type: ApplicantType,
    pub limits: TimeLimits,
    pub fee: Fee,
    pub online: bool,
    pub guide: Guide,
}

/// What a citizen reads before applying: the materials, the result and the steps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Guide {
    pub materials: Vec<Material>,
    /// The document the applicant receives, e.g. 《食品经营许可证》.
    pub result_name: String,
    /// The same in English, e.g. "Food Business Licence".
    pub result_name_en: String,
    pub steps: Vec<String>,
    /// The same steps in English, one for one.
    pub steps_en: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_code_carries_department_and_type() {
        let code = ItemCode::parse("440306-SJJ-XK-0013").unwrap();
        assert_eq!(code.department(), "SJJ");
        assert_eq!(code.type_letters(), "XK");
        for bad in [
            "",
            "440306-SJJ-XK",
            "44030-SJJ-XK-0013",
            "440306-sjj-XK-0013",
            "440306-SJJ-XK-13",
        ] {
            assert!(ItemCode::parse(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn service_code_number_follows_the_variant() {
        let item = ItemCode::parse("440306-SJJ-XK-0013").unwrap();
        assert_eq!(
            ServiceCode::new(&item, Variant::Single).as_str(),
            "440306-SJJ-XK-0013-00"
        );
        assert_eq!(
            ServiceCode::new(&item, Variant::Cancellation).as_str(),
            "440306-SJJ-XK-0013-04"
        );
        assert!(ServiceCode::parse("440306-SJJ-XK-0013-01").is_ok());
        assert!(ServiceCode::parse("440306-SJJ-XK-0013").is_err());
        assert!(ServiceCode::parse("../etc/passwd").is_err());
    }

    #[test]
    fn promised_days_may_not_exceed_legal_days() {
        assert!(TimeLimits::new(20, 3).is_ok());
        assert_eq!(TimeLimits::new(20, 3).unwrap().extension_days(), 10);
        let joint = TimeLimits::new(45, 10).unwrap().with_extension(15).unwrap();
        assert_eq!((joint.legal_days(), joint.extension_days()), (45, 15));
        assert_eq!(
            TimeLimits::new(20, 3).unwrap().with_extension(16),
            Err(CatalogError::Extension(16))
        );
        assert!(TimeLimits::new(20, 3).unwrap().with_extension(0).is_err());
        assert!(TimeLimits::new(20, 0).unwrap().is_immediate());
        assert_eq!(
            TimeLimits::new(5, 6),
            Err(CatalogError::PromisedExceedsLegal {
                legal: 5,
                promised: 6
            })
        );
    }

    #[test]
    fn fees_are_parsed_exactly_in_fen() {
        assert_eq!(Fee::parse_yuan("80").unwrap().fen(), 8000);
        assert_eq!(Fee::parse_yuan("12.5").unwrap().fen(), 1250);
        assert_eq!(Fee::parse_yuan("0.05").unwrap().fen(), 5);
        assert_eq!(Fee::parse_yuan("12.5").unwrap().to_string(), "12.50");
        assert_eq!(Fee::parse_yuan("550").unwrap().to_string(), "550");
        for bad in ["", "-1", "1.234", "abc", ".5", "1e3"] {
            assert!(Fee::parse_yuan(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn labels_round_trip_through_slug_and_chinese_name() {
        for t in ItemType::ALL {
            assert_eq!(t.slug().parse::<ItemType>().unwrap(), *t);
            assert_eq!(ItemType::from_zh(t.zh()).unwrap(), *t);
        }
        assert_eq!(Variant::from_zh("—").unwrap(), Variant::Single);
        assert!("nonsense".parse::<ApplicantType>().is_err());
    }
}
