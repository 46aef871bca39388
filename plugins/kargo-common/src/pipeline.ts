import { StageManifest } from './manifests/types';

/** A stage with its place in the pipeline graph. @public */
export interface PipelineNode {
  name: string;
  /** Upstream stages this stage takes verified freight from. */
  upstream: string[];
  /** Warehouses this stage takes freight from directly. */
  warehouses: string[];
  /** Length of the longest path from a warehouse; 0 for stages fed directly. */
  depth: number;
}

/**
 * Orders the stages of one project as a DAG: every stage after all of its upstream stages, ties broken by depth
 * and then by name, so the order is the same on every call. Upstream references to stages that do not exist are
 * ignored here (validation reports them); a cycle is an error naming its stages.
 *
 * @public
 */
export function orderStages(stages: StageManifest[]): PipelineNode[] {
  const byName = new Map(stages.map(s => [s.metadata.name, s]));
  const nodes = new Map<string, PipelineNode>();
  for (const stage of stages) {
    const upstream = new Set<string>();
    const warehouses = new Set<string>();
    for (const request of stage.spec.requestedFreight) {
      if (request.sources.direct) warehouses.add(request.origin.name);
      for (const up of request.sources.stages ?? []) {
        if (byName.has(up)) upstream.add(up);
      }
    }
    nodes.set(stage.metadata.name, {
      name: stage.metadata.name,
      upstream: [...upstream].sort(),
      warehouses: [...warehouses].sort(),
      depth: 0,
    });
  }

  const ordered: PipelineNode[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]): number => {
    const node = nodes.get(name)!;
    const seen = state.get(name);
    if (seen === 'done') return node.depth;
    if (seen === 'visiting') {
      const cycle = [...path.slice(path.indexOf(name)), name];
      throw new Error(`stages form a cycle: ${cycle.join(' -> ')}`);
    }
    state.set(name, 'visiting');
    let depth = 0;
    for (const up of node.upstream) {
      depth = Math.max(depth, visit(up, [...path, name]) + 1);
    }
    node.depth = depth;
    state.set(name, 'done');
    ordered.push(node);
    return depth;
  };
  for (const name of [...nodes.keys()].sort()) visit(name, []);

  return ordered.sort(
    (a, b) => a.depth - b.depth || a.name.localeCompare(b.name),
  );
}
