export * from './resources';
export * from './rules';
export * from './filter';
export * from './conditions';
