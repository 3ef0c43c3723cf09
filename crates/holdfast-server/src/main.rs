//! `holdfast-server`: the sync server's command line (see `holdfast_server::cli`).

use clap::Parser;
use holdfast_server::cli::{run, Cli};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run(Cli::parse()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("holdfast-server: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}
