//! `onestop demo`: one account per role, so that a newcomer can try every journey at once.
//! The list is documented in README; existing accounts are left as they are.

use super::ServiceError;
use super::accounts::{self, CitizenRegistration, FirmRegistration, Intake, NewAccount};
use crate::db::DbPool;
use crate::domain::identity::{CreditCode, Email, NationalId, NewPassword, Phone, Role};

/// Every demo account's password (refused for any other account).
pub use crate::domain::identity::DEMO_PASSWORD;

/// (email, role, name, departments) of the staff accounts.
const STAFF: &[(&str, Role, &str, &[&str])] = &[
    (
        "clerk.sjj@demo.onestop.cn",
        Role::Clerk,
        "王窗口（市场监管）",
        &["SJJ"],
    ),
    (
        "head.sjj@demo.onestop.cn",
        Role::Head,
        "陈科长（市场监管）",
        &["SJJ"],
    ),
    (
        "clerk.wjj@demo.onestop.cn",
        Role::Clerk,
        "赵窗口（卫生健康）",
        &["WJJ"],
    ),
    // The construction permit is reviewed jointly (并联审批) by these three departments.
    (
        "clerk.zjj@demo.onestop.cn",
        Role::Clerk,
        "刘窗口（住房建设）",
        &["ZJJ"],
    ),
    (
        "clerk.ghzyj@demo.onestop.cn",
        Role::Clerk,
        "孙审查（规划资源）",
        &["GHZYJ"],
    ),
    (
        "clerk.xfjy@demo.onestop.cn",
        Role::Clerk,
        "周审查（消防救援）",
        &["XFJY"],
    ),
    (
        "operator@demo.onestop.cn",
        Role::Operator,
        "王接线（12345热线）",
        &[],
    ),
    (
        GRID_WORKER_EMAIL,
        Role::GridWorker,
        "黄网格（新安第1社区）",
        &[],
    ),
    (INSPECTOR_EMAIL, Role::Inspector, "陈督察（新安街道）", &[]),
    (
        "commander@demo.onestop.cn",
        Role::Commander,
        "周值班（指挥中心）",
        &[],
    ),
    ("admin@demo.onestop.cn", Role::Admin, "系统管理员", &[]),
];
/// The demo inspector (督察员) watches the workers of 新安街道, the demo grid worker's street.
pub const INSPECTOR_EMAIL: &str = "inspector@demo.onestop.cn";
const INSPECTOR_STREET: &str = "BA01";
/// The demo grid worker patrols these grids of 新安街道 (the illustrative tiling's codes).
pub const GRID_WORKER_EMAIL: &str = "grid.worker@demo.onestop.cn";
const DEMO_GRIDS: &[&str] = &["BA01-01-001", "BA01-01-002", "BA01-01-003"];
pub const CITIZEN_EMAIL: &str = "citizen@demo.onestop.cn";
pub const FIRM_EMAIL: &str = "firm@demo.onestop.cn";

pub fn password() -> NewPassword {
    NewPassword::published_demo()
}

fn valid<T>(value: Result<T, crate::domain::identity::IdentityError>) -> T {
    value.expect("demo data is valid")
}

/// Creates the demo accounts that do not exist yet; returns (email, role, created) for each.
pub fn create_demo_accounts(pool: &DbPool) -> Result<Vec<(String, Role, bool)>, ServiceError> {
    let mut report = Vec::new();
    let citizen = CitizenRegistration {
        name: "李明".into(),
        national_id: valid(NationalId::parse("11010519491231002X")),
        phone: valid(Phone::parse("13800138000")),
        email: valid(Email::parse(CITIZEN_EMAIL)),
        password: password(),
    };
    let created = skip_existing(accounts::register_citizen(
        pool,
        &citizen,
        "zh-CN",
        Intake::Demo,
    ))?;
    report.push((CITIZEN_EMAIL.to_owned(), Role::Citizen, created));
    let firm = FirmRegistration {
        company: "深圳市宝安示范餐饮有限公司".into(),
        credit_code: valid(CreditCode::parse("91350100M000100Y43")),
        legal_representative: "张华".into(),
        contact_name: "刘芳".into(),
        email: valid(Email::parse(FIRM_EMAIL)),
        password: password(),
    };
    let created = skip_existing(accounts::register_firm(pool, &firm, "zh-CN", Intake::Demo))?;
    report.push((FIRM_EMAIL.to_owned(), Role::Firm, created));
    for (email, role, name, departments) in STAFF {
        let account = NewAccount {
            email: valid(Email::parse(email)),
            name: (*name).to_owned(),
            role: *role,
            password: password(),
            departments: departments.iter().map(|d| (*d).to_owned()).collect(),
        };
        let created = skip_existing(accounts::create_account(pool, None, &account))?;
        report.push(((*email).to_owned(), *role, created));
    }
    assign_demo_grids(pool)?;
    Ok(report)
}

/// Gives the demo grid worker her grids and the inspector his street (again, harmlessly, on a
/// second run).
fn assign_demo_grids(pool: &DbPool) -> Result<(), ServiceError> {
    let mut conn = pool.get()?;
    let Some(worker) = crate::db::accounts::find_user_by_email(&mut conn, GRID_WORKER_EMAIL)?
    else {
        return Ok(());
    };
    for code in DEMO_GRIDS {
        if let Some(grid) = crate::db::grid::grid_id(&mut conn, code)? {
            crate::db::grid::assign(&mut conn, grid, worker.id)?;
        }
    }
    if let (Some(inspector), Some(street)) = (
        crate::db::accounts::find_user_by_email(&mut conn, INSPECTOR_EMAIL)?,
        crate::db::grid::street_id(&mut conn, INSPECTOR_STREET)?,
    ) {
        crate::db::grid::set_inspector_street(&mut conn, inspector.id, street)?;
    }
    Ok(())
}

fn skip_existing<T>(result: Result<T, ServiceError>) -> Result<bool, ServiceError> {
    match result {
        Ok(_) => Ok(true),
        Err(ServiceError::Conflict(_)) => Ok(false),
        Err(other) => Err(other),
    }
}
