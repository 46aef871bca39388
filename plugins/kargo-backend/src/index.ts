/**
 * The Kargo Portal backend plugin.
 *
 * @packageDocumentation
 */

export { kargoPlugin as default } from './plugin';
