export * from './errors.ts';
export * from './frames.ts';
export * from './insights.ts';
export * from './objects.ts';
