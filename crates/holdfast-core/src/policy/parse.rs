//! Reading a policy file: TOML into typed rules, with every error naming its line and key, and
//! checks that the parts agree with each other (routing names known tiers, amounts fit the
//! policy's currency, limits fit their offer kinds).

use std::collections::{BTreeMap, HashSet};

use jiff::civil::{Time, Weekday};
use serde::Deserialize;
use toml::Spanned;

use super::{
    AcknowledgeChannel, BusinessCalendar, ChecklistItem, ChecklistStep, ChecklistWhen,
    FinalizationRules, FormRules, Gates, HandOffTarget, IdentityRules, MessageKind, OfferKind,
    OfferTerms, OutsideWindow, Policy, PrivacyRules, Reason, RefundRules, Route, Routing,
    RoutingCondition, RoutingRule, Sla, Step, ThresholdScope, UnknownReceivable,
    VerificationMethod,
};
use crate::money::{Currency, Money};
use crate::role::Role;

/// A policy file that cannot be used, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{}{message}", line.map(|l| format!("line {l}: ")).unwrap_or_default(), key.as_ref().map(|k| format!("{k}: ")).unwrap_or_default())]
pub struct PolicyError {
    /// 1-based line in the file.
    pub line: Option<usize>,
    /// The key at fault, as a dotted path (`routing.rules[2].tier_at_most`).
    pub key: Option<String>,
    pub message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    id: Spanned<String>,
    name: String,
    version: u32,
    currency: Spanned<String>,
    tiers: Spanned<Vec<String>>,
    #[serde(default)]
    win_back_months: Vec<u32>,
    win_back_assignee: Option<Spanned<String>>,
    sla: RawSla,
    identity: RawIdentity,
    form: Option<RawForm>,
    #[serde(default)]
    gates: RawGates,
    #[serde(default)]
    roles: BTreeMap<Step, Vec<Role>>,
    routing: RawRouting,
    #[serde(default)]
    offers: Vec<Spanned<RawOffer>>,
    refunds: RawRefunds,
    #[serde(default)]
    reasons: Vec<Spanned<RawReason>>,
    #[serde(default)]
    messages: BTreeMap<MessageKind, String>,
    /// E-mail subjects for some of `messages`; optional, each kind has a default.
    #[serde(default)]
    message_subjects: BTreeMap<MessageKind, String>,
    #[serde(default)]
    survey_links: BTreeMap<String, String>,
    #[serde(default)]
    finalization: RawFinalization,
    #[serde(default)]
    privacy: RawPrivacy,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct RawPrivacy {
    erase_closed_cases_after_months: Option<Spanned<u32>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct RawFinalization {
    allow_past_effective_date: bool,
    max_days_ahead: Option<Spanned<u32>>,
    checklist: Vec<Spanned<RawChecklistItem>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChecklistItem {
    id: Spanned<String>,
    label: String,
    when: ChecklistWhen,
    step: Option<ChecklistStep>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSla {
    first_response_minutes: u32,
    zone: Spanned<String>,
    days: Spanned<Vec<String>>,
    opens: Spanned<String>,
    closes: Spanned<String>,
    acknowledge_by: Option<Spanned<Vec<AcknowledgeChannel>>>,
    /// Closed days, "YYYY-MM-DD" in the calendar's zone.
    #[serde(default)]
    holidays: Option<Spanned<Vec<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIdentity {
    methods: Spanned<Vec<VerificationMethod>>,
    #[serde(default = "default_code_minutes")]
    code_valid_minutes: u32,
    #[serde(default = "default_code_attempts")]
    code_max_attempts: u32,
}

fn default_code_minutes() -> u32 {
    10
}

fn default_code_attempts() -> u32 {
    3
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawForm {
    fields: Vec<String>,
    remind_after_days: u32,
    submit_to: Option<String>,
    instructions: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct RawGates {
    identity_before_changes: bool,
    /// Spanned so that a missing [form] section can be reported at this line.
    form_before_finalization: Option<Spanned<bool>>,
    csm_escalation_before_finalization: bool,
    invoices_written_off_before_finalization: bool,
    logged_before_finalization: bool,
    identity_before_finalization: bool,
    identity_first: bool,
    retention_before_finalization: bool,
    reason_before_finalization: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRouting {
    fallback_assignee: Option<String>,
    /// "ask" (the default) or a route name.
    unknown_receivable: Option<Spanned<String>>,
    save_call_due_minutes: Option<Spanned<u32>>,
    #[serde(default)]
    rules: Vec<Spanned<RawRule>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    tier_at_least: Option<Spanned<String>>,
    tier_at_most: Option<Spanned<String>>,
    receivable_above: Option<Spanned<String>>,
    receivable_at_most: Option<Spanned<String>>,
    reason: Option<Spanned<Vec<String>>>,
    mrr_at_least: Option<Spanned<String>>,
    route: Route,
    assign_to: Option<Spanned<String>>,
    assign_to_role: Option<Role>,
    #[serde(default)]
    assign_to_account_manager: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOffer {
    id: Spanned<String>,
    kind: OfferKind,
    label: String,
    max_percent: Option<u32>,
    #[serde(default)]
    percent_choices: Vec<u32>,
    max_months: Option<u32>,
    max_amount: Option<Spanned<String>>,
    #[serde(default)]
    once_per_account: bool,
    #[serde(default)]
    needs_approval: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRefunds {
    threshold: Spanned<String>,
    window_days: Option<u32>,
    /// "refuse" or "approval"; read as text so that a wrong word is reported at its key.
    outside_window: Option<Spanned<String>>,
    outside_window_reason: Option<Spanned<String>>,
    /// "request" or "case".
    threshold_applies_to: Option<Spanned<String>>,
    billing_assignee: Option<Spanned<String>>,
    /// Read as a signed number so that zero, a negative or a huge value is reported at its key.
    status_check_business_days: Option<Spanned<i64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReason {
    id: String,
    label: String,
    #[serde(default)]
    mitigations: Vec<String>,
}

/// Turns byte offsets into line numbers for error messages.
struct Lines<'a>(&'a str);

impl Lines<'_> {
    fn at(&self, offset: usize) -> usize {
        self.0
            .get(..offset.min(self.0.len()))
            .map(|before| before.matches('\n').count() + 1)
            .unwrap_or(1)
    }

    fn error<T>(
        &self,
        spanned: &Spanned<T>,
        key: impl Into<String>,
        message: impl Into<String>,
    ) -> PolicyError {
        PolicyError {
            line: Some(self.at(spanned.span().start)),
            key: Some(key.into()),
            message: message.into(),
        }
    }
}

fn weekday(text: &str) -> Option<Weekday> {
    Some(match text.to_ascii_lowercase().as_str() {
        "monday" | "mon" => Weekday::Monday,
        "tuesday" | "tue" => Weekday::Tuesday,
        "wednesday" | "wed" => Weekday::Wednesday,
        "thursday" | "thu" => Weekday::Thursday,
        "friday" | "fri" => Weekday::Friday,
        "saturday" | "sat" => Weekday::Saturday,
        "sunday" | "sun" => Weekday::Sunday,
        _ => return None,
    })
}

/// Parses and checks a policy file.
pub fn parse_policy(source: &str) -> Result<Policy, PolicyError> {
    let lines = Lines(source);
    let raw: RawPolicy = toml::from_str(source).map_err(|error| PolicyError {
        line: error.span().map(|span| lines.at(span.start)),
        key: None,
        message: error.message().trim().to_owned(),
    })?;

    if raw.id.get_ref().trim().is_empty() {
        return Err(lines.error(&raw.id, "id", "must not be empty"));
    }
    let currency = Currency::parse(raw.currency.get_ref())
        .map_err(|e| lines.error(&raw.currency, "currency", e.to_string()))?;
    let amount = |text: &str, spanned_at: &dyn Fn(String) -> PolicyError| {
        Money::parse_non_negative(text, currency).map_err(|e| spanned_at(e.to_string()))
    };

    let tiers = raw.tiers.get_ref().clone();
    if tiers.is_empty() {
        return Err(lines.error(&raw.tiers, "tiers", "name at least one tier, lowest first"));
    }
    let mut seen = HashSet::new();
    for tier in &tiers {
        if !seen.insert(tier.to_ascii_lowercase()) {
            return Err(lines.error(&raw.tiers, "tiers", format!("\"{tier}\" appears twice")));
        }
    }
    let tier_known = |tier: &str| tiers.iter().any(|known| known.eq_ignore_ascii_case(tier));

    // SLA and business hours.
    let zone = jiff::tz::TimeZone::get(raw.sla.zone.get_ref()).map_err(|_| {
        lines.error(
            &raw.sla.zone,
            "sla.zone",
            format!(
                "\"{}\" is not a time zone (use an IANA name such as Europe/Berlin)",
                raw.sla.zone.get_ref()
            ),
        )
    })?;
    let mut days = Vec::new();
    for day in raw.sla.days.get_ref() {
        let parsed = weekday(day).ok_or_else(|| {
            lines.error(
                &raw.sla.days,
                "sla.days",
                format!("\"{day}\" is not a day of the week"),
            )
        })?;
        if !days.contains(&parsed) {
            days.push(parsed);
        }
    }
    if days.is_empty() {
        return Err(lines.error(&raw.sla.days, "sla.days", "name at least one business day"));
    }
    let time = |spanned: &Spanned<String>, key: &str| -> Result<Time, PolicyError> {
        spanned.get_ref().parse::<Time>().map_err(|_| {
            lines.error(
                spanned,
                key,
                format!("\"{}\" is not a time of day (HH:MM)", spanned.get_ref()),
            )
        })
    };
    let opens = time(&raw.sla.opens, "sla.opens")?;
    let closes = time(&raw.sla.closes, "sla.closes")?;
    if closes <= opens {
        return Err(lines.error(
            &raw.sla.closes,
            "sla.closes",
            "business hours must close after they open",
        ));
    }
    let mut holidays = std::collections::BTreeSet::new();
    if let Some(listed) = &raw.sla.holidays {
        for text in listed.get_ref() {
            let date = text.parse::<jiff::civil::Date>().map_err(|_| {
                lines.error(
                    listed,
                    "sla.holidays",
                    format!("\"{text}\" is not a date (YYYY-MM-DD)"),
                )
            })?;
            holidays.insert(date);
        }
    }

    // Identity.
    if raw.identity.methods.get_ref().is_empty() {
        return Err(lines.error(
            &raw.identity.methods,
            "identity.methods",
            "name at least one verification method",
        ));
    }
    if raw.identity.code_max_attempts == 0 || raw.identity.code_valid_minutes == 0 {
        return Err(lines.error(
            &raw.identity.methods,
            "identity",
            "one-time codes need at least one attempt and one minute of validity",
        ));
    }

    let gates = Gates {
        identity_before_changes: raw.gates.identity_before_changes,
        form_before_finalization: raw
            .gates
            .form_before_finalization
            .as_ref()
            .is_some_and(|gate| *gate.get_ref()),
        csm_escalation_before_finalization: raw.gates.csm_escalation_before_finalization,
        invoices_written_off_before_finalization: raw
            .gates
            .invoices_written_off_before_finalization,
        logged_before_finalization: raw.gates.logged_before_finalization,
        identity_before_finalization: raw.gates.identity_before_finalization,
        identity_first: raw.gates.identity_first,
        retention_before_finalization: raw.gates.retention_before_finalization,
        reason_before_finalization: raw.gates.reason_before_finalization,
    };
    if let (Some(gate), None) = (&raw.gates.form_before_finalization, &raw.form) {
        if *gate.get_ref() {
            return Err(lines.error(
                gate,
                "gates.form_before_finalization",
                "requires a [form] section describing the cancellation request form",
            ));
        }
    }

    // Routing.
    let reason_known = |id: &str| raw.reasons.iter().any(|reason| reason.get_ref().id == id);
    let mut rules = Vec::new();
    for (index, spanned) in raw.routing.rules.iter().enumerate() {
        let rule = spanned.get_ref();
        let key = |field: &str| format!("routing.rules[{}].{field}", index + 1);
        for (field, tier) in [
            ("tier_at_least", &rule.tier_at_least),
            ("tier_at_most", &rule.tier_at_most),
        ] {
            if let Some(tier) = tier {
                if !tier_known(tier.get_ref()) {
                    return Err(lines.error(
                        tier,
                        key(field),
                        format!("\"{}\" is not one of the policy's tiers", tier.get_ref()),
                    ));
                }
            }
        }
        let money =
            |field: &str, text: &Option<Spanned<String>>| -> Result<Option<Money>, PolicyError> {
                text.as_ref()
                    .map(|text| {
                        amount(text.get_ref(), &|message| {
                            lines.error(text, key(field), message)
                        })
                    })
                    .transpose()
            };
        let reason = rule
            .reason
            .as_ref()
            .map(Spanned::get_ref)
            .cloned()
            .unwrap_or_default();
        if let Some(spanned_reasons) = &rule.reason {
            if reason.is_empty() {
                return Err(lines.error(
                    spanned_reasons,
                    key("reason"),
                    "name at least one reason id, or leave the condition out",
                ));
            }
            if let Some(unknown) = reason.iter().find(|id| !reason_known(id)) {
                return Err(lines.error(
                    spanned_reasons,
                    key("reason"),
                    format!("\"{unknown}\" is not one of the policy's [[reasons]]"),
                ));
            }
        }
        let hand_off = if rule.route == Route::HandOff {
            if rule.assign_to.is_none()
                && rule.assign_to_role.is_none()
                && !rule.assign_to_account_manager
            {
                return Err(lines.error(
                    spanned,
                    key("assign_to"),
                    "a hand_off route needs assign_to (a person or team), assign_to_role or assign_to_account_manager = true",
                ));
            }
            if rule.assign_to.is_some() && rule.assign_to_role.is_some() {
                return Err(lines.error(
                    spanned,
                    key("assign_to_role"),
                    "give either assign_to or assign_to_role, not both",
                ));
            }
            if let Some(to) = &rule.assign_to {
                if to.get_ref().trim().is_empty() {
                    return Err(lines.error(to, key("assign_to"), "must not be empty"));
                }
            }
            Some(HandOffTarget {
                account_manager: rule.assign_to_account_manager,
                to: rule
                    .assign_to
                    .as_ref()
                    .map(|to| to.get_ref().trim().to_owned()),
                to_role: rule.assign_to_role,
            })
        } else {
            if rule.assign_to.is_some()
                || rule.assign_to_role.is_some()
                || rule.assign_to_account_manager
            {
                return Err(lines.error(
                    spanned,
                    key("route"),
                    "only a hand_off route assigns the case (assign_to, assign_to_role, assign_to_account_manager)",
                ));
            }
            None
        };
        rules.push(RoutingRule {
            hand_off,
            when: RoutingCondition {
                reason,
                mrr_at_least: money("mrr_at_least", &rule.mrr_at_least)?,
                tier_at_least: rule
                    .tier_at_least
                    .as_ref()
                    .map(|tier| tier.get_ref().clone()),
                tier_at_most: rule
                    .tier_at_most
                    .as_ref()
                    .map(|tier| tier.get_ref().clone()),
                receivable_above: money("receivable_above", &rule.receivable_above)?,
                receivable_at_most: money("receivable_at_most", &rule.receivable_at_most)?,
            },
            route: rule.route,
        });
    }
    let first_save_call = raw
        .routing
        .rules
        .iter()
        .find(|rule| rule.get_ref().route == Route::SaveCall);
    if let (Some(rule), None) = (first_save_call, &raw.routing.fallback_assignee) {
        // Reported at the first rule that needs the fallback.
        return Err(lines.error(
            rule,
            "routing.fallback_assignee",
            "save calls need a fallback assignee for when the original sales rep has left",
        ));
    }

    let unknown_receivable = match &raw.routing.unknown_receivable {
        None => UnknownReceivable::Ask,
        Some(text) if text.get_ref() == "ask" => UnknownReceivable::Ask,
        Some(text) => {
            let route: Route =
                serde_json::from_value(serde_json::Value::String(text.get_ref().clone()))
                    .map_err(|_| {
                        lines.error(
                            text,
                            "routing.unknown_receivable",
                            format!(
                                "\"{}\" is neither \"ask\" nor a route (save_call, sympathetic_reply, escalate_to_csm, manager_retention, continue)",
                                text.get_ref()
                            ),
                        )
                    })?;
            if route == Route::HandOff {
                return Err(lines.error(
                    text,
                    "routing.unknown_receivable",
                    "a hand-off needs someone to hand off to; use a hand_off rule instead",
                ));
            }
            if route == Route::SaveCall && raw.routing.fallback_assignee.is_none() {
                return Err(lines.error(
                    text,
                    "routing.fallback_assignee",
                    "save calls need a fallback assignee for when the original sales rep has left",
                ));
            }
            UnknownReceivable::Route(route)
        }
    };
    if let Some(minutes) = &raw.routing.save_call_due_minutes {
        if *minutes.get_ref() == 0 {
            return Err(lines.error(
                minutes,
                "routing.save_call_due_minutes",
                "a save call needs at least one business minute; leave it out to use the first-response time",
            ));
        }
    }

    // Offers.
    let mut offers = Vec::new();
    let mut offer_ids = HashSet::new();
    for (index, spanned) in raw.offers.iter().enumerate() {
        let offer = spanned.get_ref();
        let key = |field: &str| format!("offers[{}].{field}", index + 1);
        if !offer_ids.insert(offer.id.get_ref().clone()) {
            return Err(lines.error(
                &offer.id,
                key("id"),
                format!("\"{}\" is used by two offers", offer.id.get_ref()),
            ));
        }
        let percent_kind = offer.kind.takes_percent();
        if percent_kind && offer.max_percent.is_none() && offer.percent_choices.is_empty() {
            return Err(lines.error(
                spanned,
                key("max_percent"),
                "a percentage offer needs max_percent or percent_choices",
            ));
        }
        if !percent_kind && (offer.max_percent.is_some() || !offer.percent_choices.is_empty()) {
            return Err(lines.error(
                spanned,
                key("max_percent"),
                "only percentage offers have percentages",
            ));
        }
        if offer.max_percent.is_some_and(|p| p == 0 || p > 100)
            || offer.percent_choices.iter().any(|p| *p == 0 || *p > 100)
        {
            return Err(lines.error(
                spanned,
                key("max_percent"),
                "percentages are between 1 and 100",
            ));
        }
        let nobody_approves = raw
            .roles
            .get(&Step::ApproveOffer)
            .is_none_or(|roles| roles.is_empty());
        if offer.needs_approval && nobody_approves {
            // Such an offer could never be made: nobody may approve it.
            return Err(lines.error(
                spanned,
                key("needs_approval"),
                "the offer always needs approval, but no role may approve offers: name them under [roles] as approve_offer",
            ));
        }
        if offer.kind == OfferKind::Credit && offer.max_amount.is_none() {
            return Err(lines.error(spanned, key("max_amount"), "a credit needs max_amount"));
        }
        let max_amount = offer
            .max_amount
            .as_ref()
            .map(|text| {
                amount(text.get_ref(), &|message| {
                    lines.error(text, key("max_amount"), message)
                })
            })
            .transpose()?;
        offers.push(OfferTerms {
            id: offer.id.get_ref().clone(),
            kind: offer.kind,
            label: offer.label.clone(),
            max_percent: offer.max_percent,
            percent_choices: offer.percent_choices.clone(),
            max_months: offer.max_months,
            max_amount,
            once_per_account: offer.once_per_account,
            needs_approval: offer.needs_approval,
        });
    }

    let threshold = amount(raw.refunds.threshold.get_ref(), &|message| {
        lines.error(&raw.refunds.threshold, "refunds.threshold", message)
    })?;
    let refunds = refund_rules(&raw.refunds, threshold, &lines)?;
    let mut roles = raw.roles;
    // Completing a refund was part of approving one before it was a step of its own: a policy
    // that does not say who completes refunds keeps the approvers it had.
    if !roles.contains_key(&Step::CompleteRefund) {
        if let Some(approvers) = roles.get(&Step::ApproveRefund).cloned() {
            roles.insert(Step::CompleteRefund, approvers);
        }
    }
    // A customer's data leaves or is erased only by someone answerable for it.
    roles
        .entry(Step::ErasePersonalData)
        .or_insert_with(|| vec![Role::Manager, Role::Admin]);
    let privacy = privacy_rules(&raw.privacy, &lines)?;

    let mut reasons = Vec::new();
    let mut reason_ids = HashSet::new();
    for (index, spanned) in raw.reasons.iter().enumerate() {
        let reason = spanned.get_ref();
        if !reason_ids.insert(reason.id.clone()) {
            return Err(lines.error(
                spanned,
                format!("reasons[{}].id", index + 1),
                format!("\"{}\" is used by two reasons", reason.id),
            ));
        }
        reasons.push(Reason {
            id: reason.id.clone(),
            label: reason.label.clone(),
            mitigations: reason.mitigations.clone(),
        });
    }

    let acknowledge_by = match &raw.sla.acknowledge_by {
        None => vec![AcknowledgeChannel::Message],
        Some(channels) if channels.get_ref().is_empty() => {
            return Err(lines.error(
                channels,
                "sla.acknowledge_by",
                "name at least one way to acknowledge a request (\"message\")",
            ))
        }
        Some(channels) => channels.get_ref().clone(),
    };
    let finalization = checked_finalization(&raw.finalization, &raw.win_back_months, &lines)?;
    let win_back_assignee = match &raw.win_back_assignee {
        Some(name) if name.get_ref().trim().is_empty() => {
            return Err(lines.error(
                name,
                "win_back_assignee",
                "must name a person, or be left out to give check-ins to the case's owner",
            ))
        }
        name => name.as_ref().map(|name| name.get_ref().trim().to_owned()),
    };
    if let Some(form) = &raw.form {
        for (key, text) in [
            ("form.submit_to", &form.submit_to),
            ("form.instructions", &form.instructions),
        ] {
            if text.as_deref().is_some_and(|text| text.trim().is_empty()) {
                return Err(PolicyError {
                    line: None,
                    key: Some(key.into()),
                    message: "must not be empty; leave it out instead".into(),
                });
            }
        }
    }

    Ok(Policy {
        id: raw.id.into_inner(),
        name: raw.name,
        version: raw.version,
        currency,
        tiers,
        sla: Sla {
            first_response_minutes: raw.sla.first_response_minutes,
            calendar: BusinessCalendar {
                zone_name: raw.sla.zone.into_inner(),
                zone,
                days,
                opens,
                closes,
                holidays,
            },
            acknowledge_by,
        },
        identity: IdentityRules {
            methods: raw.identity.methods.into_inner(),
            code_valid_minutes: raw.identity.code_valid_minutes,
            code_max_attempts: raw.identity.code_max_attempts,
        },
        form: raw.form.map(|form| FormRules {
            fields: form.fields,
            remind_after_days: form.remind_after_days,
            submit_to: form.submit_to,
            instructions: form.instructions,
        }),
        gates,
        roles,
        routing: Routing {
            rules,
            fallback_assignee: raw.routing.fallback_assignee,
            unknown_receivable,
            save_call_due_minutes: raw.routing.save_call_due_minutes.map(Spanned::into_inner),
        },
        offers,
        refunds,
        reasons,
        subjects: checked_subjects(raw.message_subjects, &raw.messages)?,
        messages: checked_messages(raw.messages)?,
        survey_links: raw.survey_links,
        win_back_months: raw.win_back_months,
        win_back_assignee,
        finalization,
        privacy,
    })
}

/// The longest retention a policy may set: a hundred years says "keep it" more honestly as no
/// setting at all.
const MAX_RETENTION_MONTHS: u32 = 1200;

fn privacy_rules(raw: &RawPrivacy, lines: &Lines<'_>) -> Result<PrivacyRules, PolicyError> {
    let months = match &raw.erase_closed_cases_after_months {
        None => None,
        Some(months) => {
            let value = *months.get_ref();
            if value == 0 || value > MAX_RETENTION_MONTHS {
                return Err(lines.error(
                    months,
                    "privacy.erase_closed_cases_after_months",
                    format!(
                        "must be a whole number of months from 1 to {MAX_RETENTION_MONTHS}; leave it out to keep personal data until a customer asks"
                    ),
                ));
            }
            Some(value)
        }
    };
    Ok(PrivacyRules {
        erase_closed_cases_after_months: months,
    })
}

/// The checklist's items have distinct ids and labels, and an item tied to a step is done when
/// that step is (a step after the cancellation cannot be an item before it).
fn checked_finalization(
    raw: &RawFinalization,
    win_back_months: &[u32],
    lines: &Lines,
) -> Result<FinalizationRules, PolicyError> {
    let mut ids = HashSet::new();
    let mut checklist = Vec::new();
    for (index, spanned) in raw.checklist.iter().enumerate() {
        let item = spanned.get_ref();
        let key = |field: &str| format!("finalization.checklist[{}].{field}", index + 1);
        let id = item.id.get_ref().trim();
        if id.is_empty() {
            return Err(lines.error(&item.id, key("id"), "must not be empty"));
        }
        if !ids.insert(id.to_owned()) {
            return Err(lines.error(
                &item.id,
                key("id"),
                format!("\"{id}\" is used by two checklist items"),
            ));
        }
        if item.label.trim().is_empty() {
            return Err(lines.error(spanned, key("label"), "must not be empty"));
        }
        if let Some(step) = item.step {
            if step.when() != item.when {
                let when = match step.when() {
                    ChecklistWhen::Before => "before",
                    ChecklistWhen::After => "after",
                };
                return Err(lines.error(
                    spanned,
                    key("when"),
                    format!(
                        "{} happens {when} the cancellation is finalized; set when = \"{when}\"",
                        step.describe()
                    ),
                ));
            }
            if step == ChecklistStep::WinBack && win_back_months.is_empty() {
                return Err(lines.error(
                    spanned,
                    key("step"),
                    "the policy has no win_back_months to schedule",
                ));
            }
        }
        checklist.push(ChecklistItem {
            id: id.to_owned(),
            label: item.label.trim().to_owned(),
            when: item.when,
            step: item.step,
        });
    }
    Ok(FinalizationRules {
        checklist,
        allow_past_effective_date: raw.allow_past_effective_date,
        max_days_ahead: raw.max_days_ahead.as_ref().map(|days| *days.get_ref()),
    })
}

/// The latest a refund's status check may fall: about three months of business days.
const MAX_STATUS_CHECK_BUSINESS_DAYS: u32 = 60;

/// The refund rules besides the threshold: the window and what becomes of a refund after it,
/// what the threshold is compared with, and billing's person.
fn refund_rules(
    raw: &RawRefunds,
    threshold: Money,
    lines: &Lines,
) -> Result<RefundRules, PolicyError> {
    let window_days = raw.window_days;
    let outside_window = match &raw.outside_window {
        None => OutsideWindow::default(),
        Some(text) => {
            let value = match text.get_ref().trim() {
                "refuse" => OutsideWindow::Refuse,
                "approval" => OutsideWindow::Approval,
                other => {
                    return Err(lines.error(
                        text,
                        "refunds.outside_window",
                        format!("\"{other}\" is not a choice: use \"refuse\" or \"approval\""),
                    ))
                }
            };
            if window_days.is_none() {
                return Err(lines.error(
                    text,
                    "refunds.outside_window",
                    "applies only with a refund window: set refunds.window_days",
                ));
            }
            value
        }
    };
    let outside_window_reason = match &raw.outside_window_reason {
        Some(text) if text.get_ref().trim().is_empty() => {
            return Err(lines.error(
                text,
                "refunds.outside_window_reason",
                "say why a refund after the window is refused, or leave the key out for the default",
            ))
        }
        Some(text) if window_days.is_none() => {
            return Err(lines.error(
                text,
                "refunds.outside_window_reason",
                "applies only with a refund window: set refunds.window_days",
            ))
        }
        Some(text) => text.get_ref().trim().to_owned(),
        None => match window_days {
            Some(days) => format!(
                "We can refund a charge only within {days} days of it, and this charge is older than that."
            ),
            None => String::new(),
        },
    };
    let threshold_applies_to = match &raw.threshold_applies_to {
        None => ThresholdScope::default(),
        Some(text) => match text.get_ref().trim() {
            "request" => ThresholdScope::Request,
            "case" => ThresholdScope::Case,
            other => {
                return Err(lines.error(
                    text,
                    "refunds.threshold_applies_to",
                    format!(
                        "\"{other}\" is not a choice: use \"request\" (each refund on its own) or \"case\" (all the case's refunds together)"
                    ),
                ))
            }
        },
    };
    let billing_assignee = match &raw.billing_assignee {
        Some(name) if name.get_ref().trim().is_empty() => {
            return Err(lines.error(
                name,
                "refunds.billing_assignee",
                "name the person in billing, or leave the key out",
            ))
        }
        Some(name) => Some(name.get_ref().trim().to_owned()),
        None => None,
    };
    let status_check_business_days = match &raw.status_check_business_days {
        None => None,
        Some(days) => match u32::try_from(*days.get_ref()) {
            Ok(days @ 1..=MAX_STATUS_CHECK_BUSINESS_DAYS) => Some(days),
            _ => {
                return Err(lines.error(
                    days,
                    "refunds.status_check_business_days",
                    format!(
                        "{} is not a number of business days from 1 to {MAX_STATUS_CHECK_BUSINESS_DAYS}: say after how many business days the refund's status is checked, or leave the key out",
                        days.get_ref()
                    ),
                ))
            }
        },
    };
    Ok(RefundRules {
        threshold,
        window_days,
        outside_window,
        outside_window_reason,
        threshold_applies_to,
        billing_assignee,
        status_check_business_days,
    })
}

/// Templates may name only the placeholders the desk can fill.
fn checked_messages(
    messages: BTreeMap<MessageKind, String>,
) -> Result<BTreeMap<MessageKind, String>, PolicyError> {
    for (kind, template) in &messages {
        check_placeholders("messages", *kind, template)?;
    }
    Ok(messages)
}

/// A subject belongs to a message the policy has, fits on one line, and names only placeholders
/// the desk can fill.
fn checked_subjects(
    subjects: BTreeMap<MessageKind, String>,
    messages: &BTreeMap<MessageKind, String>,
) -> Result<BTreeMap<MessageKind, String>, PolicyError> {
    for (kind, subject) in &subjects {
        let problem = |message: &str| PolicyError {
            line: None,
            key: Some(format!("message_subjects.{}", kind_name(*kind))),
            message: message.into(),
        };
        if !messages.contains_key(kind) {
            return Err(problem(&format!(
                "there is no messages.{} for this subject to go with",
                kind_name(*kind)
            )));
        }
        if subject.trim().is_empty() {
            return Err(problem(
                "a subject cannot be empty; leave it out to use the default",
            ));
        }
        if subject.contains(['\n', '\r']) {
            return Err(problem("a subject is one line"));
        }
        check_placeholders("message_subjects", *kind, subject)?;
    }
    Ok(subjects)
}

fn kind_name(kind: MessageKind) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|value| value.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn check_placeholders(table: &str, kind: MessageKind, template: &str) -> Result<(), PolicyError> {
    match crate::workflow::unknown_placeholders(template).first() {
        None => Ok(()),
        Some(unknown) => Err(PolicyError {
            line: None,
            key: Some(format!("{table}.{}", kind_name(kind))),
            message: format!(
                "{{{unknown}}} is not a placeholder the desk can fill; use one of {}",
                crate::workflow::PLACEHOLDERS
                    .map(|name| format!("{{{name}}}"))
                    .join(", ")
            ),
        }),
    }
}
