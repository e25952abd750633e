//! `registry completions`, `registry man` and `registry schema`: generated from the command
//! line's definition and the embedded schemas; every command is in each; bash accepts the bash
//! script; the schemas are self-contained and validate the example registry's own values.

use std::process::Command;

use crate::test::{project_root, registry};

/// Every command `registry --help` lists.
fn commands() -> Vec<String> {
    let help = registry(&project_root()).args(["--help"]).output();
    help.stdout
        .split("Commands:\n")
        .nth(1)
        .unwrap()
        .lines()
        .take_while(|line| line.starts_with("  "))
        .filter(|line| !line.starts_with("   "))
        .filter_map(|line| line.split_whitespace().next())
        .filter(|command| *command != "help")
        .map(str::to_owned)
        .collect()
}

#[test]
fn completions_for_bash_zsh_and_fish_mention_every_command() {
    let commands = commands();
    assert!(commands.len() >= 12, "{commands:?}");
    for shell in ["bash", "zsh", "fish"] {
        let output = registry(&project_root())
            .args(["completions", shell])
            .output();
        assert_eq!(output.status, 0, "{}", output.report());
        for command in &commands {
            assert!(
                output.stdout.contains(command.as_str()),
                "{shell}: no `{command}`"
            );
        }
        assert_eq!(
            output.stdout,
            registry(&project_root())
                .args(["completions", shell])
                .output()
                .stdout
        );
    }
    let script = registry(&project_root())
        .args(["completions", "bash"])
        .output()
        .stdout;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("registry.bash");
    std::fs::write(&path, &script).unwrap();
    let syntax = Command::new("bash").arg("-n").arg(&path).output().unwrap();
    assert!(
        syntax.status.success(),
        "{}",
        String::from_utf8_lossy(&syntax.stderr)
    );
    // Loaded, it completes the commands.
    let probe = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "source {}; COMP_WORDS=(registry ex); COMP_CWORD=1; COMP_LINE='registry ex'; COMP_POINT=11; _registry registry ex registry; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            path.display()
        ))
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&probe.stdout),
        "explain\n",
        "{}",
        String::from_utf8_lossy(&probe.stderr)
    );
}

#[test]
fn the_man_page_mentions_every_command() {
    let output = registry(&project_root()).args(["man"]).output();
    assert_eq!(output.status, 0, "{}", output.report());
    assert!(
        output.stdout.starts_with(".ie \\n(.g .ds Aq \\(aq")
            || output.stdout.contains(".TH registry"),
        "{}",
        &output.stdout[..200]
    );
    for command in commands() {
        assert!(
            output.stdout.contains(&format!("registry\\-{command}")),
            "the man page lacks `{command}`"
        );
    }
    let page = registry(&project_root()).args(["man", "explain"]).output();
    assert!(
        page.stdout.contains(".TH registry-explain"),
        "{}",
        page.report()
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("registry.1");
    std::fs::write(&path, &output.stdout).unwrap();
    let rendered = Command::new("man")
        .arg("-l")
        .arg("-P")
        .arg("cat")
        .arg(&path)
        .env("MANWIDTH", "100")
        .output()
        .expect("man (Debian's man-db) renders the page");
    assert!(rendered.status.success(), "{rendered:?}");
    assert!(String::from_utf8_lossy(&rendered.stdout).contains("registry-explain"));
}

#[test]
fn schemas_are_self_contained_and_validate_the_example() {
    let blob: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(project_root().join("generated/registry.json")).unwrap(),
    )
    .unwrap();
    for kind in [
        "team", "project", "cluster", "service", "settings", "registry",
    ] {
        let output = registry(&project_root()).args(["schema", kind]).output();
        assert_eq!(output.status, 0, "{}", output.report());
        let schema: serde_json::Value = serde_json::from_str(&output.stdout).unwrap();
        assert!(
            !output.stdout.contains("\"$ref\": \"common.defs.json"),
            "{kind}: refers outside itself"
        );
        // No registry of other documents: every reference must resolve inside the one printed.
        let validator = jsonschema::draft202012::options()
            .should_validate_formats(true)
            .build(&schema)
            .unwrap_or_else(|error| panic!("{kind}: {error}"));
        let instances: Vec<serde_json::Value> = match kind {
            "registry" => vec![blob.clone()],
            "settings" => Vec::new(),
            kind => blob[format!("{kind}s")]
                .as_object()
                .unwrap()
                .values()
                .map(|entry| entry["spec"].clone())
                .collect(),
        };
        for instance in &instances {
            let errors: Vec<String> = validator
                .iter_errors(instance)
                .map(|error| error.to_string())
                .collect();
            assert!(errors.is_empty(), "{kind}: {errors:?}");
        }
        if kind == "service" {
            let mut bad = instances[0].clone();
            bad["dependOn"] = serde_json::json!(["x"]);
            assert!(
                !validator.is_valid(&bad),
                "the schema lets a misspelt field through"
            );
        }
    }
    let output = registry(&project_root())
        .args(["schema", "../../etc/passwd"])
        .output();
    assert_eq!(output.status, 2, "{}", output.report());
}
