//! Importing the catalog into the database, idempotently: rows are matched by code, unchanged
//! rows are left alone, changed rows are updated in place (their ids stay), new rows are
//! inserted, and services that left the file are marked unlisted rather than deleted, because
//! applications may refer to them.

use std::collections::HashMap;

use super::ServiceError;
use crate::catalog::Catalog;
use crate::db::DbConnection;
use crate::db::catalog::{
    self as queries, DepartmentRecord, ItemRecord, MaterialRecord, ServiceRecord,
};
use crate::domain::catalog::{Item, Service};

/// Serialises imports of several nodes starting at once on one PostgreSQL.
const IMPORT_LOCK: i64 = 0x0_4e_53_43_61_74; // "NSCat"

/// What an import did to one table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Changes {
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Services unlisted, or materials deleted.
    pub removed: usize,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.inserted == 0 && self.updated == 0 && self.removed == 0
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub departments: Changes,
    pub items: Changes,
    pub services: Changes,
    pub materials: Changes,
    /// Forms given to services that had none (existing forms, perhaps edited, are kept).
    pub forms: Changes,
}

impl ImportReport {
    pub fn changed_nothing(&self) -> bool {
        [
            self.departments,
            self.items,
            self.services,
            self.materials,
            self.forms,
        ]
        .iter()
        .all(Changes::is_empty)
    }
}

impl std::fmt::Display for ImportReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (name, c) in [
            ("departments", self.departments),
            ("items", self.items),
            ("services", self.services),
            ("materials", self.materials),
            ("forms", self.forms),
        ] {
            writeln!(
                f,
                "{name:<12} {} inserted, {} updated, {} unchanged, {} removed",
                c.inserted, c.updated, c.unchanged, c.removed
            )?;
        }
        Ok(())
    }
}

/// Imports the catalog in one transaction.
pub fn import(conn: &mut DbConnection, catalog: &Catalog) -> Result<ImportReport, ServiceError> {
    crate::db::write_transaction(conn, |conn| {
        if let DbConnection::Postgres(pg) = conn {
            diesel::connection::SimpleConnection::batch_execute(
                pg,
                &format!("SELECT pg_advisory_xact_lock({IMPORT_LOCK})"),
            )?;
        }
        let mut report = ImportReport::default();
        let department_ids = sync_departments(conn, catalog, &mut report.departments)?;
        let item_ids = sync_items(conn, catalog, &department_ids, &mut report.items)?;
        let service_ids = sync_services(conn, catalog, &item_ids, &mut report.services)?;
        sync_materials(conn, catalog, &service_ids, &mut report.materials)?;
        add_missing_forms(conn, catalog, &mut report.forms)?;
        Ok(report)
    })
}

/// Imports the catalog shipped in the binary if the database has no services yet, so that the
/// first start needs no other step. Returns `None` when the catalog was already there.
pub fn import_if_empty(conn: &mut DbConnection) -> Result<Option<ImportReport>, ServiceError> {
    if queries::count_services(conn)? > 0 {
        return Ok(None);
    }
    let catalog = Catalog::embedded()?;
    import(conn, &catalog).map(Some)
}

/// Gives a database from before the English names the shipped catalog's English where a row
/// has none (run at start-up, after the migrations added the empty columns): departments,
/// items, services (with their search text) and materials, matched by code and, for materials,
/// by Chinese name. A row the shipped catalog does not have is named in Chinese in both
/// languages, as an import of a file without English names does, so that this runs once.
/// Nothing but the English columns and the search text is touched. Returns the rows changed.
pub fn fill_missing_english(conn: &mut DbConnection) -> Result<usize, ServiceError> {
    if !queries::english_missing(conn)? {
        return Ok(0);
    }
    let catalog = Catalog::embedded()?;
    crate::db::write_transaction(conn, |conn| {
        if let DbConnection::Postgres(pg) = conn {
            diesel::connection::SimpleConnection::batch_execute(
                pg,
                &format!("SELECT pg_advisory_xact_lock({IMPORT_LOCK})"),
            )?;
        }
        let mut changed = 0;
        let departments: HashMap<&str, &str> = catalog
            .departments
            .iter()
            .map(|d| (d.code.as_str(), d.name_en.as_str()))
            .collect();
        for (id, mut row) in queries::all_departments(conn)? {
            if row.name_en.is_empty() {
                row.name_en = departments
                    .get(row.code.as_str())
                    .unwrap_or(&row.name.as_str())
                    .to_string();
                changed += queries::update_department(conn, id, &row)?;
            }
        }
        let items: HashMap<&str, &str> = catalog
            .items
            .iter()
            .map(|i| (i.code.as_str(), i.name_en.as_str()))
            .collect();
        let mut item_rows = HashMap::new();
        for (id, mut row) in queries::all_items(conn)? {
            if row.name_en.is_empty() {
                row.name_en = items
                    .get(row.code.as_str())
                    .unwrap_or(&row.name.as_str())
                    .to_string();
                changed += queries::update_item(conn, id, &row)?;
            }
            item_rows.insert(id, row);
        }
        let services: HashMap<&str, &Service> = catalog
            .services
            .iter()
            .map(|s| (s.code.as_str(), s))
            .collect();
        let mut service_codes = HashMap::new();
        for (id, mut row) in queries::all_services(conn)? {
            service_codes.insert(id, row.code.clone());
            if !row.name_en.is_empty() {
                continue;
            }
            let shipped = services.get(row.code.as_str());
            row.name_en = shipped.map_or_else(|| row.name.clone(), |s| s.name_en.clone());
            row.result_name_en = shipped.map_or_else(
                || row.result_name.clone(),
                |s| s.guide.result_name_en.clone(),
            );
            row.steps_en = shipped.map_or_else(
                || row.steps.clone(),
                |s| serde_json::Value::from(s.guide.steps_en.clone()).to_string(),
            );
            if let Some(item) = item_rows.get(&row.item_id) {
                row.search_text = search_text(
                    [&row.name, &row.name_en],
                    [&item.name, &item.name_en],
                    &row.code,
                    &item.code,
                );
            }
            changed += queries::update_service(conn, id, &row)?;
        }
        for (id, mut row) in queries::all_materials(conn)? {
            if !row.name_en.is_empty() {
                continue;
            }
            let shipped = service_codes
                .get(&row.service_id)
                .and_then(|code| services.get(code.as_str()))
                .and_then(|s| s.guide.materials.iter().find(|m| m.name == row.name));
            row.name_en = shipped.map_or_else(|| row.name.clone(), |m| m.name_en.clone());
            changed += queries::update_material(conn, id, &row)?;
        }
        Ok(changed)
    })
}

/// A table's write operations, as the sync below needs them.
struct Writes<R> {
    update: fn(&mut DbConnection, i64, &R) -> diesel::QueryResult<usize>,
    insert: fn(&mut DbConnection, &[R]) -> diesel::QueryResult<usize>,
}

/// Inserts what is new and updates what changed, matching rows by key; returns the existing
/// rows the file no longer has.
fn sync<R: PartialEq>(
    conn: &mut DbConnection,
    existing: Vec<(i64, R)>,
    wanted: Vec<R>,
    key_of: impl Fn(&R) -> String,
    writes: Writes<R>,
    changes: &mut Changes,
) -> diesel::QueryResult<Vec<(i64, R)>> {
    let mut by_key: HashMap<String, (i64, R)> = existing
        .into_iter()
        .map(|(id, r)| (key_of(&r), (id, r)))
        .collect();
    let mut new_rows = Vec::new();
    for row in wanted {
        match by_key.remove(&key_of(&row)) {
            Some((_, old)) if old == row => changes.unchanged += 1,
            Some((id, _)) => {
                (writes.update)(conn, id, &row)?;
                changes.updated += 1;
            }
            None => new_rows.push(row),
        }
    }
    changes.inserted += (writes.insert)(conn, &new_rows)?;
    Ok(by_key.into_values().collect())
}

fn ids<R>(rows: Vec<(i64, R)>, code_of: impl Fn(&R) -> &str) -> HashMap<String, i64> {
    rows.into_iter()
        .map(|(id, r)| (code_of(&r).to_owned(), id))
        .collect()
}

fn sync_departments(
    conn: &mut DbConnection,
    catalog: &Catalog,
    changes: &mut Changes,
) -> Result<HashMap<String, i64>, ServiceError> {
    let wanted = catalog
        .departments
        .iter()
        .zip(1..)
        .map(|(d, position)| DepartmentRecord {
            code: d.code.as_str().to_owned(),
            name: d.name.clone(),
            position,
            name_en: d.name_en.clone(),
        })
        .collect();
    let existing = queries::all_departments(conn)?;
    let writes = Writes {
        update: queries::update_department,
        insert: queries::insert_departments,
    };
    sync(conn, existing, wanted, |r| r.code.clone(), writes, changes)?;
    Ok(ids(queries::all_departments(conn)?, |r| &r.code))
}

fn sync_items(
    conn: &mut DbConnection,
    catalog: &Catalog,
    department_ids: &HashMap<String, i64>,
    changes: &mut Changes,
) -> Result<HashMap<String, i64>, ServiceError> {
    let wanted = catalog
        .items
        .iter()
        .map(|item| ItemRecord {
            code: item.code.as_str().to_owned(),
            name: item.name.clone(),
            item_type: item.item_type.slug().to_owned(),
            department_id: department_ids[item.department.as_str()],
            name_en: item.name_en.clone(),
        })
        .collect();
    let existing = queries::all_items(conn)?;
    let writes = Writes {
        update: queries::update_item,
        insert: queries::insert_items,
    };
    sync(conn, existing, wanted, |r| r.code.clone(), writes, changes)?;
    Ok(ids(queries::all_items(conn)?, |r| &r.code))
}

/// What the catalog search matches, in lower case: the service's and its item's names in both
/// languages, and both codes.
fn search_text(service: [&str; 2], item: [&str; 2], service_code: &str, item_code: &str) -> String {
    let [name, name_en] = service;
    let [item_name, item_name_en] = item;
    format!("{name} {item_name} {service_code} {item_code} {name_en} {item_name_en}").to_lowercase()
}

fn service_record(
    service: &Service,
    item_id: i64,
    department_id: i64,
    item: &Item,
) -> ServiceRecord {
    let search_text = search_text(
        [&service.name, &service.name_en],
        [&item.name, &item.name_en],
        service.code.as_str(),
        service.item.as_str(),
    );
    ServiceRecord {
        code: service.code.as_str().to_owned(),
        item_id,
        department_id,
        name: service.name.clone(),
        variant: service.variant.slug().to_owned(),
        applicant_type: service.applicant_type.slug().to_owned(),
        legal_days: i32::from(service.limits.legal_days()),
        promised_days: i32::from(service.limits.promised_days()),
        extension_days: i32::from(service.limits.extension_days()),
        fee_fen: service.fee.fen(),
        online: service.online,
        result_name: service.guide.result_name.clone(),
        steps: serde_json::Value::from(service.guide.steps.clone()).to_string(),
        search_text,
        listed: true,
        name_en: service.name_en.clone(),
        result_name_en: service.guide.result_name_en.clone(),
        steps_en: serde_json::Value::from(service.guide.steps_en.clone()).to_string(),
    }
}

fn sync_services(
    conn: &mut DbConnection,
    catalog: &Catalog,
    item_ids: &HashMap<String, i64>,
    changes: &mut Changes,
) -> Result<HashMap<String, i64>, ServiceError> {
    let items: HashMap<&str, &Item> = catalog.items.iter().map(|i| (i.code.as_str(), i)).collect();
    let department_ids = ids(queries::all_departments(conn)?, |r| &r.code);
    let wanted = catalog
        .services
        .iter()
        .map(|s| {
            let item = items[s.item.as_str()];
            let (item_id, department_id) = (
                item_ids[s.item.as_str()],
                department_ids[item.department.as_str()],
            );
            service_record(s, item_id, department_id, item)
        })
        .collect();
    let existing = queries::all_services(conn)?;
    let writes = Writes {
        update: queries::update_service,
        insert: queries::insert_services,
    };
    let left_over = sync(conn, existing, wanted, |r| r.code.clone(), writes, changes)?;
    for (id, mut gone) in left_over.into_iter().filter(|(_, r)| r.listed) {
        gone.listed = false;
        queries::update_service(conn, id, &gone)?;
        changes.removed += 1;
    }
    Ok(ids(queries::all_services(conn)?, |r| &r.code))
}

/// Materials are matched by (service, name): renaming one is a removal and an insertion.
fn sync_materials(
    conn: &mut DbConnection,
    catalog: &Catalog,
    service_ids: &HashMap<String, i64>,
    changes: &mut Changes,
) -> Result<(), ServiceError> {
    let wanted: Vec<MaterialRecord> = catalog
        .services
        .iter()
        .flat_map(|s| {
            let service_id = service_ids[s.code.as_str()];
            s.guide
                .materials
                .iter()
                .zip(1..)
                .map(move |(m, position)| MaterialRecord {
                    service_id,
                    position,
                    name: m.name.clone(),
                    form: m.form.slug().to_owned(),
                    copies: i32::from(m.copies),
                    necessity: m.necessity.slug().to_owned(),
                    source: m.source.slug().to_owned(),
                    name_en: m.name_en.clone(),
                })
        })
        .collect();
    let existing = queries::all_materials(conn)?;
    let writes = Writes {
        update: queries::update_material,
        insert: queries::insert_materials,
    };
    let key = |r: &MaterialRecord| format!("{}/{}", r.service_id, r.name);
    let left_over = sync(conn, existing, wanted, key, writes, changes)?;
    // Materials of services that left the catalog stay with them, for the record.
    let listed: std::collections::HashSet<i64> = service_ids_in(catalog, service_ids);
    let gone: Vec<i64> = left_over
        .into_iter()
        .filter(|(_, r)| listed.contains(&r.service_id))
        .map(|(id, _)| id)
        .collect();
    changes.removed += queries::delete_materials(conn, &gone)?;
    Ok(())
}

fn service_ids_in(
    catalog: &Catalog,
    service_ids: &HashMap<String, i64>,
) -> std::collections::HashSet<i64> {
    catalog
        .services
        .iter()
        .map(|s| service_ids[s.code.as_str()])
        .collect()
}

/// Gives every service without a form its first version.
fn add_missing_forms(
    conn: &mut DbConnection,
    catalog: &Catalog,
    changes: &mut Changes,
) -> Result<(), ServiceError> {
    let missing = crate::db::applications::services_without_form(conn)?;
    let now = chrono::Utc::now().naive_utc();
    let mut rows = Vec::new();
    for (service_id, code) in missing {
        let Some(service) = catalog.services.iter().find(|s| s.code.as_str() == code) else {
            continue;
        };
        let item = catalog
            .items
            .iter()
            .find(|i| i.code == service.item)
            .ok_or_else(|| ServiceError::Corrupt(format!("no item for {code}")))?;
        let form = crate::catalog::forms::form_for(item, service).map_err(ServiceError::Corrupt)?;
        rows.push(crate::db::applications::NewFormDefinition {
            service_id,
            version: 1,
            definition: serde_json::to_string(&form)
                .map_err(|e| ServiceError::Corrupt(e.to_string()))?,
            created_at: now,
        });
    }
    changes.inserted += crate::db::applications::insert_form_definitions(conn, &rows)?;
    changes.unchanged += catalog.services.len().saturating_sub(rows.len());
    Ok(())
}
