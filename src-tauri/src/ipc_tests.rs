//! The commands as the window reaches them: the app's real handler, context and capability on
//! Tauri's mock runtime, a temporary profile and an in-memory keyring, driven through IPC
//! requests. No window, no desktop keyring.

use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::{App, WebviewWindow, WebviewWindowBuilder};

use crate::commands::desktop::{LoginItems, MemoryLoginItem};
use crate::profile::Profile;
use crate::secrets::memory::MemoryVault;
use crate::state::AppState;

struct Desk {
    // Dropped after the app, so the database closes before its folder goes.
    _app: App<MockRuntime>,
    window: WebviewWindow<MockRuntime>,
    profile: tempfile::TempDir,
}

impl Desk {
    fn start(vault: &MemoryVault) -> Self {
        let profile = tempfile::tempdir().unwrap();
        let state = AppState::start(Profile::open(profile.path()), vault);
        let app = crate::with_commands(mock_builder())
            .manage(state)
            .manage(LoginItems(Box::new(MemoryLoginItem::default())))
            .build(crate::context())
            .unwrap();
        // The label the capability grants the commands to.
        let window = WebviewWindowBuilder::new(&app, "main", Default::default())
            .build()
            .unwrap();
        Desk {
            _app: app,
            window,
            profile,
        }
    }

    /// Invokes `command` as the window does (`invoke(command, { args })`); the error is the
    /// command's serialised `AppError`, or Tauri's own message for a request it refused.
    fn call(&self, command: &str, args: Option<Value>) -> Result<Value, Value> {
        let body = match args {
            Some(args) => json!({ "args": args }),
            None => json!({}),
        };
        get_ipc_response(
            &self.window,
            InvokeRequest {
                cmd: command.into(),
                callback: CallbackFn(0),
                error: CallbackFn(1),
                url: "tauri://localhost".parse().unwrap(),
                body: InvokeBody::Json(body),
                headers: Default::default(),
                invoke_key: INVOKE_KEY.to_string(),
            },
        )
        .map(|response| response.deserialize::<Value>().unwrap())
    }

    fn ok(&self, command: &str, args: Option<Value>) -> Value {
        self.call(command, args)
            .unwrap_or_else(|error| panic!("{command} failed: {error}"))
    }
}

const ACCOUNTS: &str = "external_id,name,contact_name,email,phone,preferred_channel,tier,\
                        hosting_server,plan,mrr,currency,customer_since,total_collected,\
                        accounts_receivable,original_sales_rep\n\
                        A-1,Acme Ltd,Ana Diaz,ana@acme.example,,email,Standard,,,120.00,USD,,,,\n";

#[test]
fn a_case_is_opened_and_acknowledged_through_the_commands() {
    let vault = MemoryVault::default();
    let desk = Desk::start(&vault);

    let status = desk.ok("session_status", None);
    assert_eq!(status["state"], "unlocked", "{status}");

    let amy = desk.ok(
        "set_local_user",
        Some(json!({ "name": "amy", "roles": ["account_manager"] })),
    );
    let policy = desk.ok("choose_policy", Some(json!({ "preset_id": "wootrecruit" })));
    assert_eq!(policy["id"], "wootrecruit");
    // The rail learns from the policy which queues it never fills: WootRecruit escalates to a
    // CSM but makes no offers and schedules no win-back check-ins.
    let unused: Vec<&str> = policy["queues"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|used| !used["unused_because"].is_null())
        .map(|used| used["queue"].as_str().unwrap())
        .collect();
    assert_eq!(unused, ["offer_approvals", "win_back"], "{policy}");

    let csv = desk.profile.path().join("accounts.csv");
    std::fs::write(&csv, ACCOUNTS).unwrap();
    let path = csv.display().to_string();
    let preview = desk.ok("preview_accounts_import", Some(json!({ "path": path })));
    assert_eq!(preview["verdict"], "ready", "{preview}");
    let summary = desk.ok(
        "import_accounts",
        Some(json!({ "path": path, "fingerprint": preview["fingerprint"] })),
    );
    assert_eq!(summary["created"], 1, "{summary}");
    let accounts = desk.ok("list_accounts", Some(json!({})));
    let account_id = accounts["items"][0]["id"].clone();

    let case = desk.ok(
        "open_case",
        Some(json!({
            "account_id": account_id,
            "channel": "email",
            "requester_name": "Ana Diaz",
            "requester_contact": "ana@acme.example",
            "received_at": null,
        })),
    );
    let case_id = case["id"].clone();
    assert_eq!(case["account_name"], "Acme Ltd");

    // The draft is written to the customer and signed by the person at the desk.
    let draft = desk.ok(
        "compose_case_message",
        Some(json!({ "case_id": case_id, "kind": "acknowledgement" })),
    );
    let body = draft["body"].as_str().unwrap();
    assert!(
        body.starts_with("Hi Ana Diaz, we received your request to cancel your WootRecruit subscription for Acme Ltd."),
        "{body}"
    );
    assert!(body.ends_with("Best regards,\namy"), "{body}");
    assert_eq!(draft["missing"], json!([]), "{draft}");

    // The first response is the acknowledgement message: recording it acknowledges the request.
    let acknowledged = desk.ok(
        "run_case_command",
        Some(json!({
            "case_id": case_id,
            "command": {
                "command": "record_message",
                "kind": "acknowledgement",
                "channel": "email",
                "body": "Hi Ana Diaz, we received your request to cancel Acme Ltd.",
            },
        })),
    );
    assert!(!acknowledged["summary"]["acknowledged_at"].is_null());

    let detail = desk.ok("case_detail", Some(json!({ "case_id": case_id })));
    let kinds: Vec<&str> = detail["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.first(), Some(&"received"), "{kinds:?}");
    assert_eq!(kinds.last(), Some(&"acknowledged"), "{kinds:?}");
    // The record keeps amy's stable id; the desk shows her name.
    assert_eq!(detail["timeline"][kinds.len() - 1]["actor"], amy["id"]);
    assert_eq!(detail["timeline"][kinds.len() - 1]["actor_name"], "amy");

    // Commands ran at the real clock's sub-millisecond instants: the chain verifies from what
    // the store read back.
    let audit = desk.ok("verify_audit_chain", None);
    assert_eq!(audit["verdict"]["verdict"], "intact", "{audit}");
    // The case's events and amy's own setting up.
    assert_eq!(audit["verdict"]["events"], kinds.len() + 1, "{audit}");
    assert!(audit["verified_at"].as_str().unwrap().ends_with('Z'));
}

/// The Due view through the commands: a first response owed since long ago is overdue; a snooze
/// to one of the offered times moves it to that time, a snooze into the past or of an unknown
/// item is refused and changes nothing; done takes it off the view; the reminder settings are
/// validated.
#[test]
fn an_overdue_first_response_is_snoozed_and_done_through_the_commands() {
    let desk = Desk::start(&MemoryVault::default());
    desk.ok(
        "set_local_user",
        Some(json!({ "name": "amy", "roles": ["account_manager"] })),
    );
    desk.ok(
        "choose_policy",
        Some(json!({ "preset_id": "intelliserve" })),
    );
    let csv = desk.profile.path().join("accounts.csv");
    std::fs::write(&csv, ACCOUNTS).unwrap();
    let path = csv.display().to_string();
    let preview = desk.ok("preview_accounts_import", Some(json!({ "path": path })));
    desk.ok(
        "import_accounts",
        Some(json!({ "path": path, "fingerprint": preview["fingerprint"] })),
    );
    let account_id = desk.ok("list_accounts", Some(json!({})))["items"][0]["id"].clone();
    let case = desk.ok(
        "open_case",
        Some(json!({
            "account_id": account_id,
            "channel": "email",
            "requester_name": "Ana Diaz",
            "requester_contact": "ana@acme.example",
            "received_at": "2026-01-05T15:00:00Z",
        })),
    );
    let key = format!("first_response/{}", case["id"].as_str().unwrap());

    let view = desk.ok("due_items", None);
    assert_eq!(view["overdue"][0]["key"], key, "{view}");
    assert_eq!(view["overdue"][0]["title"], "First response due: Acme Ltd");
    assert_eq!(
        view["overdue"][0]["kind"],
        json!({ "kind": "first_response" })
    );
    assert_eq!(view["zone"], "America/New_York");
    let choices = view["snooze_choices"].as_array().unwrap();
    assert_eq!(choices.len(), 3, "{view}");

    let refused = desk
        .call(
            "snooze_reminder",
            Some(json!({ "key": key, "until": "2020-01-01T00:00:00Z" })),
        )
        .unwrap_err();
    assert_eq!(refused["kind"], "validation", "{refused}");
    assert_eq!(refused["field"], "until", "{refused}");
    let unknown = desk
        .call(
            "snooze_reminder",
            Some(json!({ "key": "task/nothing", "until": choices[0]["until"] })),
        )
        .unwrap_err();
    assert_eq!(unknown["kind"], "not_found", "{unknown}");
    assert_eq!(desk.ok("due_items", None)["overdue"][0]["key"], key);

    let snoozed = desk.ok(
        "snooze_reminder",
        Some(json!({ "key": key, "until": choices[0]["until"] })),
    );
    assert_eq!(snoozed["overdue"], json!([]), "{snoozed}");
    let later: Vec<&Value> = snoozed["today"]
        .as_array()
        .unwrap()
        .iter()
        .chain(snoozed["upcoming"].as_array().unwrap())
        .collect();
    assert_eq!(later.len(), 1, "{snoozed}");
    assert_eq!(later[0]["snoozed_until"], choices[0]["until"]);

    let done = desk.ok("mark_reminder_done", Some(json!({ "key": key })));
    for group in ["overdue", "today", "upcoming"] {
        assert_eq!(done[group], json!([]), "{done}");
    }

    let settings = desk.ok("reminder_settings", None);
    assert_eq!(settings["lead_minutes"], 15, "{settings}");
    let refused = desk
        .call(
            "set_reminder_settings",
            Some(
                json!({ "zone": "Nowhere/Else", "working": null, "quiet": [], "lead_minutes": 10 }),
            ),
        )
        .unwrap_err();
    assert_eq!(refused["field"], "zone", "{refused}");
    let kept = desk.ok(
        "set_reminder_settings",
        Some(json!({
            "zone": "Europe/Berlin",
            "working": { "days": [1, 2, 3, 4, 5], "from": "08:00", "to": "17:30" },
            "quiet": [{ "days": [7], "from": "22:00", "to": "06:00" }],
            "lead_minutes": 30,
        })),
    );
    assert_eq!(desk.ok("reminder_settings", None), kept);
    assert_eq!(desk.ok("due_items", None)["zone"], "Europe/Berlin");
}

/// The roster, the people the desk names, and a rename that keeps the person.
/// Starting at login is off until turned on, and reads back as set; arguments it cannot read are
/// refused and change nothing.
#[test]
fn start_at_login_is_off_until_turned_on() {
    let desk = Desk::start(&MemoryVault::default());
    assert_eq!(desk.ok("start_at_login", None), json!({ "enabled": false }));
    assert_eq!(
        desk.ok("set_start_at_login", Some(json!({ "enabled": true }))),
        json!({ "enabled": true })
    );
    assert_eq!(desk.ok("start_at_login", None), json!({ "enabled": true }));
    let refused = desk
        .call("set_start_at_login", Some(json!({ "enabled": "no" })))
        .unwrap_err();
    assert_eq!(refused["kind"], "invalid_arguments", "{refused}");
    assert_eq!(refused["field"], "enabled", "{refused}");
    assert_eq!(desk.ok("start_at_login", None), json!({ "enabled": true }));
    assert_eq!(
        desk.ok("set_start_at_login", Some(json!({ "enabled": false }))),
        json!({ "enabled": false })
    );
    assert_eq!(desk.ok("start_at_login", None), json!({ "enabled": false }));
}

#[test]
fn the_roster_imports_and_people_keep_their_id_through_a_rename() {
    let vault = MemoryVault::default();
    let desk = Desk::start(&vault);
    let bea = desk.ok(
        "set_local_user",
        Some(json!({ "name": "Bea", "roles": ["billing"] })),
    );
    let renamed = desk.ok(
        "set_local_user",
        Some(json!({ "name": "Beatrice", "roles": ["billing", "manager"] })),
    );
    assert_eq!(renamed["id"], bea["id"], "{renamed}");
    let heather = desk.ok(
        "switch_local_user",
        Some(json!({ "name": "Heather", "roles": ["billing"] })),
    );
    assert_ne!(heather["id"], bea["id"]);
    let people = desk.ok("list_people", None);
    let names: Vec<(&str, &str)> = people
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p["name"].as_str().unwrap()))
        .collect();
    assert_eq!(
        names,
        vec![
            (bea["id"].as_str().unwrap(), "Beatrice"),
            (heather["id"].as_str().unwrap(), "Heather")
        ]
    );

    let roster = desk.profile.path().join("reps.csv");
    std::fs::write(&roster, "Name,Status\nRob Reyes,left\nMia Chen,active\n").unwrap();
    let summary = desk.ok(
        "import_sales_reps",
        Some(json!({ "path": roster.display().to_string() })),
    );
    assert_eq!(summary["added"], 2, "{summary}");
    let reps = desk.ok("list_sales_reps", None);
    assert_eq!(reps[0]["name"], "Mia Chen", "{reps}");
    assert_eq!(reps[1]["status"], "left", "{reps}");

    std::fs::write(&roster, "name,status\nRob Reyes,gone\n").unwrap();
    let error = desk
        .call(
            "import_sales_reps",
            Some(json!({ "path": roster.display().to_string() })),
        )
        .unwrap_err();
    assert_eq!(error["kind"], "invalid_rows", "{error}");
    assert_eq!(error["rows"][0]["line"], 2, "{error}");
    assert_eq!(error["rows"][0]["column"], "status", "{error}");
}

#[test]
fn a_bad_argument_is_a_typed_error() {
    let desk = Desk::start(&MemoryVault::default());
    assert_eq!(
        desk.call(
            "choose_policy",
            Some(json!({ "preset_id": "no-such-procedure" }))
        ),
        Err(json!({
            "kind": "validation",
            "field": "preset_id",
            "message": "there is no such procedure",
        }))
    );
    let error = desk
        .call(
            "case_detail",
            Some(json!({ "case_id": "0190b5d0-0000-7000-8000-000000000000" })),
        )
        .unwrap_err();
    assert_eq!(error["kind"], "not_found", "{error}");
}

/// The Reports screen's commands (issue 14): the figures come without their cases' ids, one
/// figure's cases come on request, and bad input is a typed error naming what was wrong.
#[test]
fn the_reports_answer_figures_and_refuse_bad_input_with_typed_errors() {
    let desk = Desk::start(&MemoryVault::default());
    desk.ok(
        "set_local_user",
        Some(json!({ "name": "amy", "roles": ["account_manager", "manager"] })),
    );
    desk.ok("choose_policy", Some(json!({ "preset_id": "wootrecruit" })));
    let csv = desk.profile.path().join("accounts.csv");
    std::fs::write(&csv, ACCOUNTS).unwrap();
    let path = csv.display().to_string();
    let preview = desk.ok("preview_accounts_import", Some(json!({ "path": path })));
    desk.ok(
        "import_accounts",
        Some(json!({ "path": path, "fingerprint": preview["fingerprint"] })),
    );
    let accounts = desk.ok("list_accounts", Some(json!({})));
    let case = desk.ok(
        "open_case",
        Some(json!({
            "account_id": accounts["items"][0]["id"],
            "channel": "email",
            "requester_name": "Ana Diaz",
            "requester_contact": "ana@acme.example",
            "received_at": null,
        })),
    );

    let report = desk.ok("report", Some(json!({ "filters": {} })));
    assert_eq!(report["totals"]["received"]["count"], 1, "{report}");
    assert_eq!(
        report["totals"]["received"]["case_ids"],
        json!([]),
        "{report}"
    );
    let drill = desk.ok(
        "report_cases",
        Some(json!({ "filters": {}, "figure": "/totals/received" })),
    );
    assert_eq!(drill["count"], 1, "{drill}");
    assert_eq!(drill["cases"][0]["id"], case["id"], "{drill}");
    assert_eq!(drill["cases"][0]["account_name"], "Acme Ltd", "{drill}");
    let weekly = desk.ok("weekly_reason_report", Some(json!({ "filters": {} })));
    assert_eq!(weekly["total"]["count"], 1, "{weekly}");
    // A row of the weekly reason report drills down to its cases, in that week's report.
    let week = format!(
        "{}-W{:02}",
        weekly["week"]["year"],
        weekly["week"]["week"].as_u64().unwrap()
    );
    let drill = desk.ok(
        "report_cases",
        Some(json!({ "filters": {}, "figure": "/reasons/0/this_week", "week": week })),
    );
    assert_eq!(drill["count"], 1, "{drill}");
    assert_eq!(drill["cases"][0]["id"], case["id"], "{drill}");
    let none = desk.ok(
        "report_cases",
        Some(json!({ "filters": {}, "figure": "/reasons/0/week_before", "week": week })),
    );
    assert_eq!(none["count"], 0, "{none}");
    let error = desk
        .call(
            "report_cases",
            Some(json!({ "filters": {}, "figure": "/reasons/0/this_week", "week": "2025-W53" })),
        )
        .unwrap_err();
    assert_eq!(error["field"], "week", "{error}");

    // A range that ends before it starts.
    let backwards = json!({ "from": "2026-06-01T00:00:00Z", "to": "2026-05-01T00:00:00Z" });
    for (command, args) in [
        ("report", json!({ "filters": backwards })),
        (
            "report_cases",
            json!({ "filters": backwards, "figure": "/totals/received" }),
        ),
    ] {
        let error = desk.call(command, Some(args)).unwrap_err();
        assert_eq!(error["kind"], "validation", "{command}: {error}");
        assert_eq!(error["field"], "to", "{command}: {error}");
    }
    // An unknown filter is refused, not ignored.
    let error = desk
        .call("report", Some(json!({ "filters": { "colour": "red" } })))
        .unwrap_err();
    assert_eq!(error["kind"], "invalid_arguments", "{error}");
    assert_eq!(error["field"], "filters.colour", "{error}");
    assert!(
        error["message"].as_str().unwrap().contains("unknown field"),
        "{error}"
    );
    // A reason the procedure does not have.
    let error = desk
        .call(
            "report",
            Some(json!({ "filters": { "reason": "no-such-reason" } })),
        )
        .unwrap_err();
    assert_eq!(
        error,
        json!({ "kind": "validation", "field": "reason",
                "message": "the procedure has no such cancellation reason" })
    );
    // A figure the report does not have.
    let error = desk
        .call(
            "report_cases",
            Some(json!({ "filters": {}, "figure": "/totals/nothing" })),
        )
        .unwrap_err();
    assert_eq!(error["kind"], "not_found", "{error}");
    assert_eq!(error["entity"], "figure", "{error}");
    // A week that is not an ISO week, refused before any save dialog opens.
    for (command, args) in [
        ("weekly_reason_report", json!({ "week": "2025-W53" })),
        (
            "save_weekly_reason_report",
            json!({ "week": "2025-W53", "format": "csv" }),
        ),
    ] {
        let error = desk.call(command, Some(args)).unwrap_err();
        assert_eq!(error["kind"], "validation", "{command}: {error}");
        assert_eq!(error["field"], "week", "{command}: {error}");
    }
    let error = desk
        .call(
            "save_weekly_reason_report",
            Some(json!({ "filters": {}, "format": "pdf" })),
        )
        .unwrap_err();
    assert_eq!(error["kind"], "invalid_arguments", "{error}");
    assert_eq!(error["field"], "format", "{error}");
    for args in [
        json!({ "format": "pdf" }),
        json!({}),
        json!({ "format": "csv", "x": 1 }),
    ] {
        let error = desk
            .call("save_cancellation_sheet", Some(args.clone()))
            .unwrap_err();
        assert_eq!(error["kind"], "invalid_arguments", "{args}: {error}");
    }
}

/// The list exports refuse what they cannot export before any save dialog opens: an unknown
/// format or field, and an inbox query the inbox itself refuses (a blank tier, a cursor from
/// another order).
#[test]
fn the_list_exports_refuse_bad_arguments_before_a_dialog_opens() {
    let desk = Desk::start(&MemoryVault::default());
    desk.ok(
        "set_local_user",
        Some(json!({ "name": "amy", "roles": ["account_manager"] })),
    );
    for (command, args) in [
        ("save_cases_export", json!({ "format": "pdf" })),
        ("save_cases_export", json!({})),
        ("save_cases_export", json!({ "format": "csv", "x": 1 })),
        ("save_tasks_export", json!({ "format": "ods" })),
        ("save_tasks_export", json!({ "format": "csv", "query": {} })),
    ] {
        let error = desk.call(command, Some(args.clone())).unwrap_err();
        assert_eq!(
            error["kind"], "invalid_arguments",
            "{command} {args}: {error}"
        );
    }
    let error = desk
        .call(
            "save_cases_export",
            Some(json!({ "format": "xlsx", "query": { "tier": "  " } })),
        )
        .unwrap_err();
    assert_eq!(error["kind"], "validation", "{error}");
    assert_eq!(error["field"], "tier", "{error}");
}

#[test]
fn a_customers_data_is_erased_only_when_their_external_id_is_typed_and_by_a_manager() {
    let desk = Desk::start(&MemoryVault::default());
    desk.ok(
        "set_local_user",
        Some(json!({ "name": "amy", "roles": ["account_manager"] })),
    );
    desk.ok("choose_policy", Some(json!({ "preset_id": "wootrecruit" })));
    let csv = desk.profile.path().join("accounts.csv");
    std::fs::write(&csv, ACCOUNTS).unwrap();
    let path = csv.display().to_string();
    let preview = desk.ok("preview_accounts_import", Some(json!({ "path": path })));
    desk.ok(
        "import_accounts",
        Some(json!({ "path": path, "fingerprint": preview["fingerprint"] })),
    );
    let account = desk.ok("list_accounts", Some(json!({})))["items"][0].clone();
    let account_id = account["id"].clone();
    let external_id = account["external_id"].as_str().unwrap().to_owned();
    desk.ok(
        "open_case",
        Some(json!({
            "account_id": account_id,
            "channel": "email",
            "requester_name": "Ana Diaz",
            "requester_contact": "ana@acme.example",
            "received_at": null,
        })),
    );

    // An account manager may not, under WootRecruit (which names nobody: managers and admins).
    let refused = desk
        .call(
            "erase_customer_data",
            Some(json!({ "account_id": account_id, "confirm_external_id": external_id })),
        )
        .unwrap_err();
    assert_eq!(refused["kind"], "forbidden", "{refused}");

    desk.ok(
        "set_local_user",
        Some(json!({ "name": "amy", "roles": ["manager"] })),
    );
    // A slip of the finger is not a confirmation.
    let unconfirmed = desk
        .call(
            "erase_customer_data",
            Some(json!({ "account_id": account_id, "confirm_external_id": "A-2" })),
        )
        .unwrap_err();
    assert_eq!(unconfirmed["kind"], "validation", "{unconfirmed}");
    assert_eq!(unconfirmed["field"], "confirm_external_id");
    assert_eq!(
        desk.ok("list_accounts", Some(json!({})))["items"][0]["name"],
        "Acme Ltd"
    );

    let erased = desk.ok(
        "erase_customer_data",
        Some(
            json!({ "account_id": account_id, "confirm_external_id": format!(" {external_id} ") }),
        ),
    );
    assert_eq!(erased["reason"], "request", "{erased}");
    assert_eq!(erased["cases"], 1, "{erased}");
    assert_eq!(erased["sent_to_server"], false);
    let listed = desk.ok("list_accounts", Some(json!({})));
    assert_eq!(listed["items"][0]["name"], "(erased)", "{listed}");
    assert!(listed["items"][0]["email"].is_null());
    let inbox = desk.ok("list_inbox", Some(json!({})));
    assert_eq!(inbox["items"][0]["requester_name"], "(erased)", "{inbox}");
    let audit = desk.ok("verify_audit_chain", None);
    assert_eq!(audit["verdict"]["verdict"], "intact", "{audit}");
}

#[test]
fn a_build_without_the_updater_says_it_does_not_update_itself() {
    let desk = Desk::start(&MemoryVault::default());
    for (command, args) in [
        ("check_for_update", None),
        ("install_update", Some(json!({ "version": "9.9.9" }))),
    ] {
        let error = desk.call(command, args).unwrap_err();
        assert_eq!(error["kind"], "update", "{command}: {error}");
        assert!(
            error["message"]
                .as_str()
                .unwrap()
                .contains("does not update itself"),
            "{command}: {error}"
        );
    }
    let error = desk
        .call("install_update", Some(json!({ "version": 9 })))
        .unwrap_err();
    assert_eq!(error["kind"], "invalid_arguments", "{error}");
}

#[test]
fn without_a_keyring_the_profile_is_protected_by_a_passphrase() {
    let desk = Desk::start(&MemoryVault::unavailable());
    assert_eq!(
        desk.ok("session_status", None)["state"],
        "needs_new_passphrase"
    );
    let short = desk
        .call("create_passphrase", Some(json!({ "passphrase": "short" })))
        .unwrap_err();
    assert_eq!(short["kind"], "validation");
    assert_eq!(short["field"], "passphrase");
    // Nothing opens the database before the passphrase does.
    assert_eq!(
        desk.call("desk_profile", None).unwrap_err()["kind"],
        "locked"
    );
    let created = desk.ok(
        "create_passphrase",
        Some(json!({ "passphrase": "a long enough passphrase" })),
    );
    assert_eq!(created["state"], "unlocked", "{created}");
    let profile = desk.ok("desk_profile", None);
    assert!(profile["policy"].is_null(), "{profile}");
}

#[test]
fn the_window_cannot_call_what_it_is_not_granted() {
    let desk = Desk::start(&MemoryVault::default());
    // A command the app does not have: refused by the capability before any handler runs.
    let refused = desk
        .call("plugin:opener|open_url", Some(json!({})))
        .unwrap_err();
    assert!(refused.to_string().contains("not allowed"), "{refused}");
}

/// Random and mutated arguments for every command the window may call (issue 12): the answer is
/// a success or a typed `AppError` (`invalid_arguments` naming the command when the arguments do
/// not read as its arguments); never a panic, never a bare string; and a refused call changes
/// nothing: no audit event, the same profile.
mod fuzz {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};

    use super::*;

    /// Commands left out, and why: they wait on a person or on the network by design.
    const LEFT_OUT: &[(&str, &str)] = &[
        (
            "choose_accounts_file",
            "opens the native file dialog and waits for a person",
        ),
        (
            "export_pending_work",
            "opens the native save dialog and waits for a person",
        ),
        (
            "save_weekly_reason_report",
            "opens the native save dialog and waits for a person",
        ),
        (
            "save_cancellation_sheet",
            "opens the native save dialog and waits for a person",
        ),
        (
            "save_customer_data",
            "opens the native save dialog and waits for a person",
        ),
        (
            "save_audit_export",
            "opens the native save dialog and waits for a person",
        ),
        (
            "check_audit_export",
            "opens the native file dialog and waits for a person",
        ),
        (
            "save_cases_export",
            "opens the native save dialog and waits for a person",
        ),
        (
            "save_tasks_export",
            "opens the native save dialog and waits for a person",
        ),
        (
            "connect_to_server",
            "signs in to the address it is given over the network",
        ),
        (
            "check_for_update",
            "asks the release server over the network",
        ),
        (
            "install_update",
            "downloads from the release server and restarts the app",
        ),
        ("quit_app", "ends the app"),
    ];

    fn any_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            Just(json!(u64::MAX)),
            any::<f64>().prop_map(|f| json!(f)),
            ".{0,24}".prop_map(Value::String),
            Just(json!("00000000-0000-0000-0000-000000000000")),
            Just(json!("../../etc/passwd")),
        ];
        leaf.prop_recursive(2, 12, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
                prop::collection::btree_map(
                    prop_oneof![
                        "[a-z_]{1,10}",
                        Just("case_id".to_owned()),
                        Just("account_id".to_owned()),
                        Just("path".to_owned()),
                        Just("command".to_owned()),
                        Just("kind".to_owned()),
                        Just("name".to_owned()),
                    ],
                    inner,
                    0..4
                )
                .prop_map(|map| Value::Object(map.into_iter().collect())),
            ]
        })
    }

    /// What a refused call must leave as it was: the audit trail's length and the profile.
    fn state(desk: &Desk) -> (Value, Value) {
        (
            desk.ok("verify_audit_chain", None)["verdict"]["events"].clone(),
            desk.ok("desk_profile", None),
        )
    }

    /// `error` is the typed refusal of `command`'s arguments: it names the command, says what was
    /// wrong, and names a field when one is to blame.
    fn is_refusal_of(error: &Value, command: &str) -> bool {
        error["kind"] == "invalid_arguments"
            && error["command"] == command
            && error["message"].as_str().is_some_and(|m| !m.is_empty())
            && (error["field"].is_null() || error["field"].as_str().is_some_and(|f| !f.is_empty()))
    }

    /// Every command and whether it takes arguments, from the one list (`commands/list.rs`).
    macro_rules! takes_args {
        ($($module:ident::$name:ident($args:ty) -> $result:ty),* $(,)?) => {
            vec![$((stringify!($name), stringify!($args) != "()")),*]
        };
    }

    /// Arguments no command reads (missing, or not an object) get the typed refusal from every
    /// command that takes any: before it runs, so nothing changes. Commands left out of the
    /// random run are in here too: their arguments are refused before they reach a person or
    /// the network.
    #[test]
    fn every_command_refuses_arguments_it_cannot_read_with_a_typed_error() {
        let desk = Desk::start(&MemoryVault::default());
        desk.ok(
            "set_local_user",
            Some(json!({ "name": "amy", "roles": ["account_manager", "manager"] })),
        );
        desk.ok("choose_policy", Some(json!({ "preset_id": "wootrecruit" })));
        let before = state(&desk);
        let commands = crate::commands::for_each_command!(takes_args);
        assert_eq!(commands.len(), crate::commands::COMMAND_NAMES.len());
        let mut checked = 0;
        for (command, takes_args) in commands {
            if !takes_args {
                continue;
            }
            for args in [
                None,
                Some(json!(null)),
                Some(json!(5)),
                Some(json!("x")),
                Some(json!(true)),
            ] {
                let error = desk
                    .call(command, args.clone())
                    .expect_err(&format!("{command} {args:?} was accepted"));
                assert!(
                    is_refusal_of(&error, command),
                    "{command} {args:?}: {error}"
                );
                checked += 1;
            }
        }
        assert!(checked >= 5 * 20, "{checked}");
        assert_eq!(state(&desk), before);
    }

    /// A refusal names the field and what was wrong with it, and never repeats a passphrase or
    /// password that was sent.
    #[test]
    fn a_refusal_names_the_field_and_never_repeats_a_secret() {
        let desk = Desk::start(&MemoryVault::unavailable());
        let refused = desk
            .call(
                "create_passphrase",
                Some(json!({ "passphrase": 918_273_645_546_u64 })),
            )
            .unwrap_err();
        assert_eq!(
            refused,
            json!({
                "kind": "invalid_arguments",
                "command": "create_passphrase",
                "field": "passphrase",
                "message": "expected a string, got an integer",
            })
        );
        // Still a new profile: nothing was created.
        assert_eq!(
            desk.ok("session_status", None)["state"],
            "needs_new_passphrase"
        );
        let refused = desk
            .call(
                "connect_to_server",
                Some(json!({
                    "address": "https://sync.example",
                    "organisation": "acme",
                    "user": "amy",
                    "password": ["correct horse battery staple"],
                })),
            )
            .unwrap_err();
        assert!(!refused.to_string().contains("correct horse"), "{refused}");
        assert_eq!(refused["field"], "password", "{refused}");
        let refused = desk
            .call(
                "case_detail",
                Some(json!({ "case_id": "0190b5d0-zzzz-7000-8000-000000000000" })),
            )
            .unwrap_err();
        assert_eq!(refused["kind"], "invalid_arguments", "{refused}");
        assert_eq!(refused["field"], "case_id", "{refused}");
        let refused = desk
            .call("list_inbox", Some(json!({ "limit": -3 })))
            .unwrap_err();
        assert_eq!(
            refused,
            json!({
                "kind": "invalid_arguments",
                "command": "list_inbox",
                "field": "limit",
                "message": "expected u32; the integer sent is not",
            })
        );
    }

    #[test]
    fn every_command_answers_random_arguments_with_a_typed_error_and_records_nothing() {
        let vault = MemoryVault::default();
        let desk = Desk::start(&vault);
        desk.ok(
            "set_local_user",
            Some(json!({ "name": "amy", "roles": ["account_manager", "manager"] })),
        );
        desk.ok("choose_policy", Some(json!({ "preset_id": "wootrecruit" })));
        for &command in crate::commands::COMMAND_NAMES {
            if LEFT_OUT.iter().any(|(name, _)| *name == command) {
                continue;
            }
            // A runner per command: a runner counts its cases across runs.
            TestRunner::new(Config {
                cases: 40,
                failure_persistence: None,
                ..Config::default()
            })
            .run(&any_json(), |args| {
                let before = state(&desk);
                match desk.call(command, Some(args.clone())) {
                    Ok(_) => {}
                    Err(error) => {
                        prop_assert!(
                            error.get("kind").is_some_and(Value::is_string),
                            "{command} {args}: not a typed error: {error}"
                        );
                        if error["kind"] == "invalid_arguments" {
                            prop_assert!(
                                is_refusal_of(&error, command),
                                "{command} {args}: {error}"
                            );
                        }
                        prop_assert_eq!(
                            &before,
                            &state(&desk),
                            "{} {} was refused but changed something",
                            command,
                            args
                        );
                    }
                }
                Ok(())
            })
            .unwrap_or_else(|failure| panic!("{command}: {failure}"));
        }
    }
}

/// A `holdfast://` link that arrived (at start, or from a second start) waits for the window,
/// which takes it once.
#[test]
fn the_window_takes_the_link_that_arrived_once() {
    use tauri::Manager;

    use crate::links::{parse, OpenedLink, OpenedLinks};

    let desk = Desk::start(&MemoryVault::default());
    assert_eq!(desk.ok("take_opened_link", None), Value::Null);
    let id = "0190f0c1-2b3c-7d4e-8f00-112233445566";
    desk._app
        .state::<OpenedLinks>()
        .put(OpenedLink::from(parse(&format!("holdfast://case/{id}"))));
    assert_eq!(
        desk.ok("take_opened_link", None),
        json!({ "open": "case", "case_id": id })
    );
    assert_eq!(desk.ok("take_opened_link", None), Value::Null);
    desk._app
        .state::<OpenedLinks>()
        .put(OpenedLink::from(parse("holdfast://case/nope")));
    let refused = desk.ok("take_opened_link", None);
    assert_eq!(refused["open"], "refused", "{refused}");
    assert!(refused["message"]
        .as_str()
        .unwrap()
        .contains("not a case id"));
}

/// The diagnostics of a desk with customers and a case in it say what support needs and name
/// no customer, no person and no folder.
#[test]
fn the_diagnostics_name_no_customer() {
    use tauri::Manager;

    let desk = Desk::start(&MemoryVault::default());
    desk.ok(
        "set_local_user",
        Some(json!({ "name": "Amy Account", "roles": ["account_manager"] })),
    );
    desk.ok("choose_policy", Some(json!({ "preset_id": "wootrecruit" })));
    let csv = desk.profile.path().join("accounts.csv");
    std::fs::write(&csv, ACCOUNTS).unwrap();
    let path = csv.display().to_string();
    let preview = desk.ok("preview_accounts_import", Some(json!({ "path": path })));
    desk.ok(
        "import_accounts",
        Some(json!({ "path": path, "fingerprint": preview["fingerprint"] })),
    );
    let accounts = desk.ok("list_accounts", Some(json!({})));
    desk.ok(
        "open_case",
        Some(json!({
            "account_id": accounts["items"][0]["id"],
            "channel": "email",
            "requester_name": "Ana Diaz",
            "requester_contact": "ana@acme.example",
            "received_at": null,
        })),
    );

    let app = desk._app.handle().clone();
    let state = desk._app.state::<AppState>();
    // A problem whose kind the log kept (the rule keeps names out of log lines).
    let recent =
        vec!["[2026-12-06][09:00:00][holdfast_app::sync][WARN] sync: round offline".into()];
    let text =
        tauri::async_runtime::block_on(crate::diagnostics::collect(&app, &state, recent)).text();
    for expected in [
        &format!("Holdfast {}", env!("CARGO_PKG_VERSION")),
        "OS: ",
        "local, encrypted, key in the OS keyring",
        "Session: unlocked",
        "Sync: not joined to a team server",
        "sync: round offline",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} is missing from:\n{text}"
        );
    }
    let folder = desk.profile.path().display().to_string();
    for private in [
        "Acme",
        "Ana Diaz",
        "ana@acme.example",
        "Amy Account",
        "A-1",
        folder.as_str(),
    ] {
        assert!(
            !text.contains(private),
            "the diagnostics name {private:?}:\n{text}"
        );
    }
}
