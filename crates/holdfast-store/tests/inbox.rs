//! The inbox: each filter, each sort, keyset pages without gaps or repeats in every sort, filters
//! combined, refused input, the first-response stamp the SLA countdown stops at, and the filters'
//! choices.

mod common;

use std::collections::HashSet;

use common::{draft, now, Fixture};
use holdfast_core::case::{CaseStatus, RequestChannel};
use holdfast_core::policy::{parse_policy, Policy, VerificationMethod};
use holdfast_core::role::Role;
use holdfast_core::workflow::{Actor, CaseCommand};
use holdfast_core::CoreError;
use holdfast_store::accounts::AccountQuery;
use holdfast_store::cases::{
    CaseCursor, CaseSummary, DueFilter, InboxQuery, InboxSort, OwnerFilter, ReasonOption,
};
use holdfast_store::{Database, StoreError};
use jiff::{SignedDuration, Timestamp};
use uuid::Uuid;

fn policy() -> Policy {
    parse_policy(include_str!("../../../policies/wootrecruit.toml")).unwrap()
}

fn amy() -> Actor {
    Actor {
        user_id: "amy".into(),
        roles: vec![Role::AccountManager],
        active: true,
    }
}

/// A desk with three accounts in different tiers.
fn desk() -> Fixture {
    let mut fixture = Fixture::new();
    let mut acme = draft("A-1", "Acme Corp");
    acme.tier = "Enterprise".into();
    let mut zephyr = draft("A-2", "zephyr Labs");
    zephyr.tier = "Starter".into();
    let bolt = draft("A-3", "Bolt & Co");
    fixture
        .db
        .import_accounts(&[acme, zephyr, bolt], now())
        .unwrap();
    fixture
}

fn account_id(db: &Database, name: &str) -> Uuid {
    db.accounts(&AccountQuery::default())
        .unwrap()
        .items
        .into_iter()
        .find(|a| a.draft.name == name)
        .unwrap()
        .id
}

fn receive(
    db: &mut Database,
    account: &str,
    requester: &str,
    contact: &str,
    received_at: Timestamp,
) -> Uuid {
    let case_id = Uuid::now_v7();
    let account_id = account_id(db, account);
    db.run_case_command(
        case_id,
        &CaseCommand::Receive {
            case_id,
            account_id,
            channel: RequestChannel::Email,
            requester_name: requester.into(),
            requester_contact: contact.into(),
            received_at: Some(received_at),
        },
        &amy(),
        &policy(),
        received_at,
    )
    .unwrap();
    case_id
}

fn run(db: &mut Database, case_id: Uuid, command: CaseCommand, at: Timestamp) {
    db.run_case_command(case_id, &command, &amy(), &policy(), at)
        .unwrap();
}

/// The requester's identity verified by a reply from the account's address on file: WootRecruit
/// takes nothing else (escalation, reason) before it.
fn verify_identity(db: &mut Database, case_id: Uuid, contact: &str, at: Timestamp) {
    run(
        db,
        case_id,
        CaseCommand::VerifyIdentity {
            method: VerificationMethod::EmailOnFile,
            contact_used: Some(contact.into()),
            evidence: "Reply from the address on file".into(),
        },
        at,
    );
}

/// Monday 16 November 2026, 10:00 in New York (the policy's business hours), plus `minutes`.
fn monday(minutes: i64) -> Timestamp {
    let start: Timestamp = "2026-11-16T15:00:00Z".parse().unwrap();
    start + SignedDuration::from_mins(minutes)
}

fn ids(items: &[CaseSummary]) -> Vec<Uuid> {
    items.iter().map(|c| c.id).collect()
}

fn set(items: &[CaseSummary]) -> HashSet<Uuid> {
    items.iter().map(|c| c.id).collect()
}

fn page(db: &Database, query: InboxQuery) -> Vec<CaseSummary> {
    db.inbox_at(
        &InboxQuery {
            limit: Some(500),
            ..query
        },
        now(),
    )
    .unwrap()
    .items
}

fn refused_field(result: Result<holdfast_store::cases::CasePage, StoreError>) -> String {
    match result {
        Err(StoreError::Rule(CoreError::Invalid { field, .. })) => field,
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[test]
fn filters_by_status() {
    let mut fixture = desk();
    let db = &mut fixture.db;
    let fresh = receive(db, "Acme Corp", "Ana", "ana@acme.io", monday(0));
    let working = receive(db, "Acme Corp", "Ben", "ben@acme.io", monday(1));
    let withdrawn = receive(db, "Bolt & Co", "Cy", "cy@bolt.io", monday(2));
    run(db, working, common::acknowledge(), monday(5));
    run(
        db,
        withdrawn,
        CaseCommand::Withdraw {
            note: "changed their mind".into(),
        },
        monday(6),
    );

    let only = |statuses: Vec<CaseStatus>| {
        set(&page(
            db,
            InboxQuery {
                statuses,
                ..Default::default()
            },
        ))
    };
    assert_eq!(only(vec![CaseStatus::Received]), HashSet::from([fresh]));
    assert_eq!(
        only(vec![CaseStatus::InProgress, CaseStatus::Withdrawn]),
        HashSet::from([working, withdrawn])
    );
    assert!(only(vec![CaseStatus::Saved]).is_empty());
    assert_eq!(only(vec![]), HashSet::from([fresh, working, withdrawn]));
    let summary = db.case(withdrawn).unwrap();
    assert_eq!(summary.status, CaseStatus::Withdrawn);
}

#[test]
fn filters_by_owner_tier_and_reason() {
    let mut fixture = desk();
    let db = &mut fixture.db;
    let escalated = receive(db, "Acme Corp", "Ana", "ana@acme.io", monday(0));
    let reasoned = receive(db, "zephyr Labs", "Zed", "zed@zephyr.dev", monday(1));
    let plain = receive(db, "Bolt & Co", "Cy", "cy@bolt.io", monday(2));
    verify_identity(db, escalated, "a-1@example.com", monday(3));
    verify_identity(db, reasoned, "a-2@example.com", monday(3));
    run(
        db,
        escalated,
        CaseCommand::Escalate {
            csm: "carla".into(),
            note: String::new(),
        },
        monday(3),
    );
    run(
        db,
        reasoned,
        CaseCommand::CaptureReason {
            reason_id: "cost".into(),
            details: "budget cut".into(),
            pain_points: vec![],
        },
        monday(4),
    );
    assert_eq!(db.case(escalated).unwrap().owner.as_deref(), Some("carla"));
    assert_eq!(
        db.case(reasoned).unwrap().reason_id.as_deref(),
        Some("cost")
    );

    let owner = |owner: OwnerFilter| {
        set(&page(
            db,
            InboxQuery {
                owner: Some(owner),
                ..Default::default()
            },
        ))
    };
    assert_eq!(
        owner(OwnerFilter::Person {
            name: "carla".into()
        }),
        HashSet::from([escalated])
    );
    assert!(owner(OwnerFilter::Person {
        name: "Carla".into()
    })
    .is_empty());
    assert_eq!(
        owner(OwnerFilter::Unassigned),
        HashSet::from([reasoned, plain])
    );

    let tier = |tier: &str| {
        set(&page(
            db,
            InboxQuery {
                tier: Some(tier.into()),
                ..Default::default()
            },
        ))
    };
    assert_eq!(tier("Enterprise"), HashSet::from([escalated]));
    assert_eq!(tier("Professional"), HashSet::from([plain]));
    assert!(tier("Gold").is_empty());

    let reason = set(&page(
        db,
        InboxQuery {
            reason_id: Some("cost".into()),
            ..Default::default()
        },
    ));
    assert_eq!(reason, HashSet::from([reasoned]));
}

#[test]
fn filters_by_first_response_deadline() {
    let mut fixture = desk();
    let db = &mut fixture.db;
    let early = receive(db, "Acme Corp", "Ana", "ana@acme.io", monday(0));
    let answered = receive(db, "Acme Corp", "Ben", "ben@acme.io", monday(1));
    let closed = receive(db, "Bolt & Co", "Cy", "cy@bolt.io", monday(2));
    let later = receive(db, "zephyr Labs", "Zed", "zed@zephyr.dev", monday(120));
    run(db, answered, common::acknowledge(), monday(10));
    run(
        db,
        closed,
        CaseCommand::Withdraw {
            note: "changed their mind".into(),
        },
        monday(11),
    );
    let due = |id: Uuid| db.case(id).unwrap().first_response_due.unwrap();
    // Just after the early cases' deadlines: they are overdue, the later one is due in 2 hours.
    let at = due(early) + SignedDuration::from_mins(30);
    assert!(due(later) > at && due(later) < at + SignedDuration::from_hours(2));

    // The same cases in every sort (each sort reads its own index).
    let within = |filter: DueFilter, at: Timestamp| {
        let found: Vec<HashSet<Uuid>> = [
            InboxSort::Newest,
            InboxSort::DueSoonest,
            InboxSort::AccountName,
        ]
        .into_iter()
        .map(|sort| {
            set(&db
                .inbox_at(
                    &InboxQuery {
                        due: Some(filter),
                        sort,
                        ..Default::default()
                    },
                    at,
                )
                .unwrap()
                .items)
        })
        .collect();
        assert!(found.iter().all(|f| *f == found[0]), "{found:?}");
        found[0].clone()
    };
    // The acknowledged case met its first response; the withdrawn one no longer counts.
    assert_eq!(within(DueFilter::Overdue, at), HashSet::from([early]));
    assert_eq!(
        within(DueFilter::DueWithin { hours: 2 }, at),
        HashSet::from([later])
    );
    // At its deadline a case is still due (in no time); a minute later it is overdue.
    assert_eq!(
        within(DueFilter::DueWithin { hours: 2 }, due(later)),
        HashSet::from([later])
    );
    assert!(within(
        DueFilter::DueWithin { hours: 2 },
        due(later) + SignedDuration::from_mins(1)
    )
    .is_empty());
    assert_eq!(
        within(
            DueFilter::Overdue,
            due(later) + SignedDuration::from_mins(1)
        ),
        HashSet::from([early, later])
    );
    assert!(within(DueFilter::Overdue, monday(3)).is_empty());

    let refused = db.inbox_at(
        &InboxQuery {
            due: Some(DueFilter::DueWithin { hours: 0 }),
            ..Default::default()
        },
        at,
    );
    assert_eq!(refused_field(refused), "due");
}

#[test]
fn the_first_response_is_stamped_live_and_survives_a_rebuild() {
    let mut fixture = desk();
    let db = &mut fixture.db;
    let case_id = receive(db, "Acme Corp", "Ana", "ana@acme.io", monday(0));
    assert_eq!(db.case(case_id).unwrap().acknowledged_at, None);
    run(db, case_id, common::acknowledge(), monday(7));
    let summary = db.case(case_id).unwrap();
    assert_eq!(summary.acknowledged_at, Some(monday(7)));
    assert!(summary.first_response_due.unwrap() > monday(7));

    db.rebuild_read_models().unwrap();
    assert_eq!(db.case(case_id).unwrap(), summary);
}

#[test]
fn searches_account_and_requester_in_any_case() {
    let mut fixture = desk();
    let db = &mut fixture.db;
    let acme = receive(db, "Acme Corp", "Ana Silva", "ana@acme.io", monday(0));
    let bolt = receive(db, "Bolt & Co", "Gil Moreau", "+1 555 0100", monday(1));
    let zephyr = receive(db, "zephyr Labs", "Zed 100%", "zed@zephyr.dev", monday(2));
    let find = |text: &str| {
        set(&page(
            db,
            InboxQuery {
                search: Some(text.into()),
                ..Default::default()
            },
        ))
    };
    assert_eq!(find("acme"), HashSet::from([acme]));
    assert_eq!(find("ZEPHYR"), HashSet::from([zephyr]));
    assert_eq!(find("me corp"), HashSet::from([acme]));
    assert_eq!(find("moreau"), HashSet::from([bolt]));
    assert_eq!(find("555 01"), HashSet::from([bolt]));
    assert_eq!(find("  @acme.io "), HashSet::from([acme]));
    assert_eq!(find("100%"), HashSet::from([zephyr]));
    assert!(find("10_").is_empty(), "underscore must not be a wildcard");
    assert!(find("nobody").is_empty());
    assert_eq!(find("   "), HashSet::from([acme, bolt, zephyr]));
    // Shorter than a trigram: compared row by row, with the same meaning.
    assert_eq!(find("Me"), HashSet::from([acme]));
    assert_eq!(find("ed"), HashSet::from([zephyr]));
    // Quotes and the search syntax's own words are text to find, never syntax.
    assert!(find("a\"b").is_empty());
    assert!(find("acme OR bolt").is_empty());
    assert_eq!(find("& Co"), HashSet::from([bolt]));

    let too_long = db.inbox_at(
        &InboxQuery {
            search: Some("x".repeat(201)),
            ..Default::default()
        },
        now(),
    );
    assert_eq!(refused_field(too_long), "search");
}

#[test]
fn a_renamed_account_is_found_by_its_new_name_and_a_rebuild_keeps_the_search() {
    let mut fixture = desk();
    let acme = receive(
        &mut fixture.db,
        "Acme Corp",
        "Ana Silva",
        "ana@acme.io",
        monday(0),
    );
    let find = |db: &Database, text: &str| {
        set(&page(
            db,
            InboxQuery {
                search: Some(text.into()),
                ..Default::default()
            },
        ))
    };
    let mut renamed = draft("A-1", "Apex Holdings");
    renamed.tier = "Enterprise".into();
    fixture.db.import_accounts(&[renamed], now()).unwrap();
    assert_eq!(find(&fixture.db, "apex"), HashSet::from([acme]));
    assert!(find(&fixture.db, "acme corp").is_empty());
    fixture.db.rebuild_read_models().unwrap();
    assert_eq!(find(&fixture.db, "apex"), HashSet::from([acme]));
    assert_eq!(find(&fixture.db, "ana silva"), HashSet::from([acme]));
}

/// Seventeen cases over three accounts: pairs share a received time, several share a deadline,
/// and each account has several cases, so every sort's tie-breaks are exercised.
fn many(db: &mut Database) -> Vec<CaseSummary> {
    let accounts = ["Acme Corp", "zephyr Labs", "Bolt & Co"];
    let mut ids = Vec::new();
    for n in 0..17_i64 {
        ids.push(receive(
            db,
            accounts[(n % 3) as usize],
            &format!("Requester {n}"),
            &format!("r{n}@example.com"),
            monday(n / 2 * 10),
        ));
    }
    // Acknowledging every third keeps the sort independent of the SLA state.
    for id in ids.iter().step_by(3) {
        run(db, *id, common::acknowledge(), monday(200));
    }
    ids.iter().map(|id| db.case(*id).unwrap()).collect()
}

fn expected_order(mut cases: Vec<CaseSummary>, sort: InboxSort) -> Vec<Uuid> {
    match sort {
        InboxSort::Newest => cases.sort_by_key(|c| std::cmp::Reverse((c.received_at, c.id))),
        InboxSort::DueSoonest => cases.sort_by_key(|c| (c.first_response_due, c.id)),
        InboxSort::AccountName => {
            cases.sort_by_key(|c| (c.account_name.to_lowercase(), c.account_id, c.id))
        }
    }
    ids(&cases)
}

fn all_pages(db: &Database, query: &InboxQuery) -> Vec<Uuid> {
    let mut query = query.clone();
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let page = db.inbox_at(&query, now()).unwrap();
        pages += 1;
        assert!(pages < 100, "the pages never end");
        seen.extend(ids(&page.items));
        match page.next {
            Some(cursor) => query.after = Some(cursor),
            None => break,
        }
    }
    seen
}

#[test]
fn each_sort_orders_the_whole_inbox() {
    let mut fixture = desk();
    let cases = many(&mut fixture.db);
    for sort in [
        InboxSort::Newest,
        InboxSort::DueSoonest,
        InboxSort::AccountName,
    ] {
        let found = page(
            &fixture.db,
            InboxQuery {
                sort,
                ..Default::default()
            },
        );
        assert_eq!(ids(&found), expected_order(cases.clone(), sort), "{sort:?}");
    }
    // Spot checks that the orders are the ones the desk names.
    let by_name = page(
        &fixture.db,
        InboxQuery {
            sort: InboxSort::AccountName,
            ..Default::default()
        },
    );
    assert_eq!(by_name.first().unwrap().account_name, "Acme Corp");
    assert_eq!(by_name.last().unwrap().account_name, "zephyr Labs");
    let newest = page(&fixture.db, InboxQuery::default());
    assert!(newest[0].received_at >= newest[newest.len() - 1].received_at);
    let due = page(
        &fixture.db,
        InboxQuery {
            sort: InboxSort::DueSoonest,
            ..Default::default()
        },
    );
    assert!(due[0].first_response_due <= due[due.len() - 1].first_response_due);
}

#[test]
fn every_sort_pages_without_gaps_or_repeats() {
    let mut fixture = desk();
    let cases = many(&mut fixture.db);
    for sort in [
        InboxSort::Newest,
        InboxSort::DueSoonest,
        InboxSort::AccountName,
    ] {
        for limit in [1, 2, 4, 5, 16, 17, 18] {
            let seen = all_pages(
                &fixture.db,
                &InboxQuery {
                    sort,
                    limit: Some(limit),
                    ..Default::default()
                },
            );
            assert_eq!(
                seen,
                expected_order(cases.clone(), sort),
                "{sort:?} in pages of {limit}"
            );
        }
    }
}

#[test]
fn combined_filters_page_in_every_sort() {
    let mut fixture = desk();
    let cases = many(&mut fixture.db);
    // Still received (not acknowledged), nobody holds them, found by "requester 1" (1, 10-16).
    let wanted: Vec<CaseSummary> = cases
        .iter()
        .filter(|c| c.acknowledged_at.is_none() && c.requester_name.starts_with("Requester 1"))
        .cloned()
        .collect();
    let on_zephyr: Vec<CaseSummary> = wanted
        .iter()
        .filter(|c| c.account_name == "zephyr Labs")
        .cloned()
        .collect();
    assert!(wanted.len() >= 4 && on_zephyr.len() >= 2 && on_zephyr.len() < wanted.len());
    for sort in [
        InboxSort::Newest,
        InboxSort::DueSoonest,
        InboxSort::AccountName,
    ] {
        let query = InboxQuery {
            statuses: vec![CaseStatus::Received],
            owner: Some(OwnerFilter::Unassigned),
            search: Some("requester 1".into()),
            sort,
            limit: Some(2),
            ..Default::default()
        };
        assert_eq!(
            all_pages(&fixture.db, &query),
            expected_order(wanted.clone(), sort),
            "{sort:?}"
        );
        let with_tier = InboxQuery {
            tier: Some("Starter".into()),
            limit: Some(1),
            ..query
        };
        assert_eq!(
            all_pages(&fixture.db, &with_tier),
            expected_order(on_zephyr.clone(), sort),
            "{sort:?} with the tier"
        );
    }
}

#[test]
fn refuses_a_cursor_from_another_sort_and_blank_filters() {
    let mut fixture = desk();
    many(&mut fixture.db);
    let db = &fixture.db;
    let first = db
        .inbox_at(
            &InboxQuery {
                limit: Some(3),
                ..Default::default()
            },
            now(),
        )
        .unwrap();
    let cursor = first.next.clone().unwrap();
    assert!(matches!(cursor, CaseCursor::Newest { .. }));
    for sort in [InboxSort::DueSoonest, InboxSort::AccountName] {
        let refused = db.inbox_at(
            &InboxQuery {
                sort,
                after: Some(cursor.clone()),
                limit: Some(3),
                ..Default::default()
            },
            now(),
        );
        assert_eq!(refused_field(refused), "after", "{sort:?}");
    }
    let blank_owner = db.inbox_at(
        &InboxQuery {
            owner: Some(OwnerFilter::Person { name: " ".into() }),
            ..Default::default()
        },
        now(),
    );
    assert_eq!(refused_field(blank_owner), "owner");
    let blank_tier = db.inbox_at(
        &InboxQuery {
            tier: Some(String::new()),
            ..Default::default()
        },
        now(),
    );
    assert_eq!(refused_field(blank_tier), "tier");
    let blank_reason = db.inbox_at(
        &InboxQuery {
            reason_id: Some("\t".into()),
            ..Default::default()
        },
        now(),
    );
    assert_eq!(refused_field(blank_reason), "reason_id");
}

#[test]
fn the_cursor_round_trips_through_json_with_its_sort() {
    let cursor = CaseCursor::DueSoonest {
        first_response_due: Some(monday(0)),
        id: Uuid::nil(),
    };
    let json = serde_json::to_value(&cursor).unwrap();
    assert_eq!(json["sort"], "due_soonest");
    assert_eq!(serde_json::from_value::<CaseCursor>(json).unwrap(), cursor);
    // The window's query may leave out what it does not filter by.
    let query: InboxQuery = serde_json::from_str(r#"{"sort":"account_name","limit":10}"#).unwrap();
    assert_eq!(query.sort, InboxSort::AccountName);
    assert!(query.statuses.is_empty());
}

#[test]
fn facets_list_owners_tiers_and_reasons() {
    let mut fixture = desk();
    let db = &mut fixture.db;
    let a = receive(db, "Acme Corp", "Ana", "ana@acme.io", monday(0));
    let b = receive(db, "Bolt & Co", "Cy", "cy@bolt.io", monday(1));
    verify_identity(db, a, "a-1@example.com", monday(2));
    verify_identity(db, b, "a-3@example.com", monday(2));
    run(
        db,
        a,
        CaseCommand::Escalate {
            csm: "carla".into(),
            note: String::new(),
        },
        monday(2),
    );
    run(
        db,
        b,
        CaseCommand::CaptureReason {
            reason_id: "switching".into(),
            details: String::new(),
            pain_points: vec![],
        },
        monday(3),
    );
    let facets = db.inbox_facets().unwrap();
    assert_eq!(facets.owners, vec!["carla".to_string()]);
    assert_eq!(
        facets.tiers,
        vec![
            "Enterprise".to_string(),
            "Professional".into(),
            "Starter".into()
        ]
    );
    // No policy is stored in this profile, so the reason is listed by its id.
    assert_eq!(
        facets.reasons,
        vec![ReasonOption {
            id: "switching".into(),
            label: "switching".into()
        }]
    );
}

/// A search that finds more cases than are worth sorting walks the sort's index instead; one that
/// finds fewer is read from the cases found. Both give every case found, in order, page by page.
#[test]
fn broad_and_narrow_searches_page_through_every_case_they_find_in_order() {
    let mut fixture = desk();
    let db = &mut fixture.db;
    db.set_bulk_loading(true).unwrap();
    let mut received = Vec::new();
    for i in 0..2_300 {
        let at = monday(0) + SignedDuration::from_secs(i);
        let requester = if i % 2 == 0 {
            "Broad Reach"
        } else {
            "Ana Silva"
        };
        let contact = if i % 23 == 0 {
            "someone@other.org"
        } else {
            "someone@example.com"
        };
        let id = receive(db, "Acme Corp", requester, contact, at);
        received.push((id, requester, contact));
    }
    db.set_bulk_loading(false).unwrap();
    // Newest first.
    received.reverse();
    let pages = |text: &str| {
        all_pages(
            db,
            &InboxQuery {
                search: Some(text.into()),
                limit: Some(200),
                ..Default::default()
            },
        )
    };
    let found = |keep: &dyn Fn(&str, &str) -> bool| -> Vec<Uuid> {
        received
            .iter()
            .filter(|(_, requester, contact)| keep(requester, contact))
            .map(|(id, _, _)| *id)
            .collect()
    };
    let broad = found(&|_, contact| contact.ends_with("example.com"));
    assert_eq!(broad.len(), 2_200);
    assert_eq!(
        pages("example.com"),
        broad,
        "2,200 found: the sort's index walked"
    );
    let narrow = found(&|requester, _| requester == "Broad Reach");
    assert_eq!(narrow.len(), 1_150);
    assert_eq!(pages("broad reach"), narrow, "1,150 found: read from them");
}
