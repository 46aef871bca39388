/**
 * Node library of the Kargo Portal backend: permission resources, rules and conditions for policies, and the
 * extension points backend modules use.
 *
 * @packageDocumentation
 */

export * from './permissions';
export * from './promotion';
export * from './sources';
