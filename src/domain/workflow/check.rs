//! What makes a definition runnable: the lookups the engine uses, and every problem that keeps a
//! definition from being published, in both languages.

use super::*;

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
pub(super) fn part_zh(what: &str) -> String {
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

pub(super) fn has_markup(texts: &[&str]) -> bool {
    texts.iter().any(|t| t.contains(['<', '>']))
}

pub(super) fn is_code(code: &str) -> bool {
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
        // On the hotline, the operators grant a department's request for more time.
        let granter = if t.performer == Performer::Hotline {
            Role::Operator
        } else {
            Role::Head
        };
        if t.performer == Performer::Applicant || t.roles.iter().any(|r| *r != granter) {
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
