export { PhaseStatus } from './PhaseStatus';
