// The library entry: what a serving system or another tool imports from mmoe.
export { hashToBucket, tableRows } from './data/hash.js';
export { loadConfig, parseConfig } from './config/load.js';
export type { Config } from './config/schema.js';
export { pearson, spearman } from './metrics/correlation.js';
export * from './errors.js';
