/**
 * Kargo's expression functions (akuity/kargo `pkg/expressions`), as builders of function tables for an
 * {@link ExpressionEnv}: template quoting (`quote`, `unsafeQuote`, `asYAML`, `asJSON`), semantic versions
 * (`semverDiff`, `semverParse`), freight lookups (`warehouse`, `commitFrom`, `imageFrom`, `chartFrom`,
 * `artifactFrom`), step status (`success`, `failure`, `always`, `status`) and data (`secret`, `configMap`).
 * Argument checks and messages follow Kargo's.
 */
import {
  compareSemver,
  formatSemver,
  parseSemver,
  SemVer,
} from '@kargo-portal/plugin-kargo-common';
import { fail } from './errors';
import type { ExpressionFunction } from './evaluator';
import { goQuote, marshalJSON } from './golang';
import {
  defineEntry,
  ExprStruct,
  goTypeName,
  isPlainObject,
  ownValue,
} from './values';
import { marshalYAML } from './yaml';
import {
  expectArgRange,
  expectArgs,
  ExpressionFunctions,
  plainCopy,
  stringArg,
} from './functionArgs';

export type { ExpressionFunctions } from './functionArgs';
export { freightFunctions } from './freightFunctions';
export type {
  ExpressionFreight,
  ExpressionFreightOrigin,
  ExpressionWarehouseSubscription,
  RequestedFreightOrigin,
} from './freightFunctions';

// --- template functions ----------------------------------------------------------------------------------------

/**
 * Kargo's `quote()`: a string comes back in Go's `%q` form (the template strips the quotes again, so the result
 * stays a string); anything else as {@link unsafeQuote}.
 *
 * @public
 */
export function quote(...args: unknown[]): string {
  expectArgs(args, 1);
  const [value] = args;
  if (typeof value === 'string') return goQuote(value);
  return unsafeQuote(value);
}

/**
 * Kargo's `unsafeQuote()`: the value's JSON inside double quotes, so that a template keeps it as a string; a string
 * input keeps its own JSON quotes (`"foo"` becomes `"\"foo\""`).
 *
 * @public
 */
export function unsafeQuote(...args: unknown[]): string {
  expectArgs(args, 1);
  return `"${marshalJSON(args[0])}"`;
}

/** Kargo's `asYAML()`: the value as YAML, quoted so that a template keeps it as a string. @public */
export function asYAML(...args: unknown[]): string {
  expectArgs(args, 1);
  return `"${marshalYAML(args[0])}"`;
}

/** Kargo's `asJSON()`: the value as indented JSON with a final newline, quoted for templates. @public */
export function asJSON(...args: unknown[]): string {
  expectArgs(args, 1);
  return `"${marshalJSON(args[0], '  ')}\n"`;
}

/** The functions Kargo adds to every template; their names are reserved. @public */
export function templateFunctions(): ExpressionFunctions {
  return { quote, unsafeQuote, asYAML, asJSON };
}

// --- semantic versions -----------------------------------------------------------------------------------------

const SEMVER_IDENTIFIER = /^[0-9A-Za-z-]+$/;

function checkPrerelease(prerelease: string): void {
  for (const part of prerelease.split('.')) {
    if (/^[0-9]+$/.test(part)) {
      if (part.length > 1 && part[0] === '0')
        fail('Version segment starts with 0');
    } else if (!SEMVER_IDENTIFIER.test(part)) {
      fail('Invalid Prerelease string');
    }
  }
}

function checkMetadata(metadata: string): void {
  if (!metadata.split('.').every(part => SEMVER_IDENTIFIER.test(part))) {
    fail('Invalid Metadata string');
  }
}

const SEMVER_TYPE = '*semver.Version';

/**
 * A Masterminds `*semver.Version` for expressions: `Major()`, `IncMinor()`, `String()` and the other methods Kargo
 * documents; it marshals to its string form.
 */
function semverValue(version: SemVer): ExprStruct {
  const text = formatSemver(version);
  const vPrefix = version.original.startsWith('v') ? 'v' : '';
  const derive = (changes: Partial<SemVer>): ExprStruct => {
    const next = { ...version, ...changes };
    return semverValue({
      ...next,
      original: `${vPrefix}${formatSemver(next)}`,
    });
  };
  const other = (value: unknown): SemVer => {
    const parsed =
      value instanceof ExprStruct && value.typeName === SEMVER_TYPE
        ? parseSemver(String(value.toJSONValue()))
        : undefined;
    if (!parsed)
      fail(`argument must be ${SEMVER_TYPE}, got ${goTypeName(value)}`);
    return parsed;
  };
  const method =
    <T>(fn: (...args: unknown[]) => T, count = 0) =>
    (...args: unknown[]): T => {
      expectArgs(args, count);
      return fn(...args);
    };
  return new ExprStruct({
    typeName: SEMVER_TYPE,
    methods: {
      Major: method(() => version.major),
      Minor: method(() => version.minor),
      Patch: method(() => version.patch),
      Prerelease: method(() => version.prerelease),
      Metadata: method(() => version.metadata),
      Original: method(() => version.original),
      String: method(() => text),
      IncMajor: method(() =>
        derive({
          major: version.major + 1,
          minor: 0,
          patch: 0,
          prerelease: '',
          metadata: '',
        }),
      ),
      IncMinor: method(() =>
        derive({
          minor: version.minor + 1,
          patch: 0,
          prerelease: '',
          metadata: '',
        }),
      ),
      IncPatch: method(() =>
        // A prerelease of x.y.z precedes x.y.z, so the next patch of it is x.y.z itself (Masterminds).
        version.prerelease
          ? derive({ prerelease: '', metadata: '' })
          : derive({ patch: version.patch + 1, prerelease: '', metadata: '' }),
      ),
      SetPrerelease: method(value => {
        const prerelease = stringArg(value, 'argument');
        if (prerelease) checkPrerelease(prerelease);
        return derive({ prerelease });
      }, 1),
      SetMetadata: method(value => {
        const metadata = stringArg(value, 'argument');
        if (metadata) checkMetadata(metadata);
        return derive({ metadata });
      }, 1),
      Compare: method(value => compareSemver(version, other(value)), 1),
      Equal: method(value => compareSemver(version, other(value)) === 0, 1),
      LessThan: method(value => compareSemver(version, other(value)) < 0, 1),
      LessThanEqual: method(
        value => compareSemver(version, other(value)) <= 0,
        1,
      ),
      GreaterThan: method(value => compareSemver(version, other(value)) > 0, 1),
      GreaterThanEqual: method(
        value => compareSemver(version, other(value)) >= 0,
        1,
      ),
    },
    toJSON: () => text,
    toString: () => text,
  });
}

/**
 * Kargo's `semverDiff(a, b)`: `Major`, `Minor`, `Patch`, `Metadata`, `None`, or `Incomparable` when either is not a
 * semantic version (prereleases are not compared).
 *
 * @public
 */
export function semverDiff(...args: unknown[]): string {
  expectArgs(args, 2);
  const first = stringArg(args[0], 'first argument');
  const second = stringArg(args[1], 'second argument');
  const a = parseSemver(first);
  const b = parseSemver(second);
  if (!a || !b) return 'Incomparable';
  if (a.major !== b.major) return 'Major';
  if (a.minor !== b.minor) return 'Minor';
  if (a.patch !== b.patch) return 'Patch';
  if (a.metadata !== b.metadata) return 'Metadata';
  return 'None';
}

/** Kargo's `semverParse(v)`: a version whose methods expressions may call. @public */
export function semverParse(...args: unknown[]): ExprStruct {
  expectArgs(args, 1);
  const text = stringArg(args[0], 'argument');
  const version = parseSemver(text);
  if (!version) fail('invalid semantic version: Invalid Semantic Version');
  return semverValue(version);
}

/** Kargo's utility functions: `semverDiff` and `semverParse`. @public */
export function utilityFunctions(): ExpressionFunctions {
  return { semverDiff, semverParse };
}

// --- step status -----------------------------------------------------------------------------------------------

/** What the status functions know of a step that already ran. @public */
export interface StepStatusRecord {
  /** The step's alias; steps inflated from a PromotionTask read `<task alias>::<step alias>`. */
  alias: string;
  /** Kargo's step status: `Succeeded`, `Failed`, `Errored`, `Aborted`, `Skipped`, `Running`. */
  status: string;
  /** A step that may fail without failing the promotion does not count as a failure. */
  continueOnError?: boolean;
}

const ALIAS_SEPARATOR = '::';

function aliasNamespace(alias: string): { namespace: string; short: string } {
  const parts = alias.split(ALIAS_SEPARATOR);
  return parts.length === 2
    ? { namespace: parts[0], short: parts[1] }
    : { namespace: '', short: alias };
}

/**
 * Kargo's step status functions: `always()`; `failure()`, true when a preceding step Failed or Errored (unless it
 * may continue on error); `success()`, its negation; `status(alias)`, the status of a step, looked up within the
 * current step's PromotionTask when it belongs to one ("" when there is no such step).
 *
 * @public
 */
export function statusFunctions(
  steps: ReadonlyArray<StepStatusRecord>,
  currentStepAlias = '',
): ExpressionFunctions {
  const hasFailures = () =>
    steps.some(
      step =>
        !step.continueOnError &&
        (step.status === 'Failed' || step.status === 'Errored'),
    );
  const current = aliasNamespace(currentStepAlias).namespace;
  return {
    always: (...args) => {
      expectArgs(args, 0);
      return true;
    },
    failure: (...args) => {
      expectArgs(args, 0);
      return hasFailures();
    },
    success: (...args) => {
      expectArgs(args, 0);
      return !hasFailures();
    },
    status: (...args) => {
      expectArgs(args, 1);
      const alias = stringArg(args[0], 'argument');
      if (alias === '') fail('argument must not be empty');
      for (const step of steps) {
        const { namespace, short } = aliasNamespace(step.alias);
        if (namespace === current && short === alias) return step.status;
      }
      return '';
    },
  };
}

// --- data ------------------------------------------------------------------------------------------------------

function dataLookup(
  data:
    | ReadonlyMap<string, Record<string, string>>
    | Record<string, Record<string, string>>,
): ExpressionFunction {
  const get = (key: string) =>
    data instanceof Map ? data.get(key) : ownValue(data as object, key);
  return (...args) => {
    expectArgs(args, 1);
    const key = stringArg(args[0], 'argument');
    const entry = get(key);
    // A copy, so that nothing an expression does can reach the caller's object.
    return plainCopy(isPlainObject(entry) ? entry : undefined);
  };
}

/**
 * Kargo's `secret(name)`: the data of the named secret of the project as a map of strings, or an empty map when
 * there is no such secret.
 *
 * @public
 */
export function secretFunctions(
  secrets:
    | ReadonlyMap<string, Record<string, string>>
    | Record<string, Record<string, string>>,
): ExpressionFunctions {
  return { secret: dataLookup(secrets) };
}

// --- metadata --------------------------------------------------------------------------------------------------

/** Metadata of a project's Stages and Freight (a Freight by its id), by name, as read before an expression. */
export interface ExpressionMetadata {
  stages: Record<string, Record<string, unknown>>;
  freight: Record<string, Record<string, unknown>>;
}

/** A deep copy of JSON data, so that nothing an expression does can reach the caller's object. */
function jsonCopy(value: unknown): unknown {
  return value === undefined ? null : JSON.parse(JSON.stringify(value));
}

function metadataLookup(
  data: Record<string, Record<string, unknown>>,
  what: string,
): ExpressionFunction {
  return (...args) => {
    expectArgRange(args, 1, 2);
    const name = stringArg(args[0], 'first argument');
    if (name === '') fail(`${what} must not be empty`);
    const entry = ownValue(data, name);
    if (args.length === 2) {
      const key = stringArg(args[1], 'second argument');
      if (key === '') fail('metadata key must not be empty');
      return isPlainObject(entry) ? jsonCopy(ownValue(entry, key)) : null;
    }
    return isPlainObject(entry) ? jsonCopy(entry) : null;
  };
}

/**
 * Kargo's `freightMetadata(freightName[, key])` and `stageMetadata(stageName[, key])`: the metadata that
 * `set-metadata` set on a Freight or Stage of the project, as a map, or the value of one key; nil when there is
 * none. `freightAliases` maps aliases to ids, so that the promotion's freight can also be named by alias.
 *
 * @public
 */
export function metadataFunctions(
  metadata: ExpressionMetadata,
  freightAliases: Record<string, string> = {},
): ExpressionFunctions {
  const freight: Record<string, Record<string, unknown>> = {
    ...metadata.freight,
  };
  for (const [alias, id] of Object.entries(freightAliases)) {
    const entry = ownValue(metadata.freight, id);
    if (ownValue(freight, alias) === undefined && isPlainObject(entry)) {
      defineEntry(freight, alias, entry);
    }
  }
  return {
    freightMetadata: metadataLookup(freight, 'freight ref name'),
    stageMetadata: metadataLookup(metadata.stages, 'stage name'),
  };
}

/**
 * Kargo's `configMap(name)` and, when `shared` is given, `sharedConfigMap(name)`: the data of the named config map
 * of the project (or of the shared resources namespace) as a map of strings, or an empty map when there is none.
 *
 * @public
 */
export function configMapFunctions(
  configMaps:
    | ReadonlyMap<string, Record<string, string>>
    | Record<string, Record<string, string>>,
  shared?:
    | ReadonlyMap<string, Record<string, string>>
    | Record<string, Record<string, string>>,
): ExpressionFunctions {
  return {
    configMap: dataLookup(configMaps),
    ...(shared ? { sharedConfigMap: dataLookup(shared) } : {}),
  };
}

/**
 * Kargo's `sharedSecret(name)`: the data of the named secret of the shared resources namespace (generic
 * credentials only, in Kargo) as a map of strings, or an empty map when there is none.
 *
 * @public
 */
export function sharedSecretFunctions(
  secrets:
    | ReadonlyMap<string, Record<string, string>>
    | Record<string, Record<string, string>>,
): ExpressionFunctions {
  return { sharedSecret: dataLookup(secrets) };
}

/**
 * Kargo's `freightStatus(freightName)`: the `status` of a Freight as JSON data (`currentlyIn`, `verifiedIn`,
 * `approvedFor`, `metadata`), by id or alias. `statuses` holds the freight whose status was read before the
 * expression (the promotion's own); any other name is refused by name rather than answered with nil.
 *
 * @public
 */
export function freightStatusFunctions(
  statuses: Record<string, Record<string, unknown>>,
  freightAliases: Record<string, string> = {},
): ExpressionFunctions {
  return {
    freightStatus: (...args) => {
      expectArgs(args, 1);
      const name = stringArg(args[0], 'argument');
      if (name === '') fail('freight name must not be empty');
      const id = ownValue(freightAliases, name);
      const status = ownValue(
        statuses,
        typeof id === 'string' && ownValue(statuses, name) === undefined
          ? id
          : name,
      );
      if (!isPlainObject(status)) {
        return fail(
          `freightStatus(): freight "${name}" is not part of this promotion; Kargo Portal reads the status of the promotion's own freight`,
        );
      }
      return jsonCopy(status);
    },
  };
}
