//! Diagnostics point at the right place: a JSON pointer is followed through the entity file's
//! structure (fields, array indexes, `+`, locals, helper arguments), and a value whose place
//! cannot be proven is shown by entity and pointer, never at a wrong line.

use crate::test::Test;

/// A team of five members written out, each with the same misspelt field.
const FIVE_MEMBERS: &str = "{
  name: 'platform',
  description: 'The platform team.',
  slack: '#team-platform',
  members: [
    { login: 'alice', email: 'alice@acme.example', role: 'lead', github: 'alice' },
    { login: 'bob', email: 'bob@acme.example', role: 'engineer', github: 'bob' },
    { login: 'carol', email: 'carol@acme.example', role: 'engineer', github: 'carol' },
    { login: 'dave', email: 'not an address', role: 'engineer', github: 'dave' },
    { login: 'erin', email: 'erin@acme.example', role: 'intern', github: 'erin' },
  ],
}
";

#[test]
fn every_member_is_shown_at_its_own_line() {
    let output = Test::registry()
        .file("registry/teams/platform.jsonnet", FIVE_MEMBERS)
        .run(["check", "--format", "concise"]);
    insta::assert_snapshot!(output.report(), @r#"
    status: 1
    ----- stdout -----
    registry/teams/platform.jsonnet:6:66: error[schema-violation]: team `platform` has an unknown field `github` at `/members/0/github`
    registry/teams/platform.jsonnet:7:66: error[schema-violation]: team `platform` has an unknown field `github` at `/members/1/github`
    registry/teams/platform.jsonnet:8:70: error[schema-violation]: team `platform` has an unknown field `github` at `/members/2/github`
    registry/teams/platform.jsonnet:9:29: error[schema-violation]: team `platform` has an invalid value at `/members/3/email`
    registry/teams/platform.jsonnet:9:65: error[schema-violation]: team `platform` has an unknown field `github` at `/members/3/github`
    registry/teams/platform.jsonnet:10:56: error[schema-violation]: team `platform` has an invalid value at `/members/4/role`: "intern"
    registry/teams/platform.jsonnet:10:66: error[schema-violation]: team `platform` has an unknown field `github` at `/members/4/github`
    checked 1 team, 0 projects, 0 clusters, 0 services: 7 errors
    ----- stderr -----
    "#);
}

#[test]
fn an_index_is_the_element_at_that_index() {
    let output = Test::registry()
        .file(
            "registry/teams/platform.jsonnet",
            "{ name: 'platform', description: 'P', slack: '#p', members: [] }",
        )
        .file(
            "registry/services/api.jsonnet",
            "{
  name: 'api',
  description: 'The api service.',
  owner: 'platform',
  tier: 2,
  lifecycle: 'production',
  repo: 'https://github.com/acme/api.git',
  language: 'go',
  deployments: [
    { cluster: 'prod-eu', namespace: 'api', replicas: 2 },
    { cluster: 'prod-us', namespace: 'Not A Namespace', replicas: 2 },
  ],
}
",
        )
        .run(["check", "--format", "concise"]);
    insta::assert_snapshot!(output.report(), @"
    status: 1
    ----- stdout -----
    registry/services/api.jsonnet:10:16: error[unknown-reference]: service `api` deploys to an unknown cluster `prod-eu`
    registry/services/api.jsonnet:11:16: error[unknown-reference]: service `api` deploys to an unknown cluster `prod-us`
    registry/services/api.jsonnet:11:38: error[schema-violation]: service `api` has an invalid value at `/deployments/1/namespace`
    checked 1 team, 0 projects, 0 clusters, 1 service: 3 errors
    ----- stderr -----
    ");
}

#[test]
fn a_top_level_field_is_not_a_nested_field_of_the_same_name() {
    // `email` is a member's field, and unknown on a team: the diagnostic is at the team's.
    let output = Test::registry()
        .file(
            "registry/teams/platform.jsonnet",
            "{
  name: 'platform',
  description: 'The platform team.',
  members: [{ login: 'alice', email: 'alice@acme.example', role: 'lead' }],
  slack: '#team-platform',
  email: 'platform@acme.example',
}
",
        )
        .run(["check"]);
    insta::assert_snapshot!(output.report(), @r"
    status: 1
    ----- stdout -----
    error[schema-violation]: team `platform` has an unknown field `email` at `/email`
     --> registry/teams/platform.jsonnet:6:3
      |
    6 |   email: 'platform@acme.example',
      |   ^^^^^ unknown field
      |
      = help: the fields allowed here are `annotations`, `description`, `members`, `name`, `onCall`, `parent`, and `slack`

    checked 1 team, 0 projects, 0 clusters, 0 services: 1 error
    ----- stderr -----
    ");
}

#[test]
fn nested_objects_and_composition_with_plus() {
    let output = Test::registry()
        .file(
            "registry/teams/platform.jsonnet",
            "local base = {
  name: 'platform',
  description: 'The platform team.',
  slack: '#team-platform',
  members: [{ login: 'alice', email: 'alice@acme.example', role: 'lead' }],
  onCall: { rotation: 'platform-primary', hours: '24x7' },
};
base + {
  onCall+: { hours: 'nights' },
  members+: [
    { login: 'bob', email: 'bob@acme.example', role: 'engineer' },
    { login: 'carol', email: 'carol@acme.example', role: 'boss' },
  ],
}
",
        )
        .run(["check", "--format", "concise"]);
    insta::assert_snapshot!(output.report(), @r#"
    status: 1
    ----- stdout -----
    registry/teams/platform.jsonnet:9:21: error[schema-violation]: team `platform` has an invalid value at `/onCall/hours`: "nights"
    registry/teams/platform.jsonnet:12:58: error[schema-violation]: team `platform` has an invalid value at `/members/2/role`: "boss"
    checked 1 team, 0 projects, 0 clusters, 0 services: 2 errors
    ----- stderr -----
    "#);
}

#[test]
fn values_built_by_a_comprehension_are_shown_by_pointer() {
    let output = Test::registry()
        .file(
            "registry/teams/platform.jsonnet",
            "{
  name: 'platform',
  description: 'The platform team.',
  slack: '#team-platform',
  members: [
    { login: login, email: login + '@acme.example', role: 'lead' }
    for login in ['alice', 'bob', 'Not Valid']
  ],
}
",
        )
        .run(["check"]);
    insta::assert_snapshot!(output.report(), @r#"
    status: 1
    ----- stdout -----
    error[schema-violation]: team `platform` has an invalid value at `/members/2/email`
    --> registry/teams/platform.jsonnet
     = note: entity: team/platform at /members/2/email: "Not Valid@acme.example" is not a "email"

    error[schema-violation]: team `platform` has an invalid value at `/members/2/login`
    --> registry/teams/platform.jsonnet
     = note: entity: team/platform at /members/2/login: "Not Valid" does not match "^[A-Za-z0-9]([A-Za-z0-9-]{0,37}[A-Za-z0-9])?$"

    checked 1 team, 0 projects, 0 clusters, 0 services: 2 errors
    ----- stderr -----
    "#);
}

#[test]
fn values_a_library_computes_are_shown_by_pointer() {
    // The third member's login is an argument by position: only the library knows which
    // field it becomes, so no line is claimed; the wrong role, a named argument, is found,
    // since what is written there is the value.
    let output = Test::registry()
        .file(
            "registry/lib/people.libsonnet",
            "{ member(login, role='engineer'):: { login: login, email: login + '@acme.example', role: role } }\n",
        )
        .file(
            "registry/teams/platform.jsonnet",
            "local people = import 'people.libsonnet';
{
  name: 'platform',
  description: 'The platform team.',
  slack: '#team-platform',
  members: [people.member('alice', role='lead'), people.member('bob'), people.member('-carol')],
} + { members+: [people.member('dave', role='boss')] }
",
        )
        .run(["check"]);
    insta::assert_snapshot!(output.report(), @r#"
    status: 1
    ----- stdout -----
    error[schema-violation]: team `platform` has an invalid value at `/members/2/login`
    --> registry/teams/platform.jsonnet
     = note: entity: team/platform at /members/2/login: "-carol" does not match "^[A-Za-z0-9]([A-Za-z0-9-]{0,37}[A-Za-z0-9])?$"

    error[schema-violation]: team `platform` has an invalid value at `/members/3/role`: "boss"
     --> registry/teams/platform.jsonnet:7:45
      |
    7 | } + { members+: [people.member('dave', role='boss')] }
      |                                             ^^^^^^ expected one of `lead`, `manager`, and `engineer`

    checked 1 team, 0 projects, 0 clusters, 0 services: 2 errors
    ----- stderr -----
    "#);
}

#[test]
fn a_named_argument_of_a_helper_is_the_field_it_names() {
    let output = Test::registry()
        .file(
            "registry/lib/svc.libsonnet",
            "{ new(name, owner, tier=2):: { name: name, description: 'x', owner: owner, tier: tier, \
             lifecycle: 'production', repo: 'https://github.com/acme/' + name + '.git', language: 'go' },\n  \
             dependsOn(list):: { dependsOn+: list } }\n",
        )
        .file(
            "registry/services/api.jsonnet",
            "local svc = import 'svc.libsonnet';
svc.new('api', owner='nobody', tier=7)
+ svc.dependsOn(['api-db'])
",
        )
        .run(["check", "--format", "concise"]);
    insta::assert_snapshot!(output.report(), @r#"
    status: 1
    ----- stdout -----
    registry/services/api.jsonnet:2:22: error[unknown-reference]: service `api` is owned by an unknown team `nobody`
    registry/services/api.jsonnet:2:37: error[schema-violation]: service `api` has an invalid value at `/tier`
    registry/services/api.jsonnet:3:18: error[unknown-reference]: service `api` depends on an unknown service `api-db`
    checked 0 teams, 0 projects, 0 clusters, 1 service: 3 errors
    ----- stderr -----
    "#);
}

#[test]
fn a_value_that_a_later_helper_may_replace_must_match_to_be_shown() {
    // `svc.owned()` replaces the owner written in `svc.new`: the named argument is not where
    // the value came from, so no line is claimed.
    let output = Test::registry()
        .file(
            "registry/lib/svc.libsonnet",
            "{ new(name, owner):: { name: name, description: 'x', owner: owner, tier: 2, \
             lifecycle: 'production', repo: 'https://github.com/acme/' + name + '.git', language: 'go' },\n  \
             owned():: { owner: 'nobody' } }\n",
        )
        .file("registry/teams/platform.jsonnet", "{ name: 'platform', description: 'P', slack: '#p', members: [] }")
        .file(
            "registry/services/api.jsonnet",
            "local svc = import 'svc.libsonnet';\nsvc.new('api', owner='platform') + svc.owned()\n",
        )
        .run(["check", "--format", "concise"]);
    insta::assert_snapshot!(output.report(), @"
    status: 1
    ----- stdout -----
    registry/services/api.jsonnet: error[unknown-reference]: service `api` is owned by an unknown team `nobody`
    checked 1 team, 0 projects, 0 clusters, 1 service: 1 error
    ----- stderr -----
    ");
}
