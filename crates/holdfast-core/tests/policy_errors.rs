//! A policy file that cannot be used says where: the line and the key at fault.

use holdfast_core::policy::{parse_policy, PolicyError};

/// A small valid policy. Line numbers matter to the tests below: edit with care.
const VALID: &str = r#"id = "small"
name = "Small"
version = 1
currency = "USD"
tiers = ["Basic", "Pro"]

[sla]
first_response_minutes = 60
zone = "America/New_York"
days = ["mon", "tue", "wed", "thu", "fri"]
opens = "09:00"
closes = "17:00"

[identity]
methods = ["email_on_file"]

[gates]
identity_before_changes = true

[routing]
fallback_assignee = "Spencer"

[[routing.rules]]
tier_at_most = "Basic"
route = "sympathetic_reply"

[[routing.rules]]
tier_at_least = "Pro"
receivable_above = "1000.00"
route = "save_call"

[[offers]]
id = "discount"
kind = "discount"
label = "Discount"
max_percent = 20
max_months = 3

[[offers]]
id = "credit"
kind = "credit"
label = "Credit"
max_amount = "500.00"
once_per_account = true

[refunds]
threshold = "1000.00"
"#;

/// `VALID` with one exact piece of text replaced (it must occur exactly once).
fn with(from: &str, to: &str) -> String {
    assert_eq!(VALID.matches(from).count(), 1, "{from:?} must occur once");
    VALID.replacen(from, to, 1)
}

fn error(source: &str) -> PolicyError {
    match parse_policy(source) {
        Ok(_) => panic!("the policy was accepted:\n{source}"),
        Err(error) => error,
    }
}

/// The 1-based line on which `text` first occurs in `source`.
fn line_of(source: &str, text: &str) -> usize {
    let at = source
        .find(text)
        .unwrap_or_else(|| panic!("{text:?} not found"));
    source[..at].matches('\n').count() + 1
}

#[test]
fn the_base_policy_is_valid() {
    let policy = parse_policy(VALID).unwrap();
    assert_eq!(policy.version_tag(), "small@1");
    assert_eq!(policy.routing.rules.len(), 2);
    assert_eq!(policy.offers.len(), 2);
}

#[test]
fn an_unknown_top_level_key_is_reported_at_its_line() {
    let source = with("version = 1\n", "version = 1\nowner = \"cx\"\n");
    let error = error(&source);
    assert_eq!(error.line, Some(4));
    assert_eq!(error.line, Some(line_of(&source, "owner")));
    assert_eq!(error.key, None, "serde errors carry no key of their own");
    assert!(error.message.contains("unknown field `owner`"), "{error}");
    assert!(error
        .to_string()
        .starts_with("line 4: unknown field `owner`"));
}

#[test]
fn an_unknown_key_inside_a_table_is_reported_at_its_line() {
    let source = with(
        "closes = \"17:00\"\n",
        "closes = \"17:00\"\nlunch = \"12:00\"\n",
    );
    let error = error(&source);
    assert_eq!(error.line, Some(line_of(&source, "lunch")));
    assert_eq!(error.key, None);
    assert!(error.message.contains("unknown field `lunch`"), "{error}");
    assert!(
        error.message.contains("`first_response_minutes`"),
        "{error}"
    );
}

#[test]
fn an_unknown_key_in_a_routing_rule_is_reported_at_its_line() {
    let source = with(
        "tier_at_least = \"Pro\"\n",
        "tier_at_least = \"Pro\"\ntier_is = \"Pro\"\n",
    );
    let error = error(&source);
    assert_eq!(error.line, Some(line_of(&source, "tier_is")));
    assert!(error.message.contains("unknown field `tier_is`"), "{error}");
}

#[test]
fn an_unknown_route_is_reported_at_its_line() {
    let source = with("route = \"save_call\"", "route = \"call_them\"");
    let error = error(&source);
    assert_eq!(error.line, Some(line_of(&source, "call_them")));
    assert!(error.message.contains("call_them"), "{error}");
}

#[test]
fn an_unknown_tier_in_a_routing_rule_names_the_rule_and_the_line() {
    let source = with("tier_at_most = \"Basic\"", "tier_at_most = \"Gold\"");
    let error = error(&source);
    assert_eq!(error.key.as_deref(), Some("routing.rules[1].tier_at_most"));
    assert_eq!(error.line, Some(24));
    assert_eq!(
        error.line,
        Some(line_of(&source, "tier_at_most = \"Gold\""))
    );
    assert!(error.message.contains("\"Gold\""), "{error}");
    assert_eq!(
        error.to_string(),
        "line 24: routing.rules[1].tier_at_most: \"Gold\" is not one of the policy's tiers"
    );
}

#[test]
fn an_unknown_tier_in_the_second_rule_names_the_second_rule() {
    let source = with("tier_at_least = \"Pro\"", "tier_at_least = \"Premium\"");
    let error = error(&source);
    assert_eq!(error.key.as_deref(), Some("routing.rules[2].tier_at_least"));
    assert_eq!(error.line, Some(line_of(&source, "\"Premium\"")));
}

#[test]
fn tiers_are_compared_without_regard_to_case() {
    let source = with("tier_at_most = \"Basic\"", "tier_at_most = \"basic\"");
    assert!(parse_policy(&source).is_ok());
}

#[test]
fn a_bad_currency_is_reported_at_its_line() {
    let source = with("currency = \"USD\"", "currency = \"DOLLARS\"");
    let error = error(&source);
    assert_eq!(error.key.as_deref(), Some("currency"));
    assert_eq!(error.line, Some(4));
    assert!(error.message.contains("DOLLARS"), "{error}");
}

#[test]
fn a_bad_time_zone_is_reported_at_its_line() {
    let source = with("zone = \"America/New_York\"", "zone = \"Eastern Time\"");
    let error = error(&source);
    assert_eq!(error.key.as_deref(), Some("sla.zone"));
    assert_eq!(error.line, Some(9));
    assert!(
        error
            .message
            .contains("\"Eastern Time\" is not a time zone"),
        "{error}"
    );
}

#[test]
fn a_bad_day_is_reported_at_its_line() {
    let source = with("\"fri\"]", "\"friyay\"]");
    let error = error(&source);
    assert_eq!(error.key.as_deref(), Some("sla.days"));
    assert_eq!(error.line, Some(10));
    assert!(error.message.contains("friyay"), "{error}");
}

#[test]
fn an_amount_with_too_many_decimals_is_reported_at_its_line() {
    let source = with("threshold = \"1000.00\"", "threshold = \"1000.005\"");
    let error = error(&source);
    assert_eq!(error.key.as_deref(), Some("refunds.threshold"));
    assert_eq!(error.line, Some(line_of(&source, "threshold")));
    assert!(
        error.message.contains("more than 2 decimal place"),
        "{error}"
    );
}

#[test]
fn a_routing_amount_with_too_many_decimals_names_the_rule_and_the_line() {
    let source = with(
        "receivable_above = \"1000.00\"",
        "receivable_above = \"1000.001\"",
    );
    let error = error(&source);
    assert_eq!(
        error.key.as_deref(),
        Some("routing.rules[2].receivable_above")
    );
    assert_eq!(error.line, Some(line_of(&source, "receivable_above")));
    assert!(
        error.message.contains("more than 2 decimal place"),
        "{error}"
    );
}

#[test]
fn an_offer_amount_with_too_many_decimals_names_the_offer_and_the_line() {
    let source = with("max_amount = \"500.00\"", "max_amount = \"500.000\"");
    let error = error(&source);
    assert_eq!(error.key.as_deref(), Some("offers[2].max_amount"));
    assert_eq!(error.line, Some(line_of(&source, "max_amount")));
}

#[test]
fn a_negative_amount_is_refused() {
    let source = with("threshold = \"1000.00\"", "threshold = \"-5.00\"");
    let error = error(&source);
    assert_eq!(error.key.as_deref(), Some("refunds.threshold"));
    assert_eq!(error.line, Some(line_of(&source, "threshold")));
    assert!(error.message.contains("negative"), "{error}");
}

#[test]
fn duplicate_offer_ids_are_reported_at_the_second_one() {
    let source = with("id = \"credit\"", "id = \"discount\"");
    let error = error(&source);
    assert_eq!(error.key.as_deref(), Some("offers[2].id"));
    let second = source.rfind("id = \"discount\"").unwrap();
    assert_eq!(error.line, Some(source[..second].matches('\n').count() + 1));
    assert!(
        error.message.contains("\"discount\" is used by two offers"),
        "{error}"
    );
}

#[test]
fn a_percentage_offer_needs_percentages() {
    let source = with("max_percent = 20\n", "");
    let error = error(&source);
    assert_eq!(error.key.as_deref(), Some("offers[1].max_percent"));
    // Nothing to point at but the offer itself.
    assert_eq!(error.line, Some(line_of(&source, "[[offers]]")));
    assert!(
        error.message.contains("max_percent or percent_choices"),
        "{error}"
    );
}

#[test]
fn only_percentage_offers_have_percentages() {
    let source = with(
        "once_per_account = true\n",
        "once_per_account = true\nmax_percent = 10\n",
    );
    let error = error(&source);
    assert_eq!(error.key.as_deref(), Some("offers[2].max_percent"));
}

#[test]
fn a_credit_needs_a_maximum_amount() {
    let source = with("max_amount = \"500.00\"\n", "");
    let error = error(&source);
    assert_eq!(error.key.as_deref(), Some("offers[2].max_amount"));
    assert_eq!(
        error.line,
        Some(
            source
                .rfind("[[offers]]")
                .map(|at| source[..at].matches('\n').count() + 1)
                .unwrap()
        )
    );
}

#[test]
fn a_save_call_needs_a_fallback_assignee() {
    let source = with("fallback_assignee = \"Spencer\"\n", "");
    let error = error(&source);
    assert_eq!(error.key.as_deref(), Some("routing.fallback_assignee"));
    // Reported at the first rule that makes a save call.
    let rule = source.rfind("[[routing.rules]]").unwrap();
    assert_eq!(error.line, Some(source[..rule].matches('\n').count() + 1));
    assert!(error.message.contains("fallback assignee"), "{error}");
}

#[test]
fn without_save_calls_no_fallback_assignee_is_needed() {
    let source = with("fallback_assignee = \"Spencer\"\n", "")
        .replace("route = \"save_call\"", "route = \"continue\"");
    assert!(parse_policy(&source).is_ok());
}

#[test]
fn business_hours_must_close_after_they_open() {
    let source = with("closes = \"17:00\"", "closes = \"08:30\"");
    let error = error(&source);
    assert_eq!(error.key.as_deref(), Some("sla.closes"));
    assert_eq!(error.line, Some(12));
    assert!(error.message.contains("close after they open"), "{error}");

    let source = with("closes = \"17:00\"", "closes = \"09:00\"");
    assert_eq!(
        error_key_and_line(&source),
        (Some("sla.closes".into()), Some(12))
    );
}

#[test]
fn a_time_of_day_must_be_a_time() {
    let source = with("opens = \"09:00\"", "opens = \"9am\"");
    assert_eq!(
        error_key_and_line(&source),
        (Some("sla.opens".into()), Some(11))
    );
}

#[test]
fn the_form_gate_needs_a_form_section() {
    let source = with(
        "identity_before_changes = true\n",
        "identity_before_changes = true\nform_before_finalization = true\n",
    );
    let error = error(&source);
    assert_eq!(error.key.as_deref(), Some("gates.form_before_finalization"));
    assert_eq!(
        error.line,
        Some(line_of(&source, "form_before_finalization"))
    );
    assert!(error.message.contains("[form]"), "{error}");

    let with_form = source.replace(
        "[gates]",
        "[form]\nfields = [\"Reason\"]\nremind_after_days = 3\n\n[gates]",
    );
    assert!(parse_policy(&with_form).is_ok());

    let gate_off = with(
        "identity_before_changes = true\n",
        "identity_before_changes = true\nform_before_finalization = false\n",
    );
    assert!(parse_policy(&gate_off).is_ok());
}

#[test]
fn an_empty_tier_list_is_refused() {
    let source = with("tiers = [\"Basic\", \"Pro\"]", "tiers = []");
    assert_eq!(error_key_and_line(&source), (Some("tiers".into()), Some(5)));
}

#[test]
fn a_tier_named_twice_is_refused() {
    let source = with(
        "tiers = [\"Basic\", \"Pro\"]",
        "tiers = [\"Basic\", \"basic\"]",
    );
    let error = error(&source);
    assert_eq!((error.key.as_deref(), error.line), (Some("tiers"), Some(5)));
    assert!(error.message.contains("appears twice"), "{error}");
}

#[test]
fn the_routing_table_is_required() {
    let source = with("[routing]\n", "[not_routing]\n");
    let error = error(&source);
    assert!(error.line.is_some());
    assert!(error.message.contains("not_routing"), "{error}");
}

#[test]
fn a_missing_required_key_is_reported() {
    let source = with("threshold = \"1000.00\"\n", "window_days = 30\n");
    let error = error(&source);
    assert!(error.message.contains("threshold"), "{error}");
}

fn error_key_and_line(source: &str) -> (Option<String>, Option<usize>) {
    let error = error(source);
    (error.key, error.line)
}

#[test]
fn an_offer_that_always_needs_approval_needs_someone_who_may_approve() {
    let source = with(
        "label = \"Credit\"",
        "label = \"Credit\"\nneeds_approval = true",
    );
    let error = error(&source);
    assert_eq!(error.key.as_deref(), Some("offers[2].needs_approval"));
    assert!(error.line.is_some());
    assert!(error.message.contains("approve_offer"), "{error}");
}

#[test]
fn a_gate_that_is_not_true_or_false_names_its_line() {
    let source = with(
        "[gates]",
        "[gates]\nretention_before_finalization = \"yes\"",
    );
    let error = error(&source);
    assert_eq!(
        error.line,
        Some(line_of(&source, "retention_before_finalization"))
    );
}

#[test]
fn a_routing_reason_must_be_one_of_the_policys_reasons() {
    let source = with(
        "tier_at_most = \"Basic\"\n",
        "tier_at_most = \"Basic\"\nreason = [\"bored\"]\n",
    );
    let error = error(&source);
    assert_eq!(error.key.as_deref(), Some("routing.rules[1].reason"));
    assert_eq!(error.line, Some(line_of(&source, "reason = [")));
    assert!(error.message.contains("\"bored\""), "{error}");
}

#[test]
fn a_hand_off_route_needs_someone_to_hand_off_to() {
    let source = with("route = \"sympathetic_reply\"", "route = \"hand_off\"");
    let missing = error(&source);
    assert_eq!(missing.key.as_deref(), Some("routing.rules[1].assign_to"));
    assert_eq!(missing.line, Some(line_of(&source, "[[routing.rules]]")));
    let source = with(
        "route = \"sympathetic_reply\"",
        "route = \"sympathetic_reply\"\nassign_to = \"Technical support\"",
    );
    let refused = error(&source);
    assert_eq!(refused.key.as_deref(), Some("routing.rules[1].route"));
    assert!(
        refused.message.contains("only a hand_off route"),
        "{refused}"
    );
    let source = with(
        "route = \"sympathetic_reply\"",
        "route = \"hand_off\"\nassign_to = \"Technical support\"\nassign_to_role = \"manager\"",
    );
    assert_eq!(
        error_key(&source).as_deref(),
        Some("routing.rules[1].assign_to_role")
    );
}

fn error_key(source: &str) -> Option<String> {
    error(source).key
}

#[test]
fn a_high_value_threshold_is_an_amount_in_the_policys_currency() {
    let source = with(
        "tier_at_most = \"Basic\"\n",
        "tier_at_most = \"Basic\"\nmrr_at_least = \"lots\"\n",
    );
    let error = error(&source);
    assert_eq!(error.key.as_deref(), Some("routing.rules[1].mrr_at_least"));
    assert_eq!(error.line, Some(line_of(&source, "\"lots\"")));
}

#[test]
fn unknown_receivable_is_ask_or_a_route() {
    let source = with(
        "fallback_assignee = \"Spencer\"\n",
        "fallback_assignee = \"Spencer\"\nunknown_receivable = \"zero\"\n",
    );
    let refused = error(&source);
    assert_eq!(refused.key.as_deref(), Some("routing.unknown_receivable"));
    assert_eq!(refused.line, Some(line_of(&source, "\"zero\"")));
    assert!(refused.message.contains("\"ask\""), "{refused}");
    let source = with(
        "fallback_assignee = \"Spencer\"\n",
        "fallback_assignee = \"Spencer\"\nunknown_receivable = \"hand_off\"\n",
    );
    assert_eq!(
        error_key(&source).as_deref(),
        Some("routing.unknown_receivable")
    );
    let source = with(
        "fallback_assignee = \"Spencer\"\n",
        "fallback_assignee = \"Spencer\"\nunknown_receivable = \"save_call\"\n",
    );
    assert!(parse_policy(&source).is_ok());
}

#[test]
fn a_save_call_needs_at_least_one_business_minute() {
    let source = with(
        "fallback_assignee = \"Spencer\"\n",
        "fallback_assignee = \"Spencer\"\nsave_call_due_minutes = 0\n",
    );
    let error = error(&source);
    assert_eq!(error.key.as_deref(), Some("routing.save_call_due_minutes"));
    assert_eq!(error.line, Some(line_of(&source, "save_call_due_minutes")));
}

/// `VALID` with more refund keys after the threshold.
fn with_refund_keys(keys: &str) -> String {
    with(
        "threshold = \"1000.00\"\n",
        &format!("threshold = \"1000.00\"\n{keys}"),
    )
}

#[test]
fn a_refund_window_choice_that_is_not_refuse_or_approval_names_its_key_and_line() {
    let source = with_refund_keys("window_days = 30\noutside_window = \"ask\"\n");
    let refused = error(&source);
    assert_eq!(refused.key.as_deref(), Some("refunds.outside_window"));
    assert_eq!(refused.line, Some(line_of(&source, "outside_window")));
    assert!(refused.message.contains("\"ask\""), "{refused}");
    assert!(refused.message.contains("\"approval\""), "{refused}");
}

#[test]
fn what_to_do_after_a_window_needs_a_window() {
    let source = with_refund_keys("outside_window = \"approval\"\n");
    let refused = error(&source);
    assert_eq!(refused.key.as_deref(), Some("refunds.outside_window"));
    assert_eq!(refused.line, Some(line_of(&source, "outside_window")));
    assert!(refused.message.contains("window_days"), "{refused}");

    let source = with_refund_keys("outside_window_reason = \"Too late\"\n");
    let refused = error(&source);
    assert_eq!(
        refused.key.as_deref(),
        Some("refunds.outside_window_reason")
    );
    assert_eq!(
        refused.line,
        Some(line_of(&source, "outside_window_reason"))
    );
}

#[test]
fn a_blank_reason_for_refusing_a_late_refund_is_refused() {
    let source = with_refund_keys("window_days = 30\noutside_window_reason = \"  \"\n");
    let refused = error(&source);
    assert_eq!(
        refused.key.as_deref(),
        Some("refunds.outside_window_reason")
    );
    assert_eq!(
        refused.line,
        Some(line_of(&source, "outside_window_reason"))
    );
}

#[test]
fn a_threshold_scope_that_is_not_request_or_case_names_its_key_and_line() {
    let source = with_refund_keys("threshold_applies_to = \"account\"\n");
    let refused = error(&source);
    assert_eq!(refused.key.as_deref(), Some("refunds.threshold_applies_to"));
    assert_eq!(refused.line, Some(line_of(&source, "threshold_applies_to")));
    assert!(refused.message.contains("\"request\""), "{refused}");
}

#[test]
fn a_blank_billing_person_is_refused() {
    let source = with_refund_keys("billing_assignee = \"\"\n");
    let refused = error(&source);
    assert_eq!(refused.key.as_deref(), Some("refunds.billing_assignee"));
    assert_eq!(refused.line, Some(line_of(&source, "billing_assignee")));
}

#[test]
fn who_completes_refunds_must_be_known_roles() {
    let source = with(
        "[routing]\n",
        "[roles]\ncomplete_refund = [\"bookkeeper\"]\n\n[routing]\n",
    );
    let refused = error(&source);
    assert_eq!(refused.line, Some(line_of(&source, "complete_refund")));
    assert!(refused.message.contains("bookkeeper"), "{refused}");
}

// ---------------------------------------------------------------------------------------------
// The finalization checklist, the first response and win-back check-ins.

const CHECKLIST: &str = r#"
[finalization]
allow_past_effective_date = false
max_days_ahead = 30

[[finalization.checklist]]
id = "export"
label = "Data export offered"
when = "before"

[[finalization.checklist]]
id = "confirmed"
label = "Confirmation sent"
when = "after"
step = "confirmation"
"#;

#[test]
fn a_finalization_checklist_with_its_steps_parses() {
    let policy = parse_policy(&format!("{VALID}{CHECKLIST}")).unwrap();
    assert_eq!(policy.finalization.checklist.len(), 2);
    assert_eq!(policy.finalization.max_days_ahead, Some(30));
    assert!(!policy.finalization.allow_past_effective_date);
}

#[test]
fn a_checklist_item_id_used_twice_is_reported_at_its_line() {
    let source = format!(
        "{VALID}{}",
        CHECKLIST.replace("id = \"confirmed\"", "id = \"export\"")
    );
    let error = error(&source);
    assert_eq!(error.key.as_deref(), Some("finalization.checklist[2].id"));
    assert_eq!(
        error.line,
        Some(
            source
                .rfind("id = \"export\"")
                .map(|at| source[..at].matches('\n').count() + 1)
                .unwrap()
        )
    );
    assert!(
        error.message.contains("used by two checklist items"),
        "{error}"
    );
}

#[test]
fn a_step_after_the_cancellation_cannot_be_an_item_before_it() {
    let source = format!(
        "{VALID}{}",
        CHECKLIST.replace(
            "when = \"after\"\nstep = \"confirmation\"",
            "when = \"before\"\nstep = \"confirmation\""
        )
    );
    let error = error(&source);
    assert_eq!(error.key.as_deref(), Some("finalization.checklist[2].when"));
    assert!(error.line.is_some());
    assert!(error.message.contains("set when = \"after\""), "{error}");
}

#[test]
fn an_unknown_checklist_timing_is_reported_at_its_line() {
    let source = format!(
        "{VALID}{}",
        CHECKLIST.replace("when = \"before\"", "when = \"during\"")
    );
    let error = error(&source);
    assert_eq!(error.line, Some(line_of(&source, "when = \"during\"")));
    assert!(error.message.contains("during"), "{error}");
}

#[test]
fn a_win_back_step_needs_a_win_back_schedule() {
    let source = format!(
        "{VALID}{}",
        CHECKLIST.replace("step = \"confirmation\"", "step = \"win_back\"")
    );
    let error = error(&source);
    assert_eq!(error.key.as_deref(), Some("finalization.checklist[2].step"));
}

#[test]
fn no_way_to_acknowledge_a_request_is_refused() {
    let source = with(
        "closes = \"17:00\"\n",
        "closes = \"17:00\"\nacknowledge_by = []\n",
    );
    let error = error(&source);
    assert_eq!(error.key.as_deref(), Some("sla.acknowledge_by"));
    assert_eq!(error.line, Some(line_of(&source, "acknowledge_by")));
    let source = with(
        "closes = \"17:00\"\n",
        "closes = \"17:00\"\nacknowledge_by = [\"message\", \"fax\"]\n",
    );
    assert_eq!(
        error_line(&source),
        Some(line_of(&source, "acknowledge_by"))
    );
}

fn error_line(source: &str) -> Option<usize> {
    error(source).line
}

#[test]
fn an_empty_win_back_assignee_is_refused() {
    let source = with("version = 1\n", "version = 1\nwin_back_assignee = \" \"\n");
    let error = error(&source);
    assert_eq!(error.key.as_deref(), Some("win_back_assignee"));
    assert_eq!(error.line, Some(line_of(&source, "win_back_assignee")));
}

#[test]
fn holidays_are_dates_and_a_bad_one_is_reported_at_its_line() {
    let source = with(
        "closes = \"17:00\"\n",
        "closes = \"17:00\"\nholidays = [\"2026-12-25\", \"2026-12-25\", \"2027-01-01\"]\n",
    );
    let policy = parse_policy(&source).unwrap();
    let holidays: Vec<String> = policy
        .sla
        .calendar
        .holidays
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        holidays,
        ["2026-12-25", "2027-01-01"],
        "once each, in order"
    );
    assert!(holdfast_core::policy::render_policy(&policy)
        .iter()
        .any(|line| line.contains("holidays: 2026-12-25 and 2027-01-01")));

    let source = with(
        "closes = \"17:00\"\n",
        "closes = \"17:00\"\nholidays = [\"2026-12-25\", \"Christmas\"]\n",
    );
    let error = error(&source);
    assert_eq!(error.line, Some(line_of(&source, "holidays")));
    assert_eq!(error.key.as_deref(), Some("sla.holidays"));
    assert!(
        error
            .message
            .contains("\"Christmas\" is not a date (YYYY-MM-DD)"),
        "{error}"
    );
}
