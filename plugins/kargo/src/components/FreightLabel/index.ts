export { FreightLabel } from './FreightLabel';
