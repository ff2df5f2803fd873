// The model side's public surface: build, train, predict, inspect, save and restore.
export { buildModel, MultiTaskModel, type GateMatrix, type ModelOptions, type ModelState, type OptimizerState, type StepResult } from './multi-task-model.js';
export type { TrainingPath } from './fast/probe.js';
export { ARCHITECTURES, getArchitecture } from './registry.js';
export { saveModel, loadModel, readArchitecture, readFeatureSpec, checkFeatureSpec, checkModelDir, checkTopology, incompatibilities, restoreOptimizer, type SavedArchitecture, ARCHITECTURE_JSON, FEATURE_SPEC_JSON } from './persist.js';
export { toPortableModel, portableArtifacts, checkPortableGraph } from './portable.js';
export { nodeFileSystem, MODEL_JSON } from './io.js';
export { blockLayout, type BlockLayout } from './layout.js';
