import fs from 'node:fs/promises';
import { z } from 'zod';
import YAML from 'yaml';
import { isError } from '@backstage/errors';
import {
  PromotionStepContext,
  PromotionStepResult,
  PromotionStepRunner,
  TerminalStepError,
  createPromotionStep,
} from '@kargo-portal/plugin-kargo-node';
import { evaluateExpression, ExprStruct, parse } from '../../expressions';
import { sendHttpRequest } from '../stepHelpers/httpTransport';
import { resolveInWorkDir } from '../stepHelpers/paths';
import { goDurationField } from '../stepHelpers/pullRequestCommon';

/** Kargo's limits and defaults for the `http` step. */
const MAX_BODY_BYTES = 2 << 20;
const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_POLL_INTERVAL_MS = 30_000;

/** An expr-lang expression, checked for syntax when the config is read. */
const expressionField = z.string().superRefine((source, ctx) => {
  if (source === '') return;
  try {
    parse(source);
  } catch (error) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      message: `invalid expression: ${
        isError(error) ? error.message : String(error)
      }`,
    });
  }
});

const nameValueSchema = z
  .object({ name: z.string().min(1), value: z.string().min(1) })
  .strict();

/** Kargo's `HTTPConfig` (schemas/http-config.json). */
const httpConfigSchema = z
  .object({
    method: z
      .string()
      .regex(/^(DELETE|GET|HEAD|PATCH|POST|PUT)$/, {
        message: `Does not match pattern '^(DELETE|GET|HEAD|PATCH|POST|PUT)$'`,
      })
      .optional(),
    url: z.string().min(1),
    headers: z.array(nameValueSchema).optional(),
    queryParams: z.array(nameValueSchema).optional(),
    body: z.string().nullish(),
    bodyFromFile: z.string().nullish(),
    insecureSkipTLSVerify: z.boolean().optional(),
    proxy: z
      .string()
      .regex(/^https?:\/\/.*$/, {
        message: `Does not match pattern '^https?://.*$'`,
      })
      .optional(),
    timeout: goDurationField.optional(),
    pollInterval: goDurationField.optional(),
    responseContentType: z
      .enum(['application/json', 'application/yaml', 'text/plain'])
      .optional(),
    outputs: z
      .array(
        z
          .object({
            name: z.string().min(1),
            fromExpression: expressionField.pipe(z.string().min(1)),
          })
          .strict(),
      )
      .optional(),
    successExpression: expressionField.optional(),
    failureExpression: expressionField.optional(),
    errorExpression: expressionField.optional(),
  })
  .strict()
  .superRefine((config, ctx) => {
    if (config.body && config.bodyFromFile) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['bodyFromFile'],
        message: 'body and bodyFromFile are mutually exclusive',
      });
    }
  });

/** The checked config of `http` (durations in milliseconds). */
export type HttpConfig = z.infer<typeof httpConfigSchema>;

/**
 * `http`: sends an HTTP request and judges the response with expr-lang expressions over
 * `response` = `{ status, headers, header(name), body }`, as Kargo's `http` step does:
 *
 * - `failureExpression` true: `Failed` (with `errorExpression`'s message, if it gives one);
 * - `successExpression` true: `Succeeded`, with the `outputs` extracted from the response;
 * - neither expression set: a 2xx status succeeds, any other is an error that may be retried;
 * - otherwise `Running`: the request is repeated after `pollInterval` (30s).
 *
 * Expressions are parsed when the config is read, so a syntax error fails the step at once.
 */
export function createHttpStep(): PromotionStepRunner<HttpConfig> {
  return createPromotionStep({
    name: 'http',
    schema: httpConfigSchema,
    run: runHttpStep,
  });
}

async function runHttpStep(
  context: PromotionStepContext,
  config: HttpConfig,
): Promise<PromotionStepResult> {
  const url = buildUrl(config);
  const body = await requestBody(context, config);

  let response;
  try {
    response = await sendHttpRequest({
      method: config.method ?? 'GET',
      url,
      headers: (config.headers ?? []).map(({ name, value }) => [name, value]),
      body,
      timeoutMs: config.timeout ?? DEFAULT_TIMEOUT_MS,
      insecureSkipTLSVerify: config.insecureSkipTLSVerify,
      proxy: config.proxy ? new URL(config.proxy) : undefined,
      maxResponseBytes: MAX_BODY_BYTES,
      signal: context.signal,
    });
  } catch (error) {
    throw new Error(
      `error sending HTTP request: ${
        isError(error) ? error.message : String(error)
      }`,
      { cause: error },
    );
  }

  const headers = canonicalHeaders(response.rawHeaders);
  const fields = {
    status: response.status,
    headers,
    body: parseBody(
      response.body,
      config.responseContentType ?? mediaType(headers['Content-Type']?.[0]),
    ),
  };
  // Kargo's `response` map also holds `header`, a Go func that expressions call as `response.header(name)`;
  // here it is a method of the value: expressions may call it but never reach it as a JavaScript function.
  const values = {
    response: new ExprStruct({
      typeName: 'map[string]interface {}',
      fields,
      methods: {
        header: (name: unknown) =>
          typeof name === 'string'
            ? headers[canonicalHeaderKey(name)]?.[0] ?? ''
            : '',
      },
      toJSON: () => fields,
    }),
  };
  const evaluate = (expression: string) =>
    evaluateExpression(expression, { values, functions: {} });

  const success = evaluateCriterion(
    'success',
    config.successExpression,
    evaluate,
  );
  const failure = evaluateCriterion(
    'failure',
    config.failureExpression,
    evaluate,
  );

  if (failure === true) {
    const detail = errorMessage(config.errorExpression, evaluate);
    return {
      status: 'Failed',
      message: `HTTP (${response.status}) response met failure criteria${
        detail ? `: ${JSON.stringify(detail)}` : ''
      }`,
    };
  }
  if (success === true) {
    return { status: 'Succeeded', output: outputs(config, evaluate) };
  }
  if (success === undefined && failure === undefined) {
    if (response.status >= 200 && response.status < 300) {
      return { status: 'Succeeded', output: outputs(config, evaluate) };
    }
    // Kargo retries these (within the step's retry policy) rather than failing for good.
    throw new Error(
      `HTTP (${response.status}) response is not a success and no success or failure expression is set`,
    );
  }
  return {
    status: 'Running',
    message: `HTTP (${response.status}) response met neither the success nor the failure criteria`,
    retryAfterMs: config.pollInterval ?? DEFAULT_POLL_INTERVAL_MS,
  };
}

/**
 * The URL with `queryParams` added; as Go's `url.Values.Encode`, all parameters end up sorted by name. An
 * unparsable URL or a scheme other than http and https is invalid config.
 */
export function buildUrl(config: Pick<HttpConfig, 'url' | 'queryParams'>): URL {
  let url: URL;
  try {
    url = new URL(config.url);
  } catch {
    throw new TerminalStepError(`url: "${config.url}" is not a valid URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TerminalStepError(
      `url: unsupported protocol scheme "${url.protocol.replace(/:$/, '')}"`,
    );
  }
  if (config.queryParams && config.queryParams.length > 0) {
    const params = new URLSearchParams(url.search);
    for (const { name, value } of config.queryParams)
      params.append(name, value);
    params.sort();
    url.search = params.toString();
  }
  return url;
}

async function requestBody(
  context: PromotionStepContext,
  config: HttpConfig,
): Promise<Buffer | undefined> {
  if (config.bodyFromFile) {
    const file = await resolveInWorkDir(
      context.workDir,
      config.bodyFromFile,
      'bodyFromFile',
    );
    let handle;
    try {
      handle = await fs.open(file);
    } catch (error) {
      throw new TerminalStepError(
        `bodyFromFile: could not read "${config.bodyFromFile}": ${
          isError(error) ? error.message : String(error)
        }`,
      );
    }
    try {
      const { size } = await handle.stat();
      if (size > MAX_BODY_BYTES) {
        throw new TerminalStepError(
          `bodyFromFile: "${config.bodyFromFile}" is larger than ${MAX_BODY_BYTES} bytes`,
        );
      }
      return await handle.readFile();
    } finally {
      await handle.close();
    }
  }
  return config.body ? Buffer.from(config.body, 'utf8') : undefined;
}

/** `true`/`false` when the expression is set, `undefined` when it is not. */
function evaluateCriterion(
  kind: 'success' | 'failure',
  expression: string | undefined,
  evaluate: (expression: string) => unknown,
): boolean | undefined {
  if (!expression) return undefined;
  let value: unknown;
  try {
    value = evaluate(expression);
  } catch (error) {
    throw new Error(
      `error evaluating ${kind} expression ${JSON.stringify(expression)}: ${
        isError(error) ? error.message : String(error)
      }`,
      { cause: error },
    );
  }
  if (typeof value !== 'boolean') {
    throw new Error(
      `${kind} expression ${JSON.stringify(
        expression,
      )} did not evaluate to a boolean (got ${describeType(value)})`,
    );
  }
  return value;
}

/** Best effort, as in Kargo: a response that does not have the expected shape gives the default message. */
function errorMessage(
  expression: string | undefined,
  evaluate: (expression: string) => unknown,
): string {
  if (!expression) return '';
  try {
    const value = evaluate(expression);
    return typeof value === 'string' ? value : '';
  } catch {
    return '';
  }
}

function outputs(
  config: HttpConfig,
  evaluate: (expression: string) => unknown,
): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const { name, fromExpression } of config.outputs ?? []) {
    try {
      result[name] = evaluate(fromExpression);
    } catch (error) {
      throw new Error(
        `error evaluating output expression ${JSON.stringify(name)}: ${
          isError(error) ? error.message : String(error)
        }`,
        { cause: error },
      );
    }
  }
  return result;
}

/**
 * The body as Kargo reads it: by `responseContentType` or the response's media type, JSON for anything
 * unrecognized (and nothing, `{}`, when such a body is not JSON); an empty body is `{}`.
 */
function parseBody(body: Buffer, contentType: string): unknown {
  if (body.length === 0) return {};
  const text = body.toString('utf8');
  const type = contentType.toLowerCase();
  if (['application/yaml', 'text/yaml', 'application/x-yaml'].includes(type)) {
    try {
      return YAML.parse(text);
    } catch (error) {
      throw new Error(
        `failed to parse YAML response: ${
          isError(error) ? error.message : String(error)
        }`,
      );
    }
  }
  if (type === 'text/plain') return text;
  try {
    return JSON.parse(text);
  } catch (error) {
    // Only a declared JSON body must be JSON; anything else that is not is ignored.
    if (contentType !== 'application/json') return {};
    throw new Error(
      `failed to parse JSON response: ${
        isError(error) ? error.message : String(error)
      }`,
    );
  }
}

/** The media type of a `Content-Type` value, without parameters (`mime.ParseMediaType`). */
function mediaType(value: string | undefined): string {
  return (value ?? '').split(';')[0].trim().toLowerCase();
}

/** Headers by canonical name, values in order: Go's `http.Header`. */
function canonicalHeaders(
  rawHeaders: Array<[string, string]>,
): Record<string, string[]> {
  const headers: Record<string, string[]> = Object.create(null);
  for (const [name, value] of rawHeaders) {
    (headers[canonicalHeaderKey(name)] ??= []).push(value);
  }
  return headers;
}

/** Go's `textproto.CanonicalMIMEHeaderKey`: `content-type` becomes `Content-Type`. */
export function canonicalHeaderKey(name: string): string {
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name)) return name;
  return name
    .toLowerCase()
    .replace(
      /(^|-)([a-z])/g,
      (_, dash: string, letter: string) => `${dash}${letter.toUpperCase()}`,
    );
}

function describeType(value: unknown): string {
  if (value === null || value === undefined) return 'nil';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}
