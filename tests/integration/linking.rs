//! Linking reports everything in one pass: an entity that breaks its schema still has its
//! well-typed references checked; a dangling reference suggests only names of the kind it
//! refers to, and says what else the name is.

use crate::test::Test;

const TEAM: &str = "{ name: 'payments', description: 'P', slack: '#payments', members: [\n\
                    { login: 'alice', email: 'alice@acme.example', role: 'lead' }] }\n";

const ARTIST_LOOKUP: &str = "{
  name: 'artist-lookup',
  description: 'Artists.',
  owner: 'payments',
  tier: 2,
  lifecycle: 'production',
  repo: 'https://github.com/acme/artist-lookup.git',
  language: 'go',
  resources: { postgres: [{ name: 'artists-db', version: '16', size: 'small' }] },
}
";

#[test]
fn a_misspelt_field_hides_nothing_else_in_the_file() {
    let output = Test::registry()
        .file("registry/teams/payments.jsonnet", TEAM)
        .file(
            "registry/services/api.jsonnet",
            "{
  name: 'api',
  description: 'The api service.',
  owner: 'nobody',
  tier: 2,
  lifecycle: 'production',
  repo: 'https://github.com/acme/api.git',
  language: 'go',
  dependOn: ['ledger'],
  dependsOn: ['ghost'],
}
",
        )
        .run(["check", "--format", "concise"]);
    insta::assert_snapshot!(output.report(), @"
    status: 1
    ----- stdout -----
    registry/services/api.jsonnet:4:10: error[unknown-reference]: service `api` is owned by an unknown team `nobody`
    registry/services/api.jsonnet:9:3: error[schema-violation]: service `api` has an unknown field `dependOn` at `/dependOn`
    registry/services/api.jsonnet:10:15: error[unknown-reference]: service `api` depends on an unknown service `ghost`
    checked 1 team, 0 projects, 0 clusters, 1 service: 3 errors
    ----- stderr -----
    ");
}

#[test]
fn an_invalid_reference_is_not_read_and_an_invalid_entity_is_still_a_target() {
    // `owner` breaks its pattern, so it is reported once, as a schema violation. The invalid
    // team still exists: the service that it owns is not reported as owned by nobody.
    let output = Test::registry()
        .file(
            "registry/teams/payments.jsonnet",
            "{ name: 'payments', description: 'P', slack: 'not a channel', members: [] }",
        )
        .file(
            "registry/services/api.jsonnet",
            "{ name: 'api', description: 'A', owner: 'Pay Ments', tier: 2, lifecycle: 'production',\n  \
             repo: 'https://github.com/acme/api.git', language: 'go' }\n",
        )
        .file(
            "registry/services/web.jsonnet",
            "{ name: 'web', description: 'W', owner: 'payments', tier: 2, lifecycle: 'production',\n  \
             repo: 'https://github.com/acme/web.git', language: 'go', dependsOn: ['api'] }\n",
        )
        .run(["check", "--format", "concise"]);
    insta::assert_snapshot!(output.report(), @"
    status: 1
    ----- stdout -----
    registry/services/api.jsonnet:1:41: error[schema-violation]: service `api` has an invalid value at `/owner`
    registry/teams/payments.jsonnet:1:46: error[schema-violation]: team `payments` has an invalid value at `/slack`
    checked 1 team, 0 projects, 0 clusters, 2 services: 2 errors
    ----- stderr -----
    ");
}

#[test]
fn a_cycle_through_an_invalid_entity_is_found() {
    let service = |name: &str, extra: &str, dependency: &str| {
        format!(
            "{{ name: '{name}', description: 'x', owner: 'payments', tier: 2, \
             lifecycle: 'production', repo: 'https://github.com/acme/{name}.git', \
             language: 'go', dependsOn: ['{dependency}'],{extra} }}\n"
        )
    };
    let output = Test::registry()
        .file("registry/teams/payments.jsonnet", TEAM)
        .file(
            "registry/services/a.jsonnet",
            service("a", " bogus: 1,", "b"),
        )
        .file("registry/services/b.jsonnet", service("b", "", "a"))
        .run(["check", "--format", "concise"]);
    insta::assert_snapshot!(output.report(), @"
    status: 1
    ----- stdout -----
    registry/services/a.jsonnet:1:152: error[dependency-cycle]: dependency cycle: `a` → `b` → `a`
    registry/services/a.jsonnet:1:158: error[schema-violation]: service `a` has an unknown field `bogus` at `/bogus`
    checked 1 team, 0 projects, 0 clusters, 2 services: 2 errors
    ----- stderr -----
    ");
}

#[test]
fn a_name_of_another_kind_is_named_as_such() {
    let output = Test::registry()
        .file("registry/teams/payments.jsonnet", TEAM)
        .file("registry/services/artist-lookup.jsonnet", ARTIST_LOOKUP)
        .file(
            "registry/services/charts.jsonnet",
            "{
  name: 'charts',
  description: 'Charts.',
  owner: 'alice',
  tier: 2,
  lifecycle: 'production',
  repo: 'https://github.com/acme/charts.git',
  language: 'go',
  dependsOn: ['artists-db', 'artist-lookups', 'payments'],
}
",
        )
        .run(["check"]);
    insta::assert_snapshot!(output.report(), @"
    status: 1
    ----- stdout -----
    error[unknown-reference]: service `charts` is owned by an unknown team `alice`
     --> registry/services/charts.jsonnet:4:10
      |
    4 |   owner: 'alice',
      |          ^^^^^^^ no team is named `alice`
      |
      = help: `alice` is a member of team `payments`, not a team

    error[unknown-reference]: service `charts` depends on an unknown service `artists-db`
     --> registry/services/charts.jsonnet:9:15
      |
    9 |   dependsOn: ['artists-db', 'artist-lookups', 'payments'],
      |               ^^^^^^^^^^^^ no service is named `artists-db`
      |
      = help: `artists-db` is a postgres database of service `artist-lookup`, not a service: to use it, depend on `artist-lookup`

    error[unknown-reference]: service `charts` depends on an unknown service `artist-lookups`
     --> registry/services/charts.jsonnet:9:29
      |
    9 |   dependsOn: ['artists-db', 'artist-lookups', 'payments'],
      |                             ^^^^^^^^^^^^^^^^ no service is named `artist-lookups`
      |
      = help: did you mean `artist-lookup`?

    error[unknown-reference]: service `charts` depends on an unknown service `payments`
     --> registry/services/charts.jsonnet:9:47
      |
    9 |   dependsOn: ['artists-db', 'artist-lookups', 'payments'],
      |                                               ^^^^^^^^^^ no service is named `payments`
      |
      = help: `payments` is a team, not a service

    checked 1 team, 0 projects, 0 clusters, 2 services: 4 errors
    ----- stderr -----
    ");
}
