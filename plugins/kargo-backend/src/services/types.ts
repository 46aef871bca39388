import {
  AuditorService,
  AuditorServiceCreateEventOptions,
  BackstageCredentials,
  BackstageServicePrincipal,
  BackstageUserPrincipal,
} from '@backstage/backend-plugin-api';
import { JsonObject } from '@backstage/types';

/** The HTTP request a change came in, which the auditor reads the event's actor and origin from. */
export type AuditRequest = AuditorServiceCreateEventOptions['request'];

/**
 * Who makes a change, as the services record it: the actor stored with the change (a user entity ref, a
 * service's subject, or the name of a loop such as auto-promotion) and, for changes made through the API, the
 * request the audit event is tied to.
 */
export interface ChangeOrigin {
  actor: string;
  request?: AuditRequest;
}

/** Credentials of a caller of the API: users and other backends. */
export type KargoCredentials = BackstageCredentials<
  BackstageUserPrincipal | BackstageServicePrincipal
>;

/** A caller of the `Authorized…` services: whose permissions are checked, and the request it came in. */
export interface Caller {
  credentials: KargoCredentials;
  request?: AuditRequest;
}

/** The actor a caller's changes are recorded under. */
export function originOf(caller: Caller): ChangeOrigin {
  const p = caller.credentials.principal;
  return {
    actor: p.type === 'user' ? p.userEntityRef : p.subject,
    request: caller.request,
  };
}

/**
 * Runs a change and records it: the event carries the origin (actor from the request when there is one), the
 * target in `meta` and the outcome, with the change's own `meta` on success.
 */
export async function auditedChange<T>(
  auditor: AuditorService,
  options: { eventId: string; origin: ChangeOrigin; meta: JsonObject },
  change: () => Promise<{ result: T; meta?: JsonObject }>,
): Promise<T> {
  const event = await auditor.createEvent({
    eventId: options.eventId,
    severityLevel: 'medium',
    request: options.origin.request,
    meta: options.meta,
  });
  try {
    const { result, meta } = await change();
    await event.success({ meta });
    return result;
  } catch (error) {
    await event.fail({ error: error as Error });
    throw error;
  }
}
