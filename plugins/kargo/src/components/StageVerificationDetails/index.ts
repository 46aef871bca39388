export { StageVerificationDetails } from './StageVerificationDetails';
export type { StageVerificationDetailsProps } from './StageVerificationDetails';
