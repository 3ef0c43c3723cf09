//! The report's figures against hand-computed answers on a generated set of cases.

use jiff::civil::date;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use uuid::Uuid;

use super::*;
use crate::case::RequestChannel;
use crate::money::{Currency, Money};
use crate::policy::{parse_policy, Route};
use crate::workflow::{
    evolve, AccountFacts, CaseEvent, OfferProposal, RefundStatus, WinBackOutcome,
};

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn money(minor: i64, code: &str) -> Money {
    Money::new(minor, Currency::parse(code).unwrap())
}

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

/// An open case received at `received`, answered within the hour it is due in.
fn case(n: u128, account: u128, received: &str) -> ReportCase {
    let received_at = at(received);
    ReportCase {
        case_id: id(n),
        account_id: id(1000 + account),
        received_at,
        received_under: "p@1".into(),
        first_response_due: received_at + jiff::SignedDuration::from_hours(1),
        acknowledged_at: None,
        closing: None,
        reason_id: None,
        reason_label: None,
        tier: "Professional".into(),
        owner: None,
        route: None,
        offers: Vec::new(),
        mrr: None,
        refunds: Vec::new(),
        check_ins: Vec::new(),
    }
}

fn closed(mut case: ReportCase, how: ClosedAs, when: &str) -> ReportCase {
    case.closing = Some(Closing {
        how,
        at: at(when),
        policy_version: "p@2".into(),
    });
    case
}

fn with(mut case: ReportCase, reason: &str, owner: &str, mrr: Money) -> ReportCase {
    case.reason_id = Some(reason.into());
    case.reason_label = Some(format!("Reason {reason}"));
    case.owner = Some(owner.into());
    case.mrr = Some(mrr);
    case
}

fn ids(tally: &Tally) -> Vec<Uuid> {
    tally.case_ids.clone()
}

fn totals(list: &[CurrencyTotal]) -> Vec<(i64, &'static str)> {
    list.iter()
        .map(|total| (total.amount.minor, total.amount.currency.code()))
        .collect()
}

fn range(from: &str, to: &str) -> Filters {
    Filters {
        from: Some(at(from)),
        to: Some(at(to)),
        ..Filters::default()
    }
}

const NOW: &str = "2027-06-15T12:00:00Z";

/// Two weeks of January 2027 (UTC): four cancellations in three currencies, a save, a
/// withdrawal, an open case, and a cancellation of a request received in December.
fn january() -> Vec<ReportCase> {
    let mut c1 = with(
        case(1, 1, "2027-01-04T09:00:00Z"),
        "cost",
        "amy",
        money(10_000, "USD"),
    );
    c1.tier = "Starter".into();
    c1.route = Some(Route::SaveCall);
    let mut c3 = with(
        case(3, 3, "2027-01-06T09:00:00Z"),
        "features",
        "amy",
        money(20_000, "USD"),
    );
    c3.offers.push(ReportOffer {
        offer_id: "discount".into(),
        label: "Temporary discount".into(),
        proposed_at: at("2027-01-06T12:00:00Z"),
        needed_approval: false,
        accepted: true,
    });
    let mut c6 = case(6, 6, "2027-01-13T09:00:00Z");
    c6.owner = None;
    vec![
        closed(c1, ClosedAs::Cancelled, "2027-01-05T10:00:00Z"),
        closed(
            with(
                case(2, 2, "2027-01-05T09:00:00Z"),
                "cost",
                "bob",
                money(5_000, "EUR"),
            ),
            ClosedAs::Cancelled,
            "2027-01-06T10:00:00Z",
        ),
        closed(c3, ClosedAs::SavedByOffer, "2027-01-07T10:00:00Z"),
        closed(
            with(
                case(4, 4, "2027-01-11T09:00:00Z"),
                "features",
                "bob",
                money(3_000, "USD"),
            ),
            ClosedAs::Cancelled,
            "2027-01-12T10:00:00Z",
        ),
        closed(
            with(
                case(5, 5, "2027-01-12T09:00:00Z"),
                "cost",
                "amy",
                money(9_900, "USD"),
            ),
            ClosedAs::Withdrawn,
            "2027-01-13T10:00:00Z",
        ),
        c6,
        closed(
            with(
                case(7, 7, "2026-12-20T09:00:00Z"),
                "cost",
                "bob",
                money(5_000, "JPY"),
            ),
            ClosedAs::Cancelled,
            "2027-01-11T10:00:00Z",
        ),
    ]
}

#[test]
fn cancellations_saves_and_revenue_per_currency_never_mixed() {
    let report = report(
        &january(),
        &range("2027-01-04T00:00:00Z", "2027-01-18T00:00:00Z"),
        &TimeZone::UTC,
        at(NOW),
    );
    let totals_ = &report.totals;
    assert_eq!(ids(&totals_.received), [1, 2, 3, 4, 5, 6].map(id));
    assert_eq!(ids(&totals_.cancelled), [1, 2, 4, 7].map(id));
    assert_eq!(ids(&totals_.saved), [id(3)]);
    assert_eq!(ids(&totals_.saved_by_offer), [id(3)]);
    assert_eq!(ids(&totals_.withdrawn), [id(5)]);
    // Saved out of saved and cancelled: 1 of 5; the withdrawal is neither.
    assert_eq!(totals_.save_rate, Rate::of(1, 5));
    assert_eq!(totals_.save_rate.basis_points, Some(2_000));
    assert_eq!(
        totals(&totals_.revenue_lost),
        [(5_000, "EUR"), (5_000, "JPY"), (13_000, "USD")]
    );
    assert_eq!(totals_.revenue_lost[2].case_ids, [id(1), id(4)]);
    assert_eq!(totals(&totals_.revenue_saved), [(20_000, "USD")]);

    // Two ISO weeks, one month.
    let weeks: Vec<String> = report.weekly.iter().map(|w| w.week.label()).collect();
    assert_eq!(weeks, ["2027-W01", "2027-W02"]);
    let first = &report.weekly[0].figures;
    assert_eq!(ids(&first.received), [1, 2, 3].map(id));
    assert_eq!(ids(&first.cancelled), [1, 2].map(id));
    assert_eq!(first.save_rate.basis_points, Some(3_333));
    let second = &report.weekly[1].figures;
    assert_eq!(ids(&second.received), [4, 5, 6].map(id));
    assert_eq!(ids(&second.cancelled), [4, 7].map(id));
    assert_eq!(second.save_rate, Rate::of(0, 2));
    assert_eq!(report.monthly.len(), 1);
    assert_eq!(report.monthly[0].figures, report.totals);

    // By reason: no reason first, then by id.
    let reasons: Vec<(Option<&str>, u32, u32)> = report
        .by_reason
        .iter()
        .map(|g| {
            (
                g.key.as_deref(),
                g.figures.received.count,
                g.figures.cancelled.count,
            )
        })
        .collect();
    assert_eq!(
        reasons,
        [(None, 1, 0), (Some("cost"), 3, 3), (Some("features"), 2, 1)]
    );
    assert_eq!(report.by_reason[0].label, "No reason captured");
    let cost = &report.by_reason[1].figures;
    assert_eq!(
        totals(&cost.revenue_lost),
        [(5_000, "EUR"), (5_000, "JPY"), (10_000, "USD")]
    );
    let owners: Vec<(&str, u32)> = report
        .by_owner
        .iter()
        .map(|g| (g.label.as_str(), g.figures.cancelled.count))
        .collect();
    assert_eq!(owners, [("Unassigned", 0), ("amy", 1), ("bob", 3)]);
    let tiers: Vec<(&str, u32)> = report
        .by_tier
        .iter()
        .map(|g| (g.label.as_str(), g.figures.received.count))
        .collect();
    assert_eq!(tiers, [("Professional", 5), ("Starter", 1)]);
    let routes: Vec<(Option<&str>, &str, u32)> = report
        .by_route
        .iter()
        .map(|g| {
            (
                g.key.as_deref(),
                g.label.as_str(),
                g.figures.cancelled.count,
            )
        })
        .collect();
    assert_eq!(
        routes,
        [(None, "Not routed", 3), (Some("save_call"), "Save call", 1)]
    );
    // Requests by the version received under, outcomes by the version that closed them.
    let versions: Vec<(&str, u32, u32)> = report
        .by_policy_version
        .iter()
        .map(|g| {
            (
                g.label.as_str(),
                g.figures.received.count,
                g.figures.cancelled.count,
            )
        })
        .collect();
    assert_eq!(versions, [("p@1", 6, 0), ("p@2", 0, 4)]);

    assert_eq!(ids(&report.offers.all.accepted), [id(3)]);
    assert_eq!(report.offers.all.acceptance_rate.basis_points, Some(10_000));
    assert_eq!(report.offers.by_offer[0].label, "Temporary discount");
}

#[test]
fn a_save_is_kept_after_90_days_day_89_and_90_are_not_91_is() {
    let saved_on = "2027-01-01T10:00:00Z";
    let save = |n: u128, account: u128| {
        closed(
            case(n, account, "2026-12-31T10:00:00Z"),
            ClosedAs::SavedByRetentionCall,
            saved_on,
        )
    };
    let cancels = |n: u128, account: u128, received: &str| {
        closed(
            case(n, account, received),
            ClosedAs::Cancelled,
            "2027-04-20T10:00:00Z",
        )
    };
    let mut by_offer = closed(
        case(1, 1, "2026-12-31T10:00:00Z"),
        ClosedAs::SavedByOffer,
        saved_on,
    );
    by_offer.offers.push(ReportOffer {
        offer_id: "freeze".into(),
        label: "Freeze".into(),
        proposed_at: at("2026-12-31T12:00:00Z"),
        needed_approval: true,
        accepted: true,
    });
    let cases = vec![
        // Day 89: 2027-03-31 (January's 30 more days, February's 28, March's 31).
        by_offer,
        cancels(11, 1, "2027-03-31T09:00:00Z"),
        // Day 91.
        save(2, 2),
        cancels(12, 2, "2027-04-02T09:00:00Z"),
        // Day 90, at the very end of the day: still within 90 days.
        save(3, 3),
        cancels(13, 3, "2027-04-01T23:59:59Z"),
        // No later cancellation and more than 90 days have passed.
        save(4, 4),
        // Saved two weeks before now: too soon to tell.
        closed(
            case(5, 5, "2027-05-31T10:00:00Z"),
            ClosedAs::SavedByCsm,
            "2027-06-01T10:00:00Z",
        ),
        // Came back later, but withdrew that request: the save held.
        save(6, 6),
        closed(
            case(16, 6, "2027-02-01T09:00:00Z"),
            ClosedAs::Withdrawn,
            "2027-02-02T10:00:00Z",
        ),
        // A request received before the save and cancelled later does not undo it.
        save(7, 7),
        closed(
            case(17, 7, "2026-12-30T09:00:00Z"),
            ClosedAs::Cancelled,
            "2027-01-10T10:00:00Z",
        ),
    ];
    let report = report(
        &cases,
        &range("2026-12-01T00:00:00Z", "2027-07-01T00:00:00Z"),
        &TimeZone::UTC,
        at(NOW),
    );
    let kept = &report.saves_kept;
    assert_eq!(ids(&kept.kept), [2, 4, 6, 7].map(id));
    assert_eq!(ids(&kept.not_kept), [1, 3].map(id));
    assert_eq!(ids(&kept.pending), [id(5)]);
    assert_eq!(kept.keep_rate.basis_points, Some(6_667));
    // The offer that saved case 1 was accepted and not kept.
    let offers = &report.offers.all;
    assert_eq!(ids(&offers.accepted), [id(1)]);
    assert_eq!(ids(&offers.needed_approval), [id(1)]);
    assert_eq!(ids(&offers.keeping.not_kept), [id(1)]);
    assert_eq!(offers.keeping.kept.count, 0);

    // The boundary as `Cancellations` says it, a day either side of 90.
    let cancellations = keeping::Cancellations::of(&cases);
    let first = &cases[0];
    assert_eq!(
        cancellations.keeping(first, at(saved_on), &TimeZone::UTC, date(2027, 6, 15)),
        Keeping::NotKept {
            cancelled_in: id(11),
            day: 89
        }
    );
    assert_eq!(
        cancellations.keeping(&cases[4], at(saved_on), &TimeZone::UTC, date(2027, 6, 15)),
        Keeping::NotKept {
            cancelled_in: id(13),
            day: 90
        }
    );
    // With no cancellation, day 90 is still pending and day 91 is kept.
    let lone = &cases[6];
    let day_90 = date(2027, 4, 1);
    let day_91 = date(2027, 4, 2);
    assert_eq!(
        cancellations.keeping(lone, at(saved_on), &TimeZone::UTC, day_90),
        Keeping::Pending
    );
    assert_eq!(
        cancellations.keeping(lone, at(saved_on), &TimeZone::UTC, day_91),
        Keeping::Kept
    );
}

#[test]
fn the_week_across_the_new_year_is_one_week_and_empty_weeks_are_listed() {
    let cases = vec![
        with(
            case(1, 1, "2026-12-28T08:00:00Z"),
            "cost",
            "amy",
            money(100, "USD"),
        ),
        with(
            case(2, 2, "2027-01-03T20:00:00Z"),
            "features",
            "amy",
            money(100, "USD"),
        ),
        with(
            case(3, 3, "2026-12-22T08:00:00Z"),
            "cost",
            "amy",
            money(100, "USD"),
        ),
    ];
    let report = report(
        &cases,
        &range("2026-12-21T00:00:00Z", "2027-01-11T00:00:00Z"),
        &TimeZone::UTC,
        at(NOW),
    );
    let weeks: Vec<(String, Vec<Uuid>)> = report
        .weekly
        .iter()
        .map(|w| (w.week.label(), ids(&w.figures.received)))
        .collect();
    assert_eq!(
        weeks,
        [
            ("2026-W52".to_owned(), vec![id(3)]),
            ("2026-W53".to_owned(), vec![id(1), id(2)]),
            ("2027-W01".to_owned(), vec![]),
        ]
    );
    assert_eq!(report.weekly[1].week.starts_on, date(2026, 12, 28));
    // Months split where weeks do not.
    let months: Vec<(String, u32)> = report
        .monthly
        .iter()
        .map(|m| (m.month.label(), m.figures.received.count))
        .collect();
    assert_eq!(
        months,
        [("2026-12".to_owned(), 2), ("2027-01".to_owned(), 1)]
    );

    // The weekly reason report of that week, against the week before.
    let week = IsoWeek::containing(date(2027, 1, 1));
    let weekly = weekly_reasons(&cases, &Filters::default(), week, &TimeZone::UTC);
    assert_eq!(weekly.week.label(), "2026-W53");
    assert_eq!(weekly.week_before.label(), "2026-W52");
    assert_eq!(weekly.total.count, 2);
    assert_eq!(weekly.total_week_before.count, 1);
    type Row<'a> = (Option<&'a str>, u32, Option<u32>, u32, Option<u32>, i64);
    let rows: Vec<Row> = weekly
        .reasons
        .iter()
        .map(|r| {
            (
                r.reason_id.as_deref(),
                r.this_week.count,
                r.share.basis_points,
                r.week_before.count,
                r.share_week_before.basis_points,
                r.change.difference,
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (Some("cost"), 1, Some(5_000), 1, Some(10_000), 0),
            (Some("features"), 1, Some(5_000), 0, Some(0), 1),
        ]
    );
    assert_eq!(weekly.reasons[0].share_change_points, Some(-5_000));
    let csv = weekly_reasons_csv(&weekly).unwrap();
    assert_eq!(
        csv,
        "week,reason_id,reason,requests,share_percent,requests_week_before,share_percent_week_before,change,share_change_points\n\
         2026-W53,cost,Reason cost,1,50.00,1,100.00,+0,-50.00\n\
         2026-W53,features,Reason features,1,50.00,0,0.00,+1,+50.00\n\
         2026-W53,,Total,2,100.00,1,100.00,+1,\n"
    );
}

#[test]
fn a_late_sunday_in_utc_is_monday_in_the_policys_zone() {
    let zone = TimeZone::get("Pacific/Auckland").unwrap();
    // 20:00 UTC on Sunday 2027-01-03 is 09:00 on Monday 2027-01-04 in Auckland (UTC+13).
    let cases = vec![case(1, 1, "2027-01-03T20:00:00Z")];
    let filters = range("2026-12-27T00:00:00Z", "2027-01-17T00:00:00Z");
    let in_utc = report(&cases, &filters, &TimeZone::UTC, at(NOW));
    let in_auckland = report(&cases, &filters, &zone, at(NOW));
    let busy = |report: &Report| -> Vec<String> {
        report
            .weekly
            .iter()
            .filter(|w| w.figures.received.count > 0)
            .map(|w| w.week.label())
            .collect()
    };
    assert_eq!(busy(&in_utc), ["2026-W53"]);
    assert_eq!(busy(&in_auckland), ["2027-W01"]);
    let weekly = weekly_reasons(
        &cases,
        &Filters::default(),
        IsoWeek::containing(date(2027, 1, 4)),
        &zone,
    );
    assert_eq!(weekly.total.case_ids, [id(1)]);
    assert_eq!(weekly.reasons[0].label, "No reason captured yet");
    let weekly = weekly_reasons(
        &cases,
        &Filters::default(),
        IsoWeek::containing(date(2027, 1, 4)),
        &TimeZone::UTC,
    );
    assert_eq!(weekly.total.count, 0);
    assert_eq!(weekly.total_week_before.count, 1);
}

#[test]
fn an_empty_period_has_its_weeks_and_no_rates() {
    let report = report(
        &january(),
        &range("2027-03-01T00:00:00Z", "2027-03-22T00:00:00Z"),
        &TimeZone::UTC,
        at(NOW),
    );
    assert_eq!(report.weekly.len(), 3);
    assert!(report
        .weekly
        .iter()
        .all(|w| w.figures == OutcomeFigures::default()));
    assert_eq!(report.monthly.len(), 1);
    assert_eq!(report.totals.save_rate.basis_points, None);
    assert_eq!(report.first_response.median_seconds, None);
    assert!(report.by_reason.is_empty());
    assert_eq!(report.offers.all.acceptance_rate.basis_points, None);
    // The trend still covers its twelve months.
    assert_eq!(report.trend.months.len(), 12);

    let nothing = super::report(&[], &Filters::default(), &TimeZone::UTC, at(NOW));
    assert_eq!(nothing.totals, OutcomeFigures::default());
    assert_eq!(nothing.weekly.len(), 1);
}

#[test]
fn filters_narrow_by_member_tier_reason_and_range() {
    let cases = january();
    let whole = range("2027-01-04T00:00:00Z", "2027-01-18T00:00:00Z");
    let narrowed = |filters: Filters| report(&cases, &filters, &TimeZone::UTC, at(NOW)).totals;
    let bob = narrowed(Filters {
        member: Some("bob".into()),
        ..whole.clone()
    });
    assert_eq!(ids(&bob.cancelled), [2, 4, 7].map(id));
    assert_eq!(bob.received.count, 2);
    let starter = narrowed(Filters {
        tier: Some("starter".into()),
        ..whole.clone()
    });
    assert_eq!(ids(&starter.cancelled), [id(1)]);
    let features = narrowed(Filters {
        reason: Some("features".into()),
        ..whole.clone()
    });
    assert_eq!(ids(&features.received), [3, 4].map(id));
    assert_eq!(features.save_rate.basis_points, Some(5_000));
    let first_week = narrowed(range("2027-01-04T00:00:00Z", "2027-01-11T00:00:00Z"));
    assert_eq!(ids(&first_week.cancelled), [1, 2].map(id));
    // The range's end is excluded: case 7 was cancelled at exactly 2027-01-11T10:00.
    let to_seven = narrowed(range("2027-01-04T00:00:00Z", "2027-01-11T10:00:00Z"));
    assert_eq!(ids(&to_seven.cancelled), [1, 2].map(id));
    // Without a range: from the earliest request admitted to now.
    let all = report(&cases, &Filters::default(), &TimeZone::UTC, at(NOW));
    assert_eq!(all.from, at("2026-12-20T09:00:00Z"));
    assert_eq!(all.totals.received.count, 7);
}

#[test]
fn time_to_first_response_and_sla_breaches() {
    let now = at(NOW);
    let answered = |n: u128, minutes: i64| {
        let mut c = case(n, n, "2027-06-01T09:00:00Z");
        c.first_response_due = c.received_at + jiff::SignedDuration::from_mins(35);
        c.acknowledged_at = Some(c.received_at + jiff::SignedDuration::from_mins(minutes));
        c
    };
    let mut overdue = case(6, 6, "2027-06-01T09:00:00Z");
    overdue.first_response_due = at("2027-06-01T10:00:00Z");
    let mut not_yet_due = case(7, 7, "2027-06-15T11:30:00Z");
    not_yet_due.first_response_due = at("2027-06-15T12:30:00Z");
    // Acknowledged exactly when due: on time.
    let mut exactly = answered(8, 35);
    exactly.received_at = at("2027-06-02T09:00:00Z");
    exactly.first_response_due = exactly.received_at + jiff::SignedDuration::from_mins(35);
    exactly.acknowledged_at = Some(exactly.first_response_due);
    let cases = vec![
        answered(1, 50),
        answered(2, 10),
        answered(3, 40),
        answered(4, 20),
        answered(5, 30),
        overdue,
        not_yet_due,
        exactly,
    ];
    let figures = report(&cases, &Filters::default(), &TimeZone::UTC, now).first_response;
    // Waits (minutes): 10 20 30 35 40 50. Median: rank 3 = 30; 90th: rank ⌈5.4⌉ = 6 = 50.
    assert_eq!(figures.median_seconds, Some(30 * 60));
    assert_eq!(figures.p90_seconds, Some(50 * 60));
    assert_eq!(ids(&figures.on_time), [2, 4, 5, 8].map(id));
    assert_eq!(ids(&figures.answered_late), [1, 3].map(id));
    assert_eq!(ids(&figures.overdue), [id(6)]);
    assert_eq!(ids(&figures.breaches), [1, 3, 6].map(id));
    assert_eq!(figures.breach_rate, Rate::of(3, 7));
    assert_eq!(figures.received.count, 8);
}

#[test]
fn refunds_by_band_and_approval_path_per_currency() {
    let refund =
        |n: u128, amount: Money, approval: RefundApproval, status: RefundStatus| ReportRefund {
            refund_id: id(500 + n),
            amount,
            requested_at: at("2027-02-01T10:00:00Z"),
            approval,
            status,
        };
    let mut one = case(1, 1, "2027-02-01T09:00:00Z");
    one.refunds = vec![
        refund(
            1,
            money(10_000, "USD"),
            RefundApproval::Direct,
            RefundStatus::Completed,
        ),
        refund(
            2,
            money(10_001, "USD"),
            RefundApproval::Direct,
            RefundStatus::BillingInProgress,
        ),
    ];
    let mut two = case(2, 2, "2027-02-01T09:00:00Z");
    two.refunds = vec![
        // 1,000 yen: the yen has no minor unit.
        refund(
            3,
            money(1_000, "JPY"),
            RefundApproval::Direct,
            RefundStatus::Completed,
        ),
        refund(
            4,
            money(150_000, "USD"),
            RefundApproval::AboveThreshold,
            RefundStatus::Denied,
        ),
        refund(
            5,
            money(100_000, "EUR"),
            RefundApproval::OutsideWindow,
            RefundStatus::UnderReview,
        ),
    ];
    let figures = report(&[one, two], &Filters::default(), &TimeZone::UTC, at(NOW)).refunds;
    let bands: Vec<(RefundBand, Vec<(i64, &str)>)> = figures
        .by_band
        .iter()
        .map(|g| (g.band, totals(&g.totals.requested)))
        .collect();
    assert_eq!(
        bands,
        [
            (RefundBand::UpTo100, vec![(10_000, "USD")]),
            (RefundBand::UpTo500, vec![(10_001, "USD")]),
            (RefundBand::UpTo1000, vec![(100_000, "EUR"), (1_000, "JPY")]),
            (RefundBand::Over1000, vec![(150_000, "USD")]),
        ]
    );
    let paths: Vec<(RefundApproval, Vec<(i64, &str)>)> = figures
        .by_approval
        .iter()
        .map(|g| (g.approval, totals(&g.totals.requested)))
        .collect();
    assert_eq!(
        paths,
        [
            (
                RefundApproval::Direct,
                vec![(1_000, "JPY"), (20_001, "USD")]
            ),
            (RefundApproval::AboveThreshold, vec![(150_000, "USD")]),
            (RefundApproval::OutsideWindow, vec![(100_000, "EUR")]),
        ]
    );
    assert_eq!(
        totals(&figures.all.issued),
        [(1_000, "JPY"), (10_000, "USD")]
    );
    assert_eq!(totals(&figures.all.denied), [(150_000, "USD")]);
    assert_eq!(
        totals(&figures.all.open),
        [(100_000, "EUR"), (10_001, "USD")]
    );
    // Case 1's two refunds: counted twice, the case listed once.
    assert_eq!(figures.by_approval[0].totals.requested[1].count, 2);
    assert_eq!(figures.by_approval[0].totals.requested[1].case_ids, [id(1)]);
}

#[test]
fn win_back_outcomes_by_check_in_and_the_overdue_ones() {
    let check_in = |number: u32,
                    due: jiff::civil::Date,
                    outcome: Option<(WinBackOutcome, &str)>| ReportCheckIn {
        number,
        due_on: due,
        outcome: outcome.map(|(o, _)| o),
        recorded_at: outcome.map(|(_, when)| at(when)),
    };
    let mut back = closed(
        case(1, 1, "2026-01-05T09:00:00Z"),
        ClosedAs::Cancelled,
        "2026-01-10T09:00:00Z",
    );
    back.check_ins = vec![
        check_in(
            1,
            date(2026, 4, 10),
            Some((WinBackOutcome::NoAnswer, "2026-04-10T15:00:00Z")),
        ),
        check_in(
            2,
            date(2026, 7, 10),
            Some((WinBackOutcome::Reactivated, "2026-07-10T15:00:00Z")),
        ),
        // After the customer came back: not overdue.
        check_in(3, date(2027, 1, 10), None),
    ];
    let mut gone = closed(
        case(2, 2, "2026-01-05T09:00:00Z"),
        ClosedAs::Cancelled,
        "2026-01-10T09:00:00Z",
    );
    gone.check_ins = vec![
        check_in(
            1,
            date(2026, 4, 10),
            Some((WinBackOutcome::Declined, "2026-04-11T15:00:00Z")),
        ),
        check_in(2, date(2026, 7, 10), None),
        // Not due yet.
        check_in(3, date(2027, 7, 10), None),
    ];
    let figures = report(&[back, gone], &Filters::default(), &TimeZone::UTC, at(NOW)).win_back;
    assert_eq!(figures.all.made.count, 3);
    assert_eq!(ids(&figures.all.reactivated), [id(1)]);
    assert_eq!(figures.all.reactivation_rate.basis_points, Some(3_333));
    let by_check_in: Vec<(u32, u32, u32, u32)> = figures
        .by_check_in
        .iter()
        .map(|g| {
            (
                g.number,
                g.outcomes.reactivated.count,
                g.outcomes.declined.count,
                g.outcomes.no_answer.count,
            )
        })
        .collect();
    assert_eq!(by_check_in, [(1, 0, 1, 1), (2, 1, 0, 0)]);
    assert_eq!(ids(&figures.overdue), [id(2)]);
}

#[test]
fn the_last_twelve_months_against_the_months_before() {
    let cancel = |n: u128, when: &str, mrr: Money| {
        let mut c = with(case(n, n, when), "cost", "amy", mrr);
        c = closed(c, ClosedAs::Cancelled, when);
        c
    };
    let cases = vec![
        cancel(1, "2027-05-03T10:00:00Z", money(1_000, "USD")),
        cancel(2, "2027-05-20T10:00:00Z", money(2_000, "EUR")),
        cancel(3, "2027-06-02T10:00:00Z", money(4_000, "USD")),
        // The twelve months before: July 2025 to June 2026.
        cancel(4, "2026-06-30T10:00:00Z", money(500, "USD")),
        // Older than both: in neither.
        cancel(5, "2025-06-30T10:00:00Z", money(500, "USD")),
    ];
    // The date range does not narrow the trend.
    let trend = report(
        &cases,
        &range("2027-06-01T00:00:00Z", "2027-06-02T00:00:00Z"),
        &TimeZone::UTC,
        at(NOW),
    )
    .trend;
    let months: Vec<String> = trend.months.iter().map(|m| m.month.label()).collect();
    assert_eq!(months.first().map(String::as_str), Some("2026-07"));
    assert_eq!(months.last().map(String::as_str), Some("2027-06"));
    assert_eq!(months.len(), 12);
    let june = &trend.months[11];
    assert!(!june.complete);
    assert!(trend.months[10].complete);
    assert_eq!(ids(&june.figures.cancelled), [id(3)]);
    assert_eq!(june.change.cancelled, Change::between(1, 2));
    assert_eq!(june.change.cancelled.basis_points, Some(-5_000));
    let lost: Vec<(i64, i64, &str)> = june
        .change
        .revenue_lost
        .iter()
        .map(|c| (c.current.minor, c.previous.minor, c.current.currency.code()))
        .collect();
    assert_eq!(lost, [(0, 2_000, "EUR"), (4_000, 1_000, "USD")]);
    assert_eq!(
        june.cancelled_by_reason[0].reason_id.as_deref(),
        Some("cost")
    );
    // July 2026 compares with June 2026, which is outside the twelve shown.
    assert_eq!(trend.months[0].change.cancelled, Change::between(0, 1));
    assert_eq!(trend.last_twelve_months.cancelled.count, 3);
    assert_eq!(ids(&trend.previous_twelve_months.cancelled), [id(4)]);
    assert_eq!(trend.change.cancelled.basis_points, Some(20_000));
    assert_eq!(
        totals(&trend.last_twelve_months.revenue_lost),
        [(2_000, "EUR"), (5_000, "USD")]
    );
}

#[test]
fn a_report_case_comes_from_the_folded_state_and_its_history() {
    let policy = parse_policy(include_str!("../../../../policies/intelliserve.toml")).unwrap();
    let case_id = id(1);
    let received_at = at("2027-03-01T14:00:00Z");
    let events = [
        (
            CaseEvent::Received {
                case_id,
                account_id: id(2),
                channel: RequestChannel::Email,
                requester_name: "Ana".into(),
                requester_contact: "ana@acme.io".into(),
                received_at,
                first_response_due: at("2027-03-01T15:00:00Z"),
            },
            "2027-03-01T14:00:00Z",
            "intelliserve@1",
        ),
        (
            CaseEvent::Acknowledged {
                at: at("2027-03-01T14:20:00Z"),
                channel: None,
                note: None,
            },
            "2027-03-01T14:20:00Z",
            "intelliserve@1",
        ),
        (
            CaseEvent::ReasonCaptured {
                reason_id: "cost".into(),
                details: String::new(),
                pain_points: vec![],
            },
            "2027-03-01T14:30:00Z",
            "intelliserve@1",
        ),
        (
            CaseEvent::OfferProposed {
                offer_id: "discount".into(),
                terms: OfferProposal {
                    percent: Some(20),
                    months: Some(3),
                    amount: None,
                    note: String::new(),
                },
                needs_approval: false,
                proposed_by: "amy".into(),
            },
            "2027-03-02T10:00:00Z",
            "intelliserve@2",
        ),
        (
            CaseEvent::OfferAccepted {
                offer_id: "discount".into(),
            },
            "2027-03-03T10:00:00Z",
            "intelliserve@2",
        ),
        (
            CaseEvent::NoteAdded {
                text: "thanks".into(),
                at: at("2027-03-04T10:00:00Z"),
            },
            "2027-03-04T10:00:00Z",
            "intelliserve@3",
        ),
    ];
    let mut state = None;
    let mut history = CaseHistory::default();
    for (event, when, version) in &events {
        state = evolve(state, event);
        history.record(event, at(when), version);
    }
    let state = state.unwrap();
    let account = AccountFacts {
        tier: "professional".into(),
        mrr: Some(money(49_900, "USD")),
        ..AccountFacts::default()
    };
    let facts = report_case(&state, &history, &policy, &account).unwrap();
    assert_eq!(facts.tier, "Professional");
    assert_eq!(facts.received_under, "intelliserve@1");
    assert_eq!(
        facts.closing,
        Some(Closing {
            how: ClosedAs::SavedByOffer,
            at: at("2027-03-03T10:00:00Z"),
            policy_version: "intelliserve@2".into(),
        })
    );
    assert_eq!(facts.reason_label.as_deref(), Some("Cost concerns"));
    assert_eq!(facts.offers.len(), 1);
    assert!(facts.offers[0].accepted);
    assert_eq!(facts.offers[0].label, "Temporary discount");
    assert_eq!(facts.offers[0].proposed_at, at("2027-03-02T10:00:00Z"));
    assert_eq!(facts.mrr, Some(money(49_900, "USD")));
    assert_eq!(
        facts.time_to_first_response(),
        Some(jiff::SignedDuration::from_mins(20))
    );
    assert!(!facts.first_response_breached(at(NOW)));

    // A history that misses what the state says is refused, not guessed.
    let mut open_history = history.clone();
    open_history.closing = None;
    assert!(report_case(&state, &open_history, &policy, &account).is_err());
}
