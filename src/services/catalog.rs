//! Reading the public catalog.

use super::ServiceError;
use crate::db::DbConnection;
use crate::db::catalog::{
    self as queries, CatalogTotals, DepartmentSummary, ServiceFilter, ServiceGuide, ServiceSummary,
};

/// One page of results and where it sits in the whole.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}

impl<T> Page<T> {
    /// 1-based number of this page.
    pub fn number(&self) -> i64 {
        self.offset / self.limit.max(1) + 1
    }

    pub fn last_number(&self) -> i64 {
        ((self.total + self.limit - 1) / self.limit.max(1)).max(1)
    }

    pub fn has_previous(&self) -> bool {
        self.offset > 0
    }

    pub fn has_next(&self) -> bool {
        self.offset + self.limit < self.total
    }
}

pub struct Home {
    pub totals: CatalogTotals,
    pub departments: Vec<DepartmentSummary>,
}

pub fn home(conn: &mut DbConnection) -> Result<Home, ServiceError> {
    Ok(Home {
        totals: queries::catalog_totals(conn)?,
        departments: queries::department_summaries(conn)?,
    })
}

pub fn departments(conn: &mut DbConnection) -> Result<Vec<DepartmentSummary>, ServiceError> {
    Ok(queries::department_summaries(conn)?)
}

pub fn search(
    conn: &mut DbConnection,
    filter: &ServiceFilter,
    limit: i64,
    offset: i64,
) -> Result<Page<ServiceSummary>, ServiceError> {
    let (total, items) = queries::search_services(conn, filter, limit, offset)?;
    Ok(Page {
        items,
        total,
        limit,
        offset,
    })
}

/// A department and all its listed services, in catalog order.
pub fn department(
    conn: &mut DbConnection,
    code: &str,
) -> Result<(DepartmentSummary, Vec<ServiceSummary>), ServiceError> {
    let department = department_summary(conn, code)?;
    let filter = ServiceFilter {
        department: Some(department.code.clone()),
        ..ServiceFilter::default()
    };
    let (_, services) =
        queries::search_services(conn, &filter, department.service_count.max(1), 0)?;
    Ok((department, services))
}

/// A department's name and number of listed services, without the services themselves.
pub fn department_summary(
    conn: &mut DbConnection,
    code: &str,
) -> Result<DepartmentSummary, ServiceError> {
    queries::find_department(conn, code)?.ok_or(ServiceError::NotFound)
}

pub fn guide(conn: &mut DbConnection, code: &str) -> Result<ServiceGuide, ServiceError> {
    queries::find_service_guide(conn, code)?.ok_or(ServiceError::NotFound)
}
