// The names of an exported model's inputs, layers and outputs, and the CSV column of each input.
// Every exporter and the signature take them from here, so the graph-safe spelling of a config
// name is decided in one place.
import type { FeatureSpec } from '../data/feature-spec.js';

/**
 * The input name of a feature in model.onnx, model.keras and signature.json. Config names are
 * identifiers today, so this is the name itself.
 */
export function inputName(_spec: FeatureSpec, feature: string): string {
  return feature;
}

/** The Keras layer name part of an embedding table (`emb_<table>`). */
export function tableName(_spec: FeatureSpec, table: string): string {
  return table;
}

/** The Keras layer name part of a cross (`cross_<cross>`). */
export function crossName(_spec: FeatureSpec, cross: string): string {
  return cross;
}

/** The CSV column a feature reads. */
export function csvColumn(feature: { name: string; column?: string }): string {
  return feature.column ?? feature.name;
}

/** The output name of a gate (`gateWeights` key: task, `<task>_l<k>`, `shared_gate_l<k>`). */
export function gateOutputName(key: string): string {
  return `gate_${key}`;
}
