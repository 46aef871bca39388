export { DefinitionSources } from './DefinitionSources';
