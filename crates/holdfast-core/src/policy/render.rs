//! A policy read back as plain sentences, so whoever publishes it can check that it says what
//! their procedure says.

use super::{
    AcknowledgeChannel, ChecklistWhen, FinalizationRules, Gates, HandOffTarget, OfferTerms,
    OutsideWindow, Policy, RefundRules, Route, RoutingCondition, Step, ThresholdScope,
    UnknownReceivable, VerificationMethod,
};
use crate::money::Money;
use crate::role::Role;

fn amount(money: &Money) -> String {
    money.to_string()
}

/// "a, b and c".
pub(crate) fn list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

fn condition(when: &RoutingCondition, only_rule: bool, policy: &Policy) -> String {
    let mut parts = Vec::new();
    if !when.reason.is_empty() {
        let labels: Vec<String> = when
            .reason
            .iter()
            .map(|id| {
                let label = policy.reason(id).map_or(id.as_str(), |r| r.label.as_str());
                format!("\"{label}\"")
            })
            .collect();
        let joined = match labels.as_slice() {
            [one] => one.clone(),
            [init @ .., last] => format!("{} or {last}", init.join(", ")),
            [] => String::new(),
        };
        parts.push(format!("the reason is {joined}"));
    }
    if let Some(money) = &when.mrr_at_least {
        parts.push(format!(
            "the monthly recurring revenue is at least {}",
            amount(money)
        ));
    }
    match (&when.tier_at_least, &when.tier_at_most) {
        (Some(low), Some(high)) if low.eq_ignore_ascii_case(high) => {
            parts.push(format!("the tier is {low}"));
        }
        (low, high) => {
            if let Some(tier) = low {
                parts.push(format!("the tier is {tier} or above"));
            }
            if let Some(tier) = high {
                parts.push(format!("the tier is {tier} or below"));
            }
        }
    }
    if let Some(money) = &when.receivable_above {
        parts.push(format!("accounts receivable are above {}", amount(money)));
    }
    if let Some(money) = &when.receivable_at_most {
        parts.push(format!("accounts receivable are at most {}", amount(money)));
    }
    if parts.is_empty() && only_rule {
        "In every case".into()
    } else if parts.is_empty() {
        "In every other case".into()
    } else {
        format!("When {}", list(&parts))
    }
}

fn route(route: Route, fallback: Option<&str>) -> String {
    match route {
        Route::SaveCall => format!(
            "the original sales rep gets a task to call and try to save the customer ({} if that rep has left)",
            fallback.unwrap_or("the fallback assignee")
        ),
        Route::SympatheticReply => {
            "the customer gets a sympathetic reply with the exit-survey link for their hosting server".into()
        }
        Route::EscalateToCsm => "the case is escalated to a customer success manager".into(),
        Route::ManagerRetention => "a manager attempts retention".into(),
        Route::Continue => "the case goes on to retention offers".into(),
        // Said with its assignee by `hand_off`.
        Route::HandOff => "the case is handed off".into(),
    }
}

fn hand_off(target: &HandOffTarget) -> String {
    let named = match (&target.to, target.to_role) {
        (Some(to), _) => Some(to.clone()),
        (None, Some(role)) => Some(format!("anyone who is {}", role.described())),
        (None, None) => None,
    };
    match (target.account_manager, named) {
        (true, Some(other)) => format!(
            "the case is handed to the account's own account manager ({other} if the account has none)"
        ),
        (true, None) => "the case is handed to the account's own account manager (any account manager if the account has none)".into(),
        (false, Some(other)) => format!("the case is handed to {other}"),
        (false, None) => "the case is handed off".into(),
    }
}

fn offer(offer: &OfferTerms) -> String {
    let mut terms = Vec::new();
    if !offer.percent_choices.is_empty() {
        let choices: Vec<String> = offer
            .percent_choices
            .iter()
            .map(|p| format!("{p}%"))
            .collect();
        terms.push(format!("of {}", choices.join(" or ")));
    } else if let Some(percent) = offer.max_percent {
        terms.push(format!("up to {percent}%"));
    }
    if let Some(money) = &offer.max_amount {
        terms.push(format!("up to {}", amount(money)));
    }
    if let Some(months) = offer.max_months {
        terms.push(format!("for a stated number of months, up to {months}",));
    }
    let mut sentence = offer.label.clone();
    if !terms.is_empty() {
        sentence.push_str(&format!(" ({})", terms.join(", ")));
    }
    if offer.once_per_account {
        sentence.push_str(", at most once per account");
    }
    if offer.needs_approval {
        sentence.push_str(", always with approval");
    }
    sentence.push('.');
    sentence
}

fn gates(gates: &Gates) -> Vec<String> {
    let mut sentences = Vec::new();
    if gates.identity_first {
        sentences.push(
            "The requester's identity is verified first: until it is, the case takes nothing but the acknowledgement, the identity steps, notes and a withdrawal.".into(),
        );
    }
    if gates.identity_before_changes {
        sentences.push(
            "Nothing about the account changes (offers, refunds, write-offs, finalization) before the requester's identity is verified.".into(),
        );
    }
    let mut before = Vec::new();
    if gates.identity_before_finalization && !gates.identity_before_changes && !gates.identity_first
    {
        before.push("the requester's identity is verified".to_string());
    }
    if gates.reason_before_finalization {
        before.push("the reason for leaving is recorded".to_string());
    }
    if gates.retention_before_finalization {
        before.push(
            "retention was attempted (the save call or manager's attempt the case was routed to has its outcome; on any route but a sympathetic reply, a retention attempt is recorded, saying why no offer was made when none was)"
                .to_string(),
        );
    }
    if gates.form_before_finalization {
        before.push("the cancellation request form has been received".to_string());
    }
    if gates.csm_escalation_before_finalization {
        before.push(
            "a customer success manager has engaged with the customer and recorded the outcome with a note"
                .to_string(),
        );
    }
    if gates.invoices_written_off_before_finalization {
        before.push("every unpaid invoice has been written off".to_string());
    }
    if gates.logged_before_finalization {
        before.push(
            "the request is logged in the cancellation sheet with its whole row (name, phone number, date of cancellation, total amount collected, months in the program and reason)"
                .to_string(),
        );
    }
    if !before.is_empty() {
        sentences.push(format!(
            "A cancellation is finalized only after {}.",
            list(&before)
        ));
    }
    sentences
}

fn refunds(rules: &RefundRules, approvers: &[Role]) -> Vec<String> {
    let mut out = Vec::new();
    if rules.threshold.minor == 0 {
        out.push(
            "Every refund is under review: the customer is told so, a second person who did not request it verifies it, and billing gets a heads-up.".into(),
        );
    } else {
        let compared = match rules.threshold_applies_to {
            ThresholdScope::Case => "counting every refund on the case that was not denied, so that a refund split in parts is still reviewed",
            ThresholdScope::Request => "each refund request on its own, whatever else the case refunds",
        };
        out.push(format!(
            "Refunds up to {} go to billing as \"billing in progress\" ({compared}); above that the customer is told the request is under review, a second person who did not request it verifies it, and billing gets a heads-up.",
            amount(&rules.threshold)
        ));
    }
    if let Some(days) = rules.window_days {
        out.push(format!(
            "Refunds are possible up to {days} days after the charge."
        ));
        out.push(
            "Every refund request gives the date of the charge it refunds; the days are counted in the business hours' time zone, and the last day of the window is inside it.".into(),
        );
        let approver = match approvers {
            [] => "anyone with a role".to_string(),
            roles => roles
                .iter()
                .map(|role| role.described())
                .collect::<Vec<_>>()
                .join(" or "),
        };
        out.push(match rules.outside_window {
            OutsideWindow::Refuse => format!(
                "A refund requested later is refused, and the customer is told: \"{}\"",
                rules.outside_window_reason
            ),
            OutsideWindow::Approval => format!(
                "A refund requested later is under review whatever its amount: {approver}, other than the person who requested it, verifies it before billing processes it."
            ),
        });
    }
    if let Some(person) = &rules.billing_assignee {
        let reviews = if approvers.contains(&Role::Billing) {
            ", the refunds to review"
        } else {
            ""
        };
        out.push(format!(
            "{person} in billing gets the refunds to process{reviews} and a heads-up on every refund under review, in their queue."
        ));
    }
    if let Some(days) = rules.status_check_business_days {
        out.push(format!(
            "{days} business day{} after a refund is issued, the person who requested it checks with the customer that it arrived (a task in their queue; without a requester, the case's owner's), and records whether it did.",
            if days == 1 { "" } else { "s" }
        ));
    }
    out
}

fn finalization(rules: &FinalizationRules) -> Vec<String> {
    let mut sentences = Vec::new();
    let items = |when: ChecklistWhen| -> Vec<String> {
        rules
            .checklist
            .iter()
            .filter(|item| item.when == when)
            .map(|item| match item.step {
                Some(step) => format!("{} (done by {})", item.label, step.describe()),
                None => item.label.clone(),
            })
            .collect()
    };
    let before = items(ChecklistWhen::Before);
    let after = items(ChecklistWhen::After);
    if !before.is_empty() {
        sentences.push(format!(
            "Before a cancellation is finalized, the person who did each of these confirms it: {}.",
            list(&before)
        ));
    }
    if !after.is_empty() {
        sentences.push(format!(
            "After the cancellation, the person who did each of these confirms it: {}.",
            list(&after)
        ));
    }
    let mut date =
        String::from("A cancellation cannot take effect before the request was received");
    if !rules.allow_past_effective_date {
        date.push_str(" or before today");
    }
    if let Some(days) = rules.max_days_ahead {
        date.push_str(&format!(
            ", nor more than {days} day{} ahead",
            if days == 1 { "" } else { "s" }
        ));
    }
    date.push('.');
    sentences.push(date);
    sentences
}

/// The whole policy as paragraphs of plain sentences.
pub fn render_policy(policy: &Policy) -> Vec<String> {
    let calendar = &policy.sla.calendar;
    let days: Vec<String> = calendar.days.iter().map(|d| format!("{d:?}")).collect();
    let mut out = vec![
        format!("{} (version {}). Amounts are in {}.", policy.name, policy.version, policy.currency.code()),
        format!("Customer tiers, lowest first: {}.", list(&policy.tiers)),
        format!(
            "Every request is acknowledged within {} business minute{}; business hours are {} to {} on {}, {} time.",
            policy.sla.first_response_minutes,
            if policy.sla.first_response_minutes == 1 { "" } else { "s" },
            calendar.opens.strftime("%H:%M"),
            calendar.closes.strftime("%H:%M"),
            list(&days),
            calendar.zone_name
        ),
    ];
    if !calendar.holidays.is_empty() {
        let holidays: Vec<String> = calendar.holidays.iter().map(ToString::to_string).collect();
        out.push(format!(
            "No business minute passes on these holidays: {}.",
            list(&holidays)
        ));
    }
    let other_ways: Vec<String> = policy
        .sla
        .acknowledge_by
        .iter()
        .filter(|channel| **channel != AcknowledgeChannel::Message)
        .map(|channel| format!("a {}, noted on the case", channel.as_str()))
        .collect();
    if other_ways.is_empty() {
        out.push(
            "The first response is a message to the customer; recording it acknowledges the request."
                .into(),
        );
    } else {
        out.push(format!(
            "The first response is a message to the customer (recording it acknowledges the request) or {}.",
            list(&other_ways)
        ));
    }
    let methods: Vec<String> = policy
        .identity
        .methods
        .iter()
        .map(|method| {
            match method {
                VerificationMethod::EmailOnFile => "the email address on file",
                VerificationMethod::CallbackToPhoneOnFile => {
                    "a call back to the phone number on file"
                }
                VerificationMethod::OneTimeCode => "a one-time code",
                VerificationMethod::SecurityQuestion => "a security question",
            }
            .to_string()
        })
        .collect();
    // "Is verified" only where a gate waits for it; the gates' sentences say which.
    let identity = if policy.gates.identity_before_finalization() {
        format!(
            "The requester's identity is verified by {}",
            methods.join(" or ")
        )
    } else {
        format!(
            "The requester's identity can be verified by {}; no step waits for it",
            methods.join(" or ")
        )
    };
    if policy
        .identity
        .methods
        .contains(&VerificationMethod::OneTimeCode)
    {
        out.push(format!(
            "{identity}; a one-time code is valid for {} minutes and locks after {} wrong tries.",
            policy.identity.code_valid_minutes, policy.identity.code_max_attempts
        ));
    } else {
        out.push(format!("{identity}."));
    }
    if let Some(form) = &policy.form {
        let must = if policy.gates.form_before_finalization {
            "must complete"
        } else {
            "is sent"
        };
        out.push(format!(
            "The customer {must} the cancellation request form ({}); they are reminded after {} day{}.",
            list(&form.fields),
            form.remind_after_days,
            if form.remind_after_days == 1 { "" } else { "s" }
        ));
        if let Some(submit_to) = &form.submit_to {
            out.push(format!("The form is submitted to {submit_to}."));
        }
        if let Some(instructions) = &form.instructions {
            out.push(format!(
                "How to fill in the form, as sent with it: {instructions}"
            ));
        }
    }
    out.extend(gates(&policy.gates));
    out.extend(finalization(&policy.finalization));
    for (step, roles) in &policy.roles {
        if roles.is_empty() && step.needs_named_roles() {
            out.push(format!("No one may {}.", step.action()));
            continue;
        }
        if roles.is_empty() {
            continue;
        }
        let who: Vec<String> = roles.iter().map(|r| r.described().to_string()).collect();
        out.push(format!("Only {} may {}.", who.join(" or "), step.action()));
    }
    let only_rule = policy.routing.rules.len() == 1;
    for rule in &policy.routing.rules {
        let what = match &rule.hand_off {
            Some(target) => hand_off(target),
            None => route(rule.route, policy.routing.fallback_assignee.as_deref()),
        };
        out.push(format!(
            "{}, {what}.",
            condition(&rule.when, only_rule, policy)
        ));
    }
    if policy.routes_on_reason() {
        out.push("A case is routed only once its reason for leaving is recorded.".into());
    }
    if policy
        .routing
        .rules
        .iter()
        .any(|rule| rule.when.tests_receivable())
    {
        match policy.routing.unknown_receivable {
            UnknownReceivable::Ask => out.push(
                "Unknown accounts receivable are not taken as zero: a case whose routing needs them is routed only after someone enters them.".into(),
            ),
            UnknownReceivable::Route(unknown) => out.push(format!(
                "If the account's accounts receivable are not known and a rule needs them, {}.",
                route(unknown, policy.routing.fallback_assignee.as_deref())
            )),
        }
    }
    if policy
        .routing
        .rules
        .iter()
        .any(|rule| rule.route == Route::SaveCall)
        || policy.routing.unknown_receivable == UnknownReceivable::Route(Route::SaveCall)
    {
        match policy.routing.save_call_due_minutes {
            Some(minutes) => out.push(format!(
                "The save call is due {minutes} business minute{} after the case is routed.",
                if minutes == 1 { "" } else { "s" }
            )),
            None => out.push("The save call is due when the first response is due.".into()),
        }
    }
    if !policy.offers.is_empty() {
        if policy.roles_for(Step::ApproveOffer).is_empty() {
            out.push("Retention offers, within these limits (anything beyond them is refused: the policy names no one who may approve it):".into());
        } else {
            out.push("Retention offers, within these limits (anything beyond needs approval by someone other than who proposed it):".into());
        }
        out.extend(policy.offers.iter().map(offer));
    }
    out.extend(refunds(
        &policy.refunds,
        policy.roles_for(Step::ApproveRefund),
    ));
    for reason in &policy.reasons {
        if reason.mitigations.is_empty() {
            out.push(format!("Reason \"{}\".", reason.label));
        } else {
            out.push(format!(
                "Reason \"{}\": {}.",
                reason.label,
                reason.mitigations.join("; ")
            ));
        }
    }
    let servers: Vec<String> = policy
        .survey_links
        .iter()
        .filter(|(server, _)| server.as_str() != "default")
        .map(|(server, link)| format!("{link} for {server}"))
        .collect();
    match (servers.is_empty(), policy.survey_links.get("default")) {
        (true, Some(link)) => out.push(format!("The exit-survey link is {link}.")),
        (false, Some(link)) => out.push(format!(
            "Exit-survey links by hosting server: {}, and {link} for any other server.",
            servers.join(", ")
        )),
        (false, None) => out.push(format!(
            "Exit-survey links by hosting server: {}; other servers have none.",
            servers.join(", ")
        )),
        (true, None) => {}
    }
    if !policy.win_back_months.is_empty() {
        let months: Vec<String> = policy.win_back_months.iter().map(u32::to_string).collect();
        out.push(format!(
            "Win-back check-ins {} months after the cancellation.",
            list(&months)
        ));
        out.push(format!(
            "Each check-in is a task for {}, due on its date and closed with its outcome (reactivated, declined or no answer).",
            policy
                .win_back_assignee
                .as_deref()
                .unwrap_or("the case's owner (or whoever schedules them)")
        ));
    }
    out.push(match policy.privacy.erase_closed_cases_after_months {
        Some(months) => format!(
            "A closed case's personal data (names, contacts, notes, messages) is erased {months} month{} after it closed; amounts, dates and the audit trail are kept.",
            if months == 1 { "" } else { "s" }
        ),
        None => "Personal data is kept until the customer asks for it to be erased.".to_owned(),
    });
    out
}
