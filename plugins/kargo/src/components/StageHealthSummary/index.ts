export { StageHealthSummary } from './StageHealthSummary';
export type { StageHealthSummaryProps } from './StageHealthSummary';
