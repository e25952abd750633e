// The fixtures through validate.mjs: the valid catalog passes whole, and each invalid file
// fails with exactly the one error it was written for.
//
//   node --test tests/backstage/

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

function validate(...files) {
  const run = spawnSync(process.execPath, [path.join(here, 'validate.mjs'), ...files], {
    cwd: here,
    encoding: 'utf8',
  });
  assert.equal(run.stderr, '');
  return { status: run.status, report: JSON.parse(run.stdout) };
}

test('the valid catalog, read through its Location, has no error', () => {
  const { status, report } = validate('fixtures/valid/catalog.yaml');
  assert.deepEqual(report, { entities: 9, errors: [] });
  assert.equal(status, 0);
});

const invalid = {
  'bad-name.yaml': ['group:default/checkout team!', '"metadata.name" is not valid'],
  'unknown-kind.yaml': ['service:default/checkout', 'No processor recognized the entity as valid'],
  'dangling-owner.yaml': [
    'component:default/checkout',
    'spec.owner: "nobody" refers to group:default/nobody, which is not in the catalog',
  ],
  'depends-on-without-kind.yaml': ['component:default/checkout', 'spec.dependsOn: Entity reference "checkout-db" had missing or empty kind'],
  'owner-of-wrong-kind.yaml': ['component:default/checkout', 'is a Component; the field takes Group or User'],
  'misspelt-spec-field.yaml': ['component:default/checkout', 'spec.dependOn is not a field of Component'],
  'missing-required.yaml': ['component:default/checkout', "must have required property 'lifecycle'"],
  'foreign-root-field.yaml': ['group:default/payments', 'Unknown field status'],
  'duplicate.yaml': ['group:default/payments', 'conflicts with the entity of the same reference'],
  'missing-target.yaml': ['location:default/broken', 'target "./no-such-file.yaml" does not exist'],
};

for (const [file, [entity, message]] of Object.entries(invalid)) {
  test(`invalid/${file} fails with its one error`, () => {
    const { status, report } = validate(`fixtures/invalid/${file}`);
    assert.equal(status, 1);
    assert.equal(report.errors.length, 1, JSON.stringify(report.errors, null, 2));
    assert.equal(report.errors[0].entity, entity);
    assert.ok(report.errors[0].message.includes(message), report.errors[0].message);
  });
}

test('an entity whose relation target is invalid is reported, not the relation dropped', () => {
  const { status, report } = validate('fixtures/valid/systems.yaml', 'fixtures/invalid/bad-name.yaml');
  assert.equal(status, 1);
  assert.ok(report.errors.some(error => error.message.includes('which is not in the catalog')));
});
