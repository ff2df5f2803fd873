// The names of an exported model's inputs, layers and outputs, and the CSV column of each input.
// Every exporter and the signature take them from here, so the graph-safe spelling of a config
// name is decided in one place.
import type { FeatureSpec } from '../data/feature-spec.js';

/**
 * The input name of a feature in model.onnx, model.keras and signature.json: its graph name, as
 * recorded in feature_spec.json (`graphNames`, derived once by data/graph-names.ts: header text
 * such as `native-country` becomes `native_country`, an identifier stays itself).
 */
export function inputName(spec: FeatureSpec, feature: string): string {
  return spec.graphNames.features[feature] ?? feature;
}

/** The Keras layer name part of an embedding table (`emb_<table>`). */
export function tableName(spec: FeatureSpec, table: string): string {
  return spec.graphNames.tables[table] ?? table;
}

/** The Keras layer name part of a cross (`cross_<cross>`). */
export function crossName(spec: FeatureSpec, cross: string): string {
  return spec.graphNames.crosses[cross] ?? cross;
}

/** The CSV column a feature reads. */
export function csvColumn(feature: { name: string; column?: string }): string {
  return feature.column ?? feature.name;
}

/** The output name of a gate (`gateWeights` key: task, `<task>_l<k>`, `shared_gate_l<k>`). */
export function gateOutputName(key: string): string {
  return `gate_${key}`;
}
