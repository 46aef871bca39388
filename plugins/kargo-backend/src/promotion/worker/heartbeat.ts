import { LoggerService } from '@backstage/backend-plugin-api';
import { stringifyError } from '@backstage/errors';
import { PromotionStore } from '../../stores/PromotionStore';
import { RunInterruption } from '../engine/types';
import { PromotionWorkerSettings } from './config';

/**
 * Keeps the lease alive, and turns a user's abort request or the loss of the lease into an abort of the run.
 * When the database cannot be reached for most of a lease, the run stops: another replica may take over.
 */
export function startHeartbeat(options: {
  id: string;
  hard: AbortController;
  promotions: PromotionStore;
  workerId: string;
  settings: PromotionWorkerSettings;
  logger: LoggerService;
  now: () => Date;
}): () => void {
  const { id, hard, promotions, settings, logger } = options;
  let lastHeld = Date.now();
  // Often enough to keep the lease, and to notice an abort request about as fast as new promotions.
  const interval = Math.max(
    250,
    Math.floor(Math.min(settings.leaseMs / 3, settings.pollIntervalMs)),
  );
  const beat = async () => {
    try {
      const { held, abortRequestedBy } = await promotions.heartbeat({
        id,
        workerId: options.workerId,
        now: options.now(),
        leaseMs: settings.leaseMs,
      });
      if (!held) {
        hard.abort({ kind: 'lease-lost' } satisfies RunInterruption);
        return;
      }
      lastHeld = Date.now();
      if (abortRequestedBy) {
        hard.abort({
          kind: 'abort',
          actor: abortRequestedBy,
        } satisfies RunInterruption);
      }
    } catch (error) {
      logger.warn(
        `Heartbeat of promotion ${id} failed: ${stringifyError(error)}`,
      );
      if (Date.now() - lastHeld > settings.leaseMs * 0.8) {
        hard.abort({ kind: 'lease-lost' } satisfies RunInterruption);
      }
    }
  };
  const timer = setInterval(() => {
    if (!hard.signal.aborted) beat();
  }, interval);
  return () => clearInterval(timer);
}
