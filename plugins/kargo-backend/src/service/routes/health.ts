import { KargoApiRouter } from './types';

/** Liveness, without authentication (see the plugin's auth policy). */
export function registerHealthRoutes(router: KargoApiRouter): void {
  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
}
