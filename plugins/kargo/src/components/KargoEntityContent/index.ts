export { KargoEntityContent } from './KargoEntityContent';
