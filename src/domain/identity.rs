//! Who people are: parsed identity values and roles. A value in hand is valid.

use chrono::NaiveDate;

use super::labelled::labelled_enum;

/// Why an identity value was rejected; each variant has its own message on the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    #[error("a resident ID number has 18 characters: 17 digits and a digit or X")]
    NationalIdFormat,
    #[error("the birth date inside the resident ID number is not a real date")]
    NationalIdBirthDate,
    #[error("the check digit of the resident ID number is wrong")]
    NationalIdCheckDigit,
    #[error("a unified social credit code has 18 characters of 0-9 and A-Y (no I, O, S, V, Z)")]
    CreditCodeFormat,
    #[error("the check character of the unified social credit code is wrong")]
    CreditCodeCheck,
    #[error("a mainland mobile number has 11 digits and starts with 1")]
    Phone,
    #[error("not an email address")]
    Email,
    #[error("the password needs at least 10 characters")]
    PasswordTooShort,
    #[error("the password may have at most 128 characters")]
    PasswordTooLong,
    #[error("the password is too common")]
    PasswordCommon,
    #[error("the password contains the email address, the name or another detail of the account")]
    PasswordPersonal,
    #[error("a name is needed (at most 100 characters)")]
    Name,
}

/// A resident identity card number (GB 11643-1999): 6-digit area, birth date, sequence, check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NationalId(String);

const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK: &[u8; 11] = b"10X98765432";

impl NationalId {
    pub fn parse(value: &str) -> Result<Self, IdentityError> {
        let value = value.trim().to_ascii_uppercase();
        let bytes = value.as_bytes();
        let format_ok = bytes.len() == 18
            && bytes[..17].iter().all(u8::is_ascii_digit)
            && (bytes[17].is_ascii_digit() || bytes[17] == b'X');
        if !format_ok {
            return Err(IdentityError::NationalIdFormat);
        }
        if NaiveDate::parse_from_str(&value[6..14], "%Y%m%d").is_err() {
            return Err(IdentityError::NationalIdBirthDate);
        }
        let sum: u32 = bytes[..17]
            .iter()
            .zip(ID_WEIGHTS)
            .map(|(b, w)| u32::from(b - b'0') * w)
            .sum();
        if ID_CHECK[(sum % 11) as usize] != bytes[17] {
            return Err(IdentityError::NationalIdCheckDigit);
        }
        Ok(Self(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A unified social credit code (GB 32100-2015).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditCode(String);

const CREDIT_CHARS: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const CREDIT_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

impl CreditCode {
    pub fn parse(value: &str) -> Result<Self, IdentityError> {
        let value = value.trim().to_ascii_uppercase();
        let index = |b: &u8| CREDIT_CHARS.iter().position(|c| c == b).map(|i| i as u32);
        let values: Option<Vec<u32>> = value.as_bytes().iter().map(index).collect();
        let values = match values {
            Some(v) if v.len() == 18 => v,
            _ => return Err(IdentityError::CreditCodeFormat),
        };
        let sum: u32 = values[..17]
            .iter()
            .zip(CREDIT_WEIGHTS)
            .map(|(v, w)| v * w)
            .sum();
        let check = (31 - sum % 31) % 31;
        if values[17] != check {
            return Err(IdentityError::CreditCodeCheck);
        }
        Ok(Self(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A mainland mobile number: 11 digits starting with 1 (a +86 prefix is accepted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone(String);

impl Phone {
    pub fn parse(value: &str) -> Result<Self, IdentityError> {
        let digits: String = value.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        let digits = digits.strip_prefix("+86").unwrap_or(&digits);
        let ok = digits.len() == 11
            && digits.starts_with('1')
            && matches!(digits.as_bytes()[1], b'3'..=b'9')
            && digits.bytes().all(|b| b.is_ascii_digit());
        if ok {
            Ok(Self(digits.to_owned()))
        } else {
            Err(IdentityError::Phone)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An email address, lower-cased, so that one address is one account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(value: &str) -> Result<Self, IdentityError> {
        let value = value.trim().to_lowercase();
        let Some((local, domain)) = value.split_once('@') else {
            return Err(IdentityError::Email);
        };
        let ok = !local.is_empty()
            && local.len() <= 64
            && value.len() <= 254
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && !value.chars().any(|c| {
                c.is_whitespace()
                    || c.is_control()
                    || matches!(c, '<' | '>' | ',' | ';' | '"' | '\\')
            })
            && !domain.contains('@');
        if ok {
            Ok(Self(value))
        } else {
            Err(IdentityError::Email)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A person's or organisation's name as typed, trimmed, 1 to 100 characters.
pub fn parse_name(value: &str) -> Result<String, IdentityError> {
    let value = value.trim();
    let length = value.chars().count();
    if (1..=100).contains(&length) && !value.chars().any(char::is_control) {
        Ok(value.to_owned())
    } else {
        Err(IdentityError::Name)
    }
}

/// Passwords that attackers try first, lower-cased and sorted (byte order) for a binary search:
/// the 100,000 most common of the "10 million passwords" list published by the SecLists project
/// (MIT licence), as far as they are long enough to pass the length rule at all (the shorter ones
/// fail it anyway), and the ones Chinese users choose most often (`woaini1314`).
static COMMON_PASSWORDS: &str = include_str!("common-passwords.txt");

/// The password `onestop demo` gives its accounts. It is published in README, so it is refused
/// everywhere else.
pub const DEMO_PASSWORD: &str = "onestop-demo-2026";

fn is_common(lower: &str) -> bool {
    // The file is sorted, so a binary search over its lines finds a match in ~12 steps.
    static LINES: std::sync::LazyLock<Vec<&str>> =
        std::sync::LazyLock::new(|| COMMON_PASSWORDS.lines().collect());
    LINES.binary_search(&lower).is_ok()
}

/// A new password that meets the policy: 10 to 128 characters, not one of the common passwords,
/// not the published demo password. It is never stored or logged; only its argon2id hash is.
pub struct NewPassword(String);

impl NewPassword {
    pub fn parse(value: &str) -> Result<Self, IdentityError> {
        let length = value.chars().count();
        if length < 10 {
            return Err(IdentityError::PasswordTooShort);
        }
        if length > 128 {
            return Err(IdentityError::PasswordTooLong);
        }
        let lower = value.to_lowercase();
        let first = lower.chars().next().unwrap_or_default();
        let one_character = lower.chars().all(|c| c == first);
        if one_character || is_common(&lower) || lower == DEMO_PASSWORD {
            return Err(IdentityError::PasswordCommon);
        }
        Ok(Self(value.to_owned()))
    }

    /// Like [`NewPassword::parse`], and the password must not contain what an attacker knows of
    /// the account: its email address or the part before `@`, and its names and numbers (a name
    /// of two characters, such as 张三, counts; spaces and case are ignored).
    pub fn parse_for(value: &str, personal: &[&str]) -> Result<Self, IdentityError> {
        let password = Self::parse(value)?;
        let squeeze = |s: &str| -> String {
            s.chars()
                .filter(|c| !c.is_whitespace())
                .flat_map(char::to_lowercase)
                .collect()
        };
        let haystack = squeeze(value);
        let mut needles: Vec<String> = Vec::new();
        for detail in personal {
            let detail = squeeze(detail);
            if let Some((local, _)) = detail.split_once('@') {
                needles.push(local.to_owned());
            }
            needles.push(detail);
        }
        let personal_part = needles
            .iter()
            .filter(|n| n.chars().count() >= 2 && (n.len() >= 4 || !n.is_ascii()))
            .any(|n| haystack.contains(n.as_str()));
        if personal_part {
            return Err(IdentityError::PasswordPersonal);
        }
        Ok(password)
    }

    /// The published demo password, for `onestop demo` only.
    pub fn published_demo() -> Self {
        Self(DEMO_PASSWORD.to_owned())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

labelled_enum! {
    /// What a user may do. Heads are clerks who also approve extensions and supervise.
    pub enum Role as "role" {
        Citizen = ("citizen", "自然人"),
        Firm = ("firm", "法人"),
        Clerk = ("clerk", "窗口人员"),
        Head = ("head", "部门负责人"),
        Admin = ("admin", "系统管理员"),
        Operator = ("operator", "热线话务员"),
        GridWorker = ("grid_worker", "网格员"),
        Inspector = ("inspector", "督察员"),
        Commander = ("commander", "指挥中心值班员"),
    }
}

impl Role {
    /// Clerks and heads work a department's queue.
    pub fn is_staff(self) -> bool {
        matches!(self, Role::Clerk | Role::Head)
    }

    /// Grid workers, inspectors and the command centre govern the grid (网格化管理).
    pub fn is_grid(self) -> bool {
        matches!(self, Role::GridWorker | Role::Inspector | Role::Commander)
    }

    /// Citizens and firms apply for services.
    pub fn is_applicant(self) -> bool {
        matches!(self, Role::Citizen | Role::Firm)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resident_id_check_digit_follows_gb_11643() {
        assert_eq!(
            NationalId::parse("11010519491231002X").unwrap().as_str(),
            "11010519491231002X"
        );
        assert!(
            NationalId::parse("11010519491231002x").is_ok(),
            "a lower-case x is accepted"
        );
        assert_eq!(
            NationalId::parse("110105194912310021"),
            Err(IdentityError::NationalIdCheckDigit)
        );
        assert_eq!(
            NationalId::parse("110105194913310024"),
            Err(IdentityError::NationalIdBirthDate)
        );
        assert_eq!(
            NationalId::parse("1101051949123100"),
            Err(IdentityError::NationalIdFormat)
        );
        assert_eq!(
            NationalId::parse("11010519491231002Y"),
            Err(IdentityError::NationalIdFormat)
        );
    }

    #[test]
    fn credit_code_check_character_follows_gb_32100() {
        assert!(CreditCode::parse("91350100M000100Y43").is_ok());
        assert_eq!(
            CreditCode::parse("91350100M000100Y44"),
            Err(IdentityError::CreditCodeCheck)
        );
        assert_eq!(
            CreditCode::parse("91350100M000100I43"),
            Err(IdentityError::CreditCodeFormat)
        );
        assert_eq!(
            CreditCode::parse("9135"),
            Err(IdentityError::CreditCodeFormat)
        );
    }

    #[test]
    fn phones_and_emails_are_normalised() {
        assert_eq!(
            Phone::parse("+86 138-0013-8000").unwrap().as_str(),
            "13800138000"
        );
        assert!(Phone::parse("12800138000").is_err());
        assert!(Phone::parse("1380013800").is_err());
        assert_eq!(
            Email::parse(" Li.Ming@Example.CN ").unwrap().as_str(),
            "li.ming@example.cn"
        );
        for bad in [
            "", "a@b", "@x.cn", "a@.cn", "a b@x.cn", "a@x..cn", "<a@x.cn>",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn passwords_must_be_long_and_uncommon() {
        assert_eq!(
            NewPassword::parse("short").unwrap_err(),
            IdentityError::PasswordTooShort
        );
        assert_eq!(
            NewPassword::parse("1234567890").unwrap_err(),
            IdentityError::PasswordCommon
        );
        assert_eq!(
            NewPassword::parse("Password123").unwrap_err(),
            IdentityError::PasswordCommon
        );
        assert_eq!(
            NewPassword::parse("aaaaaaaaaaaa").unwrap_err(),
            IdentityError::PasswordCommon
        );
        assert!(NewPassword::parse("correct horse battery").is_ok());
        // The three an outside test found accepted, and the published demo password.
        for common in [
            "qwerty123456",
            "iloveyou12",
            "abc123abc123",
            "QWERTY123456",
            DEMO_PASSWORD,
        ] {
            assert_eq!(
                NewPassword::parse(common).unwrap_err(),
                IdentityError::PasswordCommon,
                "{common}"
            );
        }
        assert_eq!(
            format!("{:?}", NewPassword::parse("correct horse battery").unwrap()),
            "NewPassword(***)"
        );
    }

    #[test]
    fn every_listed_password_is_refused_and_the_list_is_searchable() {
        let lines: Vec<&str> = COMMON_PASSWORDS.lines().collect();
        assert!(
            lines.len() > 2_000,
            "the list was cut: {} lines",
            lines.len()
        );
        assert!(
            lines.windows(2).all(|w| w[0] < w[1]),
            "the list must stay sorted"
        );
        for line in lines {
            assert_eq!(
                NewPassword::parse(line).err(),
                Some(IdentityError::PasswordCommon),
                "{line}"
            );
        }
    }

    #[test]
    fn passwords_must_not_contain_the_account_s_details() {
        let personal = ["li.ming@example.cn", "李明", "13800138000"];
        for bad in [
            "li.ming@example.cn!",
            "Li.Ming2026wow",
            "我是李明的密码啊啊啊",
            "x13800138000y",
        ] {
            assert_eq!(
                NewPassword::parse_for(bad, &personal).err(),
                Some(IdentityError::PasswordPersonal),
                "{bad}"
            );
        }
        assert!(NewPassword::parse_for("correct horse battery", &personal).is_ok());
        // A one-letter name or a two-letter mailbox is no reason to refuse a password.
        assert!(NewPassword::parse_for("correct horse battery", &["c", "co@example.cn"]).is_ok());
    }
}
