//! Workflow definitions and the rule for firing a transition: pure data and checks, no storage.
//!
//! A definition is a set of states and transitions between them. It is versioned and immutable
//! once published: an application is pinned to the version it was submitted under, so a later
//! edit by an administrator never changes the rules of a running application.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::clock::Phase;
use super::identity::Role;
use super::reason::{Place, Reason};

/// A workflow definition, as shipped in `workflows/*.toml` and stored as JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Definition {
    /// Stable name shared by all versions, e.g. `default`.
    pub key: String,
    pub name_zh: String,
    pub name_en: String,
    pub states: Vec<State>,
    pub transitions: Vec<Transition>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StateKind {
    /// Where a submitted application starts (exactly one).
    Initial,
    /// Somebody is working on it; a clock runs.
    Working,
    /// The decision clock is stopped (特别程序, 补正 before acceptance).
    ClockPaused,
    /// Ended: no transition leaves it.
    Terminal,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct State {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub kind: StateKind,
    /// Which legal clock runs in this state.
    pub phase: Phase,
    /// Departments that give their review opinion here besides the service's own (并联审批),
    /// by code. The service's department leads: it alone decides, once every opinion is in.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub co_review: Vec<String>,
    /// Whether a co-reviewer's 不同意 is only advice to the lead. By default (false) any refusal
    /// decides: the lead may then only deny, quoting the refusing department.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub co_review_refusal_advisory: bool,
    /// The applicant may still edit materials here (补正).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub applicant_edits: bool,
    /// The step's own limit: the application should leave this state within this many working
    /// days of entering it. Supervised like the promised deadline when it falls earlier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_limit_days: Option<u32>,
}

/// Who, of the staff, may fire a transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Performer {
    /// The applicant of the application.
    Applicant,
    /// Staff of the service's department with one of the transition's roles.
    Department,
    /// Staff of the service's department or of a co-reviewing department of the current state.
    Reviewers,
    /// Staff of a co-reviewing department of the current state (their opinion, 审查意见).
    CoReviewers,
}

/// What a transition records beyond the state change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    #[default]
    None,
    /// The decision periods start (or, if the acceptance deadline passed, count from receipt).
    Accept,
    /// A new receipt: the acceptance period starts again (the answer to 补正).
    Receive,
    /// The decision: records the date and whether it was on time.
    Decide,
    /// 即办件: accepted and decided at once.
    AcceptAndDecide,
    /// The decision period is extended by `extension_days`.
    Extend,
    /// The result was delivered.
    Deliver,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transition {
    pub name: String,
    pub label_zh: String,
    pub label_en: String,
    pub from: Vec<String>,
    pub to: String,
    pub performer: Performer,
    /// Staff roles allowed (ignored for the applicant).
    #[serde(default)]
    pub roles: Vec<Role>,
    #[serde(default)]
    pub note_required: bool,
    /// A decision text (准予/不予许可 reasons) is required and kept as the decision.
    #[serde(default)]
    pub decision_required: bool,
    /// The clerk ticks the service's materials concerned (补正: one notice for all of them).
    #[serde(default)]
    pub checklist: bool,
    /// Only for services promised "on the spot" (即办件, 0 days).
    #[serde(default)]
    pub instant_only: bool,
    /// At most this many times per application (e.g. one extension).
    #[serde(default)]
    pub max_times: Option<u32>,
    /// In a co-reviewed state, a co-reviewing department's opinion: 同意, or 不同意 when the
    /// transition is `negative`. It never moves the application; the lead decides. (Whatever a
    /// definition says, a co-reviewer's decision is taken as its opinion, and the lead's
    /// decision waits for every opinion: see [`fire`].)
    #[serde(default)]
    pub sign_off: bool,
    #[serde(default)]
    pub effect: Effect,
    #[serde(default)]
    pub extension_days: u32,
    /// The applicant is told (mail from the outbox), with this text where an administrator set
    /// one; `None` means nobody is told.
    #[serde(default)]
    pub notify_applicant: Option<Notice>,
    /// The staff are told too: the assigned clerk, or without one the department's clerks and
    /// heads, never the one who acted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify_staff: Option<Notice>,
    /// Whether a visible button is red: refusals and denials.
    #[serde(default)]
    pub negative: bool,
}

impl Transition {
    /// The texts the transition sends: to the applicant, then to the staff.
    pub fn notices(&self) -> impl Iterator<Item = &Notice> {
        self.notify_applicant.iter().chain(self.notify_staff.iter())
    }
}

/// A notification text in both languages; the [`PLACEHOLDERS`] `{service}`, `{tracking_number}`,
/// `{deadline}` (of the next step), `{note}`, `{decision}` and `{opinions}` (a joint review's
/// opinions) are replaced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Notice {
    pub subject_zh: String,
    pub subject_en: String,
    pub body_zh: String,
    pub body_en: String,
}

/// Why a definition cannot be published. Each names the part that is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DefinitionProblem {
    #[error("state {0} is defined twice")]
    DuplicateState(String),
    #[error("transition {0} is defined twice from the same state")]
    DuplicateTransition(String),
    #[error("there must be exactly one initial state, not {0}")]
    InitialStates(usize),
    #[error("transition {transition} names the unknown state {state}")]
    UnknownState { transition: String, state: String },
    #[error("transition {0} leaves a terminal state")]
    LeavesTerminal(String),
    #[error("transition {0} has no staff role allowed to fire it")]
    NoRoles(String),
    #[error("state {0} cannot be reached from the initial state")]
    Unreachable(String),
    #[error("no terminal state can be reached from state {0}")]
    NoWayOut(String),
    #[error("{0} has an empty code or name")]
    Empty(String),
    #[error("the text of transition {transition} uses the unknown placeholder {{{placeholder}}}")]
    UnknownPlaceholder {
        transition: String,
        placeholder: String,
    },
    #[error("transition {0} extends the period by 0 working days")]
    NoExtensionDays(String),
    #[error("transition {transition} may fire at most 0 times")]
    NeverFires { transition: String },
    #[error("{0} is not a code: use lower-case letters, digits, _ and -")]
    BadCode(String),
    #[error("a text of {0} contains < or >: texts are plain, not markup")]
    Markup(String),
    #[error("state {0} has a time limit of 0 working days")]
    NoTimeLimit(String),
    #[error("transition {0} extends the period: only a department head may fire it")]
    ExtensionNotByHead(String),
    #[error("transition {0} extends the period: it may fire at most once")]
    ExtensionMoreThanOnce(String),
    #[error("transition {0} extends the period: it must start and end in the decision phase")]
    ExtensionOutsideDecision(String),
    #[error(
        "transition {transition} extends the period by more than the law allows ({max} working days)"
    )]
    ExtensionTooLong { transition: String, max: u32 },
}

impl DefinitionProblem {
    /// The problem in both languages.
    pub fn reason(&self) -> Reason {
        use DefinitionProblem as P;
        let zh = match self {
            P::DuplicateState(s) => format!("状态 {s} 定义了两次"),
            P::DuplicateTransition(t) => format!("操作 {t} 在同一状态下定义了两次"),
            P::InitialStates(n) => format!("初始状态必须恰好一个，现在有 {n} 个"),
            P::UnknownState { transition, state } => {
                format!("操作 {transition} 用了不存在的状态 {state}")
            }
            P::LeavesTerminal(t) => format!("操作 {t} 从终止状态出发"),
            P::NoRoles(t) => format!("操作 {t} 没有指定可以执行的工作人员角色"),
            P::Unreachable(s) => format!("从初始状态到达不了状态 {s}"),
            P::NoWayOut(s) => format!("从状态 {s} 到达不了任何终止状态"),
            P::Empty(what) => format!("{} 的代码或名称为空", part_zh(what)),
            P::UnknownPlaceholder {
                transition,
                placeholder,
            } => format!("操作 {transition} 的文字用了未知的占位符 {{{placeholder}}}"),
            P::NoExtensionDays(t) => format!("操作 {t} 延长期限 0 个工作日"),
            P::NeverFires { transition } => format!("操作 {transition} 最多执行 0 次"),
            P::BadCode(code) => format!("{code} 不是有效代码：只能用小写字母、数字、_ 和 -"),
            P::Markup(what) => format!(
                "{} 的文字含有 < 或 >：文字是纯文本，不是标记",
                part_zh(what)
            ),
            P::NoTimeLimit(s) => format!("状态 {s} 的时限为 0 个工作日"),
            P::ExtensionNotByHead(t) => format!("操作 {t} 延长期限：只能由部门负责人执行"),
            P::ExtensionMoreThanOnce(t) => format!("操作 {t} 延长期限：最多执行一次"),
            P::ExtensionOutsideDecision(t) => {
                format!("操作 {t} 延长期限：必须在审查决定阶段开始和结束")
            }
            P::ExtensionTooLong { transition, max } => {
                format!("操作 {transition} 延长的期限超过法律允许的 {max} 个工作日")
            }
        };
        Reason::new(zh, self.to_string())
    }
}

/// "the workflow", "state x", "transition y" (how the problems name a part) in Chinese.
fn part_zh(what: &str) -> String {
    if let Some(code) = what.strip_prefix("state ") {
        format!("状态 {code}")
    } else if let Some(name) = what.strip_prefix("transition ") {
        format!("操作 {name}")
    } else {
        "流程".to_owned()
    }
}

/// The longest extension any law gives (Art 26: 45 working days plus 15 for joint or
/// centralised handling). A service's own figure, kept in the catalog, may be smaller; the
/// engine never adds more than it.
pub const MAX_EXTENSION_DAYS: u32 = 15;

/// The placeholders a notification text may use.
pub const PLACEHOLDERS: [&str; 6] = [
    "service",
    "tracking_number",
    "deadline",
    "note",
    "decision",
    "opinions",
];

/// The `{name}` placeholders of a text, in order.
pub fn placeholders(text: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        rest = &rest[open + 1..];
        match rest.find(['}', '{']) {
            Some(close) if rest.as_bytes()[close] == b'}' => {
                found.push(&rest[..close]);
                rest = &rest[close + 1..];
            }
            _ => {}
        }
    }
    found
}

fn has_markup(texts: &[&str]) -> bool {
    texts.iter().any(|t| t.contains(['<', '>']))
}

/// The largest definition file accepted (the shipped ones are under 20 KiB).
pub const MAX_SOURCE_BYTES: usize = 256 * 1024;

/// Why a definition file cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SourceProblem {
    #[error("the file is larger than {} KiB", MAX_SOURCE_BYTES / 1024)]
    TooLarge,
    /// The reader's complaint and the place it points at.
    #[error("line {}, column {}: {}", .0.line_number, .0.column, .0.detail)]
    Syntax(Place),
}

/// Where a TOML or JSON reader's error points in `text`.
pub fn toml_syntax(text: &str, error: &toml::de::Error) -> Place {
    let offset = error.span().map_or(text.len(), |span| span.start);
    Place::at(text, offset, error.message().trim())
}

fn json_syntax(text: &str, error: &serde_json::Error) -> Place {
    // serde_json counts lines from 1 and columns from 1 in bytes (0 at a line's start).
    let line_start: usize = text
        .split_inclusive('\n')
        .take(error.line().saturating_sub(1))
        .map(str::len)
        .sum();
    let offset = line_start + error.column().saturating_sub(1);
    let detail = error.to_string();
    let detail = detail.split(" at line ").next().unwrap_or(&detail);
    Place::at(text, offset, detail)
}

impl SourceProblem {
    pub fn reason(&self) -> Reason {
        match self {
            SourceProblem::TooLarge => Reason::new(
                format!("文件大于 {} KiB", MAX_SOURCE_BYTES / 1024),
                self.to_string(),
            ),
            SourceProblem::Syntax(place) => Reason {
                zh: format!(
                    "第 {} 行第 {} 列无法读取（读取器的说明见下）",
                    place.line_number, place.column
                ),
                en: format!(
                    "Line {}, column {} cannot be read (the reader's words below)",
                    place.line_number, place.column
                ),
                place: Some(place.clone()),
            },
        }
    }
}

impl Definition {
    /// Reads a definition from TOML (the readable form kept in version control) or, when it
    /// starts with `{`, JSON. Unknown keys are refused.
    pub fn parse(text: &str) -> Result<Definition, SourceProblem> {
        if text.len() > MAX_SOURCE_BYTES {
            return Err(SourceProblem::TooLarge);
        }
        if text.trim_start().starts_with('{') {
            serde_json::from_str(text).map_err(|e| SourceProblem::Syntax(json_syntax(text, &e)))
        } else {
            toml::from_str(text).map_err(|e| SourceProblem::Syntax(toml_syntax(text, &e)))
        }
    }

    /// The definition as TOML, the form administrators edit, export and diff.
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).expect("a definition is representable in TOML")
    }
}

fn is_code(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= 64
        && code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

impl Definition {
    pub fn state(&self, code: &str) -> Option<&State> {
        self.states.iter().find(|s| s.code == code)
    }

    pub fn initial(&self) -> &State {
        self.states
            .iter()
            .find(|s| s.kind == StateKind::Initial)
            .expect("a checked definition has one initial state")
    }

    pub fn transition(&self, name: &str, from: &str) -> Option<&Transition> {
        self.transitions
            .iter()
            .find(|t| t.name == name && t.from.iter().any(|f| f == from))
    }

    /// The transitions that leave `state`, in definition order.
    pub fn transitions_from(&self, state: &str) -> Vec<&Transition> {
        self.transitions
            .iter()
            .filter(|t| t.from.iter().any(|f| f == state))
            .collect()
    }

    /// Checks that the definition can run; the first problem, if any (see [`Self::problems`]).
    pub fn check(&self) -> Result<(), DefinitionProblem> {
        match self.problems().into_iter().next() {
            Some(problem) => Err(problem),
            None => Ok(()),
        }
    }

    /// Everything that keeps the definition from running: codes well-formed and unique, names
    /// given, one initial state, every state reachable from it and with a way to an end, no way
    /// out of an end, an allowed actor for every transition, positive periods, and only known
    /// placeholders in the texts.
    pub fn problems(&self) -> Vec<DefinitionProblem> {
        let mut problems = Vec::new();
        if !is_code(&self.key) {
            problems.push(DefinitionProblem::BadCode(format!("key {}", self.key)));
        }
        if self.name_zh.trim().is_empty() || self.name_en.trim().is_empty() {
            problems.push(DefinitionProblem::Empty("the workflow".into()));
        }
        if has_markup(&[&self.name_zh, &self.name_en]) {
            problems.push(DefinitionProblem::Markup("the workflow".into()));
        }
        let mut codes = BTreeSet::new();
        for state in &self.states {
            if !is_code(&state.code) {
                problems.push(DefinitionProblem::BadCode(format!("state {}", state.code)));
            }
            if state.name_zh.trim().is_empty() || state.name_en.trim().is_empty() {
                problems.push(DefinitionProblem::Empty(format!("state {}", state.code)));
            }
            if has_markup(&[&state.name_zh, &state.name_en]) {
                problems.push(DefinitionProblem::Markup(format!("state {}", state.code)));
            }
            if state.time_limit_days == Some(0) {
                problems.push(DefinitionProblem::NoTimeLimit(state.code.clone()));
            }
            if !codes.insert(state.code.as_str()) {
                problems.push(DefinitionProblem::DuplicateState(state.code.clone()));
            }
        }
        let initial = self
            .states
            .iter()
            .filter(|s| s.kind == StateKind::Initial)
            .count();
        if initial != 1 {
            problems.push(DefinitionProblem::InitialStates(initial));
        }
        let mut seen = BTreeSet::new();
        for t in &self.transitions {
            problems.extend(self.transition_problems(t, &mut seen));
        }
        if initial == 1 {
            let reachable = self.closure(&[self.initial().code.as_str()], |t, s| {
                if t.from.iter().any(|f| f == s) {
                    vec![t.to.as_str()]
                } else {
                    vec![]
                }
            });
            problems.extend(
                self.states
                    .iter()
                    .filter(|s| !reachable.contains(s.code.as_str()))
                    .map(|s| DefinitionProblem::Unreachable(s.code.clone())),
            );
        }
        let ends: Vec<&str> = self
            .states
            .iter()
            .filter(|s| s.kind == StateKind::Terminal)
            .map(|s| s.code.as_str())
            .collect();
        let can_end = self.closure(&ends, |t, s| {
            if t.to == s {
                t.from.iter().map(String::as_str).collect()
            } else {
                vec![]
            }
        });
        problems.extend(
            self.states
                .iter()
                .filter(|s| !can_end.contains(s.code.as_str()))
                .map(|s| DefinitionProblem::NoWayOut(s.code.clone())),
        );
        problems
    }

    fn transition_problems<'a>(
        &self,
        t: &'a Transition,
        seen: &mut BTreeSet<(&'a str, &'a str)>,
    ) -> Vec<DefinitionProblem> {
        let mut problems = Vec::new();
        if !is_code(&t.name) {
            problems.push(DefinitionProblem::BadCode(format!("transition {}", t.name)));
        }
        if t.label_zh.trim().is_empty() || t.label_en.trim().is_empty() {
            problems.push(DefinitionProblem::Empty(format!("transition {}", t.name)));
        }
        let notice_texts = t.notices().flat_map(|n| {
            [
                n.subject_zh.as_str(),
                n.subject_en.as_str(),
                n.body_zh.as_str(),
                n.body_en.as_str(),
            ]
        });
        let texts: Vec<&str> = [t.label_zh.as_str(), t.label_en.as_str()]
            .into_iter()
            .chain(notice_texts)
            .collect();
        if has_markup(&texts) {
            problems.push(DefinitionProblem::Markup(format!("transition {}", t.name)));
        }
        for state in t.from.iter().chain([&t.to]) {
            let Some(found) = self.state(state) else {
                problems.push(DefinitionProblem::UnknownState {
                    transition: t.name.clone(),
                    state: state.clone(),
                });
                continue;
            };
            if state != &t.to && found.kind == StateKind::Terminal {
                problems.push(DefinitionProblem::LeavesTerminal(t.name.clone()));
            }
        }
        for from in &t.from {
            if !seen.insert((t.name.as_str(), from.as_str())) {
                problems.push(DefinitionProblem::DuplicateTransition(t.name.clone()));
            }
        }
        if t.performer != Performer::Applicant && t.roles.is_empty() {
            problems.push(DefinitionProblem::NoRoles(t.name.clone()));
        }
        if t.effect == Effect::Extend {
            problems.extend(self.extension_problems(t));
        }
        if t.max_times == Some(0) {
            problems.push(DefinitionProblem::NeverFires {
                transition: t.name.clone(),
            });
        }
        for notice in t.notices() {
            for text in [
                &notice.subject_zh,
                &notice.subject_en,
                &notice.body_zh,
                &notice.body_en,
            ] {
                for placeholder in placeholders(text) {
                    if !PLACEHOLDERS.contains(&placeholder) {
                        problems.push(DefinitionProblem::UnknownPlaceholder {
                            transition: t.name.clone(),
                            placeholder: placeholder.to_owned(),
                        });
                    }
                }
            }
        }
        problems
    }

    /// The engine's rules for an extension (Arts 42, 26), which no published workflow may
    /// loosen: a department head fires it, at most once, from and to the decision phase, for
    /// at most [`MAX_EXTENSION_DAYS`].
    fn extension_problems(&self, t: &Transition) -> Vec<DefinitionProblem> {
        let mut problems = Vec::new();
        if t.extension_days == 0 {
            problems.push(DefinitionProblem::NoExtensionDays(t.name.clone()));
        }
        if t.extension_days > MAX_EXTENSION_DAYS {
            problems.push(DefinitionProblem::ExtensionTooLong {
                transition: t.name.clone(),
                max: MAX_EXTENSION_DAYS,
            });
        }
        if t.performer == Performer::Applicant || t.roles.iter().any(|r| *r != Role::Head) {
            problems.push(DefinitionProblem::ExtensionNotByHead(t.name.clone()));
        }
        if t.max_times != Some(1) {
            problems.push(DefinitionProblem::ExtensionMoreThanOnce(t.name.clone()));
        }
        let in_decision =
            |code: &String| self.state(code).is_none_or(|s| s.phase == Phase::Decision);
        if !t.from.iter().all(in_decision) || !in_decision(&t.to) {
            problems.push(DefinitionProblem::ExtensionOutsideDecision(t.name.clone()));
        }
        problems
    }

    /// The states reached from `start` by following `step` over the transitions.
    fn closure<'a, F>(&'a self, start: &[&'a str], step: F) -> BTreeSet<&'a str>
    where
        F: Fn(&'a Transition, &str) -> Vec<&'a str>,
    {
        let mut found: BTreeSet<&str> = start.iter().copied().collect();
        let mut frontier: Vec<&str> = start.to_vec();
        while let Some(state) = frontier.pop() {
            for t in &self.transitions {
                for next in step(t, state) {
                    if found.insert(next) {
                        frontier.push(next);
                    }
                }
            }
        }
        found
    }
}

/// An edit made through the editor's forms rather than the TOML text.
#[derive(Debug, Clone, PartialEq)]
pub enum Edit {
    AddState(State),
    /// A new code and names; every transition follows the new code.
    RenameState {
        code: String,
        new_code: String,
        name_zh: String,
        name_en: String,
    },
    /// The state and every transition into it; transitions out of it lose it as an origin.
    RemoveState(String),
    AddTransition(Box<Transition>),
    /// Every transition of that name.
    RemoveTransition(String),
}

/// Why an edit cannot be applied (the checks of [`Definition::problems`] come after).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditProblem {
    #[error("there is no state {0}")]
    NoSuchState(String),
    #[error("there is no transition {0}")]
    NoSuchTransition(String),
    #[error("state {0} exists already")]
    StateExists(String),
    #[error("transition {0} exists already")]
    TransitionExists(String),
}

impl EditProblem {
    /// The problem in both languages.
    pub fn reason(&self) -> Reason {
        let zh = match self {
            EditProblem::NoSuchState(s) => format!("没有状态 {s}"),
            EditProblem::NoSuchTransition(t) => format!("没有操作 {t}"),
            EditProblem::StateExists(s) => format!("状态 {s} 已经存在"),
            EditProblem::TransitionExists(t) => format!("操作 {t} 已经存在"),
        };
        Reason::new(zh, self.to_string())
    }
}

impl Definition {
    /// Applies one edit. The result may still have problems; they are checked like any save.
    pub fn apply(&mut self, edit: Edit) -> Result<(), EditProblem> {
        match edit {
            Edit::AddState(state) => {
                if self.state(&state.code).is_some() {
                    return Err(EditProblem::StateExists(state.code));
                }
                self.states.push(state);
            }
            Edit::RenameState {
                code,
                new_code,
                name_zh,
                name_en,
            } => {
                if new_code != code && self.state(&new_code).is_some() {
                    return Err(EditProblem::StateExists(new_code));
                }
                let state = self
                    .states
                    .iter_mut()
                    .find(|s| s.code == code)
                    .ok_or_else(|| EditProblem::NoSuchState(code.clone()))?;
                state.code.clone_from(&new_code);
                state.name_zh = name_zh;
                state.name_en = name_en;
                for t in &mut self.transitions {
                    for from in t.from.iter_mut().filter(|f| **f == code) {
                        from.clone_from(&new_code);
                    }
                    if t.to == code {
                        t.to.clone_from(&new_code);
                    }
                }
            }
            Edit::RemoveState(code) => {
                if self.state(&code).is_none() {
                    return Err(EditProblem::NoSuchState(code));
                }
                self.states.retain(|s| s.code != code);
                self.transitions.retain(|t| t.to != code);
                for t in &mut self.transitions {
                    t.from.retain(|f| *f != code);
                }
                self.transitions.retain(|t| !t.from.is_empty());
            }
            Edit::AddTransition(transition) => {
                if self.transitions.iter().any(|t| t.name == transition.name) {
                    return Err(EditProblem::TransitionExists(transition.name));
                }
                self.transitions.push(*transition);
            }
            Edit::RemoveTransition(name) => {
                if !self.transitions.iter().any(|t| t.name == name) {
                    return Err(EditProblem::NoSuchTransition(name));
                }
                self.transitions.retain(|t| t.name != name);
            }
        }
        Ok(())
    }
}

/// Who is trying to fire a transition.
#[derive(Debug, Clone)]
pub struct Actor<'a> {
    pub role: Role,
    /// The departments the actor works in (staff), by code.
    pub departments: &'a [String],
    /// Whether the actor is the application's applicant.
    pub is_applicant: bool,
}

/// What the engine needs to know of an application to decide.
#[derive(Clone)]
pub struct Situation<'a> {
    pub state: &'a str,
    /// The department of the application's service.
    pub department: &'a str,
    /// The service's promised days (0 for 即办件).
    pub promised_days: u32,
    /// The co-reviewing departments' opinions given in the current state.
    pub opinions: &'a [Opinion],
    /// How many times each transition has been fired on this application.
    pub times_fired: &'a dyn Fn(&str) -> u32,
    /// Where its legal clocks stand today.
    pub clock: ClockSituation,
}

/// What the engine must know of an application's clocks to keep the law whatever a workflow
/// says. The default forbids nothing (a situation with no clock facts, as on the queue).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClockSituation {
    /// Deemed accepted (Art 32): the acceptance can no longer be refused or put off by a
    /// 补正 notice.
    pub deemed_accepted: bool,
    /// The legal decision deadline has passed: no special procedure or extension may start.
    pub legal_deadline_passed: bool,
    /// The decision period has been extended already.
    pub extended: bool,
}

/// A co-reviewing department's opinion (审查意见) on an application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opinion {
    pub department: String,
    /// 同意 (true) or 不同意 (false).
    pub agrees: bool,
}

/// What the actor gives with the transition.
#[derive(Debug, Clone, Default)]
pub struct Request<'a> {
    pub note: &'a str,
    pub decision: &'a str,
    pub checklist: &'a [String],
}

/// Why a transition may not be fired.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// No such transition from the current state (or it moved meanwhile).
    #[error("this action is not possible in the application's current state")]
    NotFromHere,
    #[error("you may not take this action")]
    NotAllowed,
    #[error("a note is required")]
    NoteRequired,
    #[error("the decision text is required")]
    DecisionRequired,
    #[error("tick at least one material")]
    ChecklistRequired,
    #[error("only for services decided on the spot")]
    NotInstant,
    #[error("already done the most times allowed")]
    TooOften,
    #[error("your department has already given its opinion")]
    AlreadySignedOff,
    /// The lead's decision waits for these co-reviewing departments' opinions.
    #[error("waiting for the opinions of {0:?}")]
    CoReviewsOutstanding(Vec<String>),
    /// These co-reviewing departments did not agree, and a refusal decides: only a denial.
    #[error("refused by {0:?}: only a denial can be issued")]
    RefusedInCoReview(Vec<String>),
    /// Art 32: once deemed accepted, no 补正 notice and no refusal of acceptance.
    #[error(
        "the application is deemed accepted: it can no longer be refused or sent back for materials"
    )]
    DeemedAccepted,
    /// Arts 42, 45: a special procedure or an extension starts only while the clock runs.
    #[error("the legal deadline has passed: no special procedure or extension may start")]
    DeadlinePassed,
    /// Art 42: one extension per application, in the decision phase.
    #[error("the decision period can be extended once, during the decision phase only")]
    ExtensionNotPossible,
}

impl Refusal {
    /// Whether the refusal is a rule of the law about the clocks, answered with a conflict
    /// (409) rather than a form to correct.
    pub fn is_legal_clock(&self) -> bool {
        matches!(
            self,
            Refusal::DeemedAccepted | Refusal::DeadlinePassed | Refusal::ExtensionNotPossible
        )
    }
}

/// The outcome of a permitted transition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Firing {
    /// The state after the transition (the same state while sign-offs are outstanding).
    pub to: String,
    /// A co-reviewing department's opinion, when the transition gave one (the state stays).
    pub opinion: Option<Opinion>,
    /// The department the actor acted for (`None` for the applicant).
    pub acting_for: Option<String>,
    /// Whether the state actually changes (false for an opinion).
    pub moves: bool,
}

/// Decides whether `actor` may fire `name` on an application in `situation`, and where it goes.
pub fn fire(
    definition: &Definition,
    situation: &Situation,
    actor: &Actor,
    name: &str,
    request: &Request,
) -> Result<Firing, Refusal> {
    let transition = definition
        .transition(name, situation.state)
        .ok_or(Refusal::NotFromHere)?;
    let state = definition
        .state(situation.state)
        .ok_or(Refusal::NotFromHere)?;
    let acting_for = acting_department(transition, state, situation, actor)?;
    clock_rules(definition, state, transition, situation.clock, actor)?;
    if transition.instant_only && situation.promised_days != 0 {
        return Err(Refusal::NotInstant);
    }
    if let Some(max) = transition.max_times
        && (situation.times_fired)(&transition.name) >= max
    {
        return Err(Refusal::TooOften);
    }
    if transition.note_required && request.note.trim().is_empty() {
        return Err(Refusal::NoteRequired);
    }
    if transition.decision_required && request.decision.trim().is_empty() {
        return Err(Refusal::DecisionRequired);
    }
    if transition.checklist && request.checklist.is_empty() {
        return Err(Refusal::ChecklistRequired);
    }
    if !state.co_review.is_empty()
        && let Some(department) = &acting_for
    {
        let decides = matches!(transition.effect, Effect::Decide | Effect::AcceptAndDecide);
        if department != situation.department {
            // A co-reviewer gives an opinion; its "decision" is one too, and nothing else.
            if !(transition.sign_off || decides) {
                return Err(Refusal::NotAllowed);
            }
            if situation
                .opinions
                .iter()
                .any(|o| &o.department == department)
            {
                return Err(Refusal::AlreadySignedOff);
            }
            return Ok(Firing {
                to: state.code.clone(),
                opinion: Some(Opinion {
                    department: department.clone(),
                    agrees: !transition.negative,
                }),
                acting_for,
                moves: false,
            });
        }
        if transition.sign_off && !decides {
            // Opinions are the co-reviewers'; the lead decides.
            return Err(Refusal::NotAllowed);
        }
        if decides {
            let refused: Vec<String> = situation
                .opinions
                .iter()
                .filter(|o| !o.agrees && state.co_review.contains(&o.department))
                .map(|o| o.department.clone())
                .collect();
            let decisive_refusal = !refused.is_empty() && !state.co_review_refusal_advisory;
            if decisive_refusal && !transition.negative {
                return Err(Refusal::RefusedInCoReview(refused));
            }
            let outstanding = outstanding_opinions(state, situation.opinions);
            if !outstanding.is_empty() && !decisive_refusal {
                return Err(Refusal::CoReviewsOutstanding(outstanding));
            }
        }
    }
    Ok(Firing {
        to: transition.to.clone(),
        opinion: None,
        acting_for,
        moves: transition.to != state.code,
    })
}

/// The co-reviewing departments of `state` whose opinion is not in yet, in the state's order.
pub fn outstanding_opinions(state: &State, opinions: &[Opinion]) -> Vec<String> {
    state
        .co_review
        .iter()
        .filter(|d| !opinions.iter().any(|o| &o.department == *d))
        .cloned()
        .collect()
}

/// The law's rules on the clocks, checked on every transition whatever the workflow says.
fn clock_rules(
    definition: &Definition,
    state: &State,
    transition: &Transition,
    clock: ClockSituation,
    actor: &Actor,
) -> Result<(), Refusal> {
    let to = definition.state(&transition.to);
    let to_phase = to.map_or(Phase::None, |s| s.phase);
    // Art 32: a deemed acceptance is final. From a state awaiting acceptance staff may accept
    // or decide; not send it back for materials (a pause or a new receipt) nor end it.
    if clock.deemed_accepted
        && state.phase == Phase::Acceptance
        && transition.performer != Performer::Applicant
    {
        let decides = matches!(
            transition.effect,
            Effect::Accept | Effect::AcceptAndDecide | Effect::Decide
        );
        let undoes = transition.effect == Effect::Receive
            || matches!(to_phase, Phase::Paused | Phase::Acceptance)
            || to.is_some_and(|s| s.kind == StateKind::Terminal);
        if undoes && !decides {
            return Err(Refusal::DeemedAccepted);
        }
    }
    // Arts 42, 45: the decision clock is stopped or extended only while it runs.
    let pauses = state.phase == Phase::Decision && to_phase == Phase::Paused;
    if transition.effect == Effect::Extend {
        if actor.role != Role::Head {
            return Err(Refusal::NotAllowed);
        }
        if clock.extended || state.phase != Phase::Decision || to_phase != Phase::Decision {
            return Err(Refusal::ExtensionNotPossible);
        }
    }
    if (pauses || transition.effect == Effect::Extend) && clock.legal_deadline_passed {
        return Err(Refusal::DeadlinePassed);
    }
    Ok(())
}

/// Every department that must sign off in a co-reviewed state: the service's own first.
pub fn required_sign_offs(state: &State, service_department: &str) -> Vec<String> {
    let mut all = vec![service_department.to_owned()];
    for d in &state.co_review {
        if !all.contains(d) {
            all.push(d.clone());
        }
    }
    all
}

/// The department the actor acts for (None for the applicant), or why they may not act.
fn acting_department(
    transition: &Transition,
    state: &State,
    situation: &Situation,
    actor: &Actor,
) -> Result<Option<String>, Refusal> {
    match transition.performer {
        Performer::Applicant => {
            if actor.is_applicant {
                Ok(None)
            } else {
                Err(Refusal::NotAllowed)
            }
        }
        Performer::Department | Performer::Reviewers | Performer::CoReviewers => {
            if !transition.roles.contains(&actor.role) {
                return Err(Refusal::NotAllowed);
            }
            let mut eligible = Vec::new();
            if transition.performer != Performer::CoReviewers {
                eligible.push(situation.department);
            }
            if transition.performer != Performer::Department {
                eligible.extend(state.co_review.iter().map(String::as_str));
            }
            // A clerk of the service's department acts for it, before any co-review role.
            eligible
                .into_iter()
                .find(|d| actor.departments.iter().any(|mine| mine == d))
                .map(|d| Some(d.to_owned()))
                .ok_or(Refusal::NotAllowed)
        }
    }
}

/// What staff of `department` may do now: the transitions they could fire (before the
/// note/decision checks), for showing one button each.
pub fn available<'a>(
    definition: &'a Definition,
    situation: &Situation<'_>,
    actor: &Actor,
) -> Vec<&'a Transition> {
    let probe = Request {
        note: "x",
        decision: "x",
        checklist: &[String::new()],
    };
    definition
        .transitions_from(situation.state)
        .into_iter()
        .filter(|t| fire(definition, situation, actor, &t.name, &probe).is_ok())
        .collect()
}

/// The definitions shipped with OneStop, checked by the tests.
pub fn shipped() -> Vec<Definition> {
    [
        include_str!("workflows/default.toml"),
        include_str!("workflows/joint-review.toml"),
    ]
    .into_iter()
    .map(|text| toml::from_str(text).expect("shipped workflows are checked by the tests"))
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn default() -> Definition {
        shipped().into_iter().find(|d| d.key == "default").unwrap()
    }

    fn joint() -> Definition {
        shipped()
            .into_iter()
            .find(|d| d.key == "joint-review")
            .unwrap()
    }

    fn never(_: &str) -> u32 {
        0
    }

    fn situation<'a>(state: &'a str, opinions: &'a [Opinion]) -> Situation<'a> {
        Situation {
            state,
            department: "SJJ",
            promised_days: 5,
            opinions,
            times_fired: &never,
            clock: ClockSituation::default(),
        }
    }

    fn depts(codes: &[&str]) -> Vec<String> {
        codes.iter().map(|c| c.to_string()).collect()
    }

    fn note() -> Request<'static> {
        Request {
            note: "理由",
            decision: "决定",
            checklist: &[],
        }
    }

    #[test]
    fn shipped_definitions_are_sound() {
        for d in shipped() {
            d.check().unwrap_or_else(|e| panic!("{}: {e}", d.key));
        }
    }

    #[test]
    fn a_clerk_of_the_department_accepts() {
        let d = default();
        let sjj = depts(&["SJJ"]);
        let clerk = Actor {
            role: Role::Clerk,
            departments: &sjj,
            is_applicant: false,
        };
        let firing = fire(&d, &situation("submitted", &[]), &clerk, "accept", &note()).unwrap();
        assert_eq!(firing.to, "accepted");
        assert!(firing.moves);
    }

    #[test]
    fn other_departments_citizens_and_admins_may_not_accept() {
        let d = default();
        let wjj = depts(&["WJJ"]);
        let sjj = depts(&["SJJ"]);
        let s = situation("submitted", &[]);
        for actor in [
            Actor {
                role: Role::Clerk,
                departments: &wjj,
                is_applicant: false,
            },
            Actor {
                role: Role::Citizen,
                departments: &[],
                is_applicant: true,
            },
            Actor {
                role: Role::Admin,
                departments: &sjj,
                is_applicant: false,
            },
        ] {
            assert_eq!(
                fire(&d, &s, &actor, "accept", &note()),
                Err(Refusal::NotAllowed)
            );
        }
    }

    #[test]
    fn transitions_only_from_their_states() {
        let d = default();
        let sjj = depts(&["SJJ"]);
        let clerk = Actor {
            role: Role::Clerk,
            departments: &sjj,
            is_applicant: false,
        };
        assert_eq!(
            fire(&d, &situation("submitted", &[]), &clerk, "approve", &note()),
            Err(Refusal::NotFromHere)
        );
        assert_eq!(
            fire(&d, &situation("closed", &[]), &clerk, "accept", &note()),
            Err(Refusal::NotFromHere)
        );
    }

    #[test]
    fn refusals_and_denials_need_reasons_and_supplement_a_checklist() {
        let d = default();
        let sjj = depts(&["SJJ"]);
        let clerk = Actor {
            role: Role::Clerk,
            departments: &sjj,
            is_applicant: false,
        };
        let empty = Request::default();
        assert_eq!(
            fire(&d, &situation("submitted", &[]), &clerk, "refuse", &empty),
            Err(Refusal::NoteRequired)
        );
        assert_eq!(
            fire(&d, &situation("under_review", &[]), &clerk, "deny", &empty),
            Err(Refusal::DecisionRequired)
        );
        assert_eq!(
            fire(
                &d,
                &situation("submitted", &[]),
                &clerk,
                "request_supplement",
                &note()
            ),
            Err(Refusal::ChecklistRequired)
        );
    }

    #[test]
    fn only_a_head_extends_and_only_once() {
        let d = default();
        let sjj = depts(&["SJJ"]);
        let clerk = Actor {
            role: Role::Clerk,
            departments: &sjj,
            is_applicant: false,
        };
        let head = Actor {
            role: Role::Head,
            departments: &sjj,
            is_applicant: false,
        };
        let s = situation("under_review", &[]);
        assert_eq!(
            fire(&d, &s, &clerk, "extend", &note()),
            Err(Refusal::NotAllowed)
        );
        let firing = fire(&d, &s, &head, "extend", &note()).unwrap();
        assert_eq!(firing.to, "under_review");
        assert!(!firing.moves);
        let once = |name: &str| u32::from(name == "extend");
        let s = Situation {
            times_fired: &once,
            ..s
        };
        assert_eq!(
            fire(&d, &s, &head, "extend", &note()),
            Err(Refusal::TooOften)
        );
    }

    fn extend_of(d: &mut Definition) -> &mut Transition {
        d.transitions
            .iter_mut()
            .find(|t| t.name == "extend")
            .unwrap()
    }

    fn actor_of(role: Role, departments: &[String]) -> Actor<'_> {
        Actor {
            role,
            departments,
            is_applicant: false,
        }
    }

    #[test]
    fn a_deemed_acceptance_cannot_be_refused_or_sent_back_whatever_the_workflow() {
        let mut d = default();
        let sjj = depts(&["SJJ"]);
        let clerk = actor_of(Role::Clerk, &sjj);
        let deemed = Situation {
            clock: ClockSituation {
                deemed_accepted: true,
                ..ClockSituation::default()
            },
            ..situation("submitted", &[])
        };
        let checklist = ["营业执照".to_owned()];
        let supplement = Request {
            note: "x",
            decision: "",
            checklist: &checklist,
        };
        assert!(
            fire(
                &d,
                &situation("submitted", &[]),
                &clerk,
                "request_supplement",
                &supplement
            )
            .is_ok()
        );
        assert_eq!(
            fire(&d, &deemed, &clerk, "request_supplement", &supplement),
            Err(Refusal::DeemedAccepted)
        );
        assert_eq!(
            fire(&d, &deemed, &clerk, "refuse", &note()),
            Err(Refusal::DeemedAccepted)
        );
        assert!(fire(&d, &deemed, &clerk, "accept", &note()).is_ok());
        let names: Vec<&str> = available(&d, &deemed, &clerk)
            .iter()
            .map(|t| t.name.as_str())
            .collect();
        assert_eq!(names, ["accept"], "neither is offered");
        // A workflow that renames the refusal, drops its note or sends it to another end is
        // refused all the same.
        let refuse = d
            .transitions
            .iter_mut()
            .find(|t| t.name == "refuse")
            .unwrap();
        refuse.name = "reject_at_desk".into();
        refuse.note_required = false;
        refuse.to = "withdrawn".into();
        assert_eq!(
            fire(&d, &deemed, &clerk, "reject_at_desk", &Request::default()),
            Err(Refusal::DeemedAccepted)
        );
        // The applicant may still withdraw.
        let me = Actor {
            role: Role::Citizen,
            departments: &[],
            is_applicant: true,
        };
        assert!(fire(&d, &deemed, &me, "withdraw", &Request::default()).is_ok());
    }

    #[test]
    fn no_special_procedure_or_extension_after_the_legal_deadline() {
        let d = default();
        let sjj = depts(&["SJJ"]);
        let head = actor_of(Role::Head, &sjj);
        let late = Situation {
            clock: ClockSituation {
                legal_deadline_passed: true,
                ..ClockSituation::default()
            },
            ..situation("under_review", &[])
        };
        assert_eq!(
            fire(&d, &late, &head, "start_special_procedure", &note()),
            Err(Refusal::DeadlinePassed)
        );
        assert_eq!(
            fire(&d, &late, &head, "extend", &note()),
            Err(Refusal::DeadlinePassed)
        );
        assert!(Refusal::DeadlinePassed.is_legal_clock());
        // A decision is still possible, late as it is.
        let decision = Request {
            note: "",
            decision: "准予",
            checklist: &[],
        };
        assert!(fire(&d, &late, &head, "approve", &decision).is_ok());
        assert!(
            fire(
                &d,
                &situation("under_review", &[]),
                &head,
                "start_special_procedure",
                &note()
            )
            .is_ok()
        );
    }

    #[test]
    fn the_engine_keeps_the_extension_rules_whatever_the_workflow() {
        let mut d = default();
        let sjj = depts(&["SJJ"]);
        let clerk = actor_of(Role::Clerk, &sjj);
        let head = actor_of(Role::Head, &sjj);
        // A workflow published before the checks, letting clerks extend as often as they like.
        let extend = extend_of(&mut d);
        extend.roles.push(Role::Clerk);
        extend.max_times = None;
        let s = situation("under_review", &[]);
        assert_eq!(
            fire(&d, &s, &clerk, "extend", &note()),
            Err(Refusal::NotAllowed)
        );
        assert!(fire(&d, &s, &head, "extend", &note()).is_ok());
        let extended = Situation {
            clock: ClockSituation {
                extended: true,
                ..ClockSituation::default()
            },
            ..situation("under_review", &[])
        };
        assert_eq!(
            fire(&d, &extended, &head, "extend", &note()),
            Err(Refusal::ExtensionNotPossible)
        );
        // Outside the decision phase.
        extend_of(&mut d).from.push("submitted".into());
        assert_eq!(
            fire(&d, &situation("submitted", &[]), &head, "extend", &note()),
            Err(Refusal::ExtensionNotPossible)
        );
    }

    #[test]
    fn instant_services_may_be_decided_at_acceptance() {
        let d = default();
        let sjj = depts(&["SJJ"]);
        let clerk = Actor {
            role: Role::Clerk,
            departments: &sjj,
            is_applicant: false,
        };
        let s = situation("submitted", &[]);
        assert_eq!(
            fire(&d, &s, &clerk, "accept_and_approve", &note()),
            Err(Refusal::NotInstant)
        );
        let instant = Situation {
            promised_days: 0,
            ..s
        };
        let firing = fire(&d, &instant, &clerk, "accept_and_approve", &note()).unwrap();
        assert_eq!(firing.to, "approved");
    }

    #[test]
    fn the_applicant_withdraws_before_a_decision_only() {
        let d = default();
        let me = Actor {
            role: Role::Citizen,
            departments: &[],
            is_applicant: true,
        };
        let other = Actor {
            role: Role::Citizen,
            departments: &[],
            is_applicant: false,
        };
        let empty = Request::default();
        for state in [
            "submitted",
            "needs_supplement",
            "accepted",
            "under_review",
            "special_procedure",
        ] {
            assert!(
                fire(&d, &situation(state, &[]), &me, "withdraw", &empty).is_ok(),
                "{state}"
            );
            assert_eq!(
                fire(&d, &situation(state, &[]), &other, "withdraw", &empty),
                Err(Refusal::NotAllowed)
            );
        }
        for state in ["approved", "rejected", "closed", "not_accepted"] {
            assert_eq!(
                fire(&d, &situation(state, &[]), &me, "withdraw", &empty),
                Err(Refusal::NotFromHere),
                "{state}"
            );
        }
    }

    fn opinion(department: &str, agrees: bool) -> Opinion {
        Opinion {
            department: department.into(),
            agrees,
        }
    }

    /// Fires `name` in the joint review of a ZJJ-led application with these opinions in.
    fn in_joint_review(
        d: &Definition,
        opinions: &[Opinion],
        department: &str,
        name: &str,
    ) -> Result<Firing, Refusal> {
        let departments = depts(&[department]);
        let actor = Actor {
            role: Role::Clerk,
            departments: &departments,
            is_applicant: false,
        };
        let s = Situation {
            state: "joint_review",
            department: "ZJJ",
            promised_days: 2,
            opinions,
            times_fired: &never,
            clock: ClockSituation::default(),
        };
        fire(d, &s, &actor, name, &note())
    }

    #[test]
    fn co_reviewers_give_opinions_and_the_lead_decides_after_every_one() {
        let d = joint();
        let outstanding = |codes: &[&str]| Err(Refusal::CoReviewsOutstanding(depts(codes)));
        // Before any opinion the lead can decide nothing, and says whose opinions are missing.
        assert_eq!(
            in_joint_review(&d, &[], "ZJJ", "approve"),
            outstanding(&["GHZYJ", "XFJY"])
        );
        assert_eq!(
            in_joint_review(&d, &[], "ZJJ", "deny"),
            outstanding(&["GHZYJ", "XFJY"])
        );
        // A co-reviewer's opinion changes nothing else, once per department.
        let agreed = in_joint_review(&d, &[], "GHZYJ", "agree").unwrap();
        assert_eq!(
            (
                agreed.moves,
                agreed.to.as_str(),
                agreed.opinion,
                agreed.acting_for.as_deref()
            ),
            (
                false,
                "joint_review",
                Some(opinion("GHZYJ", true)),
                Some("GHZYJ")
            )
        );
        let one = [opinion("GHZYJ", true)];
        assert_eq!(
            in_joint_review(&d, &one, "GHZYJ", "disagree"),
            Err(Refusal::AlreadySignedOff)
        );
        // Opinions are the co-reviewers', decisions the lead's.
        assert_eq!(
            in_joint_review(&d, &[], "ZJJ", "agree"),
            Err(Refusal::NotAllowed)
        );
        assert_eq!(
            in_joint_review(&d, &[], "XFJY", "approve"),
            Err(Refusal::NotAllowed)
        );
        assert_eq!(
            in_joint_review(&d, &[], "WJJ", "agree"),
            Err(Refusal::NotAllowed)
        );
        assert_eq!(
            in_joint_review(&d, &one, "ZJJ", "approve"),
            outstanding(&["XFJY"])
        );
        // Every opinion in: the lead decides, either way.
        let both = [opinion("XFJY", true), opinion("GHZYJ", true)];
        let approval = in_joint_review(&d, &both, "ZJJ", "approve").unwrap();
        assert_eq!(
            (approval.moves, approval.to.as_str(), approval.opinion),
            (true, "approved", None)
        );
        assert_eq!(
            in_joint_review(&d, &both, "ZJJ", "deny").unwrap().to,
            "rejected"
        );
    }

    #[test]
    fn a_co_reviewer_s_refusal_decides_but_the_lead_issues_the_denial() {
        let d = joint();
        let refused = [opinion("XFJY", false)];
        let denial = in_joint_review(&d, &refused, "XFJY", "disagree");
        assert_eq!(denial, Err(Refusal::AlreadySignedOff), "one opinion each");
        // The refusal decides at once (GHZYJ's opinion is not needed) and only a denial is left.
        assert_eq!(
            in_joint_review(&d, &refused, "ZJJ", "approve"),
            Err(Refusal::RefusedInCoReview(depts(&["XFJY"])))
        );
        assert_eq!(
            in_joint_review(&d, &refused, "ZJJ", "deny").unwrap().to,
            "rejected"
        );
        // A workflow may make a refusal advice only: then the lead waits for every opinion and
        // decides either way.
        let mut advisory = joint();
        for s in &mut advisory.states {
            s.co_review_refusal_advisory = true;
        }
        assert_eq!(
            in_joint_review(&advisory, &refused, "ZJJ", "deny"),
            Err(Refusal::CoReviewsOutstanding(depts(&["GHZYJ"])))
        );
        let both = [opinion("XFJY", false), opinion("GHZYJ", true)];
        assert_eq!(
            in_joint_review(&advisory, &both, "ZJJ", "approve")
                .unwrap()
                .to,
            "approved"
        );
    }

    #[test]
    fn in_an_older_definition_a_co_reviewer_s_decision_is_only_its_opinion() {
        // Before opinions existed, approve was a sign-off and deny fired by any reviewer.
        let mut d = joint();
        d.transitions
            .retain(|t| t.name != "agree" && t.name != "disagree");
        for t in &mut d.transitions {
            if t.name == "approve" || t.name == "deny" {
                t.performer = Performer::Reviewers;
                t.sign_off = t.name == "approve";
            }
        }
        let approve = in_joint_review(&d, &[], "GHZYJ", "approve").unwrap();
        assert_eq!(
            (approve.moves, approve.opinion),
            (false, Some(opinion("GHZYJ", true)))
        );
        let deny = in_joint_review(&d, &[], "XFJY", "deny").unwrap();
        assert_eq!(
            (deny.moves, deny.opinion),
            (false, Some(opinion("XFJY", false)))
        );
        // The lead's early "approve" is no sign-off: it waits like any decision.
        assert_eq!(
            in_joint_review(&d, &[opinion("GHZYJ", true)], "ZJJ", "approve"),
            Err(Refusal::CoReviewsOutstanding(depts(&["XFJY"])))
        );
    }

    #[test]
    fn broken_definitions_are_refused() {
        let mut d = default();
        d.transitions.retain(|t| t.name != "start_review");
        assert!(matches!(d.check(), Err(DefinitionProblem::Unreachable(_))));
        let mut d = default();
        d.transitions[0].to = "nowhere".into();
        assert!(matches!(
            d.check(),
            Err(DefinitionProblem::UnknownState { .. })
        ));
        let mut d = default();
        d.states.iter_mut().for_each(|s| {
            if s.code == "accepted" {
                s.kind = StateKind::Initial;
            }
        });
        assert_eq!(d.check(), Err(DefinitionProblem::InitialStates(2)));
        let mut d = default();
        let mut leaving = d.transitions[0].clone();
        leaving.name = "reopen".into();
        leaving.from = vec!["closed".into()];
        d.transitions.push(leaving);
        assert_eq!(
            d.check(),
            Err(DefinitionProblem::LeavesTerminal("reopen".into()))
        );
    }

    /// Each rule, with a draft that breaks it and the message that points to the broken part;
    /// the shipped definitions pass them all.
    #[test]
    fn every_rule_names_the_broken_part() {
        type Breakage = fn(&mut Definition);
        let cases: Vec<(Breakage, DefinitionProblem)> = vec![
            (
                |d| d.transitions.retain(|t| t.name != "start_review"),
                DefinitionProblem::Unreachable("under_review".into()),
            ),
            (
                |d| d.transitions.retain(|t| t.from != ["approved"]),
                DefinitionProblem::NoWayOut("approved".into()),
            ),
            (
                |d| d.states[1].kind = StateKind::Initial,
                DefinitionProblem::InitialStates(2),
            ),
            (
                |d| d.transitions[0].to = "nowhere".into(),
                DefinitionProblem::UnknownState {
                    transition: "accept".into(),
                    state: "nowhere".into(),
                },
            ),
            (
                |d| {
                    let copy = d.states[2].clone();
                    d.states.push(copy);
                },
                DefinitionProblem::DuplicateState("not_accepted".into()),
            ),
            (
                |d| {
                    let copy = d.transitions[0].clone();
                    d.transitions.push(copy);
                },
                DefinitionProblem::DuplicateTransition("accept".into()),
            ),
            (
                |d| d.transitions[0].from.push("closed".into()),
                DefinitionProblem::LeavesTerminal("accept".into()),
            ),
            (
                |d| d.transitions[0].roles.clear(),
                DefinitionProblem::NoRoles("accept".into()),
            ),
            (
                |d| {
                    let extend = d
                        .transitions
                        .iter_mut()
                        .find(|t| t.name == "extend")
                        .unwrap();
                    extend.extension_days = 0;
                },
                DefinitionProblem::NoExtensionDays("extend".into()),
            ),
            (
                |d| d.transitions[0].max_times = Some(0),
                DefinitionProblem::NeverFires {
                    transition: "accept".into(),
                },
            ),
            (
                |d| {
                    let notice = d.transitions[0].notify_applicant.as_mut().unwrap();
                    notice.body_en.push_str(" {applicant_phone}");
                },
                DefinitionProblem::UnknownPlaceholder {
                    transition: "accept".into(),
                    placeholder: "applicant_phone".into(),
                },
            ),
            (
                |d| d.transitions[0].label_zh = "<script>alert(1)</script>".into(),
                DefinitionProblem::Markup("transition accept".into()),
            ),
            (
                |d| d.states[0].code = "Submitted Now".into(),
                DefinitionProblem::BadCode("state Submitted Now".into()),
            ),
            (
                |d| d.states[0].name_en = " ".into(),
                DefinitionProblem::Empty("state submitted".into()),
            ),
            (
                |d| d.states[5].time_limit_days = Some(0),
                DefinitionProblem::NoTimeLimit("on_site_check".into()),
            ),
            (
                |d| extend_of(d).roles.push(Role::Clerk),
                DefinitionProblem::ExtensionNotByHead("extend".into()),
            ),
            (
                |d| extend_of(d).max_times = None,
                DefinitionProblem::ExtensionMoreThanOnce("extend".into()),
            ),
            (
                |d| extend_of(d).max_times = Some(2),
                DefinitionProblem::ExtensionMoreThanOnce("extend".into()),
            ),
            (
                |d| extend_of(d).from.push("submitted".into()),
                DefinitionProblem::ExtensionOutsideDecision("extend".into()),
            ),
            (
                |d| extend_of(d).to = "special_procedure".into(),
                DefinitionProblem::ExtensionOutsideDecision("extend".into()),
            ),
            (
                |d| extend_of(d).extension_days = 16,
                DefinitionProblem::ExtensionTooLong {
                    transition: "extend".into(),
                    max: MAX_EXTENSION_DAYS,
                },
            ),
        ];
        for definition in shipped() {
            assert_eq!(definition.problems(), [], "{}", definition.key);
        }
        for (breakage, expected) in cases {
            let mut d = default();
            breakage(&mut d);
            let problems = d.problems();
            assert!(
                problems.contains(&expected),
                "{expected:?} not in {problems:?}"
            );
            assert!(d.check().is_err());
        }
    }

    #[test]
    fn edits_add_rename_and_remove_and_keep_the_references_straight() {
        let mut d = default();
        let mut precheck = d.state("submitted").unwrap().clone();
        precheck.code = "precheck".into();
        precheck.kind = StateKind::Working;
        assert_eq!(
            d.apply(Edit::AddState(d.states[0].clone())),
            Err(EditProblem::StateExists("submitted".into()))
        );
        d.apply(Edit::AddState(precheck)).unwrap();
        assert!(
            d.problems()
                .contains(&DefinitionProblem::Unreachable("precheck".into()))
        );
        let mut start = d.transitions[0].clone();
        start.name = "start_precheck".into();
        start.to = "precheck".into();
        d.apply(Edit::AddTransition(Box::new(start.clone())))
            .unwrap();
        assert_eq!(
            d.apply(Edit::AddTransition(Box::new(start))),
            Err(EditProblem::TransitionExists("start_precheck".into()))
        );
        let mut accept = d.transitions[0].clone();
        accept.name = "accept_after_precheck".into();
        accept.from = vec!["precheck".into()];
        d.apply(Edit::AddTransition(Box::new(accept))).unwrap();
        assert_eq!(d.problems(), []);
        d.apply(Edit::RenameState {
            code: "precheck".into(),
            new_code: "pre_check".into(),
            name_zh: "预审".into(),
            name_en: "Pre-check".into(),
        })
        .unwrap();
        assert_eq!(d.problems(), [], "the transitions follow the new code");
        assert!(d.transition("accept_after_precheck", "pre_check").is_some());
        d.apply(Edit::RemoveState("pre_check".into())).unwrap();
        assert_eq!(d.problems(), []);
        assert!(
            d.transitions
                .iter()
                .all(|t| t.name != "start_precheck" && t.name != "accept_after_precheck")
        );
        assert_eq!(
            d.apply(Edit::RemoveTransition("nothing".into())),
            Err(EditProblem::NoSuchTransition("nothing".into()))
        );
        d.apply(Edit::RemoveTransition("start_review".into()))
            .unwrap();
        assert!(
            d.problems()
                .contains(&DefinitionProblem::Unreachable("under_review".into()))
        );
    }

    #[test]
    fn placeholders_are_found_and_source_files_are_read_strictly() {
        assert_eq!(
            placeholders("{service} 于 {deadline} 前{"),
            ["service", "deadline"]
        );
        assert_eq!(placeholders("{{x}"), ["x"]);
        let d = default();
        assert_eq!(
            Definition::parse(&d.to_toml()),
            Ok(d.clone()),
            "TOML round trip"
        );
        let json = serde_json::to_string(&d).unwrap();
        assert_eq!(Definition::parse(&json), Ok(d.clone()), "JSON round trip");
        let unknown = d
            .to_toml()
            .replacen("name_zh", "colour = \"red\"\nname_zh", 1);
        assert!(
            matches!(Definition::parse(&unknown), Err(SourceProblem::Syntax(p)) if p.detail.contains("colour") && p.line.starts_with("colour"))
        );
        let huge = format!("# {}\n{}", "x".repeat(MAX_SOURCE_BYTES), d.to_toml());
        assert_eq!(Definition::parse(&huge), Err(SourceProblem::TooLarge));
        assert!(
            matches!(Definition::parse("key = "), Err(SourceProblem::Syntax(p)) if p.line_number == 1 && p.line == "key = ")
        );
        match Definition::parse("{\n  \"key\": ,\n}") {
            Err(SourceProblem::Syntax(p)) => {
                assert_eq!((p.line_number, p.line.as_str()), (2, "  \"key\": ,"));
                assert_eq!(p.before, "  \"key\": ", "JSON points at the comma");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn available_lists_what_the_actor_may_do() {
        let d = default();
        let sjj = depts(&["SJJ"]);
        let clerk = Actor {
            role: Role::Clerk,
            departments: &sjj,
            is_applicant: false,
        };
        let names: Vec<&str> = available(&d, &situation("submitted", &[]), &clerk)
            .into_iter()
            .map(|t| t.name.as_str())
            .collect();
        assert_eq!(names, ["accept", "request_supplement", "refuse"]);
    }
}
