export { discoverCommits } from './discoverCommits';
export type { GitDiscoveryDeps } from './discoverCommits';
export { GitMirror, GitMirrorCache } from './GitMirrorCache';
export type { GitMirrorCacheOptions, MirrorAccess } from './GitMirrorCache';
export {
  compileSelector,
  matchesRef,
  observeRefs,
  observedRefPatterns,
} from './selectors';
export type {
  FilterCompiler,
  FilterEvaluator,
  GitSelection,
  GitSelector,
  ObservedRefs,
  RemoteRef,
} from './selectors';
