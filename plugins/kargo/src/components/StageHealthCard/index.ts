export { StageHealthCard } from './StageHealthCard';
export type { StageHealthCardProps } from './StageHealthCard';
