/**
 * Node library of the Kargo Portal backend: permission resources, rules and conditions for policies, the
 * extension points backend modules use (promotion steps, artifact sources, health checkers), and the Argo CD
 * cluster settings shared by the backend and the scaffolder.
 *
 * @packageDocumentation
 */

export * from './argocd';
export * from './permissions';
export * from './health';
export * from './promotion';
export * from './sources';
