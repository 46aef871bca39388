export { ProjectLoadError } from './ProjectLoadError';
export type { ProjectLoadErrorProps } from './ProjectLoadError';
