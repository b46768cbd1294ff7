//! Accessibility checks with axe-core (the npm package pinned in
//! `scripts/install-tools.sh`), run inside the page the test is looking at.

use std::path::PathBuf;
use std::sync::OnceLock;

use serde_json::Value;

use crate::Harness;

/// Where `scripts/install-tools.sh` puts axe-core.
fn axe_path() -> PathBuf {
    let tools = std::env::var_os("KAMIYA_TOOLS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default())
                .join(".cache/kamiya-studio-tools")
        });
    tools.join("node_modules/axe-core/axe.min.js")
}

fn axe_source() -> &'static str {
    static SRC: OnceLock<String> = OnceLock::new();
    SRC.get_or_init(|| {
        let path = axe_path();
        std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "axe-core not found at {} ({e}): run scripts/install-tools.sh",
                path.display()
            )
        })
    })
}

/// One axe violation, flattened for a readable panic message.
#[derive(Debug, Clone)]
pub struct Violation {
    pub id: String,
    pub impact: String,
    pub help: String,
    /// CSS selectors, HTML and axe's own words on what is wrong, of the offending nodes (at
    /// most five).
    pub nodes: Vec<String>,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "[{}] {}: {}", self.impact, self.id, self.help)?;
        for n in &self.nodes {
            writeln!(f, "    {n}")?;
        }
        Ok(())
    }
}

/// Runs axe-core (WCAG 2.x A and AA rules plus best practices) on the whole page as it is now
/// and returns every violation.
pub async fn axe(h: &Harness) -> Vec<Violation> {
    // Injected per call: a navigation or reload drops it. WebDriver scripts are not subject to
    // the page's Content-Security-Policy (in any of the three engines), so the app keeps its
    // strict policy.
    let loaded = h.eval("typeof window.axe === 'object'").await;
    if loaded != Value::Bool(true) {
        h.exec_js(&format!("{}\n;return true;", axe_source()), vec![])
            .await;
    }
    let result = h
        .eval(
            "axe.run(document, { resultTypes: ['violations'], runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] } })
               .then(r => !(r && Array.isArray(r.violations)) ? { unreadable: r === undefined ? 'undefined' : r }
                 : r.violations.map(v => ({ id: v.id, impact: v.impact || 'unknown', help: v.help,
                     nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + '  ' + n.html.slice(0, 160)
                       + (n.failureSummary ? '\\n      ' + n.failureSummary.replace(/\\s+/g, ' ').slice(0, 300) : '')) })))",
        )
        .await;
    // Anything but an array means axe did not run as expected (a changed result shape, a
    // script error turned into a value): that must fail, never pass as "no violations".
    let Some(list) = result.as_array() else {
        panic!("axe returned something that is not a list of violations: {result}");
    };
    list.iter()
        .map(|v| {
            let text = |key: &str| match v[key].as_str() {
                Some(s) => s.to_string(),
                None => panic!("axe violation without a {key:?} string: {v}"),
            };
            let nodes = match v["nodes"].as_array() {
                Some(n) => n
                    .iter()
                    .map(|s| match s.as_str() {
                        Some(s) => s.to_string(),
                        None => panic!("axe violation node that is not text: {v}"),
                    })
                    .collect(),
                None => panic!("axe violation without a node list: {v}"),
            };
            Violation {
                id: text("id"),
                impact: text("impact"),
                help: text("help"),
                nodes,
            }
        })
        .collect()
}

/// Panics if axe finds a serious or critical violation on the page as it is now; prints the
/// lesser ones. `view` names the state being checked, for the message.
pub async fn assert_axe_clean(h: &Harness, view: &str) {
    let all = axe(h).await;
    let (bad, minor): (Vec<_>, Vec<_>) = all
        .into_iter()
        .partition(|v| v.impact == "serious" || v.impact == "critical");
    for v in &minor {
        eprintln!("axe ({view}), not failing: {v}");
    }
    if !bad.is_empty() {
        let list: String = bad.iter().map(ToString::to_string).collect();
        panic!(
            "axe: {} serious or critical violation(s) on {view}:\n{list}",
            bad.len()
        );
    }
}

/// The names Chromium's accessibility tree (what a screen reader reads) gives the nodes of
/// `role` (e.g. `"DisclosureTriangle"` for a `<summary>`, `"button"`, `"textbox"`), in
/// document order. Chromium only (the DevTools protocol's `Accessibility.getFullAXTree`).
pub async fn accessible_names(h: &Harness, role: &str) -> Vec<String> {
    crate::engine::require(
        h.engine(),
        crate::Engine::Chromium,
        "the accessibility tree",
    );
    let tree = h
        .client
        .issue_cmd(crate::driver::Cdp {
            cmd: "Accessibility.getFullAXTree",
            params: serde_json::json!({}),
        })
        .await
        .unwrap_or_else(|e| panic!("Accessibility.getFullAXTree: {e}"));
    tree["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|n| n["role"]["value"].as_str() == Some(role) && n["ignored"] != Value::Bool(true))
        .map(|n| n["name"]["value"].as_str().unwrap_or_default().to_string())
        .collect()
}
