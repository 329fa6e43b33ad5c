//! Parsed copies of stored JSON documents that never change once written: published workflow
//! versions and form versions. Parsing a workflow costs more than the rest of a queue page, so
//! each distinct text is parsed once per process. The cache is keyed by the text itself, not by
//! a row id, so it can never hand out a stale or foreign document (several databases may be
//! open in one process, as in the tests).

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use serde::de::DeserializeOwned;

/// Beyond this many distinct texts the cache starts again (a guard, not a tuning knob: a
/// deployment has tens of versions).
const MOST: usize = 512;

pub struct Parsed<T> {
    map: LazyLock<Mutex<HashMap<String, Arc<T>>>>,
}

impl<T: DeserializeOwned> Parsed<T> {
    pub const fn new() -> Self {
        Parsed {
            map: LazyLock::new(|| Mutex::new(HashMap::new())),
        }
    }

    pub fn get(&self, json: &str) -> Result<Arc<T>, serde_json::Error> {
        if let Some(found) = self.lock().get(json) {
            return Ok(Arc::clone(found));
        }
        let parsed = Arc::new(serde_json::from_str(json)?);
        let mut map = self.lock();
        if map.len() >= MOST {
            map.clear();
        }
        map.insert(json.to_owned(), Arc::clone(&parsed));
        Ok(parsed)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<T>>> {
        // A panic while holding the lock leaves a consistent map (insert is the only write).
        self.map.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl<T: DeserializeOwned> Default for Parsed<T> {
    fn default() -> Self {
        Self::new()
    }
}

pub static WORKFLOWS: Parsed<crate::domain::workflow::Definition> = Parsed::new();
pub static FORMS: Parsed<crate::domain::forms::FormDefinition> = Parsed::new();
