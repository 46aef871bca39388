export { KargoPipelineCard } from './KargoPipelineCard';
