//! The administrators' service picker: services found by name or code (Chinese or English),
//! a page at a time, each with the workflow it runs, so that a form is opened or a workflow
//! assigned by choosing a service rather than typing its code.

use super::ServiceError;
use super::catalog::Page;
use crate::db::DbConnection;
use crate::db::catalog::{ServiceFilter, ServiceSummary};

/// Services per page of the picker.
pub const PICKER_PAGE: i64 = 20;

/// A service as the picker lists it.
pub struct PickedService {
    pub service: ServiceSummary,
    /// The key of the workflow new applications for it run.
    pub workflow_key: String,
}

/// One page of the services matching `text` (all services when it is empty), in catalog order.
pub fn search(
    conn: &mut DbConnection,
    text: &str,
    page: i64,
) -> Result<Page<PickedService>, ServiceError> {
    let filter = ServiceFilter {
        text: Some(text.trim().to_owned()).filter(|t| !t.is_empty()),
        ..Default::default()
    };
    let offset = (page.max(1) - 1) * PICKER_PAGE;
    let found = super::catalog::search(conn, &filter, PICKER_PAGE, offset)?;
    let codes: Vec<String> = found.items.iter().map(|s| s.code.clone()).collect();
    let keys = crate::db::admin::workflow_keys_of(conn, &codes)?;
    let items = found
        .items
        .into_iter()
        .map(|service| PickedService {
            workflow_key: keys
                .iter()
                .find(|(code, _)| *code == service.code)
                .map(|(_, key)| key.clone())
                .unwrap_or_default(),
            service,
        })
        .collect();
    Ok(Page {
        items,
        total: found.total,
        limit: found.limit,
        offset: found.offset,
    })
}
