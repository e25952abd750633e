//! `registry completions SHELL` and `registry man`: generated from the command line's own
//! definition, so they never drift from it.

use clap::CommandFactory as _;

use crate::cli::{Cli, CompletionsArgs, ManArgs};
use crate::output::Output;
use crate::{Error, ExitStatus, Result};

pub(super) fn run(args: &CompletionsArgs, out: &mut Output) -> Result<ExitStatus> {
    let mut command = Cli::command();
    let mut bytes = Vec::new();
    clap_complete::generate(args.shell, &mut command, "registry", &mut bytes);
    out.print(&text(bytes)?);
    Ok(ExitStatus::Clean)
}

/// The man page of `registry`, or of one of its commands (`registry-build(1)`).
pub(super) fn man(args: &ManArgs, out: &mut Output) -> Result<ExitStatus> {
    let mut command = Cli::command();
    command.build();
    let page = match &args.command {
        None => command,
        Some(name) => {
            let Some(sub) = command.find_subcommand(name) else {
                let names: Vec<&str> = command
                    .get_subcommands()
                    .map(clap::Command::get_name)
                    .collect();
                return Err(Error::Lookup {
                    message: format!("`{}` is not a command", crate::text::shown(name, 80)),
                    help: crate::diagnostic::suggest(name, names)
                        .map(|near| format!("did you mean `{near}`?")),
                });
            };
            // Built, it is already displayed as `registry-<name>`.
            sub.clone()
        }
    };
    let mut bytes = Vec::new();
    clap_mangen::Man::new(page)
        .render(&mut bytes)
        .map_err(|source| Error::Internal {
            message: format!("cannot render the man page: {source}"),
        })?;
    out.print(&text(bytes)?);
    Ok(ExitStatus::Clean)
}

fn text(bytes: Vec<u8>) -> Result<String> {
    String::from_utf8(bytes).map_err(|error| Error::Internal {
        message: format!("generated text is not UTF-8: {error}"),
    })
}
