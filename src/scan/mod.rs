//! The `credential` policy: scans the text of every file under the registry root (Jsonnet or
//! not, imported or not) for committed secrets. A finding names the file, line and column and
//! the kind of credential, and never prints the secret itself.

use std::sync::LazyLock;

use regex::{Regex, RegexSet};

use crate::diagnostic::{Code, Diagnostic, Location, Severity, Sink};
use crate::source::Sources;

/// A kind of credential and how to recognise it.
struct Pattern {
    name: &'static str,
    regex: &'static str,
}

const PATTERNS: &[Pattern] = &[
    Pattern {
        name: "private key",
        regex: r"-----BEGIN (?:RSA |DSA |EC |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY(?: BLOCK)?-----",
    },
    Pattern {
        name: "AWS access key",
        regex: r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b",
    },
    Pattern {
        name: "Google Cloud API key",
        regex: r"\bAIza[0-9A-Za-z_-]{35}\b",
    },
    Pattern {
        name: "Azure storage account key",
        regex: r"AccountKey=[A-Za-z0-9+/]{86}==",
    },
    Pattern {
        name: "GitHub token",
        regex: r"\b(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{82})\b",
    },
    Pattern {
        name: "GitLab token",
        regex: r"\bgl(?:pat|dt|rt|ptt|cbt)-[A-Za-z0-9_-]{20,}",
    },
    Pattern {
        name: "Slack token",
        regex: r"\bxox[abposr]-[0-9A-Za-z]{8,}-[0-9A-Za-z-]{8,}",
    },
    Pattern {
        name: "Slack webhook URL",
        regex: r"https://hooks\.slack\.com/(?:services|workflows)/T[A-Z0-9]{6,}/[A-Z0-9]{6,}/[A-Za-z0-9]{16,}",
    },
    Pattern {
        name: "Discord webhook URL",
        regex: r"https://(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/[0-9]{15,}/[A-Za-z0-9_-]{30,}",
    },
];

static SET: LazyLock<RegexSet> = LazyLock::new(|| {
    RegexSet::new(PATTERNS.iter().map(|pattern| pattern.regex)).expect("patterns compile")
});

static REGEXES: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    PATTERNS
        .iter()
        .map(|pattern| Regex::new(pattern.regex).expect("patterns compile"))
        .collect()
});

/// Reports every credential in `sources` at `severity`.
pub(crate) fn credentials(sources: &Sources, severity: Severity, sink: &mut Sink) {
    for (file, source) in sources.iter() {
        let Some(text) = sources.text(file) else {
            continue;
        };
        for index in &SET.matches(text) {
            for found in REGEXES[index].find_iter(text) {
                let name = PATTERNS[index].name;
                let at = Location::Redacted {
                    file,
                    range: found.range(),
                };
                sink.push(
                    Diagnostic::new(
                        Code::Credential,
                        severity,
                        format!("{name} committed in `{}`", source.path),
                    )
                    .primary(at, format!("{name} (not shown)"))
                    .help(
                        "revoke it now, remove it from the registry and its history, and keep \
                         secrets in a secret manager",
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{PATTERNS, REGEXES};

    fn kind(text: &str) -> Vec<&'static str> {
        PATTERNS
            .iter()
            .zip(REGEXES.iter())
            .filter(|(_, regex)| regex.is_match(text))
            .map(|(pattern, _)| pattern.name)
            .collect()
    }

    #[test]
    fn recognises_each_kind() {
        assert_eq!(kind("-----BEGIN OPENSSH PRIVATE KEY-----"), ["private key"]);
        assert_eq!(kind("key: 'AKIAIOSFODNN7EXAMPLE'"), ["AWS access key"]);
        assert_eq!(kind(&format!("ghp_{}", "a".repeat(36))), ["GitHub token"]);
        assert_eq!(kind("glpat-abcdefghij0123456789"), ["GitLab token"]);
        assert_eq!(kind("xoxb-123456789012-abcdefghijkl"), ["Slack token"]);
        assert!(kind("a public key: -----BEGIN PUBLIC KEY-----").is_empty());
        assert!(kind("AKIA-is-not-a-key").is_empty());
    }
}
