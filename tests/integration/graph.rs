//! `registry graph`: the example registry drawn whole and around one entity, as DOT rendered by
//! Graphviz's own `dot`, as Mermaid rendered by Mermaid itself in headless Chromium, and as
//! JSON; byte-for-byte stable output; hostile focus names.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::test::{project_root, registry, tool};

/// Graphviz's `dot`: `REGISTRY_TEST_DOT`, else `dot` on the path (Debian `graphviz`).
pub(crate) fn dot() -> PathBuf {
    tool("REGISTRY_TEST_DOT", "dot")
}

/// Headless Chromium: `REGISTRY_TEST_CHROMIUM`, else `chromium` on the path (Debian
/// `chromium`).
pub(crate) fn chromium() -> PathBuf {
    tool("REGISTRY_TEST_CHROMIUM", "chromium")
}

/// Runs Chromium headless (as root, so without its sandbox) on `url` with `args`; its
/// standard output.
pub(crate) fn browse(url: &str, args: &[&str]) -> String {
    let profile = tempfile::tempdir().unwrap();
    let output = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--virtual-time-budget=5000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .arg(url)
        .output()
        .unwrap_or_else(|error| panic!("cannot run {}: {error}", chromium().display()));
    assert!(
        output.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// Mermaid's own browser bundle, `mermaid.min.js` of the npm package `mermaid` 12.3.0:
/// `REGISTRY_TEST_MERMAID`, else fetched once with `npm pack` into `target/test-tools/` and
/// checked against the package's published integrity.
fn mermaid_js() -> PathBuf {
    const VERSION: &str = "12.3.0";
    const INTEGRITY: &str = "sha512-4113TdXeLAsMruJ79OpFL5O8+LTFXhQqZ260rF3tgUmiNAtRm4Uume04I+65PRN6yZ69J4f8rVYWW8zRk65UYw==";
    if let Some(path) = std::env::var_os("REGISTRY_TEST_MERMAID") {
        return PathBuf::from(path);
    }
    let dir = project_root().join(format!("target/test-tools/mermaid-{VERSION}"));
    let script = dir.join("package/dist/mermaid.min.js");
    if script.is_file() {
        return script;
    }
    // `target/` is where cargo builds by default, not necessarily here: make the place.
    let tools = project_root().join("target/test-tools");
    std::fs::create_dir_all(&tools).unwrap();
    let work = tempfile::tempdir_in(&tools).unwrap();
    let pack = Command::new("npm")
        .args(["pack", &format!("mermaid@{VERSION}"), "--json", "--silent"])
        .arg("--pack-destination")
        .arg(work.path())
        .output()
        .expect("npm runs");
    assert!(
        pack.status.success(),
        "{}",
        String::from_utf8_lossy(&pack.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&pack.stdout).unwrap();
    assert_eq!(
        report[0]["integrity"], INTEGRITY,
        "npm served another mermaid"
    );
    let tarball = work.path().join(report[0]["filename"].as_str().unwrap());
    let unpacked = work.path().join("unpacked");
    std::fs::create_dir_all(&unpacked).unwrap();
    let tar = Command::new("tar")
        .arg("-xzf")
        .arg(&tarball)
        .arg("-C")
        .arg(&unpacked)
        .arg("package/dist/mermaid.min.js")
        .status()
        .unwrap();
    assert!(tar.success());
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.parent().unwrap()).unwrap();
    std::fs::rename(&unpacked, &dir).unwrap();
    script
}

fn graph(args: &[&str]) -> String {
    let output = registry(&project_root()).args(args).output();
    assert_eq!(output.status, 0, "{}", output.report());
    output.stdout
}

/// Renders DOT with Graphviz; the SVG.
fn render_dot(dot_text: &str, dir: &Path) -> String {
    let input = dir.join("graph.dot");
    std::fs::write(&input, dot_text).unwrap();
    let output = Command::new(dot())
        .arg("-Tsvg")
        .arg(&input)
        .output()
        .unwrap_or_else(|error| panic!("cannot run {}: {error}", dot().display()));
    assert!(
        output.status.success() && output.stderr.is_empty(),
        "dot refused it: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[test]
#[allow(clippy::print_stdout)] // where the picture is, for whoever reads the test output
fn the_whole_registry_renders_with_graphviz() {
    let text = graph(&["graph"]);
    let dir = tempfile::tempdir().unwrap();
    let svg = render_dot(&text, dir.path()).replace("&#45;", "-");
    for entity in [
        "team/payments",
        "project/acme-prod",
        "cluster/prod-eu",
        "service/checkout",
    ] {
        assert!(
            svg.contains(&format!("<title>{entity}</title>")),
            "{entity} not drawn"
        );
    }
    for label in ["owns", "runs on", "in project", "depends on", "child of"] {
        assert!(
            svg.contains(&format!(">{label}</text>")),
            "no `{label}` edge drawn"
        );
    }
    let nodes = svg.matches("class=\"node\"").count();
    let entities = std::fs::read_dir(project_root().join("registry/services"))
        .unwrap()
        .count();
    assert!(nodes > entities, "{nodes} nodes drawn");
    assert_eq!(text, graph(&["graph"]), "the drawing changes between runs");
    let png = project_root().join("target/screenshots/graph-whole.png");
    std::fs::create_dir_all(png.parent().unwrap()).unwrap();
    let status = Command::new(dot())
        .arg("-Tpng")
        .arg(dir.path().join("graph.dot"))
        .arg("-o")
        .arg(&png)
        .status()
        .unwrap();
    assert!(status.success());
    println!("graph drawn by Graphviz: {}", png.display());
}

#[test]
fn around_one_entity_with_depth_and_direction() {
    let text = graph(&["graph", "--focus", "payments-api", "--depth", "1"]);
    insta::assert_snapshot!(text);
    let dir = tempfile::tempdir().unwrap();
    render_dot(&text, dir.path());
    let up = graph(&[
        "graph",
        "--focus",
        "service/payments-api",
        "--direction",
        "up",
        "--format",
        "json",
    ]);
    insta::assert_snapshot!(up);
    let down: serde_json::Value = serde_json::from_str(&graph(&[
        "graph",
        "--focus",
        "payments-api",
        "--direction",
        "down",
        "--depth",
        "2",
        "--format",
        "json",
    ]))
    .unwrap();
    let ids: Vec<&str> = down["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|node| node["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&"team/engineering") && ids.contains(&"service/risk-rules"),
        "{ids:?}"
    );
    assert!(
        !ids.contains(&"service/checkout"),
        "`down` reached a dependent: {ids:?}"
    );
    assert!(
        !ids.contains(&"service/events-ingest"),
        "depth 2 went further: {ids:?}"
    );
}

/// Mermaid itself parses and renders what `--format mermaid` prints: the example registry
/// whole and around one entity, in headless Chromium, from the file system.
#[test]
fn mermaid_renders_in_a_browser() {
    let script = mermaid_js();
    let dir = tempfile::tempdir().unwrap();
    for (name, args) in [
        ("whole", vec!["graph", "--format", "mermaid"]),
        (
            "focus",
            vec![
                "graph", "--format", "mermaid", "--focus", "checkout", "--depth", "2",
            ],
        ),
    ] {
        let text = graph(&args);
        assert_eq!(text, graph(&args));
        let source = serde_json::to_string(&text).unwrap().replace("</", "<\\/");
        let page = dir.path().join(format!("{name}.html"));
        std::fs::write(
            &page,
            format!(
                "<!DOCTYPE html><html><body><div id=\"out\"></div>\
                 <script src=\"file://{}\"></script><script>\
                 mermaid.initialize({{ startOnLoad: false, securityLevel: 'strict' }});\
                 var text = {source};\
                 mermaid.parse(text).then(function () {{ return mermaid.render('drawing', text); }})\
                 .then(function (result) {{ document.getElementById('out').innerHTML = result.svg; document.body.setAttribute('data-result', 'rendered'); }})\
                 .catch(function (error) {{ document.body.setAttribute('data-result', 'error'); document.getElementById('out').textContent = String(error && error.message || error); }});\
                 </script></body></html>",
                script.display()
            ),
        )
        .unwrap();
        let dom = browse(&format!("file://{}", page.display()), &["--dump-dom"]);
        assert!(
            dom.contains("data-result=\"rendered\""),
            "Mermaid refused the {name} graph:\n{}",
            &dom[..dom.len().min(3000)]
        );
        let nodes = text.lines().filter(|line| line.contains(":::")).count();
        let drawn = dom.matches("class=\"node ").count();
        assert_eq!(
            drawn, nodes,
            "{name}: Mermaid drew {drawn} of {nodes} nodes"
        );
        assert!(
            dom.contains("depends on") && dom.contains("runs on"),
            "{name}: edge labels missing"
        );
    }
}

#[test]
fn hostile_focus_names_are_refused_plainly() {
    let output = registry(&project_root())
        .args(["graph", "--focus", "/etc/passwd"])
        .output();
    insta::assert_snapshot!(output.report(), @"
    status: 1
    ----- stdout -----
    ----- stderr -----
    error: `/etc/passwd` names no entity: `` is not a kind
    help: write `team/NAME`, `project/NAME`, `cluster/NAME`, `service/NAME`, `system/NAME` or `api/NAME`
    ");
    let output = registry(&project_root())
        .args(["graph", "--depth", "2"])
        .output();
    assert_eq!(
        output.status,
        2,
        "--depth needs --focus: {}",
        output.report()
    );
}
