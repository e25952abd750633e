use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = registry::Cli::parse();
    registry::run(cli)
}
