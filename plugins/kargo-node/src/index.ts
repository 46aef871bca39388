/**
 * Node library of the Kargo Portal backend: permission resources, rules and conditions for policies, and the
 * extension points backend modules use (promotion steps, artifact sources, health checkers).
 *
 * @packageDocumentation
 */

export * from './permissions';
export * from './health';
export * from './promotion';
export * from './sources';
