export { MissingProjectAnnotation } from './MissingProjectAnnotation';
