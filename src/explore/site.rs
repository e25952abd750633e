//! The catalog site: one self-contained `index.html` (inline CSS, SVG and script; nothing
//! fetched, so it opens from the file system) with every entity, its owner, relations, where
//! it runs and what it shapes, a search box, and dependency graphs whose nodes link to the
//! entities' sections. Every registry value is escaped for HTML; output is deterministic.

use std::fmt::Write as _;

use super::explain::{Explanation, explain};
use super::layout;
use crate::emit::OutputSet;
use crate::graph::Graph;
use crate::model::{EntityId, Kind};
use crate::source::Sources;
use crate::text::shown;

/// The one file the site is.
pub(crate) const INDEX: &str = "index.html";

/// What marks an `index.html` as written by `registry site`, so a later run may replace it.
pub(crate) const GENERATOR: &str = "<meta name=\"generator\" content=\"registry site\">";

/// The longest a registry value is shown in the site.
const SHOWN: usize = 1000;

/// `text` safe inside HTML text and quoted attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            character => out.push(character),
        }
    }
    out
}

/// A registry value, bounded and with control characters made visible, then escaped.
fn value(text: &str) -> String {
    escape(&shown(text, SHOWN))
}

/// A link to an entity's section, from its `kind/name` id.
fn link(id: &str) -> String {
    let name = id.split_once('/').map_or(id, |(_, name)| name);
    format!(
        "<a href=\"#{}\" class=\"ref\">{}</a>",
        escape(id),
        value(name)
    )
}

const STYLE: &str = r"
:root { --ink: #111827; --muted: #6b7280; --line: #e5e7eb; --team: #fde8c8; --team-line: #b7791f;
  --project: #dbeafe; --project-line: #1d4ed8; --cluster: #dcfce7; --cluster-line: #15803d;
  --service: #f3e8ff; --service-line: #7e22ce; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, 'Segoe UI', sans-serif; color: var(--ink); background: #f9fafb; }
header { position: sticky; top: 0; z-index: 2; display: flex; gap: 16px; align-items: center; padding: 10px 20px; background: #111827; color: #fff; }
header h1 { margin: 0; font-size: 18px; font-weight: 600; }
header input { flex: 0 1 360px; padding: 6px 10px; border-radius: 6px; border: 0; font: inherit; }
header #count { color: #d1d5db; font-size: 13px; }
.layout { display: grid; grid-template-columns: 250px 1fr; }
nav { position: sticky; top: 50px; align-self: start; max-height: calc(100vh - 50px); overflow: auto; padding: 12px 16px; border-right: 1px solid var(--line); background: #fff; }
nav h2 { margin: 12px 0 4px; font-size: 12px; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); }
nav ul { list-style: none; margin: 0; padding: 0; }
nav li a { display: block; padding: 1px 6px; border-radius: 4px; color: var(--ink); text-decoration: none; }
nav li a:hover, nav li.current a { background: #eef2ff; }
main { padding: 16px 24px; min-width: 0; }
section.overview, article { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; margin-bottom: 16px; overflow-x: auto; }
article:target, article.current { outline: 3px solid #6366f1; }
article h2 { margin: 0 0 4px; font-size: 18px; }
.kind { display: inline-block; padding: 0 8px; margin-left: 6px; border-radius: 10px; font-size: 12px; font-weight: 500; vertical-align: middle; }
.kind.team { background: var(--team); } .kind.project { background: var(--project); }
.kind.cluster { background: var(--cluster); } .kind.service { background: var(--service); }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 8px 0; }
dt { color: var(--muted); } dd { margin: 0; overflow-wrap: anywhere; }
h3 { margin: 12px 0 4px; font-size: 13px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
table { border-collapse: collapse; } td, th { padding: 2px 12px 2px 0; text-align: left; }
ul.plain { margin: 0; padding-left: 18px; }
.source { color: var(--muted); font-size: 12px; }
svg.graph { display: block; font-size: 12px; }
svg.graph .node rect { stroke-width: 1.5; }
svg.graph .node.team rect { fill: var(--team); stroke: var(--team-line); }
svg.graph .node.project rect { fill: var(--project); stroke: var(--project-line); }
svg.graph .node.cluster rect { fill: var(--cluster); stroke: var(--cluster-line); }
svg.graph .node.service rect { fill: var(--service); stroke: var(--service-line); }
svg.graph .node.focus rect { stroke-width: 3.5; }
svg.graph .node text { fill: var(--ink); }
svg.graph .node:hover rect { filter: brightness(.93); }
svg.graph .edge { fill: none; stroke: #9ca3af; stroke-width: 1.2; }
svg.graph .edge.depends { stroke: #374151; }
svg.graph .edge.owner { stroke-dasharray: 5 3; stroke: var(--team-line); }
svg.graph .label { font-size: 10px; fill: var(--muted); text-anchor: middle; }
svg.definitions { position: absolute; }
marker path { fill: #6b7280; }
body.focused main > section, body.focused main > article:not(.current) { display: none; }
[hidden] { display: none !important; }
";

/// Filters the index and the sections as the search box changes (also from `?q=`), and marks
/// the entity the address points at (`#kind/name`) as current.
const SCRIPT: &str = r"
(function () {
  'use strict';
  var input = document.getElementById('search');
  var count = document.getElementById('count');
  var items = Array.prototype.slice.call(document.querySelectorAll('nav li[data-search]'));
  function apply() {
    var terms = input.value.toLowerCase().split(/\s+/).filter(function (t) { return t.length > 0; });
    var shown = 0;
    items.forEach(function (item) {
      var text = item.getAttribute('data-search');
      var match = terms.every(function (term) { return text.indexOf(term) >= 0; });
      item.hidden = !match;
      var article = document.getElementById(item.getAttribute('data-entity'));
      if (article) { article.hidden = !match; }
      if (match) { shown += 1; }
    });
    count.textContent = shown + ' of ' + items.length + ' entities';
    document.body.setAttribute('data-matches', String(shown));
  }
  function current() {
    var id = '';
    try { id = decodeURIComponent(location.hash.slice(1)); } catch (error) { id = ''; }
    items.forEach(function (item) {
      item.classList.toggle('current', item.getAttribute('data-entity') === id);
    });
    Array.prototype.forEach.call(document.querySelectorAll('article.current'), function (article) {
      article.classList.remove('current');
    });
    var article = id ? document.getElementById(id) : null;
    if (article && article.tagName === 'ARTICLE') {
      article.hidden = false;
      article.classList.add('current');
      document.body.setAttribute('data-current', id);
      document.body.classList.add('focused');
      window.setTimeout(function () { window.scrollTo(0, 0); }, 0);
    } else {
      document.body.removeAttribute('data-current');
      document.body.classList.remove('focused');
    }
  }
  input.addEventListener('input', function () {
    if (location.hash) { history.replaceState(null, '', location.pathname + location.search); current(); }
    apply();
  });
  var query = new URLSearchParams(location.search).get('q');
  if (query) { input.value = query; }
  apply();
  window.addEventListener('hashchange', current);
  current();
})();
";

/// The whole site: `index.html`.
pub(crate) fn render(graph: &Graph, sources: &Sources, outputs: &OutputSet) -> String {
    let org = value(&graph.registry.settings.org);
    let explanations: Vec<(&EntityId, Explanation)> = graph
        .registry
        .entities
        .keys()
        .map(|id| (id, explain(graph, sources, outputs, id)))
        .collect();
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n{GENERATOR}\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{org} registry</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{}\n\
         <header><h1>{org} registry</h1>\
         <input id=\"search\" type=\"search\" placeholder=\"Search entities, owners, clusters…\" \
         aria-label=\"Search\" autocomplete=\"off\"><span id=\"count\"></span></header>\n\
         <div class=\"layout\">\n<nav id=\"index\">\n",
        layout::DEFINITIONS
    );
    for kind in [
        Kind::Team,
        Kind::Project,
        Kind::Cluster,
        Kind::System,
        Kind::Service,
        Kind::Api,
    ] {
        let _ = writeln!(out, "<h2>{kind}s</h2>\n<ul>");
        for (_, explanation) in explanations.iter().filter(|(id, _)| id.kind == kind) {
            let _ = writeln!(
                out,
                "<li data-entity=\"{id}\" data-search=\"{search}\"><a href=\"#{id}\">{name}</a></li>",
                id = escape(&explanation.id),
                search = escape(&search_text(explanation).to_lowercase()),
                name = value(&explanation.name),
            );
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</nav>\n<main>\n<section class=\"overview\" id=\"dependencies\">\n");
    out.push_str("<h2>Service dependencies</h2>\n<p class=\"source\">Callers on the left, what they call on the right. Click a service to open it.</p>\n");
    out.push_str(&layout::dependencies(graph));
    out.push_str("\n</section>\n");
    for (id, explanation) in &explanations {
        article(&mut out, graph, id, explanation);
    }
    let _ = write!(
        out,
        "</main>\n</div>\n<script>{SCRIPT}</script>\n</body>\n</html>\n"
    );
    out
}

/// What the search box matches an entity on.
fn search_text(explanation: &Explanation) -> String {
    let mut words = vec![explanation.id.clone()];
    words.extend(explanation.fields.iter().map(|field| field.value.clone()));
    if let Some(owner) = &explanation.owner {
        words.push(owner.team.clone());
    }
    words.extend(
        explanation
            .relations
            .iter()
            .map(|related| related.entity.clone()),
    );
    words.extend(
        explanation
            .runs_on
            .iter()
            .map(|placement| placement.cluster.clone()),
    );
    shown(&words.join(" "), 4 * SHOWN)
}

fn article(out: &mut String, graph: &Graph, entity: &EntityId, explanation: &Explanation) {
    let id = escape(&explanation.id);
    let _ = writeln!(
        out,
        "<article id=\"{id}\" class=\"entity\" data-kind=\"{kind}\">\n<h2>{name}<span class=\"kind {kind}\">{kind}</span></h2>",
        kind = explanation.kind,
        name = value(&explanation.name),
    );
    out.push_str("<dl>");
    for field in &explanation.fields {
        let _ = write!(
            out,
            "<dt>{}</dt><dd>{}</dd>",
            escape(field.name),
            value(&field.value)
        );
    }
    out.push_str("</dl>\n");
    if let Some(owner) = &explanation.owner {
        let title = if explanation.kind == Kind::Team {
            "Team"
        } else {
            "Owner"
        };
        let _ = write!(
            out,
            "<h3>{title}</h3><dl><dt>team</dt><dd>{}</dd>",
            link(&format!("team/{}", owner.team))
        );
        if let Some(slack) = &owner.slack {
            let _ = write!(out, "<dt>slack</dt><dd>{}</dd>", value(slack));
        }
        if !owner.parents.is_empty() {
            let chain: Vec<String> = owner
                .parents
                .iter()
                .map(|parent| link(&format!("team/{parent}")))
                .collect();
            let _ = write!(out, "<dt>parents</dt><dd>{}</dd>", chain.join(" → "));
        }
        match &owner.on_call {
            Some(on_call) => {
                let _ = write!(
                    out,
                    "<dt>on-call</dt><dd>{} ({})",
                    value(&on_call.rotation),
                    value(&on_call.hours)
                );
                if let Some(escalation) = &on_call.escalation {
                    let _ = write!(
                        out,
                        ", escalates to {}",
                        link(&format!("team/{escalation}"))
                    );
                }
                out.push_str("</dd>");
            }
            None => out.push_str("<dt>on-call</dt><dd>none</dd>"),
        }
        out.push_str("</dl>\n");
    }
    if !explanation.relations.is_empty() {
        out.push_str("<h3>Relations</h3><ul class=\"plain relations\">");
        for related in &explanation.relations {
            let _ = write!(
                out,
                "<li>{} {}</li>",
                escape(related.relation),
                link(&related.entity)
            );
        }
        out.push_str("</ul>\n");
    }
    for (title, reached) in [
        ("Depends on", &explanation.depends_on),
        ("What depends on it", &explanation.dependents),
    ] {
        if reached.is_empty() {
            continue;
        }
        let _ = write!(
            out,
            "<h3>{title}</h3><table><tr><th>depth</th><th>entity</th><th>through</th></tr>"
        );
        for item in reached {
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                item.depth,
                link(&item.entity),
                if item.depth > 1 {
                    link(&item.via)
                } else {
                    String::new()
                }
            );
        }
        out.push_str("</table>\n");
    }
    if !explanation.runs_on.is_empty() {
        out.push_str("<h3>Runs on</h3><table><tr><th>cluster</th><th>namespace</th><th>replicas</th><th>project</th><th>environment</th></tr>");
        for placement in &explanation.runs_on {
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                link(&format!("cluster/{}", placement.cluster)),
                value(&placement.namespace),
                placement.replicas,
                placement
                    .project
                    .as_ref()
                    .map(|project| link(&format!("project/{project}")))
                    .unwrap_or_default(),
                placement
                    .environment
                    .as_deref()
                    .map(value)
                    .unwrap_or_default()
            );
        }
        out.push_str("</table>\n");
    }
    if !explanation.generated.is_empty() {
        out.push_str("<h3>Generated files it shapes</h3><ul class=\"plain\">");
        for file in &explanation.generated {
            let _ = write!(out, "<li><code>{}</code>", value(&file.path));
            if !file.creates.is_empty() {
                let created: Vec<String> = file.creates.iter().map(|item| value(item)).collect();
                let _ = write!(out, ": {}", created.join(", "));
            }
            out.push_str("</li>");
        }
        out.push_str("</ul>\n");
    }
    out.push_str("<h3>Neighbourhood</h3>\n");
    out.push_str(&layout::neighbourhood(graph, entity));
    let _ = writeln!(
        out,
        "\n<p class=\"source\">Defined in <code>{}:{}</code></p>\n</article>",
        value(&explanation.source.file),
        explanation.source.line
    );
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape("<script>alert('x') & \"y\"</script>"),
            "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;"
        );
    }
}
