//! 好差评 (国务院办公厅 2019 opinion on the rating system for government services): the five
//! levels, the preset reasons a rater may tick, what a valid rating is, and which ratings open
//! a remedy case. Pure rules: where ratings are kept and who may rate is the services' business.

use super::reason::Reason;

/// The kinds of case on the one engine, as stored in `applications.kind`.
pub const KIND_APPLICATION: &str = "application";
pub const KIND_REMEDY: &str = "remedy";

/// The workflow every remedy case runs (its newest published version).
pub const REMEDY_WORKFLOW: &str = "remedy";

/// A rating may be changed this many days after it was first given.
pub const CHANGE_WINDOW_DAYS: i64 = 7;

/// The most characters of a comment.
pub const COMMENT_MAX: usize = 500;

/// The five levels, best first: (value, Chinese, English).
pub const LEVELS: [(i32, &str, &str); 5] = [
    (5, "非常满意", "Very satisfied"),
    (4, "满意", "Satisfied"),
    (3, "基本满意", "Fairly satisfied"),
    (2, "不满意", "Dissatisfied"),
    (1, "非常不满意", "Very dissatisfied"),
];

/// What a rating may be about: (code, Chinese, English). The first four are praise, the rest
/// complaints; a rater may tick any.
pub const REASONS: [(&str, &str, &str); 10] = [
    ("quick", "办理快捷", "Quick"),
    ("clear_guide", "办事指南清晰", "Clear guide"),
    ("helpful_staff", "工作人员热情专业", "Helpful staff"),
    ("one_visit", "一次办成", "Done in one go"),
    ("unclear_guide", "办事指南不清", "Unclear guide"),
    ("many_trips", "多次跑动", "Several trips"),
    ("overdue", "超时办理", "Late"),
    ("repeat_materials", "重复提交材料", "Materials asked twice"),
    ("poor_attitude", "服务态度差", "Poor attitude"),
    ("hard_to_use", "系统不好用", "Hard to use online"),
];

/// The name of level `value` in Chinese and English.
pub fn level_names(value: i32) -> Option<(&'static str, &'static str)> {
    LEVELS
        .iter()
        .find(|(v, ..)| *v == value)
        .map(|(_, zh, en)| (*zh, *en))
}

/// The name of reason `code` in Chinese and English.
pub fn reason_names(code: &str) -> Option<(&'static str, &'static str)> {
    REASONS
        .iter()
        .find(|(c, ..)| *c == code)
        .map(|(_, zh, en)| (*zh, *en))
}

/// 不满意 and 非常不满意 are bad ratings: each opens a remedy case.
pub fn is_bad(level: i32) -> bool {
    level <= 2
}

/// 满意 and 非常满意 count as satisfied in the figures (the 满意率).
pub fn is_satisfied(level: i32) -> bool {
    level >= 4
}

/// A rating as the rater gave it, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rating {
    pub level: i32,
    /// Codes of [`REASONS`], each once, in the list's order.
    pub reasons: Vec<String>,
    pub comment: String,
    pub anonymous: bool,
}

/// Where a problem of a rating form lies, for the field it is shown at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RatingField {
    Level,
    Reasons,
    Comment,
}

impl Rating {
    /// Checks what the form sent: a level chosen, known reasons, a comment not too long. A bad
    /// rating must say what was wrong (a reason or a comment), so that it can be remedied.
    pub fn parse(
        level: &str,
        reasons: &[String],
        comment: &str,
        anonymous: bool,
    ) -> Result<Rating, Vec<(RatingField, Reason)>> {
        let mut problems = Vec::new();
        let level = level
            .trim()
            .parse::<i32>()
            .ok()
            .filter(|l| level_names(*l).is_some());
        if level.is_none() {
            problems.push((
                RatingField::Level,
                Reason::new("请选择满意程度", "Choose how satisfied you are"),
            ));
        }
        if let Some(unknown) = reasons.iter().find(|r| reason_names(r).is_none()) {
            problems.push((
                RatingField::Reasons,
                Reason::new(
                    format!("没有“{unknown}”这一评价原因"),
                    format!("“{unknown}” is not one of the reasons"),
                ),
            ));
        }
        let comment = comment.trim().to_owned();
        if comment.chars().count() > COMMENT_MAX {
            problems.push((
                RatingField::Comment,
                Reason::new(
                    format!("意见建议不超过 {COMMENT_MAX} 字"),
                    format!("Write at most {COMMENT_MAX} characters"),
                ),
            ));
        }
        if level.is_some_and(is_bad) && reasons.is_empty() && comment.is_empty() {
            problems.push((
                RatingField::Reasons,
                Reason::new(
                    "请勾选不满意的原因或写下意见，以便整改",
                    "Tick what was wrong or say it in a comment, so that it can be put right",
                ),
            ));
        }
        match level {
            Some(level) if problems.is_empty() => Ok(Rating {
                level,
                reasons: REASONS
                    .iter()
                    .map(|(c, ..)| *c)
                    .filter(|c| reasons.iter().any(|r| r == c))
                    .map(str::to_owned)
                    .collect(),
                comment,
                anonymous,
            }),
            _ => Err(problems),
        }
    }
}

/// The remedy case's answer the rater is asked about, and what they said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Satisfied,
    Unsatisfied,
}

impl Verdict {
    pub fn code(self) -> &'static str {
        match self {
            Verdict::Satisfied => "satisfied",
            Verdict::Unsatisfied => "unsatisfied",
        }
    }

    pub fn parse(code: &str) -> Option<Verdict> {
        match code {
            "satisfied" => Some(Verdict::Satisfied),
            "unsatisfied" => Some(Verdict::Unsatisfied),
            _ => None,
        }
    }
}

/// A month's figures of one department or service.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    pub ratings: i64,
    /// Count per level, index 0 for level 1.
    pub by_level: [i64; 5],
    /// Bad ratings, and of their remedy cases those answered within their deadline.
    pub bad: i64,
    pub remedied_on_time: i64,
}

impl Tally {
    pub fn add(&mut self, level: i32, count: i64) {
        if let Some(slot) = usize::try_from(level - 1)
            .ok()
            .and_then(|i| self.by_level.get_mut(i))
        {
            *slot += count;
            self.ratings += count;
            if is_bad(level) {
                self.bad += count;
            }
        }
    }

    /// The share of ratings that are 满意 or 非常满意, in per cent, one decimal; `None` when
    /// nobody rated.
    pub fn satisfaction(&self) -> Option<f64> {
        (self.ratings > 0).then(|| {
            let satisfied = self.by_level[3] + self.by_level[4];
            (satisfied as f64 * 1000.0 / self.ratings as f64).round() / 10.0
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn a_rating_needs_a_level_and_known_reasons() {
        let problems = Rating::parse("", &[], "", false).unwrap_err();
        assert_eq!(problems[0].0, RatingField::Level);
        assert!(Rating::parse("6", &[], "", false).is_err());
        let unknown = Rating::parse("4", &strings(&["bribes"]), "", false).unwrap_err();
        assert_eq!(unknown[0].0, RatingField::Reasons);
        let long = "很".repeat(COMMENT_MAX + 1);
        assert_eq!(
            Rating::parse("4", &[], &long, false).unwrap_err()[0].0,
            RatingField::Comment
        );
        let good = Rating::parse(" 5 ", &strings(&["one_visit", "quick"]), " 很好 ", true).unwrap();
        assert_eq!(good.level, 5);
        assert_eq!(
            good.reasons,
            strings(&["quick", "one_visit"]),
            "list order, once"
        );
        assert_eq!(good.comment, "很好");
        assert!(good.anonymous);
    }

    #[test]
    fn a_bad_rating_must_say_what_was_wrong() {
        let silent = Rating::parse("2", &[], "  ", false).unwrap_err();
        assert_eq!(silent[0].0, RatingField::Reasons);
        assert!(Rating::parse("1", &strings(&["many_trips"]), "", false).is_ok());
        assert!(Rating::parse("2", &[], "窗口说要跑三次", false).is_ok());
        assert!(
            Rating::parse("3", &[], "", false).is_ok(),
            "基本满意 needs no reason"
        );
        assert!(is_bad(1) && is_bad(2) && !is_bad(3));
    }

    #[test]
    fn satisfaction_counts_satisfied_and_very_satisfied_only() {
        let mut tally = Tally::default();
        assert_eq!(tally.satisfaction(), None);
        tally.add(5, 2);
        tally.add(4, 1);
        tally.add(3, 3);
        tally.add(1, 1);
        tally.add(9, 100);
        assert_eq!(tally.ratings, 7);
        assert_eq!(tally.bad, 1);
        assert_eq!(tally.by_level, [1, 0, 3, 1, 2]);
        assert_eq!(tally.satisfaction(), Some(42.9));
    }
}
