//! The stable identifier of every kind of problem. Each variant's documentation says what the
//! problem is, why it matters, and how to fix it; the README's diagnostics reference is kept
//! equal to it by a test.

use strum::{Display, EnumIter, EnumMessage, EnumString, IntoStaticStr};

use super::Severity;

#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Display,
    EnumIter,
    EnumMessage,
    EnumString,
    IntoStaticStr,
    serde::Serialize,
    serde::Deserialize,
)]
#[strum(serialize_all = "kebab-case")]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Code {
    /// A file where the registry expects none: a `.jsonnet` file outside `teams/`, `projects/`,
    /// `clusters/`, `services/`, `systems/`, `apis/` and the library, or a data file in a kind's
    /// directory. It is
    /// not evaluated, so whatever it was meant to declare does not exist. Move it into the
    /// right directory, rename it to `.jsonnet`, or make it a `.libsonnet` helper.
    UnknownFile,
    /// Two entity files of one kind share a file stem (`services/a/api.jsonnet` and
    /// `services/b/api.jsonnet`), so both would be the same entity. Rename one of them.
    DuplicateEntity,
    /// A file that Jsonnet must read is not valid UTF-8. Re-encode it as UTF-8.
    NonUtf8,
    /// A file or a value is nested deeper than the registry allows: a Jsonnet file whose syntax
    /// tree is more than 256 levels deep (brackets, operators, `local`s, conditionals, calls),
    /// an evaluated entity more than 64 levels deep, or a value so deep that evaluating it ran
    /// out of stack. Deep nesting is never needed in a registry and would exhaust the stack;
    /// flatten the structure.
    NestingTooDeep,
    /// An `import`, `importstr` or `importbin` reaches outside the registry root and its
    /// library paths: an absolute path, a `..` above the root, or a symbolic link that leads
    /// out. Nothing is read. Keep every file the registry needs inside its root.
    ImportEscape,
    /// An imported file does not exist, relative to the importing file or on a library path.
    /// Check the spelling; the help line names the nearest existing file.
    ImportNotFound,
    /// The Jsonnet parser rejected a file, or the file starts with a UTF-8 byte order mark,
    /// which Jsonnet does not accept. The label points at where parsing stopped.
    JsonnetSyntax,
    /// Evaluating a file failed: an `error` expression, an assertion, a type error, a missing
    /// field. The trace lists the registry's own frames, innermost first.
    JsonnetEval,
    /// Evaluation recursed without end or too deeply: a function calling itself forever, or
    /// more than 500 calls deep; fields that refer to each other; a file importing itself.
    /// Break the cycle, or recurse less deeply.
    JsonnetRecursion,
    /// Evaluating a file took longer than its deadline (10 seconds; `--eval-timeout SECONDS`
    /// sets it): a recursion that repeats work, or a comprehension far larger than meant. The
    /// file is stopped and the rest of the registry is still checked. Make it cheaper.
    EvaluationTimeout,
    /// Evaluating a file made its evaluation worker hold more memory than the cap (4096 MiB;
    /// `--eval-memory MIB` sets it): a value built far larger than meant, such as a huge
    /// `std.repeat` or `std.range`. The file is stopped and the rest of the registry is still
    /// checked. Build a smaller value.
    EvaluationMemory,
    /// The evaluation worker ended while evaluating a file, for a reason other than a limit:
    /// it was killed from outside, or the Jsonnet engine failed. The rest of the registry is
    /// still checked. Run again; if it persists, simplify the file.
    EvaluationCrash,
    /// An entity or the settings do not match their JSON Schema: a missing or misspelt field,
    /// a value of the wrong type or out of range. Schemas are strict, so an unknown field is
    /// an error rather than silently ignored; free-form data belongs in `annotations`.
    SchemaViolation,
    /// An entity's `name` differs from its file stem. The file stem is the entity's identity;
    /// make the two equal.
    NameMismatch,
    /// Two items of one list in an entity have the same name, and that name is their key in
    /// the generated outputs: two members of a team with one login (logins ignore case), or
    /// two ports, alerts, postgres databases, redis caches, buckets or node pools with one
    /// name. One would silently replace the other (two alert rules of one name Prometheus
    /// reports as duplicates). Rename or remove one.
    DuplicateKey,
    /// A reference names no entity of that kind: an owner, a parent team, a cluster's project,
    /// a deployment's cluster, a cluster's managing cluster, a dependency, a system, or an API
    /// provided or consumed. The help line names the nearest existing one.
    UnknownReference,
    /// Services depend on each other in a cycle, so none of them can be started, rolled out or
    /// reasoned about first. Remove one dependency of the cycle.
    DependencyCycle,
    /// Teams are each other's parents, so the organisation has no root. Remove one `parent`.
    ParentCycle,
    /// Policy: a tier-1 service runs fewer than 2 replicas in a production deployment, so one
    /// node failure or rollout takes it down. Raise `replicas`, or lower the tier.
    Tier1Replicas,
    /// Policy: a service in production depends on a deprecated or experimental service, which
    /// may change or disappear without notice. Move the dependency to production, or drop it.
    UnstableDependency,
    /// Policy: a service deploys to a cluster whose environment its lifecycle does not allow
    /// (by default, an experimental service in production). The allowed environments are set
    /// by `lifecycleEnvironments` in the settings.
    LifecycleEnvironment,
    /// Policy: a credential is committed in the registry: a private key, a cloud access key,
    /// or a token of a forge or chat tool. Every byte under the root is scanned: every file,
    /// text or binary, in UTF-8, UTF-16 or UTF-32, file names, and the values the Jsonnet
    /// computes. It is located (a line and column in UTF-8 text, a byte offset elsewhere) and
    /// never shown. Revoke it, and reference secrets through your secret manager instead.
    Credential,
    /// A cluster's place in the Argo CD topology cannot work: its `managedBy` names a cluster
    /// that is itself managed by another (an Argo CD runs on the cluster that manages, so
    /// managers do not chain), or it is managed from another cluster without the `auth` and
    /// `caData` its cluster Secret needs, with an `auth` for another cloud than its project's,
    /// or with a `caData` that is not a PEM bundle of certificates. Fix the cluster's `argocd`.
    ArgocdTopology,
    /// Two clusters have one API server (`argocd.server`), or a cluster managed from another
    /// names the in-cluster address, which is its manager's own. Argo CD keys clusters by
    /// server, so one cluster would get the other's applications. Give each its own server.
    ClusterServerConflict,
    /// A service deploys into a namespace no team may use: `kube-system`, `kube-public`,
    /// `kube-node-lease`, the namespace of the Argo CD that manages the cluster, or one the
    /// settings reserve (`argocd.reservedNamespaces`). Whoever deploys there acts with the
    /// rights of Kubernetes' or Argo CD's own service accounts. Use the service's own namespace.
    ReservedNamespace,
    /// Services of two teams deploy into one namespace of one cluster: each team's project
    /// would reach the other's workloads, and the namespace would have no single owner. Give
    /// each team its own namespaces.
    SharedNamespace,
    /// Two objects one Argo CD sees would have one kind and name (a cluster named
    /// `registry-root`, or named `in-cluster` while managed remotely; a service named like a
    /// cluster deploying to a cluster named `namespaces` or `monitoring`), so one would
    /// replace the other. Rename one of the entities named.
    ArgocdNameConflict,
    /// An Application's name (`<service>.<cluster>`, `<cluster>.namespaces`,
    /// `<cluster>.monitoring`) is over 63 characters, the most that Argo CD 2.x's label
    /// tracking can write into `app.kubernetes.io/instance`, or a Helm service's name (its
    /// release name) is over 53. Shorten the service's or the cluster's name.
    ArgocdNameTooLong,
    /// Two outputs would be the same file: a service deploys to one cluster twice, so it would
    /// need two Applications of one name. Merge the deployments.
    EmitConflict,
    /// A generated file differs from what the registry produces: `generated/` was edited by
    /// hand, or the registry changed without a rebuild. Run `registry build` and commit the
    /// result.
    GeneratedStale,
    /// A file the registry produces is not in the output directory. Run `registry build` and
    /// commit the result.
    GeneratedMissing,
    /// A file in the output directory is not produced by the registry (an entity was removed,
    /// or a file was added by hand). Run `registry build`, which removes the files it
    /// generated before, and remove any other file by hand.
    GeneratedExtra,
    /// A file or directory under the registry root that is never read: a FIFO, socket or
    /// device (opening one could block or never end), a file larger than 16 MiB, a symbolic
    /// link in a loop or to nothing, or a kind's directory (or a directory in one) that is a
    /// symbolic link leading outside the root. Whatever it was meant to declare does not exist.
    /// Replace it with a regular file or directory inside the root.
    UnreadableFile,
    /// A `libraryPaths` entry that cannot hold helpers: the registry root itself, a path
    /// outside it, or a kind's directory or a directory inside one (its entity files would
    /// silently become helpers and declare nothing). It is not used. Name a directory of
    /// helpers inside the root, such as `lib`.
    InvalidLibraryPath,
    /// The output directory `generatedPath` names cannot be one the tool may own: it is the
    /// registry root, inside it or above it, outside the repository, a symbolic link or reached
    /// through one, not a directory, or it holds or is inside `.git`. Nothing is read or
    /// written there. Set `generatedPath` to a directory of its own beside the registry root,
    /// such as `generated`.
    UnsafeOutputDir,
    /// Where the registry writes a file, the output directory holds something other than a
    /// regular file (a symbolic link, a FIFO, a socket, a device, a directory), or where it
    /// writes a directory, something other than a directory. It is never followed, opened or
    /// printed, and `build` leaves it alone. Remove it and run `registry build`.
    GeneratedNotRegular,
    /// `build` did not remove a file that an earlier build wrote and this one no longer
    /// produces, because it cannot prove the file is still what it wrote: it was changed
    /// since, is no longer a regular file, was recorded without a hash, or the manifest that
    /// lists it is not one `build` wrote. Remove the file by hand if it is not needed.
    GeneratedKept,
    /// Where the settings put CODEOWNERS (`codeowners.path`, from the repository's root) there
    /// is something `registry build` did not write: a file without its header, a directory, or
    /// a symbolic link (there or on the way, never followed). Nothing is replaced. Move the
    /// file's rules into the registry (each entity's `owner`, `codeowners` in the settings) and
    /// delete it, or remove `codeowners` from the settings.
    ForeignCodeowners,
}

impl Code {
    /// The severity of a code that policies do not configure.
    pub(crate) fn default_severity(self) -> Severity {
        match self {
            Self::UnknownFile | Self::GeneratedKept => Severity::Warning,
            _ => Severity::Error,
        }
    }

    /// Whether the settings may set this code's severity.
    pub(crate) fn is_policy(self) -> bool {
        matches!(
            self,
            Self::Tier1Replicas
                | Self::UnstableDependency
                | Self::LifecycleEnvironment
                | Self::Credential
        )
    }

    /// The documentation of this code, one paragraph.
    #[cfg(test)]
    pub(crate) fn documentation(self) -> String {
        self.get_documentation()
            .unwrap_or_default()
            .lines()
            .map(str::trim)
            .collect::<Vec<_>>()
            .join(" ")
    }
}

#[cfg(test)]
mod tests {
    use strum::IntoEnumIterator;

    use super::Code;
    use crate::diagnostic::Severity;

    /// The README's diagnostics reference holds one row per code, word for word.
    #[test]
    fn readme_documents_every_code() {
        let readme = include_str!("../../README.md");
        let rows: Vec<String> = Code::iter()
            .map(|code| {
                let severity = match (code.is_policy(), code.default_severity()) {
                    (true, _) => "error (policy)",
                    (false, Severity::Error) => "error",
                    (false, Severity::Warning) => "warning",
                };
                format!("| `{code}` | {severity} | {} |", code.documentation())
            })
            .collect();
        let missing: Vec<&String> = rows
            .iter()
            .filter(|row| !readme.contains(row.as_str()))
            .collect();
        assert!(
            missing.is_empty(),
            "the README's reference should hold:\n{}",
            rows.join("\n")
        );
    }
}
