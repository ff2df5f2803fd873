// The library entry: what a serving system or another tool imports from mmoe.
export { hashToBucket, tableRows } from './data/hash.js';
export { type FeatureSpec, transformNumeric, transformLabel, inverseLabel } from './data/feature-spec.js';
export { loadConfig, parseConfig } from './config/load.js';
export type { Config } from './config/schema.js';
export { pearson, spearman } from './metrics/correlation.js';
export { rocAuc } from './metrics/auc.js';
export { buildModel, loadModel, saveModel, readArchitecture, nodeFileSystem } from './model/index.js';
export { writeExports, writeOnnx, writeKeras, signatureOf, signatureJson, type Signature } from './export/index.js';
export { main } from './cli/main.js';
export * from './errors.js';
