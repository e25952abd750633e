// Validates Backstage catalog files with @backstage/catalog-model's own validators, in the
// order the catalog backend applies them, then checks that every relation resolves.
//
//   node validate.mjs FILE...
//
// Prints {"entities": N, "errors": [{"entity", "location", "message"}]} on stdout; exits 1
// when there is any error, 2 on a usage error or when the installed catalog-model no longer
// agrees with the relation table below.
//
// Per entity, as @backstage/plugin-catalog-backend 4.0.5 does:
//  1. each file is parsed with `yaml`'s parseAllDocuments (merge keys off); an empty document
//     is skipped, any other non-object is an error (plugin-catalog-node parseEntityYaml);
//  2. the envelope schema (entityEnvelopeSchemaValidator), then the location annotations the
//     catalog adds when it reads a file (backstage.io/managed-by-location and
//     backstage.io/managed-by-origin-location);
//  3. the entity policies of CatalogBuilder.buildEntityPolicy, combined with
//     EntityPolicies.allOf: SchemaValidEntityPolicy, DefaultNamespaceEntityPolicy,
//     NoForeignRootFieldsEntityPolicy, FieldFormatEntityPolicy(makeValidator());
//  4. the entity schema (entitySchemaValidator), then the kind validators of
//     BuiltinKindsEntityProcessor: the entity must be accepted by exactly one, the one of
//     its kind;
//  5. a Location's targets are read as the catalog reads a `url` location: relative to the
//     file that holds it; each must exist (unless `presence: optional`) and is validated too.
// Then, over all entities read:
//  6. no two entities share a reference (kind, namespace and name, compared case-blind as
//     the catalog's database does);
//  7. every relation field that BuiltinKindsEntityProcessor.postProcessEntity reads is parsed
//     with parseEntityRef and the same default kind (and the entity's own namespace), and
//     must name an entity that was read and is valid, of a kind the catalog model allows for
//     that field (relationFields in @backstage/catalog-model/alpha);
//  8. a spec field that the kind's schema does not declare is an error: Backstage ignores it
//     silently, so a misspelt `dependOn` would lose a relation.

import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import {
  DefaultNamespaceEntityPolicy,
  EntityPolicies,
  FieldFormatEntityPolicy,
  NoForeignRootFieldsEntityPolicy,
  SchemaValidEntityPolicy,
  apiEntityV1alpha1Validator,
  componentEntityV1alpha1Validator,
  domainEntityV1alpha1Validator,
  entityEnvelopeSchemaValidator,
  entitySchemaValidator,
  groupEntityV1alpha1Validator,
  locationEntityV1alpha1Validator,
  makeValidator,
  parseEntityRef,
  resourceEntityV1alpha1Validator,
  stringifyEntityRef,
  systemEntityV1alpha1Validator,
  userEntityV1alpha1Validator,
} from '@backstage/catalog-model';
import { parseAllDocuments } from 'yaml';

// The alpha entry point's ES build imports `lodash/uniqBy` without an extension, which
// Node's own ES loader refuses; its CommonJS build loads.
const require = createRequire(import.meta.url);
const { compileCatalogModel, defaultCatalogEntityModel } = require('@backstage/catalog-model/alpha');

const KIND_VALIDATORS = [
  ['API', apiEntityV1alpha1Validator],
  ['Component', componentEntityV1alpha1Validator],
  ['Resource', resourceEntityV1alpha1Validator],
  ['Group', groupEntityV1alpha1Validator],
  ['Location', locationEntityV1alpha1Validator],
  ['User', userEntityV1alpha1Validator],
  ['System', systemEntityV1alpha1Validator],
  ['Domain', domainEntityV1alpha1Validator],
];

// The fields BuiltinKindsEntityProcessor.postProcessEntity turns into relations, with the
// default kind it passes to parseEntityRef (none: the reference must name its kind).
const RELATION_FIELDS = {
  Component: {
    owner: 'Group',
    subcomponentOf: 'Component',
    providesApis: 'API',
    consumesApis: 'API',
    dependsOn: undefined,
    dependencyOf: undefined,
    system: 'System',
  },
  API: { owner: 'Group', system: 'System' },
  Resource: { owner: 'Group', dependsOn: undefined, dependencyOf: undefined, system: 'System' },
  User: { memberOf: 'Group' },
  Group: { parent: 'Group', children: 'Group', members: 'User' },
  System: { owner: 'Group', domain: 'Domain' },
  Domain: { owner: 'Group', subdomainOf: 'Domain' },
  Location: {},
};

const API_VERSION = 'backstage.io/v1alpha1';

/** The catalog model's view of each kind: allowed target kinds and declared spec fields. */
function loadModel() {
  const model = compileCatalogModel([defaultCatalogEntityModel]);
  const kinds = {};
  for (const [kind, fields] of Object.entries(RELATION_FIELDS)) {
    const described = model.getKind({ kind, apiVersion: API_VERSION });
    if (!described) {
      throw new Error(`the catalog model has no kind ${kind}`);
    }
    const declared = {};
    for (const field of described.relationFields) {
      declared[field.path.replace(/^spec\./, '')] = field;
    }
    const ours = Object.keys(fields).sort().join(',');
    const theirs = Object.keys(declared).sort().join(',');
    if (ours !== theirs) {
      throw new Error(`relation fields of ${kind}: table has ${ours}, catalog model has ${theirs}`);
    }
    for (const [name, defaultKind] of Object.entries(fields)) {
      if (declared[name].defaultKind !== defaultKind) {
        throw new Error(
          `default kind of ${kind} spec.${name}: table has ${defaultKind}, catalog model has ${declared[name].defaultKind}`,
        );
      }
    }
    const specFields = new Set(Object.keys(described.jsonSchema.properties?.spec?.properties ?? {}));
    for (const name of Object.keys(fields)) {
      specFields.add(name);
    }
    kinds[kind] = { relations: declared, specFields };
  }
  return kinds;
}

function message(error) {
  if (error instanceof Error) {
    return error.cause ? `${error.message}: ${message(error.cause)}` : error.message;
  }
  return String(error);
}

function isPlainObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An entity's reference for the report, or undefined when it has none yet. */
function refOf(entity) {
  try {
    return stringifyEntityRef(entity);
  } catch {
    return undefined;
  }
}

async function main(argv) {
  if (argv.length === 0 || argv.some(arg => arg.startsWith('-'))) {
    process.stderr.write('usage: node validate.mjs FILE...\n');
    return 2;
  }
  let model;
  try {
    model = loadModel();
  } catch (error) {
    process.stderr.write(`@backstage/catalog-model disagrees with validate.mjs: ${message(error)}\n`);
    return 2;
  }

  const policy = EntityPolicies.allOf([
    new SchemaValidEntityPolicy(),
    new DefaultNamespaceEntityPolicy(),
    new NoForeignRootFieldsEntityPolicy(),
    new FieldFormatEntityPolicy(makeValidator()),
  ]);
  const validateEnvelope = entityEnvelopeSchemaValidator();
  const validateEntity = entitySchemaValidator();

  const errors = [];
  const report = (entity, location, text) => {
    errors.push({ entity: entity ?? null, location, message: text });
  };

  // Every entity read, valid or not, in reading order: { ref, entity, location, valid }.
  const read = [];
  const queue = argv.map(file => ({ file: path.resolve(file), origin: path.resolve(file) }));
  const seenFiles = new Set();

  while (queue.length > 0) {
    const { file, origin } = queue.shift();
    if (seenFiles.has(file)) {
      continue;
    }
    seenFiles.add(file);
    const shown = path.relative(process.cwd(), file) || file;
    let text;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      report(undefined, shown, `cannot read: ${message(error)}`);
      continue;
    }
    let documents;
    try {
      documents = parseAllDocuments(text, { merge: false });
    } catch (error) {
      report(undefined, shown, `Failed to parse YAML, ${message(error)}`);
      continue;
    }
    for (const [index, document] of [...documents].entries()) {
      const location = `${shown}#${index}`;
      if (document.errors?.length) {
        report(undefined, location, `YAML error, ${document.errors[0].message}`);
        continue;
      }
      let json;
      try {
        json = document.toJSON();
      } catch (error) {
        report(undefined, location, `YAML error, ${message(error)}`);
        continue;
      }
      if (json === null || json === undefined) {
        continue;
      }
      if (!isPlainObject(json)) {
        report(undefined, location, `Expected object at root, got ${Array.isArray(json) ? 'array' : typeof json}`);
        continue;
      }
      const result = await check(json, location, file, origin);
      read.push(result);
      for (const target of result.targets) {
        queue.push({ file: target, origin });
      }
    }
  }

  async function check(json, location, file, origin) {
    const result = { ref: refOf(json), entity: json, location, valid: false, targets: [] };
    const fail = text => report(result.ref, location, text);
    let entity;
    try {
      entity = validateEnvelope(json);
    } catch (error) {
      fail(`Entity envelope failed validation: ${message(error)}`);
      return result;
    }
    const annotations = entity.metadata.annotations ?? {};
    if (!isPlainObject(annotations)) {
      fail('metadata.annotations must be a valid object');
      return result;
    }
    entity = {
      ...entity,
      metadata: {
        ...entity.metadata,
        annotations: {
          ...annotations,
          'backstage.io/managed-by-origin-location': `url:${pathToFileURL(origin).href}`,
          'backstage.io/managed-by-location': `url:${pathToFileURL(file).href}`,
        },
      },
    };
    try {
      entity = await policy.enforce(entity);
    } catch (error) {
      fail(message(error));
      return result;
    }
    result.ref = refOf(entity);
    result.entity = entity;
    try {
      validateEntity(entity);
    } catch (error) {
      fail(`Entity envelope failed validation after preprocessing: ${message(error)}`);
      return result;
    }
    const accepted = [];
    for (const [kind, validator] of KIND_VALIDATORS) {
      try {
        if (await validator.check(entity)) {
          accepted.push(kind);
        }
      } catch (error) {
        fail(`${kind} validator: ${message(error)}`);
        return result;
      }
    }
    if (accepted.length === 0) {
      fail(`No processor recognized the entity as valid, possibly caused by a foreign kind or apiVersion`);
      return result;
    }
    if (accepted.length > 1 || accepted[0] !== entity.kind) {
      fail(`accepted by the validators of ${accepted.join(', ')}`);
      return result;
    }
    let valid = true;
    const known = model[entity.kind].specFields;
    for (const field of Object.keys(entity.spec ?? {})) {
      if (!known.has(field)) {
        fail(`spec.${field} is not a field of ${entity.kind}; Backstage ignores it`);
        valid = false;
      }
    }
    if (entity.kind === 'Location') {
      const type = entity.spec.type ?? 'url';
      const targets = [];
      if (entity.spec.target) {
        targets.push(entity.spec.target);
      }
      targets.push(...(entity.spec.targets ?? []));
      if (type !== 'url') {
        fail(`Registered locations must be of an allowed type ["url"], not ${JSON.stringify(type)}`);
        valid = false;
      }
      for (const target of type === 'url' ? targets : []) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('/')) {
          fail(`target ${JSON.stringify(target)} is not relative to this file, so it is not followed`);
          valid = false;
          continue;
        }
        if (/[*?[{]/.test(target)) {
          fail(`target ${JSON.stringify(target)} is a pattern, which is not followed`);
          valid = false;
          continue;
        }
        const resolved = path.resolve(path.dirname(file), target);
        if (!existsSync(resolved)) {
          if (entity.spec.presence !== 'optional') {
            fail(`target ${JSON.stringify(target)} does not exist (${path.relative(process.cwd(), resolved)})`);
            valid = false;
          }
          continue;
        }
        result.targets.push(resolved);
      }
    }
    result.valid = valid;
    return result;
  }

  // 6. One entity per reference.
  const byRef = new Map();
  for (const item of read) {
    if (!item.ref) {
      continue;
    }
    const first = byRef.get(item.ref);
    if (first) {
      report(item.ref, item.location, `conflicts with the entity of the same reference at ${first.location}`);
      item.valid = false;
    } else {
      byRef.set(item.ref, item);
    }
  }

  // 7. Relations, from valid entities to valid entities.
  for (const item of read) {
    if (!item.valid) {
      continue;
    }
    const { entity } = item;
    const namespace = entity.metadata.namespace;
    for (const [field, described] of Object.entries(model[entity.kind].relations)) {
      const value = entity.spec?.[field];
      if (value === undefined || value === null) {
        continue;
      }
      for (const target of [value].flat()) {
        const where = `spec.${field}`;
        let parsed;
        try {
          parsed = parseEntityRef(target, { defaultKind: RELATION_FIELDS[entity.kind][field], defaultNamespace: namespace });
        } catch (error) {
          report(item.ref, item.location, `${where}: ${message(error)}`);
          continue;
        }
        const ref = stringifyEntityRef(parsed);
        const found = byRef.get(ref);
        if (!found) {
          report(item.ref, item.location, `${where}: ${JSON.stringify(target)} refers to ${ref}, which is not in the catalog`);
          continue;
        }
        if (!found.valid) {
          report(item.ref, item.location, `${where}: ${JSON.stringify(target)} refers to ${ref}, which is invalid`);
          continue;
        }
        const allowed = described.allowedKinds;
        if (allowed && !allowed.some(kind => kind.toLowerCase() === parsed.kind.toLowerCase())) {
          report(item.ref, item.location, `${where}: ${JSON.stringify(target)} is a ${found.entity.kind}; the field takes ${allowed.join(' or ')}`);
        }
      }
    }
  }

  process.stdout.write(`${JSON.stringify({ entities: read.length, errors }, null, 2)}\n`);
  return errors.length > 0 ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
