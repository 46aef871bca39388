export { NoStages } from './NoStages';
export type { NoStagesProps } from './NoStages';
