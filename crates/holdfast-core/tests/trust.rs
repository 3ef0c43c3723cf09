//! Issue 12, "what the server takes on trust": who may import accounts (the policy's
//! `import_accounts` roles), and a case whose identity was verified through a contact that a
//! later import changed.

mod common;

use common::*;
use holdfast_core::account::{AccountDraft, PreferredChannel};
use holdfast_core::error::Gate;
use holdfast_core::import::{check_import, may_import};
use holdfast_core::policy::{parse_policy, render_policy, Step, VerificationMethod};
use holdfast_core::role::Role;
use holdfast_core::workflow::{
    checklist, finalization_blockers, CaseCommand, CONTACT_CHANGED_WARNING,
};
use holdfast_core::CoreError;

fn draft(external_id: &str) -> AccountDraft {
    AccountDraft {
        external_id: external_id.into(),
        name: "Acme Inc".into(),
        contact_name: Some("Ana Silva".into()),
        email: Some("ana@acme.io".into()),
        phone: Some("+1 555 010 2030".into()),
        preferred_channel: PreferredChannel::Email,
        tier: "Professional".into(),
        hosting_server: None,
        plan: Some("Pro".into()),
        mrr: usd(4_900),
        customer_since: None,
        total_collected: usd(58_800),
        accounts_receivable: Some(usd(0)),
        original_sales_rep: None,
        unpaid_invoices: 0,
        plan_price: None,
        billing_period_start: None,
        billing_period_end: None,
        account_manager: None,
    }
}

/// The test procedure with `import_accounts` named under `[roles]`.
fn policy_naming_importers(roles: &str) -> holdfast_core::policy::Policy {
    let source = TEST_POLICY.replace(
        "[roles]\n",
        &format!("[roles]\nimport_accounts = [{roles}]\n"),
    );
    parse_policy(&source).expect("the policy parses")
}

#[test]
fn importing_accounts_takes_a_role_the_policy_names() {
    let policy = policy_naming_importers("\"manager\", \"admin\"");
    assert_eq!(
        policy.roles_for(Step::ImportAccounts),
        [Role::Manager, Role::Admin]
    );
    let refused = check_import(&am(), Some(&policy), &[draft("A-1")]).unwrap_err();
    assert_eq!(
        refused,
        CoreError::RoleRequired {
            step: Step::ImportAccounts,
            needed: vec![Role::Manager, Role::Admin],
        }
    );
    assert!(
        refused.to_string().contains("import accounts"),
        "the engine's words name the step: {refused}"
    );
    check_import(&actor(&[Role::Manager]), Some(&policy), &[draft("A-1")])
        .expect("a manager imports");
    // The policy's sentences say who imports.
    let sentences = render_policy(&policy).join("\n");
    assert!(sentences.contains("import accounts"), "{sentences}");
}

#[test]
fn a_policy_that_names_no_importers_keeps_any_role_and_no_role_imports_nothing() {
    let policy = test_policy();
    may_import(&am(), Some(&policy)).expect("any role, as before the step existed");
    may_import(&am(), None).expect("no policy yet: any role");
    for policy in [Some(&policy), None] {
        assert!(matches!(
            may_import(&actor(&[]), policy),
            Err(CoreError::Invalid { .. })
        ));
    }
    let mut gone = am();
    gone.active = false;
    assert!(matches!(
        may_import(&gone, Some(&test_policy())),
        Err(CoreError::InactiveUser { .. })
    ));
}

#[test]
fn a_contact_changed_after_verification_is_flagged_and_verified_again_through_the_new_one() {
    let mut case = Case::verified(test_policy(), test_account());
    assert!(case.state().identity_holds(&case.account));
    let list = checklist(case.state(), &case.policy, &case.account, &am());
    assert_eq!((list.identity_verified, list.contact_warning), (true, None));

    // The account is imported again with someone else's address.
    case.account.email = Some("mallory@example.net".into());
    let list = checklist(case.state(), &case.policy, &case.account, &am());
    assert!(!list.identity_verified);
    assert_eq!(
        list.contact_warning.as_deref(),
        Some(CONTACT_CHANGED_WARNING)
    );
    assert!(
        finalization_blockers(case.state(), &case.policy, &case.account)
            .contains(&Gate::IdentityVerified)
    );
    // A change to the account waits for the identity again (identity_before_changes).
    let refused = case
        .run(
            &am(),
            CaseCommand::WriteOffInvoices {
                amount: usd(10_000),
                invoices: 1,
            },
        )
        .err();
    assert!(
        matches!(
            refused,
            Some(CoreError::GateNotMet {
                gate: Gate::IdentityVerified
            })
        ),
        "{refused:?}"
    );
    // The old address is no longer on file; the new one is what verification uses.
    assert!(case
        .run(
            &am(),
            CaseCommand::VerifyIdentity {
                method: VerificationMethod::EmailOnFile,
                contact_used: Some("ana@acme.io".into()),
                evidence: "Replied from the old address".into(),
            },
        )
        .is_err());
    case.ok(
        &am(),
        CaseCommand::VerifyIdentity {
            method: VerificationMethod::EmailOnFile,
            contact_used: Some("mallory@example.net".into()),
            evidence: "Replied from the address on file now".into(),
        },
    );
    let list = checklist(case.state(), &case.policy, &case.account, &am());
    assert_eq!((list.identity_verified, list.contact_warning), (true, None));
}

#[test]
fn a_phone_change_flags_a_callback_and_a_security_question_checks_no_contact() {
    let mut case = Case::received(test_policy(), test_account());
    case.ok(
        &am(),
        CaseCommand::VerifyIdentity {
            method: VerificationMethod::CallbackToPhoneOnFile,
            contact_used: Some("1 (555) 010 2030".into()),
            evidence: "Called back the number on file".into(),
        },
    );
    // The same number written another way is the same contact.
    case.account.phone = Some("+1-555-010-2030".into());
    assert!(case.state().identity_holds(&case.account));
    case.account.phone = Some("+1 555 999 0000".into());
    assert!(!case.state().identity_holds(&case.account));
    assert!(case
        .state()
        .contact_changed_since_verification(&case.account));

    let mut asked = Case::received(test_policy(), test_account());
    asked.ok(
        &am(),
        CaseCommand::VerifyIdentity {
            method: VerificationMethod::SecurityQuestion,
            contact_used: Some("ana@acme.io".into()),
            evidence: "Answered the security question".into(),
        },
    );
    asked.account.email = Some("someone@else.io".into());
    assert!(asked.state().identity_holds(&asked.account));
}
