//! The policy presets in `policies/`, one per procedure in the specification: each parses, and
//! holds the specific rules of its procedure.

use holdfast_core::money::{Currency, Money};
use holdfast_core::policy::{
    parse_policy, render_policy, MessageKind, OfferKind, Policy, Route, Step, VerificationMethod,
};
use holdfast_core::role::Role;
use jiff::civil::{time, Weekday};

const INTELLISERVE: &str = include_str!("../../../policies/intelliserve.toml");
const ACCOUNT_CANCELLATION_2017: &str =
    include_str!("../../../policies/account-cancellation-2017.toml");
const KODIF: &str = include_str!("../../../policies/kodif-order-cancellation.toml");
const BILLSBEE: &str = include_str!("../../../policies/billsbee.toml");
const WOOTRECRUIT: &str = include_str!("../../../policies/wootrecruit.toml");

const ALL: [(&str, &str); 5] = [
    ("intelliserve", INTELLISERVE),
    ("account-cancellation-2017", ACCOUNT_CANCELLATION_2017),
    ("kodif-order-cancellation", KODIF),
    ("billsbee", BILLSBEE),
    ("wootrecruit", WOOTRECRUIT),
];

fn parse(source: &str) -> Policy {
    parse_policy(source).unwrap_or_else(|error| panic!("preset does not parse: {error}"))
}

fn usd(minor: i64) -> Money {
    Money::new(minor, Currency::parse("USD").unwrap())
}

fn rendered(policy: &Policy) -> Vec<String> {
    render_policy(policy)
}

/// Fails with the whole rendering when no sentence contains `needle`.
fn assert_mentions(sentences: &[String], needle: &str) {
    assert!(
        sentences.iter().any(|sentence| sentence.contains(needle)),
        "no sentence mentions {needle:?}:\n{}",
        sentences.join("\n")
    );
}

#[test]
fn every_preset_parses_with_its_file_stem_as_id_at_version_1() {
    for (stem, source) in ALL {
        let policy = parse(source);
        assert_eq!(policy.id, stem);
        assert_eq!(policy.version, 1);
        assert_eq!(policy.version_tag(), format!("{stem}@1"));
        assert_eq!(policy.currency.code(), "USD");
        assert!(!policy.name.trim().is_empty(), "{stem} has no name");
        assert!(
            !policy.identity.methods.is_empty(),
            "{stem} verifies nobody"
        );
        assert!(
            !policy.routing.rules.is_empty(),
            "{stem} has no routing rule"
        );
        assert!(!render_policy(&policy).is_empty());
    }
}

#[test]
fn every_preset_starts_with_comments_naming_its_source_procedure() {
    let sources = [
        (INTELLISERVE, "000_a60bd40654f07f3d.txt"),
        (ACCOUNT_CANCELLATION_2017, "001_5c936da58d6a7ef6.txt"),
        (KODIF, "002_641f0a0ae4c0cf6f.txt"),
        (BILLSBEE, "003_9ed7134a35ccc410.txt"),
        (WOOTRECRUIT, "004_b55fdcfcfa161290.txt"),
    ];
    for (source, sop) in sources {
        assert!(source.starts_with('#'));
        let header: String = source
            .lines()
            .take_while(|line| line.starts_with('#'))
            .collect::<Vec<_>>()
            .join("\n");
        assert!(header.contains(sop), "the header does not name {sop}");
    }
}

#[test]
fn every_message_placeholder_is_one_of_the_documented_ones() {
    const KNOWN: [&str; 10] = [
        "customer_name",
        "account_name",
        "effective_date",
        "amount",
        "offer",
        "survey_link",
        "reason",
        "form_submit_to",
        "form_instructions",
        "sender_name",
    ];
    for (stem, source) in ALL {
        let policy = parse(source);
        for (kind, text) in &policy.messages {
            assert!(!text.trim().is_empty(), "{stem}: {kind:?} is empty");
            let mut rest = text.as_str();
            while let Some(open) = rest.find('{') {
                let close = rest[open..]
                    .find('}')
                    .unwrap_or_else(|| panic!("{stem}: {kind:?} has an unclosed placeholder"));
                let name = &rest[open + 1..open + close];
                assert!(KNOWN.contains(&name), "{stem}: {kind:?} uses {{{name}}}");
                assert!(
                    source.contains(&format!("#   {{{name}}}"))
                        || source.contains(&format!("  {{{name}}}")),
                    "{stem}: {{{name}}} is not documented in the header"
                );
                rest = &rest[open + close + 1..];
            }
        }
    }
}

/// Each template reads as a person writing to the customer: it is signed by whoever writes it,
/// and where it names the account it names it as the customer's own ("your ... account for
/// Acme"), never as a third party being cancelled ("We are cancelling Acme").
#[test]
fn every_message_is_signed_by_its_writer_and_speaks_of_the_customer_s_own_account() {
    for (stem, source) in ALL {
        let policy = parse(source);
        let subjects = policy
            .messages
            .keys()
            .map(|kind| (*kind, policy.subject(*kind).to_owned()));
        for (kind, body) in &policy.messages {
            assert!(
                body.trim_end().ends_with("{sender_name}"),
                "{stem}: {kind:?} is not signed by its writer: {body}"
            );
        }
        let texts = policy
            .messages
            .iter()
            .map(|(kind, body)| (*kind, body.clone()))
            .chain(subjects);
        for (kind, text) in texts {
            for sentence in text.split_inclusive(['.', '?', '!', '\n']) {
                if let Some(at) = sentence.find("{account_name}") {
                    let before = sentence[..at].to_lowercase();
                    assert!(
                        before.contains("your "),
                        "{stem}: {kind:?} names the account as someone else's: {sentence}"
                    );
                }
            }
        }
    }
}

#[test]
fn the_2017_sympathetic_reply_is_written_to_the_customer_about_their_own_account() {
    let reply = &parse(ACCOUNT_CANCELLATION_2017).messages[&MessageKind::SympatheticReply];
    // The SOP: reply sympathetically, leave the door open, and add the exit-interview link to
    // find out why they left and what could have been done better.
    assert!(
        reply.starts_with("Hi {customer_name}, we're sorry to see you go."),
        "{reply}"
    );
    assert!(
        reply.contains("We will cancel your {account_name} account as you asked"),
        "{reply}"
    );
    assert!(reply.contains("if you ever want to come back"), "{reply}");
    assert!(
        reply.contains("why you left and what we could have done better"),
        "{reply}"
    );
    assert!(reply.contains("{survey_link}"), "{reply}");
    assert!(
        !reply.contains("We are cancelling {account_name}"),
        "{reply}"
    );
}

#[test]
fn intelliserve_answers_within_one_business_hour() {
    let policy = parse(INTELLISERVE);
    assert_eq!(policy.sla.first_response_minutes, 60);
    let calendar = &policy.sla.calendar;
    assert_eq!(
        calendar.days,
        [
            Weekday::Monday,
            Weekday::Tuesday,
            Weekday::Wednesday,
            Weekday::Thursday,
            Weekday::Friday
        ]
    );
    assert_eq!(calendar.opens, time(9, 0, 0, 0));
    assert_eq!(calendar.closes, time(17, 0, 0, 0));
    assert_eq!(calendar.zone_name, "America/New_York");
}

#[test]
fn intelliserve_has_the_six_reasons_of_section_3_with_their_mitigations() {
    let policy = parse(INTELLISERVE);
    let ids: Vec<&str> = policy.reasons.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "cost",
            "feature_gaps",
            "technical_issues",
            "competitor",
            "low_usage",
            "company_changes"
        ]
    );
    let counts: Vec<usize> = policy.reasons.iter().map(|r| r.mitigations.len()).collect();
    assert_eq!(counts, [4, 4, 3, 3, 3, 3]);
    assert!(policy.reasons[0]
        .mitigations
        .contains(&"Offer temporary discounts or credits (up to 20% for 3 months)".to_string()));
    assert!(policy.reasons[2]
        .mitigations
        .contains(&"Escalate to technical support for immediate resolution".to_string()));
    assert_eq!(
        policy.reasons[5].mitigations[0],
        "Propose account \"freezing\" for up to 6 months"
    );
}

#[test]
fn intelliserve_offers_stay_within_the_guide_s_limits() {
    let policy = parse(INTELLISERVE);

    let discount = policy.offer("discount").unwrap();
    assert_eq!(discount.kind, OfferKind::Discount);
    assert_eq!(discount.max_percent, Some(20));
    assert_eq!(discount.max_months, Some(3));
    assert!(!discount.needs_approval);

    let credit = policy.offer("account_credit").unwrap();
    assert_eq!(credit.kind, OfferKind::Credit);
    assert_eq!(credit.max_amount, Some(usd(50_000)));
    assert!(credit.once_per_account);

    let upgrade = policy.offer("tier_upgrade").unwrap();
    assert_eq!(upgrade.kind, OfferKind::TierUpgrade);
    assert_eq!(upgrade.max_months, Some(3));

    let freeze = policy.offer("freeze").unwrap();
    assert_eq!(freeze.kind, OfferKind::Freeze);
    assert_eq!(freeze.max_months, Some(6));

    let priority = policy.offer("priority_support").unwrap();
    assert_eq!(priority.kind, OfferKind::PrioritySupport);
    assert_eq!(priority.max_months, Some(6));

    let custom = policy.offer("custom_pricing").unwrap();
    assert_eq!(custom.kind, OfferKind::CustomPricing);
    assert!(custom.needs_approval);

    let kinds: Vec<OfferKind> = policy.offers.iter().map(|offer| offer.kind).collect();
    for kind in [
        OfferKind::StrategySession,
        OfferKind::IntegrationHelp,
        OfferKind::FlexibleTerms,
    ] {
        assert!(kinds.contains(&kind), "no {kind:?} offer");
    }
    assert_eq!(policy.roles_for(Step::ApproveOffer), [Role::Manager]);
}

#[test]
fn intelliserve_refunds_win_back_survey_and_messages() {
    let policy = parse(INTELLISERVE);
    assert_eq!(policy.refunds.threshold, usd(50_000));
    assert_eq!(policy.refunds.window_days, Some(90));
    assert_eq!(policy.win_back_months, [3, 6, 12]);
    assert!(policy.gates.identity_before_changes);
    assert!(policy
        .identity
        .methods
        .contains(&VerificationMethod::EmailOnFile));
    assert_eq!(
        policy.survey_link(Some("anything")),
        Some("https://example.com/intelliserve/exit-survey")
    );
    assert!(policy.messages[&MessageKind::Acknowledgement].starts_with(
        "Thank you for reaching out about your IntelliServe account. We value your business"
    ));
    for kind in [
        MessageKind::Acknowledgement,
        MessageKind::Confirmation,
        MessageKind::ExitSurvey,
        MessageKind::WinBack,
        MessageKind::Offer,
        MessageKind::RefundNotice,
        MessageKind::UnderReview,
    ] {
        assert!(policy.messages.contains_key(&kind), "no {kind:?} message");
    }
    assert!(policy.messages[&MessageKind::ExitSurvey].contains("{survey_link}"));
    assert!(policy.messages[&MessageKind::Confirmation].contains("{effective_date}"));
    // High-value accounts (8.1) go to their account manager, technical issues (3.3) to technical
    // support, every other case on to the offers.
    assert_eq!(policy.routing.rules.len(), 3);
    assert_eq!(policy.routing.rules[0].route, Route::HandOff);
    assert_eq!(
        policy.routing.rules[0]
            .when
            .mrr_at_least
            .map(|mrr| mrr.minor),
        Some(500_000)
    );
    assert_eq!(policy.routing.rules[1].route, Route::HandOff);
    assert_eq!(
        policy.routing.rules[1].when.reason,
        vec!["technical_issues"]
    );
    assert_eq!(
        policy.routing.rules[1]
            .hand_off
            .as_ref()
            .and_then(|target| target.to.as_deref()),
        Some("Technical support")
    );
    assert_eq!(policy.routing.rules[2].route, Route::Continue);
    assert_eq!(policy.routing.rules[2].when, Default::default());
}

#[test]
fn the_2017_sop_orders_its_customer_levels() {
    let policy = parse(ACCOUNT_CANCELLATION_2017);
    assert_eq!(
        policy.tiers,
        [
            "Essentials",
            "Professional",
            "Professional 2A",
            "SMB",
            "Enterprise"
        ]
    );
    assert!(policy.tier_rank("Essentials") < policy.tier_rank("Professional"));
    assert!(policy.tier_rank("Professional") < policy.tier_rank("Professional 2A"));
    assert!(policy.tier_rank("Professional 2A") < policy.tier_rank("SMB"));
}

#[test]
fn the_2017_sop_routes_by_level_and_accounts_receivable_in_order() {
    let policy = parse(ACCOUNT_CANCELLATION_2017);
    let rules = &policy.routing.rules;
    assert_eq!(rules.len(), 4);

    // 1. Essentials: a sympathetic reply.
    assert_eq!(rules[0].when.tier_at_least, None);
    assert_eq!(rules[0].when.tier_at_most.as_deref(), Some("Essentials"));
    assert_eq!(rules[0].when.receivable_above, None);
    assert_eq!(rules[0].when.receivable_at_most, None);
    assert_eq!(rules[0].route, Route::SympatheticReply);

    // 2. Professional, A/R of $1000 or less: the same reply.
    assert_eq!(rules[1].when.tier_at_least.as_deref(), Some("Professional"));
    assert_eq!(rules[1].when.tier_at_most.as_deref(), Some("Professional"));
    assert_eq!(rules[1].when.receivable_at_most, Some(usd(100_000)));
    assert_eq!(rules[1].when.receivable_above, None);
    assert_eq!(rules[1].route, Route::SympatheticReply);

    // 3. Professional, A/R above $1000: a save call.
    assert_eq!(rules[2].when.tier_at_least.as_deref(), Some("Professional"));
    assert_eq!(rules[2].when.tier_at_most.as_deref(), Some("Professional"));
    assert_eq!(rules[2].when.receivable_above, Some(usd(100_000)));
    assert_eq!(rules[2].when.receivable_at_most, None);
    assert_eq!(rules[2].route, Route::SaveCall);

    // 4. Professional 2A and up: a save call whatever the A/R.
    assert_eq!(
        rules[3].when.tier_at_least.as_deref(),
        Some("Professional 2A")
    );
    assert_eq!(rules[3].when.tier_at_most, None);
    assert_eq!(rules[3].when.receivable_above, None);
    assert_eq!(rules[3].when.receivable_at_most, None);
    assert_eq!(rules[3].route, Route::SaveCall);

    assert_eq!(policy.routing.fallback_assignee.as_deref(), Some("Spencer"));
}

#[test]
fn the_2017_sop_refunds_and_exit_interview_links() {
    let policy = parse(ACCOUNT_CANCELLATION_2017);
    assert_eq!(policy.refunds.threshold, usd(100_000));
    assert_eq!(policy.refunds.window_days, None);
    assert_eq!(policy.roles_for(Step::ApproveRefund), [Role::Billing]);

    assert!(policy.survey_links.len() > 1, "links differ by server");
    for (server, link) in &policy.survey_links {
        assert!(link.starts_with("https://example.com/"), "{server}: {link}");
        assert_eq!(policy.survey_link(Some(server)), Some(link.as_str()));
    }
    assert_eq!(
        policy.survey_link(Some("server-2")),
        Some("https://example.com/exit-interview/server-2")
    );
    assert_eq!(
        policy.survey_link(Some("unknown server")),
        Some("https://example.com/exit-interview")
    );
    assert_eq!(
        policy.survey_link(None),
        Some("https://example.com/exit-interview")
    );

    for kind in [
        MessageKind::SympatheticReply,
        MessageKind::RefundNotice,
        MessageKind::UnderReview,
    ] {
        assert!(policy.messages.contains_key(&kind), "no {kind:?} message");
    }
    assert!(policy.messages[&MessageKind::SympatheticReply].contains("{survey_link}"));
    assert!(policy.messages[&MessageKind::RefundNotice].contains("{amount}"));
}

#[test]
fn kodif_offers_the_four_retention_options() {
    let policy = parse(KODIF);
    let kinds: Vec<OfferKind> = policy.offers.iter().map(|offer| offer.kind).collect();
    assert_eq!(
        kinds,
        [
            OfferKind::OrderDiscount,
            OfferKind::FreeExpeditedShipping,
            OfferKind::ProductSwap,
            OfferKind::NextOrderCoupon
        ]
    );

    let discount = policy.offer("order_discount").unwrap();
    assert_eq!(discount.percent_choices, [10, 15]);
    assert_eq!(discount.max_percent, None);

    let swap = policy.offer("product_swap").unwrap();
    assert!(swap.label.contains("same or higher value"));

    let coupon = policy.offer("next_order_coupon").unwrap();
    assert_eq!(coupon.max_percent, Some(20));
    assert!(coupon.percent_choices.is_empty());

    assert!(policy.offers.iter().all(|offer| !offer.needs_approval));
}

#[test]
fn kodif_goes_to_the_offers_and_tells_the_customer_when_the_order_is_updated() {
    let policy = parse(KODIF);
    // Other concerns go to a human agent; every other case goes on to the offers.
    assert_eq!(policy.routing.rules.len(), 2);
    assert_eq!(policy.routing.rules[0].route, Route::HandOff);
    assert_eq!(policy.routing.rules[0].when.reason, vec!["other_concerns"]);
    assert_eq!(policy.routing.rules[1].route, Route::Continue);
    assert_eq!(
        policy.routing.rules[1].when,
        Default::default(),
        "no conditions"
    );
    let applied = &policy.messages[&MessageKind::OfferApplied];
    assert!(applied.contains("order has been updated"));
    assert!(applied.contains("{offer}"));
    assert!(policy.messages.contains_key(&MessageKind::Offer));
    assert!(policy.messages.contains_key(&MessageKind::Confirmation));
}

#[test]
fn billsbee_retention_and_final_cancellation_belong_to_managers() {
    let policy = parse(BILLSBEE);
    assert_eq!(policy.roles_for(Step::ProposeOffer), [Role::Manager]);
    assert_eq!(policy.roles_for(Step::Finalize), [Role::Manager]);
    assert_eq!(policy.routing.rules.len(), 1);
    assert_eq!(policy.routing.rules[0].route, Route::ManagerRetention);
    assert_eq!(policy.routing.rules[0].when, Default::default());
}

#[test]
fn billsbee_logs_and_writes_off_before_finalizing() {
    let policy = parse(BILLSBEE);
    assert!(policy.gates.logged_before_finalization);
    assert!(policy.gates.invoices_written_off_before_finalization);
    assert!(!policy.gates.form_before_finalization);
    assert!(!policy.gates.csm_escalation_before_finalization);
    assert!(policy.form.is_none());
}

#[test]
fn wootrecruit_verifies_identity_and_needs_the_form_and_the_csm() {
    let policy = parse(WOOTRECRUIT);
    assert!(policy.gates.identity_before_changes);
    assert!(policy.gates.form_before_finalization);
    assert!(policy.gates.csm_escalation_before_finalization);
    assert!(!policy.gates.logged_before_finalization);
    assert!(!policy.gates.invoices_written_off_before_finalization);

    let form = policy.form.as_ref().expect("a cancellation request form");
    assert!(!form.fields.is_empty());
    assert!(form.fields.contains(&"Reason for cancellation".to_string()));
    assert!(form
        .fields
        .contains(&"Preferred contact method".to_string()));
    assert_eq!(form.remind_after_days, 3);

    assert_eq!(policy.roles_for(Step::Escalate), [Role::AccountManager]);
    assert_eq!(policy.roles_for(Step::RecordCsmOutcome), [Role::Csm]);
    assert_eq!(policy.routing.rules[0].route, Route::Continue);
}

#[test]
fn wootrecruit_confirms_and_asks_for_feedback() {
    let policy = parse(WOOTRECRUIT);
    assert!(policy.messages[&MessageKind::Acknowledgement].contains("Cancellation Request Form"));
    assert!(policy.messages[&MessageKind::Confirmation].contains("{effective_date}"));
    assert!(policy.messages[&MessageKind::ExitSurvey].contains("feedback"));
}

#[test]
fn intelliserve_reads_back_its_key_rules() {
    let sentences = rendered(&parse(INTELLISERVE));
    assert_mentions(&sentences, "within 60 business minutes");
    assert_mentions(
        &sentences,
        "09:00 to 17:00 on Monday, Tuesday, Wednesday, Thursday and Friday, America/New_York time",
    );
    assert_mentions(
        &sentences,
        "Temporary discount (up to 20%, for a stated number of months, up to 3).",
    );
    assert_mentions(
        &sentences,
        "One-time account credit, based on account history (up to 500.00 USD), at most once per account.",
    );
    assert_mentions(
        &sentences,
        "Account freeze (for a stated number of months, up to 6).",
    );
    assert_mentions(
        &sentences,
        "Custom pricing for unique use cases, always with approval.",
    );
    assert_mentions(&sentences, "Refunds up to 500.00 USD go to billing");
    assert_mentions(
        &sentences,
        "Refunds are possible up to 90 days after the charge.",
    );
    assert_mentions(&sentences, "Reason \"Cost concerns\": Review current usage");
    assert_mentions(
        &sentences,
        "Win-back check-ins 3, 6 and 12 months after the cancellation.",
    );
    assert_mentions(
        &sentences,
        "Nothing about the account changes (offers, refunds, write-offs, finalization) before the requester's identity is verified.",
    );
    assert_eq!(
        sentences
            .iter()
            .filter(|sentence| sentence.starts_with("Reason \""))
            .count(),
        6
    );
}

#[test]
fn the_2017_sop_reads_back_its_key_rules() {
    let sentences = rendered(&parse(ACCOUNT_CANCELLATION_2017));
    assert_mentions(
        &sentences,
        "Customer tiers, lowest first: Essentials, Professional, Professional 2A, SMB and Enterprise.",
    );
    let routing: Vec<&String> = sentences
        .iter()
        .filter(|sentence| sentence.starts_with("When "))
        .collect();
    assert_eq!(routing.len(), 4);
    assert!(routing[0].starts_with(
        "When the tier is Essentials or below, the customer gets a sympathetic reply"
    ));
    assert!(routing[1].starts_with(
        "When the tier is Professional and accounts receivable are at most 1000.00 USD, the customer gets a sympathetic reply"
    ));
    assert!(routing[2].starts_with(
        "When the tier is Professional and accounts receivable are above 1000.00 USD, the original sales rep gets a task to call"
    ));
    assert!(
        routing[3].starts_with("When the tier is Professional 2A or above, the original sales rep")
    );
    assert!(routing[3].contains("(Spencer if that rep has left)"));
    assert_mentions(
        &sentences,
        "Refunds up to 1000.00 USD go to billing as \"billing in progress\"",
    );
    assert_mentions(&sentences, "Only billing staff may approve a refund.");
    assert_mentions(
        &sentences,
        "https://example.com/exit-interview/server-1 for server-1",
    );
}

#[test]
fn kodif_reads_back_its_key_rules() {
    let sentences = rendered(&parse(KODIF));
    assert_mentions(&sentences, "Discount on the current order (of 10% or 15%).");
    assert_mentions(&sentences, "Free expedited shipping");
    assert_mentions(&sentences, "same or higher value at no extra cost");
    assert_mentions(&sentences, "Coupon for the next order (up to 20%).");
    assert_mentions(
        &sentences,
        "When the reason is \"Other concerns or issues\", the case is handed to anyone who is an account manager.",
    );
    assert_mentions(
        &sentences,
        "In every other case, the case goes on to retention offers.",
    );
    assert_mentions(
        &sentences,
        "A case is routed only once its reason for leaving is recorded.",
    );
    assert_mentions(&sentences, "Every refund is under review");
}

#[test]
fn billsbee_reads_back_its_key_rules() {
    let sentences = rendered(&parse(BILLSBEE));
    assert_mentions(&sentences, "Only a manager may finalize the cancellation.");
    assert_mentions(&sentences, "Only a manager may propose a retention offer.");
    assert_mentions(
        &sentences,
        "A cancellation is finalized only after the reason for leaving is recorded, retention was attempted (",
    );
    assert_mentions(
        &sentences,
        "every unpaid invoice has been written off and the request is logged in the cancellation sheet with its whole row (name, phone number, date of cancellation, total amount collected, months in the program and reason).",
    );
    assert_mentions(&sentences, "In every case, a manager attempts retention.");
}

#[test]
fn wootrecruit_reads_back_its_key_rules() {
    let sentences = rendered(&parse(WOOTRECRUIT));
    assert_mentions(
        &sentences,
        "Nothing about the account changes (offers, refunds, write-offs, finalization) before the requester's identity is verified.",
    );
    assert_mentions(
        &sentences,
        "The customer must complete the cancellation request form (",
    );
    assert_mentions(&sentences, "they are reminded after 3 days.");
    assert_mentions(
        &sentences,
        "A cancellation is finalized only after the reason for leaving is recorded, the cancellation request form has been received and a customer success manager has engaged with the customer and recorded the outcome with a note.",
    );
    assert_mentions(
        &sentences,
        "Only an account manager may escalate the case to a CSM.",
    );
    assert_mentions(
        &sentences,
        "Only a customer success manager may record the CSM's outcome.",
    );
}
