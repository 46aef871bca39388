export { compileGoRegexp, GoRegexp } from './GoRegexp';
export { GoRegexpError } from './errors';
