//! A policy read back as plain sentences, so whoever publishes it can check that it says what
//! their procedure says.

use super::{
    AcknowledgeChannel, ChecklistWhen, FinalizationRules, Gates, OfferKind, OfferTerms, Policy,
    Route, RoutingCondition, VerificationMethod,
};
use crate::money::Money;

fn amount(money: &Money) -> String {
    money.to_string()
}

fn list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

fn condition(when: &RoutingCondition, only_rule: bool) -> String {
    let mut parts = Vec::new();
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
        terms.push(format!(
            "for up to {months} month{}",
            if months == 1 { "" } else { "s" }
        ));
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
    } else if offer.kind == OfferKind::CustomPricing {
        sentence.push_str(", with approval");
    }
    sentence.push('.');
    sentence
}

fn gates(gates: &Gates) -> Vec<String> {
    let mut sentences = Vec::new();
    if gates.identity_before_changes {
        sentences.push(
            "Nothing about the account changes before the requester's identity is verified.".into(),
        );
    }
    let mut before = Vec::new();
    if gates.form_before_finalization {
        before.push("the cancellation request form has been received".to_string());
    }
    if gates.csm_escalation_before_finalization {
        before.push("a customer success manager has engaged with the customer".to_string());
    }
    if gates.invoices_written_off_before_finalization {
        before.push("every unpaid invoice has been written off".to_string());
    }
    if gates.logged_before_finalization {
        before.push("the request is logged in the cancellation sheet".to_string());
    }
    if !before.is_empty() {
        sentences.push(format!(
            "A cancellation is finalized only after {}.",
            list(&before)
        ));
    }
    sentences
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
    if policy
        .identity
        .methods
        .contains(&VerificationMethod::OneTimeCode)
    {
        out.push(format!(
            "The requester's identity is verified by {}; a one-time code is valid for {} minutes and locks after {} wrong tries.",
            methods.join(" or "),
            policy.identity.code_valid_minutes,
            policy.identity.code_max_attempts
        ));
    } else {
        out.push(format!(
            "The requester's identity is verified by {}.",
            methods.join(" or ")
        ));
    }
    if let Some(form) = &policy.form {
        out.push(format!(
            "The customer must complete the cancellation request form ({}); they are reminded after {} day{}.",
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
        let who: Vec<String> = roles.iter().map(|r| r.described().to_string()).collect();
        out.push(format!("Only {} may {}.", who.join(" or "), step.action()));
    }
    let only_rule = policy.routing.rules.len() == 1;
    for rule in &policy.routing.rules {
        out.push(format!(
            "{}, {}.",
            condition(&rule.when, only_rule),
            route(rule.route, policy.routing.fallback_assignee.as_deref())
        ));
    }
    if !policy.offers.is_empty() {
        out.push("Retention offers, within these limits (anything beyond needs approval):".into());
        out.extend(policy.offers.iter().map(offer));
    }
    if policy.refunds.threshold.minor == 0 {
        out.push(
            "Every refund is under review: the customer is told so, a second person who did not request it verifies it, and billing gets a heads-up.".into(),
        );
    } else {
        out.push(format!(
            "Refunds up to {} go to billing as \"billing in progress\" (counting every refund on the case that was not denied, so that a refund split in parts is still reviewed); above that the customer is told the request is under review, a second person who did not request it verifies it, and billing gets a heads-up.",
            amount(&policy.refunds.threshold)
        ));
    }
    if let Some(days) = policy.refunds.window_days {
        out.push(format!(
            "Refunds are possible up to {days} days after the charge."
        ));
    }
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
    out
}
