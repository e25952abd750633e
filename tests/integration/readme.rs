//! The README is part of the interface: its headings never skip a level, its test command is
//! what CI runs, its commands table lists every command, and its diagnostics reference lists
//! every code.

use crate::test::project_root;

fn readme() -> String {
    std::fs::read_to_string(project_root().join("README.md")).unwrap()
}

/// The codes in the README's diagnostics reference, in order.
pub(crate) fn codes(readme: &str) -> Vec<String> {
    let section = readme
        .split("\n### Diagnostic codes\n")
        .nth(1)
        .expect("the README has a diagnostics reference");
    section
        .lines()
        .skip_while(|line| !line.starts_with('|'))
        .take_while(|line| line.starts_with('|'))
        .filter_map(|line| {
            line.strip_prefix("| `")?
                .split_once('`')
                .map(|(code, _)| code.to_owned())
        })
        .collect()
}

#[test]
fn headings_never_skip_a_level() {
    let mut level = 0;
    let mut fenced = false;
    for line in readme().lines() {
        if line.starts_with("```") {
            fenced = !fenced;
        }
        if fenced || !line.starts_with('#') {
            continue;
        }
        let depth = line.chars().take_while(|c| *c == '#').count();
        assert!(depth <= level + 1, "heading skips a level: {line}");
        level = depth;
    }
}

#[test]
fn ci_runs_the_test_command_of_the_quick_start() {
    let readme = readme();
    let quick_start = readme.split("## Quick start").nth(1).unwrap();
    let block = quick_start.split("```").nth(1).unwrap();
    let commands: Vec<&str> = block
        .lines()
        .skip(1)
        .filter(|line| !line.trim().is_empty())
        .collect();
    assert_eq!(
        commands.len(),
        2,
        "the quick start is two commands: {commands:?}"
    );
    let ci = std::fs::read_to_string(project_root().join(".ci/run")).unwrap();
    assert!(
        ci.contains(commands[1]),
        "`.ci/run` does not run `{}`",
        commands[1]
    );
}

#[test]
fn every_command_is_in_the_commands_table() {
    let help = crate::test::registry(&project_root())
        .args(["--help"])
        .output();
    assert_eq!(help.status, 0, "{}", help.report());
    let commands: Vec<&str> = help
        .stdout
        .split("Commands:\n")
        .nth(1)
        .unwrap()
        .lines()
        .take_while(|line| line.starts_with("  "))
        .filter(|line| !line.starts_with("   "))
        .filter_map(|line| line.split_whitespace().next())
        .filter(|command| *command != "help")
        .collect();
    assert!(commands.contains(&"publish") && commands.contains(&"fetch"));
    let readme = readme();
    let table = readme.split("\n## Commands\n").nth(1).unwrap();
    for command in commands {
        assert!(
            table.contains(&format!("| `registry {command}")),
            "the README's commands table has no row for `registry {command}`"
        );
    }
}
