// The library entry: what a serving system or another tool imports from mmoe.
export { hashToBucket, tableRows } from './data/hash.js';
export { type FeatureSpec, type GraphNames, assignGraphNames, upgradeSpec, transformNumeric, transformLabel, inverseLabel } from './data/feature-spec.js';
export { graphName, graphNames, RESERVED_GRAPH_NAMES } from './data/graph-names.js';
export { bucketOf } from './data/bucketize.js';
export { loadConfig, parseConfig } from './config/load.js';
export type { Config } from './config/schema.js';
export { pearson, spearman } from './metrics/correlation.js';
export { rocAuc } from './metrics/auc.js';
export { buildModel, loadModel, saveModel, readArchitecture, readFeatureSpec, nodeFileSystem } from './model/index.js';
export { writeExports, writeOnnx, writeKeras, signatureOf, signatureJson, type Signature } from './export/index.js';
export { main } from './cli/main.js';
export * from './errors.js';
