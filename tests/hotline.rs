//! The 12345 hotline on the one engine, through its services (its pages are not built yet):
//! intake online and by phone, dispatch, send back once, sign for, reply, the operator's review,
//! merge, direct answer, the caller's rating and the one reopen (重办), and who may act.

mod common;

use common::{TestApp, create_demo_accounts, on_both_databases, pool};
use diesel::prelude::*;
use onestop::db::schema::{applications, hotline_requests};
use onestop::domain::hotline::{IntakeField, IntakeInput, Satisfaction};
use onestop::domain::identity::Role;
use onestop::domain::workflow::Refusal;
use onestop::services::ServiceError;
use onestop::services::accounts::User;
use onestop::services::workflow::hotline::{self, Taker};
use onestop::services::workflow::{TransitionInput, fire};

const CLIENT: &str = "127.0.0.1";

fn user(app: &TestApp, email: &str) -> User {
    let mut conn = pool(app).get().unwrap();
    let row = onestop::db::accounts::find_user_by_email(&mut conn, email)
        .unwrap()
        .expect(email);
    let departments = onestop::db::accounts::department_codes(&mut conn, row.id).unwrap();
    User {
        id: row.id,
        email: row.email,
        role: row.role.parse().unwrap(),
        name: row.name,
        departments,
        email_verified: true,
    }
}

fn operator(app: &TestApp) -> User {
    let account = onestop::services::accounts::NewAccount {
        email: onestop::domain::identity::Email::parse("operator@test.onestop.cn").unwrap(),
        name: "王接线".into(),
        role: Role::Operator,
        password: onestop::services::demo::password(),
        departments: Vec::new(),
    };
    onestop::services::accounts::create_account(&pool(app), None, &account).unwrap();
    user(app, "operator@test.onestop.cn")
}

/// (status, version, department code, due_on) of a case.
fn state(app: &TestApp, id: i64) -> (String, i32, Option<String>, Option<chrono::NaiveDate>) {
    use onestop::db::schema::departments;
    let mut conn = pool(app).get().unwrap();
    applications::table
        .left_join(departments::table)
        .filter(applications::id.eq(id))
        .select((
            applications::status,
            applications::version,
            departments::code.nullable(),
            applications::due_on,
        ))
        .first(&mut **conn)
        .unwrap()
}

fn mails_of(app: &TestApp, id: i64) -> Vec<(String, String, String)> {
    let mut conn = pool(app).get().unwrap();
    onestop::db::outbox::mails_of(&mut conn, id)
        .unwrap()
        .into_iter()
        .map(|(k, to, s, b)| (k, to, format!("{s}\n{b}")))
        .collect()
}

fn complaint(email: &str) -> IntakeInput {
    IntakeInput {
        request_type: "complaint".into(),
        subject: "超市出售过期食品".into(),
        description: "宝安区某超市货架上的牛奶已过保质期三天。".into(),
        location: "新安街道".into(),
        caller_email: email.into(),
        ..IntakeInput::default()
    }
}

fn act(
    app: &TestApp,
    who: &User,
    id: i64,
    name: &str,
    note: &str,
    decision: &str,
) -> Result<(), ServiceError> {
    let version = state(app, id).1;
    let input = TransitionInput {
        note: note.into(),
        decision: decision.into(),
        checklist: Vec::new(),
    };
    let mut conn = pool(app).get().unwrap();
    fire(&mut conn, who, id, name, version, &input, CLIENT).map(drop)
}

fn receive(app: &TestApp, taker: Taker<'_>, input: &IntakeInput) -> hotline::Received {
    let mut conn = pool(app).get().unwrap();
    hotline::receive(&mut conn, taker, input, CLIENT)
        .unwrap()
        .unwrap()
}

on_both_databases! {
    async fn a_complaint_goes_to_the_department_and_back_to_the_caller(app) {
        create_demo_accounts(&app);
        let operator = operator(&app);
        let clerk = user(&app, "clerk.sjj@demo.onestop.cn");
        let other_clerk = user(&app, "clerk.ghzyj@demo.onestop.cn");

        // An anonymous request without a way back is refused, field by field, and not kept.
        let mut blank = complaint("");
        blank.subject.clear();
        let errors = {
            let mut conn = pool(&app).get().unwrap();
            hotline::receive(&mut conn, Taker::Online(None), &blank, CLIENT).unwrap().unwrap_err()
        };
        let fields: Vec<IntakeField> = errors.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, [IntakeField::Subject, IntakeField::Phone]);
        let kept: i64 = hotline_requests::table.count().get_result(&mut **pool(&app).get().unwrap()).unwrap();
        assert_eq!(kept, 0);

        let first = receive(&app, Taker::Online(None), &complaint("caller@example.com"));
        assert!(first.number.starts_with("RX"), "{}", first.number);
        let (status, _, department, due) = state(&app, first.id);
        assert_eq!((status.as_str(), department), ("hotline_received", None));
        assert!(due > Some(onestop::services::workflow::today()), "a complaint has 5 working days");
        let receipt = mails_of(&app, first.id);
        assert_eq!(receipt.len(), 1);
        assert_eq!(receipt[0].1, "caller@example.com");
        assert!(receipt[0].2.contains(&first.number));

        // A second caller on the phone about the same shop: merged into the first.
        let mut call = complaint("second@example.com");
        call.caller_phone = "138 0013 8001".into();
        let second = receive(&app, Taker::Operator(&operator), &call);
        {
            let version = state(&app, second.id).1;
            let mut conn = pool(&app).get().unwrap();
            hotline::merge(&mut conn, &operator, second.id, version, &first.number, CLIENT).unwrap();
        }
        assert_eq!(state(&app, second.id).0, "merged");

        // Dispatched to SJJ, sent back once, dispatched again: a second send-back is refused.
        let dispatch = |app: &TestApp| {
            let version = state(app, first.id).1;
            let mut conn = pool(app).get().unwrap();
            hotline::dispatch(&mut conn, &operator, first.id, version, "SJJ", Some("market"), "", CLIENT).unwrap();
        };
        dispatch(&app);
        let (status, _, department, _) = state(&app, first.id);
        assert_eq!((status.as_str(), department.as_deref()), ("dispatched", Some("SJJ")));
        {
            // The department's hotline list shows it; the caller's earlier requests by number.
            let mut conn = pool(&app).get().unwrap();
            let sjj = onestop::db::workflow::department_id(&mut conn, "SJJ").unwrap();
            let listed = onestop::db::hotline::list(&mut conn, &["dispatched"], sjj, None, 50).unwrap();
            assert_eq!(listed.iter().map(|l| l.id).collect::<Vec<_>>(), [first.id]);
            let earlier = onestop::db::hotline::by_phone(&mut conn, "13800138001", 10).unwrap();
            assert_eq!(earlier.iter().map(|l| l.id).collect::<Vec<_>>(), [second.id]);
        }
        assert!(
            mails_of(&app, first.id).iter().any(|(k, to, _)| k == "staff:dispatch" && to == "clerk.sjj@demo.onestop.cn"),
            "the department's staff are told"
        );
        assert!(matches!(
            act(&app, &other_clerk, first.id, "sign_for", "", ""),
            Err(ServiceError::NotFound)
        ), "another department does not see it");
        act(&app, &clerk, first.id, "send_back", "非本部门职责", "").unwrap();
        assert_eq!(state(&app, first.id).0, "returned");
        dispatch(&app);
        assert!(matches!(
            act(&app, &clerk, first.id, "send_back", "还是不归我们", ""),
            Err(ServiceError::Refused(Refusal::TooOften))
        ));

        // Signed for, replied, reviewed: the caller and the merged caller get the answer.
        act(&app, &clerk, first.id, "sign_for", "", "").unwrap();
        act(&app, &clerk, first.id, "reply", "", "已责令超市下架并立案调查。").unwrap();
        assert_eq!(state(&app, first.id).0, "reply_review");
        {
            let version = state(&app, first.id).1;
            let mut conn = pool(&app).get().unwrap();
            hotline::answer(&mut conn, &operator, first.id, "approve_reply", version,
                "经核查，超市已下架过期商品，市场监管部门已立案调查。", None, CLIENT).unwrap();
        }
        assert_eq!(state(&app, first.id).0, "answered");
        for (id, to) in [(first.id, "caller@example.com"), (second.id, "second@example.com")] {
            assert!(
                mails_of(&app, id).iter().any(|(k, mail_to, text)| k == "transition:approve_reply"
                    && mail_to == to && text.contains("已立案调查")),
                "{to} gets the answer"
            );
        }

        // Unsatisfied on the call back: handled again once, with a new deadline.
        let rate = |app: &TestApp, satisfaction| {
            let version = state(app, first.id).1;
            let mut conn = pool(app).get().unwrap();
            hotline::rate(&mut conn, &operator, first.id, version, satisfaction, CLIENT).unwrap();
        };
        rate(&app, Satisfaction::Unsatisfied);
        let (status, _, _, due) = state(&app, first.id);
        assert_eq!(status, "handling");
        assert!(due > Some(onestop::services::workflow::today()));
        act(&app, &clerk, first.id, "reply", "", "已再次检查，超市已整改。").unwrap();
        {
            let version = state(&app, first.id).1;
            let mut conn = pool(&app).get().unwrap();
            hotline::answer(&mut conn, &operator, first.id, "approve_reply", version,
                "已再次检查，超市已整改。", None, CLIENT).unwrap();
        }
        // Unsatisfied again: no second reopen; the request closes with the rating kept.
        rate(&app, Satisfaction::Unsatisfied);
        assert_eq!(state(&app, first.id).0, "hotline_closed");
        let rated: Option<String> = hotline_requests::table
            .find(first.id)
            .select(hotline_requests::satisfaction)
            .first(&mut **pool(&app).get().unwrap())
            .unwrap();
        assert_eq!(rated.as_deref(), Some("unsatisfied"));
    }

    async fn a_consultation_is_answered_at_once_and_rated_by_its_caller(app) {
        create_demo_accounts(&app);
        let operator = operator(&app);
        let citizen = user(&app, "citizen@demo.onestop.cn");
        let input = IntakeInput {
            request_type: "consultation".into(),
            subject: "营业执照怎么办".into(),
            description: "想开一家小餐馆，需要准备什么材料？".into(),
            ..IntakeInput::default()
        };
        let asked = receive(&app, Taker::Online(Some(&citizen)), &input);
        // Another citizen's request is no business of an operator's rating form, nor of another user.
        let firm = user(&app, "firm@demo.onestop.cn");
        {
            let version = state(&app, asked.id).1;
            let mut conn = pool(&app).get().unwrap();
            hotline::answer(&mut conn, &operator, asked.id, "answer_directly", version,
                "请参阅“食品经营许可”办事指南。", None, CLIENT).unwrap();
            assert!(matches!(
                hotline::rate(&mut conn, &firm, asked.id, version + 1, Satisfaction::Satisfied, CLIENT),
                Err(ServiceError::NotFound)
            ));
            hotline::rate(&mut conn, &citizen, asked.id, version + 1, Satisfaction::Basic, CLIENT).unwrap();
        }
        assert_eq!(state(&app, asked.id).0, "hotline_closed");
        assert!(
            mails_of(&app, asked.id).iter().any(|(k, to, _)| k == "transition:answer_directly"
                && to == "citizen@demo.onestop.cn"),
            "the signed-in caller is answered at their account"
        );
        // An operator sees no application, and a citizen cannot record a phone call.
        let mut conn = pool(&app).get().unwrap();
        assert!(matches!(
            hotline::receive(&mut conn, Taker::Operator(&citizen), &input, CLIENT),
            Err(ServiceError::NotFound)
        ));
    }
}
