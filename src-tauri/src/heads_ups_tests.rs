//! Heads-ups on a profile of its own, end to end below the window: configured through the
//! commands as the window calls them, queued from the case events the commands record, and sent
//! by the loop's round (`heads_ups::run_once`) to a real receiver on loopback that checks the
//! signature. The rounds are run at chosen instants, so the backoff is walked without waiting.

use holdfast_sync::heads_up::HeadsUpSender;
use holdfast_sync::heads_up_receiver::Receiver;
use jiff::{SignedDuration, Timestamp};
use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::{App, Manager, WebviewWindow, WebviewWindowBuilder};

use crate::commands::desktop::{LoginItems, MemoryLoginItem};
use crate::heads_ups::{run_once, Round};
use crate::profile::Profile;
use crate::secrets::memory::MemoryVault;
use crate::state::AppState;

const SECRET: &str = "a-long-enough-signing-secret";

struct Desk {
    app: App<MockRuntime>,
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
        let window = WebviewWindowBuilder::new(&app, "main", Default::default())
            .build()
            .unwrap();
        Desk {
            app,
            window,
            profile,
        }
    }

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

    /// A manager's profile under WootRecruit with one account, `A-1`.
    fn set_up(vault: &MemoryVault, roles: &[&str]) -> Self {
        let desk = Desk::start(vault);
        assert_eq!(desk.ok("session_status", None)["state"], "unlocked");
        desk.ok(
            "set_local_user",
            Some(json!({ "name": "Mia Manager", "roles": roles })),
        );
        desk.ok("choose_policy", Some(json!({ "preset_id": "wootrecruit" })));
        let csv = desk.profile.path().join("accounts.csv");
        std::fs::write(
            &csv,
            "external_id,name,contact_name,email,phone,preferred_channel,tier,hosting_server,plan,\
             mrr,currency,customer_since,total_collected,accounts_receivable,original_sales_rep\n\
             A-1,Acme Ltd,Ana Diaz,ana@acme.example,,email,Standard,,,120.00,USD,,,,\n",
        )
        .unwrap();
        let path = csv.display().to_string();
        let preview = desk.ok("preview_accounts_import", Some(json!({ "path": path })));
        desk.ok(
            "import_accounts",
            Some(json!({ "path": path, "fingerprint": preview["fingerprint"] })),
        );
        desk
    }

    fn open_case(&self) -> String {
        let accounts = self.ok("list_accounts", Some(json!({})));
        let case = self.ok(
            "open_case",
            Some(json!({
                "account_id": accounts["items"][0]["id"],
                "channel": "email",
                "requester_name": "Ana Diaz",
                "requester_contact": "ana@acme.example",
                "received_at": null,
            })),
        );
        case["id"].as_str().unwrap().to_owned()
    }

    fn subscribe(&self, url: &str) -> Value {
        self.ok(
            "save_heads_up_subscription",
            Some(json!({
                "subscription": {
                    "name": "crm",
                    "url": url,
                    "format": "signed",
                    "kinds": ["received"],
                },
                "secret": SECRET,
            })),
        )
    }

    fn round(&self, sender: &HeadsUpSender, at: Timestamp) -> Round {
        let state = self.app.state::<AppState>();
        tauri::async_runtime::block_on(run_once(
            state.database(),
            sender,
            state.heads_up_secrets(),
            at,
        ))
        .unwrap()
    }
}

fn after(start: Timestamp, seconds: i64) -> Timestamp {
    start
        .checked_add(SignedDuration::from_secs(seconds))
        .unwrap()
}

#[test]
fn a_receiver_that_fails_twice_gets_the_same_key_each_time_and_the_heads_up_once() {
    let vault = MemoryVault::default();
    let desk = Desk::set_up(&vault, &["manager"]);
    let receiver =
        tauri::async_runtime::block_on(Receiver::start(Some(SECRET.as_bytes()))).unwrap();
    let settings = desk.subscribe(&receiver.url());
    assert_eq!(
        settings["subscriptions"][0]["has_secret"], true,
        "{settings}"
    );
    assert!(settings["subscriptions"][0].get("secret").is_none());
    receiver.fail_next(2);
    let sender = HeadsUpSender::new().unwrap();
    let case_id = desk.open_case();

    let start = Timestamp::now();
    let first = desk.round(&sender, start);
    assert_eq!((first.queued, first.attempted, first.delivered), (1, 1, 0));
    // Not due again before the backoff's 30 seconds.
    assert_eq!(desk.round(&sender, after(start, 29)).attempted, 0);
    assert_eq!(desk.round(&sender, after(start, 30)).delivered, 0);
    let log = desk.ok("heads_up_settings", None)["deliveries"].clone();
    assert_eq!(log[0]["status"], "pending", "{log}");
    assert_eq!(log[0]["attempts"], 2);
    assert_eq!(log[0]["last_error"], "HTTP 503");
    assert_eq!(desk.round(&sender, after(start, 90)).delivered, 1);
    assert_eq!(desk.round(&sender, after(start, 100_000)).attempted, 0);

    let attempts = receiver.attempts();
    assert_eq!(attempts.len(), 3);
    assert!(attempts.iter().all(|id| *id == attempts[0]), "{attempts:?}");
    let received = receiver.received();
    assert_eq!(received.len(), 1);
    assert_eq!(receiver.bad_signatures(), 0);
    let body: Value = serde_json::from_str(&received[0].body).unwrap();
    assert_eq!(body["kind"], "received");
    assert_eq!(body["case_id"], case_id);
    assert_eq!(body["account_external_id"], "A-1");
    assert_eq!(body["recorded_by"], "Mia Manager");
    assert!(!received[0].body.contains("Ana Diaz"));
    assert!(!received[0].body.contains("acme.example"));
    let log = desk.ok("heads_up_settings", None)["deliveries"].clone();
    assert_eq!(log[0]["status"], "delivered", "{log}");
    assert_eq!(log[0]["attempts"], 3);
    assert_eq!(log[0]["id"], attempts[0].to_string());
}

#[test]
fn a_receiver_that_is_down_for_a_while_gets_its_heads_ups_when_it_is_back() {
    let vault = MemoryVault::default();
    let desk = Desk::set_up(&vault, &["manager"]);
    let mut receiver =
        tauri::async_runtime::block_on(Receiver::start(Some(SECRET.as_bytes()))).unwrap();
    desk.subscribe(&receiver.url());
    tauri::async_runtime::block_on(receiver.stop());
    let sender = HeadsUpSender::new().unwrap();
    let first = desk.open_case();
    let second = desk.open_case();

    let start = Timestamp::now();
    assert_eq!(desk.round(&sender, start).attempted, 2);
    assert_eq!(desk.round(&sender, after(start, 30)).delivered, 0);
    let log = desk.ok("heads_up_settings", None)["deliveries"].clone();
    assert!(
        log[0]["last_error"]
            .as_str()
            .unwrap()
            .starts_with("could not connect"),
        "{log}"
    );
    assert!(receiver.received().is_empty());

    tauri::async_runtime::block_on(receiver.restart()).unwrap();
    assert_eq!(desk.round(&sender, after(start, 90)).delivered, 2);
    let cases: Vec<String> = receiver
        .received()
        .iter()
        .map(|received| {
            serde_json::from_str::<Value>(&received.body).unwrap()["case_id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(cases, [first, second]);
}

#[test]
fn only_a_manager_configures_heads_ups_and_bad_ones_change_nothing() {
    let vault = MemoryVault::default();
    let agent = Desk::set_up(&vault, &["account_manager"]);
    let refused = agent.call("heads_up_settings", None).unwrap_err();
    assert_eq!(refused["kind"], "forbidden", "{refused}");

    let vault = MemoryVault::default();
    let desk = Desk::set_up(&vault, &["manager"]);
    let save = |subscription: Value, secret: Option<&str>| {
        desk.call(
            "save_heads_up_subscription",
            Some(json!({ "subscription": subscription, "secret": secret })),
        )
    };
    let signed = json!({
        "name": "billing", "url": "https://hooks.example.com/x", "format": "signed",
        "kinds": ["refund_requested"],
    });
    let field = |error: Value| error["field"].as_str().unwrap_or_default().to_owned();
    assert_eq!(field(save(signed.clone(), None).unwrap_err()), "secret");
    assert_eq!(
        field(save(signed.clone(), Some("short")).unwrap_err()),
        "secret"
    );
    let mut bad_url = signed.clone();
    bad_url["url"] = json!("hooks.example.com");
    assert_eq!(field(save(bad_url, Some(SECRET)).unwrap_err()), "url");
    let mut bad_kind = signed.clone();
    bad_kind["kinds"] = json!(["note_added"]);
    assert_eq!(field(save(bad_kind, Some(SECRET)).unwrap_err()), "kinds");
    let settings = desk.ok("heads_up_settings", None);
    assert_eq!(settings["subscriptions"], json!([]), "{settings}");
    assert_eq!(settings["team"], false);
    assert!(settings["kinds"].as_array().unwrap().len() >= 5);

    // Saved with a secret; changed later without one, the kept secret stays.
    save(signed.clone(), Some(SECRET)).unwrap();
    let mut moved = signed.clone();
    moved["url"] = json!("https://hooks.example.com/y");
    let settings = save(moved, None).unwrap();
    assert_eq!(
        settings["subscriptions"][0]["url"],
        "https://hooks.example.com/y"
    );
    assert_eq!(settings["subscriptions"][0]["has_secret"], true);
    let removed = desk.ok(
        "remove_heads_up_subscription",
        Some(json!({ "name": "billing" })),
    );
    assert_eq!(removed["subscriptions"], json!([]));
    let again = desk
        .call(
            "remove_heads_up_subscription",
            Some(json!({ "name": "billing" })),
        )
        .unwrap_err();
    assert_eq!(again["kind"], "not_found", "{again}");
}
