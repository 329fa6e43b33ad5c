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
