export * from './types';
export * from './createArtifactSource';
export * from './extensionPoint';
