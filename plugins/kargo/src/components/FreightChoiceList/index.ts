export { FreightChoiceList } from './FreightChoiceList';
export type { FreightChoice } from './FreightChoiceList';
