export { StageNode } from './StageNode';
export type { StageNodeProps } from './StageNode';
