import { AnalysisMetric } from '@kargo-portal/plugin-kargo-common';
import { readJsonPath } from './jsonPath';

/** What a provider measured: `result` for the conditions, `value` as stored with the measurement. */
export interface ProviderResult {
  result: unknown;
  value: string;
}

/** A metric provider of Argo Rollouts, by its key under `provider`. */
export interface MetricProvider {
  measure(metric: AnalysisMetric, signal: AbortSignal): Promise<ProviderResult>;
}

const DEFAULT_WEB_TIMEOUT_SECONDS = 10;
const DEFAULT_PROMETHEUS_TIMEOUT_SECONDS = 30;

function headersOf(headers?: Array<{ key: string; value: string }>) {
  const result = new Headers();
  for (const h of headers ?? []) result.append(h.key, h.value);
  return result;
}

function timeoutSignal(signal: AbortSignal, seconds: number): AbortSignal {
  return AbortSignal.any([signal, AbortSignal.timeout(seconds * 1000)]);
}

/** Go's `%v` of a result, close enough to read in the UI (Rollouts stores results as text). */
export function formatResult(result: unknown): string {
  if (typeof result === 'number') {
    if (Number.isNaN(result)) return 'NaN';
    if (!Number.isFinite(result)) return result > 0 ? '+Inf' : '-Inf';
    return String(result);
  }
  if (Array.isArray(result)) return `[${result.map(formatResult).join(' ')}]`;
  if (typeof result === 'string') return result;
  return JSON.stringify(result);
}

/** Rollouts' `web` provider: an HTTP request whose JSON response (at `jsonPath`, default the whole) is the result. */
export const webProvider: MetricProvider = {
  async measure(metric, signal) {
    const web = metric.provider.web!;
    const body =
      web.jsonBody !== undefined ? JSON.stringify(web.jsonBody) : web.body;
    const headers = headersOf(web.headers);
    if (web.jsonBody !== undefined && !headers.has('content-type')) {
      headers.set('content-type', 'application/json');
    }
    const response = await fetch(web.url, {
      method: web.method ?? 'GET',
      headers,
      body: web.method && web.method !== 'GET' ? body : undefined,
      signal: timeoutSignal(
        signal,
        web.timeoutSeconds ?? DEFAULT_WEB_TIMEOUT_SECONDS,
      ),
      redirect: 'follow',
    });
    const text = await response.text();
    if (response.status < 200 || response.status >= 300) {
      throw new Error(`received non 2xx response code: ${response.status}`);
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      throw new Error('could not parse the response as JSON');
    }
    const result = web.jsonPath ? readJsonPath(data, web.jsonPath) : data;
    return { result, value: formatResult(result) };
  },
};

function sampleValue(value: unknown): number {
  const text = Array.isArray(value) ? String(value[1]) : '';
  if (text === 'NaN') return NaN;
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return Number(text);
}

/**
 * Rollouts' `prometheus` provider: an instant query; a vector gives the list of its sample values, a scalar the
 * value; other result types are errors, as in Rollouts.
 */
export const prometheusProvider: MetricProvider = {
  async measure(metric, signal) {
    const prometheus = metric.provider.prometheus!;
    const timeout = prometheus.timeout ?? DEFAULT_PROMETHEUS_TIMEOUT_SECONDS;
    const url = new URL(
      'api/v1/query',
      prometheus.address.endsWith('/')
        ? prometheus.address
        : `${prometheus.address}/`,
    );
    const form = new URLSearchParams({
      query: prometheus.query,
      timeout: `${timeout}s`,
    });
    const headers = headersOf(prometheus.headers);
    headers.set('content-type', 'application/x-www-form-urlencoded');
    const response = await fetch(url, {
      method: 'POST',
      headers,
      body: form.toString(),
      signal: timeoutSignal(signal, timeout),
    });
    const text = await response.text();
    let payload: {
      status?: string;
      error?: string;
      data?: { resultType?: string; result?: unknown };
    };
    try {
      payload = JSON.parse(text);
    } catch {
      throw new Error(
        `Prometheus answered ${response.status} with a body that is not JSON`,
      );
    }
    if (payload.status !== 'success') {
      throw new Error(
        `Prometheus query failed (${response.status}): ${
          payload.error ?? text
        }`,
      );
    }
    const { resultType, result } = payload.data ?? {};
    if (resultType === 'vector' && Array.isArray(result)) {
      const values = result.map(sample =>
        sampleValue((sample as { value?: unknown }).value),
      );
      return { result: values, value: formatResult(values) };
    }
    if (resultType === 'scalar') {
      const value = sampleValue(result);
      return { result: value, value: formatResult(value) };
    }
    throw new Error(
      `Prometheus metric type not supported: ${String(resultType)}`,
    );
  },
};

/** The providers Kargo Portal runs, by their key; the manifest schema refuses the others at load. */
export const METRIC_PROVIDERS: Record<string, MetricProvider> = {
  web: webProvider,
  prometheus: prometheusProvider,
};
