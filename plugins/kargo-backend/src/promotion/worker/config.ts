import os from 'node:os';
import path from 'node:path';
import { Config, readDurationFromConfig } from '@backstage/config';
import { durationToMilliseconds } from '@backstage/types';

/** How the promotion worker of one backend replica runs (config `kargo.promotions`). */
export interface PromotionWorkerSettings {
  /** Promotions run at once by this replica; 0 runs none. */
  concurrency: number;
  /** How long a claim lasts without a heartbeat; heartbeats come every poll interval, at most a third of it. */
  leaseMs: number;
  /** How often the replica looks for promotions to run. */
  pollIntervalMs: number;
  /** Root of the per-promotion work directories. */
  workDir: string;
  /** How often a step may be cut short by the end of its process before the promotion ends Errored. */
  maxStepInterruptions: number;
  /** How long `stop()` lets running steps finish before interrupting them. */
  shutdownTimeoutMs: number;
}

export const DEFAULT_PROMOTION_WORKER_SETTINGS: PromotionWorkerSettings = {
  concurrency: 4,
  leaseMs: 60_000,
  pollIntervalMs: 5_000,
  workDir: path.join(os.tmpdir(), 'kargo-portal-promotions'),
  maxStepInterruptions: 3,
  shutdownTimeoutMs: 30_000,
};

function durationMs(config: Config, key: string): number | undefined {
  return config.has(key)
    ? durationToMilliseconds(readDurationFromConfig(config, { key }))
    : undefined;
}

function nonNegativeInteger(config: Config, key: string): number | undefined {
  const value = config.getOptionalNumber(key);
  if (value !== undefined && (!Number.isInteger(value) || value < 0)) {
    throw new Error(
      `Invalid config kargo.promotions.${key}: must be a whole number, 0 or more`,
    );
  }
  return value;
}

/** Reads `kargo.promotions` from the root config, with the defaults of {@link DEFAULT_PROMOTION_WORKER_SETTINGS}. */
export function readPromotionWorkerSettings(
  rootConfig: Config,
): PromotionWorkerSettings {
  const d = DEFAULT_PROMOTION_WORKER_SETTINGS;
  const config = rootConfig.getOptionalConfig('kargo.promotions');
  if (!config) return d;
  const leaseMs = durationMs(config, 'leaseDuration') ?? d.leaseMs;
  if (leaseMs < 1_000) {
    throw new Error(
      'Invalid config kargo.promotions.leaseDuration: must be at least 1 second',
    );
  }
  return {
    concurrency: nonNegativeInteger(config, 'concurrency') ?? d.concurrency,
    leaseMs,
    pollIntervalMs: durationMs(config, 'pollInterval') ?? d.pollIntervalMs,
    workDir: path.resolve(config.getOptionalString('workDir') ?? d.workDir),
    maxStepInterruptions:
      nonNegativeInteger(config, 'maxStepInterruptions') ??
      d.maxStepInterruptions,
    shutdownTimeoutMs:
      durationMs(config, 'shutdownTimeout') ?? d.shutdownTimeoutMs,
  };
}
