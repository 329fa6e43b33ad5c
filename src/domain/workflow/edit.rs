//! The edits the administrators' forms make to a draft definition.

use super::*;

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
