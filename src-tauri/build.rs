//! Compiles the app's context (config, assets, icons) and declares the app's own commands, so the
//! capability files can grant the main window exactly the commands it uses.

fn main() {
    let commands = &[
        "session_status",
        "create_passphrase",
        "unlock_with_passphrase",
        "choose_accounts_file",
        "import_accounts",
        "preview_accounts_import",
        "account_detail",
        "list_accounts",
        "open_case",
        "list_inbox",
        "inbox_facets",
        "case_detail",
        "run_case_command",
        "check_offer",
        "list_queue",
        "queue_counts",
        "desk_profile",
        "list_policy_presets",
        "choose_policy",
        "set_local_user",
        "policy_sentences",
        "search_notes",
        "compose_case_message",
        "send_case_message",
        "send_one_time_code",
        "enter_one_time_code",
        "sync_status",
        "connect_to_server",
        "sign_out_of_server",
        "sync_now",
        "sync_notices",
        "dismiss_sync_notice",
    ];
    tauri_build::try_build(
        tauri_build::Attributes::new()
            // The shell's files live in src-tauri/, beside the root package's manifest.
            .capabilities_path_pattern("./src-tauri/capabilities/**/*")
            .app_manifest(tauri_build::AppManifest::new().commands(commands)),
    )
    .expect("tauri-build failed: check tauri.conf.json and capabilities/");
}
