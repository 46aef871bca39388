export { FreightTimeline } from './FreightTimeline';
export type { FreightTimelineProps } from './FreightTimeline';
