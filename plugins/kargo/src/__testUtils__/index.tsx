import { ReactElement } from 'react';
import { Entity } from '@backstage/catalog-model';
import { ResponseError } from '@backstage/errors';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { SignalApi, signalApiRef } from '@backstage/plugin-signals-react';
import { JsonObject } from '@backstage/types';
import {
  FreightRecord,
  FreightView,
  KargoApi,
  Pipeline,
  PipelineStage,
  KargoApiSchema as ApiSchema,
  Promotion,
} from '@kargo-portal/plugin-kargo-common';
import { kargoApiRef } from '../api';

// usePermission caches decisions per permission and resource ref for the whole test file (SWR's global cache):
// every test gets its own project name, so that no test sees another test's decisions.
let testCount = 0;
let currentProject = 'guestbook';
beforeEach(() => {
  testCount += 1;
  currentProject = `guestbook-${testCount}`;
});

/** The Kargo project of the running test (unique per test). */
export function testProject(): string {
  return currentProject;
}

/** A catalog entity with the given annotations. */
export function entityWith(annotations: Record<string, string> = {}): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name: 'guestbook', annotations },
    spec: {},
  };
}

/** An entity annotated with the test's project. */
export function projectEntity(): Entity {
  return entityWith({ 'kargo/project': testProject() });
}

const hex = (n: number) => n.toString(16).padStart(40, '0');

/**
 * A freight of the guestbook warehouse with an image tag and a commit, as the API serves a stage's current
 * freight (`Freight`: no status).
 */
export function freightRecord(n: number): FreightRecord {
  return {
    id: hex(n),
    alias: `freight-${n}`,
    project: testProject(),
    origin: { kind: 'Warehouse', name: 'guestbook' },
    images: [{ repoURL: 'ghcr.io/acme/app', tag: `v1.${n}.0`, digest: '' }],
    commits: [{ repoURL: 'https://git.example/app', id: `${n}abcdef0123456` }],
    charts: [],
    createdAt: new Date(Date.UTC(2026, 0, 1, 0, n)).toISOString(),
  };
}

/** The same freight with its status, as the freight routes serve it (`FreightView`). */
export function freight(
  n: number,
  status: Partial<FreightView['status']> = {},
): FreightView {
  return {
    ...freightRecord(n),
    status: {
      currentlyIn: [],
      verifiedIn: {},
      approvedFor: {},
      ...status,
    },
  };
}

/** freight-3 (newest, approved for prod), freight-2 (in dev, verified there), freight-1 (was in dev). */
export function timelineFreight(): FreightView[] {
  return [
    freight(3, {
      approvedFor: { prod: { approvedAt: '2026-01-04T00:00:00Z' } },
    }),
    freight(2, {
      currentlyIn: ['dev'],
      verifiedIn: { dev: {} },
      previouslyIn: ['dev'],
    }),
    freight(1, { verifiedIn: { dev: {} }, previouslyIn: ['dev'] }),
  ];
}

export function promotion(overrides: Partial<Promotion> = {}): Promotion {
  return {
    id: 'p1',
    project: testProject(),
    stage: 'dev',
    freight: hex(2),
    phase: 'Succeeded',
    steps: [],
    createdAt: '2026-01-01T00:10:00.000Z',
    finishedAt: '2026-01-01T00:11:00.000Z',
    createdBy: 'user:default/guest',
    ...overrides,
  };
}

export function stage(
  overrides: Partial<PipelineStage> & { name: string },
): PipelineStage {
  return {
    upstream: [],
    warehouses: [],
    depth: 0,
    eligibleFreightCount: 0,
    autoPromotion: { enabled: false },
    ...overrides,
  };
}

/**
 * An Argo CD application of a stage as the API serves it, Healthy and Synced: typed with the response type
 * generated from the OpenAPI spec, so that a fixture cannot hold a field the backend does not send.
 */
export function applicationHealth(
  overrides: Partial<ApiSchema.ApplicationHealth> & { name: string },
): ApiSchema.ApplicationHealth {
  return {
    cluster: 'in-cluster',
    namespace: 'argocd',
    status: 'Healthy',
    healthStatus: 'Healthy',
    syncStatus: 'Synced',
    revision: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
    link: {
      url: `https://argocd.example.com/applications/argocd/${overrides.name}`,
      title: 'simulated Argo CD',
    },
    ...overrides,
  };
}

/** A stage's health as the API serves it, typed with the generated response type (see applicationHealth). */
export function stageHealth(
  status: ApiSchema.StageHealth['status'],
  applications: ApiSchema.ApplicationHealth[],
  overrides: Partial<ApiSchema.StageHealth> = {},
): ApiSchema.StageHealth {
  return {
    status,
    applications,
    updatedAt: '2026-01-01T00:12:00.000Z',
    promotion: 'p1',
    ...overrides,
  };
}

/**
 * A measurement of a verification's metric as the API serves it, typed with the generated response type (see
 * applicationHealth).
 */
export function verificationMeasurement(
  overrides: Partial<ApiSchema.VerificationMeasurement> = {},
): ApiSchema.VerificationMeasurement {
  return {
    metric: 'web-check',
    phase: 'Successful',
    value: '200',
    startedAt: '2026-01-01T00:12:00.000Z',
    finishedAt: '2026-01-01T00:12:01.000Z',
    ...overrides,
  };
}

/** A stage's verification as the API serves it, typed with the generated response type (see applicationHealth). */
export function stageVerification(
  phase: ApiSchema.StageVerification['phase'],
  measurements: ApiSchema.VerificationMeasurement[],
  overrides: Partial<ApiSchema.StageVerification> = {},
): ApiSchema.StageVerification {
  return {
    id: 'v1',
    phase,
    collection: 'c'.repeat(40),
    freight: [hex(2)],
    attempt: 1,
    startedAt: '2026-01-01T00:12:00.000Z',
    ...(['Pending', 'Running'].includes(phase)
      ? {}
      : { finishedAt: '2026-01-01T00:13:00.000Z' }),
    templates: ['AnalysisTemplate/web-check'],
    measurements,
    ...overrides,
  };
}

/** dev (runs freight-2, fed by the warehouse) -> staging -> prod. */
export function guestbookPipeline(
  overrides: Partial<Record<string, Partial<PipelineStage>>> = {},
): Pipeline {
  return {
    project: testProject(),
    warehouses: ['guestbook'],
    stages: [
      stage({
        name: 'dev',
        warehouses: ['guestbook'],
        color: 'green',
        origins: ['guestbook'],
        eligibleFreightCount: 3,
        currentFreight: freightRecord(2),
        lastPromotion: promotion(),
        ...overrides.dev,
      }),
      stage({
        name: 'staging',
        upstream: ['dev'],
        origins: ['guestbook'],
        depth: 1,
        eligibleFreightCount: 1,
        ...overrides.staging,
      }),
      stage({
        name: 'prod',
        upstream: ['staging'],
        origins: ['guestbook'],
        depth: 2,
        ...overrides.prod,
      }),
    ],
  };
}

export type MockKargoApi = { [K in keyof KargoApi]: jest.Mock };

/**
 * A KargoApi whose every method fails the test unless the test gave it an implementation: a component calling
 * something unexpected shows up as a failure, not as a silently resolved mock. Methods the API gains later are
 * covered too (a Proxy creates their failing stubs on first use).
 */
export function mockKargoApi(impl: Partial<MockKargoApi> = {}): MockKargoApi {
  const stubs = new Map<string, jest.Mock>(Object.entries(impl));
  const handler: ProxyHandler<Partial<MockKargoApi>> = {
    get(_target, name) {
      // Not a thenable, no symbol protocol: only method names get stubs.
      if (typeof name !== 'string' || name === 'then') return undefined;
      let stub = stubs.get(name);
      if (!stub) {
        stub = jest.fn(async () => {
          throw new Error(`unexpected call: KargoApi.${name}`);
        });
        stubs.set(name, stub);
      }
      return stub;
    },
  };
  // The Proxy answers every method of KargoApi, which TypeScript cannot see through the handler.
  return new Proxy(impl, handler) as MockKargoApi;
}

/** Who may do what: permission name -> stage names or `project` (for project permissions) allowed; `*` for all. */
export type Grants = Record<string, string[]>;

/** Everyone may read; the listed permissions are allowed on the listed resources only. */
function permissionsFor(grants: Grants) {
  return mockApis.permission({
    authorize: request => {
      const allowed = grants[request.permission.name] ?? [];
      const ref = 'resourceRef' in request ? request.resourceRef : undefined;
      const prefix = `${testProject()}/`;
      let name: string | undefined;
      if (ref === testProject()) name = 'project';
      else if (ref?.startsWith(prefix)) name = ref.slice(prefix.length);
      return allowed.includes('*') || (name && allowed.includes(name))
        ? AuthorizeResult.ALLOW
        : AuthorizeResult.DENY;
    },
  });
}

export const allowAll: Grants = {
  'kargo.stage.promote': ['*'],
  'kargo.freight.approve': ['*'],
  'kargo.promotion.abort': ['*'],
  'kargo.stage.verify': ['*'],
  'kargo.warehouse.refresh': ['*'],
  'kargo.project.update': ['*'],
};

/** A signals API of the app's signals plugin, where the test publishes messages. */
export class TestSignals implements SignalApi {
  private readonly subscribers = new Map<
    string,
    Set<(message: JsonObject) => void>
  >();

  subscribe<TMessage extends JsonObject = JsonObject>(
    channel: string,
    onMessage: (message: TMessage) => void,
  ) {
    // Messages are JSON objects of the channel's own shape: the subscriber names it, as with the real API.
    const handler = onMessage as (message: JsonObject) => void;
    const set = this.subscribers.get(channel) ?? new Set();
    set.add(handler);
    this.subscribers.set(channel, set);
    return { unsubscribe: () => set.delete(handler) };
  }

  /** Delivers `message` to the subscribers of `channel`; returns how many there were. */
  publish(channel: string, message: JsonObject): number {
    const set = this.subscribers.get(channel) ?? new Set();
    for (const handler of set) handler(message);
    return set.size;
  }
}

/** Renders `element` for `entity` in a test app with the given Kargo API and permissions. */
export function renderForEntity(
  element: ReactElement,
  options: {
    api: MockKargoApi;
    entity?: Entity;
    grants?: Grants;
    /** The app's signals (the signals plugin); without it, signals are unavailable. */
    signals?: TestSignals;
  },
) {
  return renderInTestApp(
    <EntityProvider entity={options.entity ?? projectEntity()}>
      {element}
    </EntityProvider>,
    {
      apis: [
        [kargoApiRef, options.api],
        permissionsFor(options.grants ?? allowAll),
        ...(options.signals ? [[signalApiRef, options.signals] as const] : []),
      ],
    },
  );
}

/** A ResponseError as the KargoClient throws it for an error answer of the backend. */
export async function responseError(
  status: number,
  name: string,
  message: string,
): Promise<ResponseError> {
  return ResponseError.fromResponse(
    new Response(
      JSON.stringify({
        error: { name, message },
        response: { statusCode: status },
      }),
      {
        status,
        statusText: name,
        headers: { 'content-type': 'application/json' },
      },
    ),
  );
}
