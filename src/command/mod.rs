//! One file per verb. Each takes its arguments and the [`Output`], and returns how the run
//! ended.

mod check;

use crate::cli::{Cli, Command};
use crate::output::Output;
use crate::{Error, ExitStatus, Result};

pub(crate) fn run(cli: Cli, out: &mut Output) -> Result<ExitStatus> {
    out.set_color(cli.color);
    if let Some(directory) = &cli.directory {
        std::env::set_current_dir(directory).map_err(|source| Error::ChangeDir {
            path: directory.clone(),
            source,
        })?;
    }
    match cli.command {
        Command::Check(args) => check::run(&cli.root, &args, out),
    }
}
