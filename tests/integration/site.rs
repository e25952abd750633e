//! `registry site`: the catalog of the example registry loaded from the file system in headless
//! Chromium (what it rendered, the search box, a click through the dependency graph, a
//! screenshot under `target/screenshots/`), hostile values escaped, and the rules for `--out`.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use crate::graph::browse;
use crate::test::{Test, project_root, registry};

/// Writes the example registry's catalog into a fresh directory; the directory and the page.
fn example_site() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("site");
    let output = registry(&project_root())
        .args([OsStr::new("site"), OsStr::new("--out"), out.as_os_str()])
        .output();
    assert_eq!(output.status, 0, "{}", output.report());
    (dir, out.join("index.html"))
}

fn url(page: &Path, suffix: &str) -> String {
    format!("file://{}{suffix}", page.display())
}

/// Every entity of the example registry, as `kind/name`.
fn entities() -> Vec<String> {
    let mut entities = Vec::new();
    for (dir, kind) in [
        ("teams", "team"),
        ("projects", "project"),
        ("clusters", "cluster"),
        ("services", "service"),
        ("systems", "system"),
        ("apis", "api"),
    ] {
        for entry in std::fs::read_dir(project_root().join("registry").join(dir)).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            entities.push(format!("{kind}/{}", name.trim_end_matches(".jsonnet")));
        }
    }
    entities.sort();
    entities
}

#[allow(clippy::print_stdout)] // where the picture is, for whoever reads the test output
fn screenshot(page: &str, name: &str) -> PathBuf {
    let png = project_root().join(format!("target/screenshots/{name}.png"));
    std::fs::create_dir_all(png.parent().unwrap()).unwrap();
    let _ = std::fs::remove_file(&png);
    browse(
        page,
        &[
            &format!("--screenshot={}", png.display()),
            "--window-size=1280,900",
        ],
    );
    let bytes = std::fs::read(&png).unwrap();
    assert!(
        bytes.starts_with(b"\x89PNG") && bytes.len() > 10_000,
        "{name}: no screenshot"
    );
    println!("screenshot: {}", png.display());
    png
}

#[test]
fn every_entity_is_rendered_with_its_owner_and_placement() {
    let (_dir, page) = example_site();
    let dom = browse(&url(&page, ""), &["--dump-dom"]);
    let entities = entities();
    for entity in &entities {
        assert!(
            dom.contains(&format!("<article id=\"{entity}\"")),
            "{entity} has no section"
        );
        assert!(
            dom.contains(&format!("<li data-entity=\"{entity}\"")),
            "{entity} is not in the index"
        );
    }
    assert!(
        dom.contains(&format!("data-matches=\"{}\"", entities.len())),
        "the script did not run"
    );
    assert!(dom.contains(&format!(
        "{} of {} entities",
        entities.len(),
        entities.len()
    )));
    let checkout = dom
        .split("<article id=\"service/checkout\"")
        .nth(1)
        .unwrap()
        .split("</article>")
        .next()
        .unwrap();
    for expected in [
        "<a href=\"#team/commerce\" class=\"ref\">commerce</a>",
        "<a href=\"#cluster/prod-eu\" class=\"ref\">prod-eu</a>",
        "<a href=\"#project/acme-prod\" class=\"ref\">acme-prod</a>",
        "depends on <a href=\"#service/payments-api\"",
        "Application argocd/checkout.prod-eu",
        "registry/services/checkout.jsonnet:3",
    ] {
        assert!(
            checkout.contains(expected),
            "checkout's section lacks {expected}:\n{checkout}"
        );
    }
    // Nothing is fetched: no external reference at all.
    let html = std::fs::read_to_string(&page).unwrap();
    for external in [
        "http://",
        "https://cdn",
        "src=\"http",
        "href=\"http",
        "<link",
        "import(",
    ] {
        let outside_values = html
            .replace("https://github.com/", "")
            .replace("https://api.", "")
            .replace("https://kubernetes.default.svc", "")
            .replace("http://www.w3.org/2000/svg", "");
        assert!(
            !outside_values.contains(external),
            "the page refers to `{external}`"
        );
    }
    screenshot(&url(&page, ""), "site-overview");
    screenshot(&url(&page, "#service/payments-api"), "site-payments-api");
}

#[test]
fn the_search_box_filters_entities() {
    let (_dir, page) = example_site();
    let dom = browse(&url(&page, "?q=fraud"), &["--dump-dom"]);
    let shown: Vec<&str> = dom
        .split("<li data-entity=\"")
        .skip(1)
        .filter(|item| !item.split('>').next().unwrap().contains("hidden"))
        .map(|item| item.split('"').next().unwrap())
        .collect();
    insta::assert_debug_snapshot!(shown);
    assert!(dom.contains(&format!("data-matches=\"{}\"", shown.len())));
    assert!(
        dom.contains("<article id=\"team/data\" class=\"entity\" data-kind=\"team\" hidden=\"\">"),
        "a non-matching section stays visible"
    );
    screenshot(&url(&page, "?q=fraud"), "site-search-fraud");
}

#[test]
fn a_click_in_the_dependency_graph_opens_the_entity() {
    let (dir, page) = example_site();
    let html = std::fs::read_to_string(&page).unwrap();
    // Every link in the page leads to an element of the page.
    let dom = browse(&url(&page, ""), &["--dump-dom"]);
    for target in dom
        .split("href=\"#")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap())
    {
        assert!(
            dom.contains(&format!("id=\"{target}\"")),
            "`#{target}` leads nowhere"
        );
    }
    // A real click, dispatched in the browser, on the graph's `ledger` node.
    let clicked = dir.path().join("site/clicked.html");
    std::fs::write(
        &clicked,
        html.replace(
            "</body>",
            "<script>document.querySelector('#dependencies a[data-entity=\"service/ledger\"]')\
             .dispatchEvent(new MouseEvent('click', { bubbles: true, cancelable: true, view: window }));</script></body>",
        ),
    )
    .unwrap();
    let dom = browse(&url(&clicked, ""), &["--dump-dom"]);
    assert!(
        dom.contains("data-current=\"service/ledger\""),
        "the click did not open ledger"
    );
    assert!(dom.contains("<article id=\"service/ledger\" class=\"entity current\""));
    screenshot(&url(&clicked, ""), "site-clicked-ledger");
}

#[test]
fn hostile_values_are_escaped() {
    let hostile = r#"<script>document.body.setAttribute('data-pwned', 'script')</script><img src=x onerror="document.body.setAttribute('data-pwned', 'img')">" ' &amp;"#;
    let test = Test::registry().file(
        "registry/teams/payments.jsonnet",
        format!(
            "{{ name: 'payments', description: {}, slack: '#payments', members: [], annotations: {{ x: '</style><script>x</script>' }} }}\n",
            serde_json::to_string(hostile).unwrap()
        ),
    );
    let output = test.run(["site", "--out", "site"]);
    assert_eq!(output.status, 0, "{}", output.report());
    let page = test.path().join("site/index.html");
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(
        !html.contains("<img"),
        "markup from the registry reached the page"
    );
    assert!(html.contains("&lt;script&gt;document.body.setAttribute(&#39;data-pwned&#39;, &#39;script&#39;)&lt;/script&gt;"));
    let dom = browse(&url(&page, ""), &["--dump-dom"]);
    assert!(
        !dom.contains("data-pwned=\""),
        "a registry value ran as script"
    );
    assert!(
        dom.contains("&lt;img src=x onerror="),
        "the description is not shown as text"
    );
    assert!(
        dom.contains("data-matches=\"1\""),
        "the page's own script did not run"
    );
}

#[test]
fn out_is_refused_unless_it_is_new_empty_or_an_earlier_catalog() {
    let test = Test::registry().file(
        "registry/teams/payments.jsonnet",
        "{ name: 'payments', description: 'Payments', slack: '#payments', members: [] }\n",
    );
    assert_eq!(test.run(["site", "--out", "site"]).status, 0);
    let first = std::fs::read(test.path().join("site/index.html")).unwrap();
    let again = test.run(["site", "--out", "site"]);
    insta::assert_snapshot!(again.report(), @"
    status: 0
    ----- stdout -----
    wrote site/index.html (1 entities): open it in a browser
    ----- stderr -----
    ");
    assert_eq!(
        first,
        std::fs::read(test.path().join("site/index.html")).unwrap(),
        "not deterministic"
    );

    std::fs::create_dir(test.path().join("docs")).unwrap();
    std::fs::write(test.path().join("docs/notes.md"), "mine").unwrap();
    let output = test.run(["site", "--out", "docs"]);
    insta::assert_snapshot!(output.report(), @"
    status: 1
    ----- stdout -----
    ----- stderr -----
    error: `docs` holds `notes.md`, which `registry site` did not write
    help: give `--out` a new or empty directory
    ");
    std::fs::write(test.path().join("site/index.html"), "<p>my own page</p>").unwrap();
    let output = test.run(["site", "--out", "site"]);
    insta::assert_snapshot!(output.report(), @"
    status: 1
    ----- stdout -----
    ----- stderr -----
    error: `site/index.html` was not written by `registry site`
    help: give `--out` a new or empty directory
    ");
    assert_eq!(
        std::fs::read_to_string(test.path().join("site/index.html")).unwrap(),
        "<p>my own page</p>"
    );
    #[cfg(unix)]
    {
        let outside = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(outside.path(), test.path().join("linked")).unwrap();
        let output = test.run(["site", "--out", "linked"]);
        assert_eq!(output.status, 1, "{}", output.report());
        std::fs::create_dir(test.path().join("trap")).unwrap();
        std::os::unix::fs::symlink(
            outside.path().join("index.html"),
            test.path().join("trap/index.html"),
        )
        .unwrap();
        let output = test.run(["site", "--out", "trap"]);
        assert_eq!(output.status, 1, "{}", output.report());
        assert_eq!(
            std::fs::read_dir(outside.path()).unwrap().count(),
            0,
            "wrote outside --out"
        );
    }
}
