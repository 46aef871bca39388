/**
 * Extension points of the Kargo Portal backend, for backend modules that add promotion steps or artifact sources.
 *
 * @packageDocumentation
 */

export {};
