export * from './types';
export * from './extensionPoint';
export * from './stepConfig';
export * from './createPromotionStep';
