/*
 * TEST DOUBLE of Argo CD's ApplicationSet controller, for tests, browser tests and the demo only ("simulated
 * Argo CD"). It runs in-process on the Kubernetes API double's object store, beside the Argo CD simulator, and
 * turns ApplicationSets into Applications as the controller does for the generators the portal's templates use:
 *   - list generators (`spec.generators[].list.elements`): one Application per element, the template rendered in
 *     fasttemplate mode (`{{key}}`, the tag trimmed of spaces; an unknown tag is left as is, as Argo CD leaves it);
 *   - generated Applications carry an owner reference to their ApplicationSet; one that is no longer generated
 *     is deleted, one whose rendered metadata or spec changed is updated (the default `sync` policy);
 *   - any other generator (git, clusters, matrix, ...) or `goTemplate: true` is not simulated: the ApplicationSet
 *     gets the condition `ErrorOccurred` saying so, and no Application.
 * `reconcile()` does one pass over every ApplicationSet (tests); `startRealTime(ms)` runs it on a timer.
 */
import { fieldObject } from './argoCdApplications';
import { KubernetesObjectStore } from './kubernetesObjectStore';
import {
  cloneJson,
  isJsonObject,
  Json,
  jsonEqual,
  toJson,
} from './kubernetesPatch';
import { KubernetesObjectDouble, resourceTypes } from './kubernetesResources';

export const APPLICATIONSET_CONTROLLER_MANAGER =
  'argocd-applicationset-controller';

export interface ArgoCdApplicationSetControllerOptions {
  store: KubernetesObjectStore;
  /** Called with each Application the controller creates (e.g. to configure the simulator's switches for it). */
  onCreated?: (app: KubernetesObjectDouble) => void;
}

/** Renders every string of a template value with the generator's parameters (fasttemplate, unknown tags kept). */
function render(value: Json, params: Record<string, string>): Json {
  if (typeof value === 'string') {
    return value.replace(/\{\{([^{}]*)\}\}/g, (tag, inner: string) => {
      const name = inner.trim();
      return Object.prototype.hasOwnProperty.call(params, name)
        ? params[name]
        : tag;
    });
  }
  if (Array.isArray(value)) return value.map(item => render(item, params));
  if (isJsonObject(value)) {
    const out: { [key: string]: Json } = {};
    for (const [k, v] of Object.entries(value)) out[k] = render(v, params);
    return out;
  }
  return value;
}

/** A list element's parameters: its scalar fields as strings (nested values as JSON, as Argo CD flattens them). */
function paramsOf(element: Json): Record<string, string> {
  const params: Record<string, string> = {};
  if (!isJsonObject(element)) return params;
  for (const [k, v] of Object.entries(element)) {
    if (typeof v === 'string') params[k] = v;
    else params[k] = v === null ? '' : JSON.stringify(v);
  }
  return params;
}

function stringRecord(value: Json | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(fieldObject(value))) out[k] = String(v);
  return out;
}

/** The simulated ApplicationSet controller. */
export class ArgoCdApplicationSetController {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: ArgoCdApplicationSetControllerOptions,
  ) {}

  /** One pass over every ApplicationSet; returns how many Applications it created, updated or deleted. */
  reconcile(): number {
    const { store } = this.options;
    let changed = 0;
    for (const appSet of store.list(resourceTypes.applicationSet)) {
      changed += this.reconcileOne(appSet);
    }
    return changed;
  }

  startRealTime(tickMs = 1000): void {
    this.stopRealTime();
    this.timer = setInterval(() => this.reconcile(), tickMs);
    this.timer.unref();
  }

  stopRealTime(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private generate(
    appSet: KubernetesObjectDouble,
  ): { apps: KubernetesObjectDouble[] } | { error: string } {
    const spec = fieldObject(appSet.spec);
    if (spec.goTemplate === true) {
      return {
        error:
          'the simulated ApplicationSet controller renders fasttemplate ({{key}}) only, not goTemplate',
      };
    }
    const generators = Array.isArray(spec.generators) ? spec.generators : [];
    const template = fieldObject(spec.template);
    const apps: KubernetesObjectDouble[] = [];
    for (const generator of generators) {
      const list = fieldObject(fieldObject(generator).list);
      const kinds = Object.keys(fieldObject(generator));
      if (kinds.length !== 1 || kinds[0] !== 'list') {
        return {
          error: `the simulated ApplicationSet controller generates from list generators only, not ${kinds.join(
            ', ',
          )}`,
        };
      }
      const elements = Array.isArray(list.elements) ? list.elements : [];
      for (const element of elements) {
        const rendered = fieldObject(
          render(cloneJson(template), paramsOf(element)),
        );
        const metadata = fieldObject(rendered.metadata);
        apps.push({
          apiVersion: 'argoproj.io/v1alpha1',
          kind: 'Application',
          metadata: {
            name: String(metadata.name ?? ''),
            namespace: appSet.metadata.namespace,
            labels: stringRecord(metadata.labels),
            annotations: stringRecord(metadata.annotations),
            ownerReferences: [
              {
                apiVersion: 'argoproj.io/v1alpha1',
                kind: 'ApplicationSet',
                name: appSet.metadata.name,
                uid: appSet.metadata.uid ?? '',
                controller: true,
                blockOwnerDeletion: true,
              },
            ],
          },
          spec: fieldObject(rendered.spec),
        });
      }
    }
    return { apps };
  }

  private reconcileOne(appSet: KubernetesObjectDouble): number {
    const { store } = this.options;
    const namespace = appSet.metadata.namespace;
    const generated = this.generate(appSet);
    const error = 'error' in generated ? generated.error : undefined;
    this.setCondition(appSet, error);
    if ('error' in generated) return 0;

    let changed = 0;
    const wanted = new Set<string>();
    for (const app of generated.apps) {
      wanted.add(app.metadata.name);
      const current = store.get(
        resourceTypes.application,
        namespace,
        app.metadata.name,
      );
      if (!current) {
        const created = store.create(
          resourceTypes.application,
          namespace,
          app,
          {
            manager: APPLICATIONSET_CONTROLLER_MANAGER,
          },
        );
        this.options.onCreated?.(created);
        changed += 1;
        continue;
      }
      if (
        jsonEqual(toJson(current.spec), toJson(app.spec)) &&
        jsonEqual(
          current.metadata.annotations ?? {},
          app.metadata.annotations ?? {},
        ) &&
        jsonEqual(current.metadata.labels ?? {}, app.metadata.labels ?? {})
      ) {
        continue;
      }
      store.modify(
        resourceTypes.application,
        namespace,
        app.metadata.name,
        APPLICATIONSET_CONTROLLER_MANAGER,
        object => {
          object.spec = app.spec;
          object.metadata.labels = app.metadata.labels;
          object.metadata.annotations = app.metadata.annotations;
        },
      );
      changed += 1;
    }
    for (const app of store.list(resourceTypes.application, namespace)) {
      const refs = app.metadata.ownerReferences;
      const owned =
        Array.isArray(refs) &&
        refs.some(
          ref =>
            isJsonObject(ref) &&
            ref.kind === 'ApplicationSet' &&
            ref.uid === appSet.metadata.uid,
        );
      if (owned && !wanted.has(app.metadata.name)) {
        store.delete(resourceTypes.application, namespace, app.metadata.name, {
          manager: APPLICATIONSET_CONTROLLER_MANAGER,
        });
        changed += 1;
      }
    }
    return changed;
  }

  /** `status.conditions`: ErrorOccurred with the message, or ResourcesUpToDate; written only when it changes. */
  private setCondition(appSet: KubernetesObjectDouble, error?: string) {
    const condition = error
      ? {
          type: 'ErrorOccurred',
          status: 'True',
          message: error,
          reason: 'ApplicationGenerationFromParamsError',
        }
      : {
          type: 'ResourcesUpToDate',
          status: 'True',
          message: 'All applications have been generated successfully',
          reason: 'ApplicationSetUpToDate',
        };
    const current = fieldObject(appSet.status).conditions;
    if (jsonEqual(current ?? null, [condition])) return;
    this.options.store.modify(
      resourceTypes.applicationSet,
      appSet.metadata.namespace,
      appSet.metadata.name,
      APPLICATIONSET_CONTROLLER_MANAGER,
      object => {
        object.status = {
          ...fieldObject(object.status),
          conditions: [condition],
        };
      },
    );
  }
}
