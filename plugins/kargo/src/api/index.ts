export { kargoApiRef } from './KargoApi';
