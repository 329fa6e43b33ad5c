//! Parsed copies of stored JSON documents that never change once written: published workflow
//! versions and form versions. Parsing a workflow costs more than the rest of a queue page, so
//! each distinct text is parsed once per process. The cache is keyed by the text itself, or by
//! its SHA-256 digest, not by a row id, so it can never hand out a stale or foreign document
//! (several databases may be open in one process, as in the tests).

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use serde::de::DeserializeOwned;

/// Beyond this many distinct texts the cache starts again (a guard, not a tuning knob: a
/// deployment has tens of versions).
const MOST: usize = 512;

pub struct Parsed<T> {
    map: LazyLock<Mutex<HashMap<String, Arc<T>>>>,
    /// By the hex SHA-256 of the text.
    by_digest: LazyLock<Mutex<HashMap<String, Arc<T>>>>,
}

impl<T: DeserializeOwned> Parsed<T> {
    pub const fn new() -> Self {
        Parsed {
            map: LazyLock::new(|| Mutex::new(HashMap::new())),
            by_digest: LazyLock::new(|| Mutex::new(HashMap::new())),
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

    /// The document whose text has the hex SHA-256 `digest`; its text is read with `load`
    /// only the first time. A text that does not match its digest (or an empty digest, of a
    /// row written before digests) is parsed by its text and not cached under the digest.
    pub fn by_digest<E>(
        &self,
        digest: &str,
        load: impl FnOnce() -> Result<String, E>,
    ) -> Result<Arc<T>, E>
    where
        E: From<serde_json::Error>,
    {
        if let Some(found) = lock(&self.by_digest).get(digest) {
            return Ok(Arc::clone(found));
        }
        let text = load()?;
        let parsed = self.get(&text)?;
        if !digest.is_empty() && crate::domain::sha256_hex(text.as_bytes()) == digest {
            let mut map = lock(&self.by_digest);
            if map.len() >= MOST {
                map.clear();
            }
            map.insert(digest.to_owned(), Arc::clone(&parsed));
        }
        Ok(parsed)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<T>>> {
        lock(&self.map)
    }
}

fn lock<T>(
    map: &Mutex<HashMap<String, Arc<T>>>,
) -> std::sync::MutexGuard<'_, HashMap<String, Arc<T>>> {
    // A panic while holding the lock leaves a consistent map (insert is the only write).
    map.lock().unwrap_or_else(|e| e.into_inner())
}

impl<T: DeserializeOwned> Default for Parsed<T> {
    fn default() -> Self {
        Self::new()
    }
}

pub static WORKFLOWS: Parsed<crate::domain::workflow::Definition> = Parsed::new();
pub static FORMS: Parsed<crate::domain::forms::FormDefinition> = Parsed::new();

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;

    fn digest(text: &str) -> String {
        crate::domain::sha256_hex(text.as_bytes())
    }

    #[test]
    fn a_document_is_read_once_per_digest() {
        let cache: Parsed<serde_json::Value> = Parsed::new();
        let text = r#"{"key":"once"}"#;
        let reads = Cell::new(0);
        let load = || {
            reads.set(reads.get() + 1);
            Ok::<_, serde_json::Error>(text.to_owned())
        };
        let first = cache.by_digest(&digest(text), load).unwrap();
        let second = cache.by_digest(&digest(text), load).unwrap();
        assert_eq!(first["key"], "once");
        assert!(Arc::ptr_eq(&first, &second));
        assert_eq!(reads.get(), 1, "the text was read again");
    }

    #[test]
    fn a_digest_that_does_not_match_its_text_is_not_trusted() {
        let cache: Parsed<serde_json::Value> = Parsed::new();
        let wrong = digest("something else");
        let first = cache
            .by_digest(&wrong, || {
                Ok::<_, serde_json::Error>(r#"{"v":1}"#.to_owned())
            })
            .unwrap();
        let second = cache
            .by_digest(&wrong, || {
                Ok::<_, serde_json::Error>(r#"{"v":2}"#.to_owned())
            })
            .unwrap();
        assert_eq!(
            (first["v"].as_i64(), second["v"].as_i64()),
            (Some(1), Some(2))
        );
        // A row written before digests (an empty one) is read every time, too.
        let read = cache
            .by_digest("", || Ok::<_, serde_json::Error>(r#"{"v":3}"#.to_owned()))
            .unwrap();
        assert_eq!(read["v"], 3);
    }
}
