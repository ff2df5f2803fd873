// The names of an exported model's inputs and outputs. Every exporter and the signature take them
// from here, so the graph-safe spelling of a feature name is decided in one place.

/**
 * The input name of a feature in model.onnx, model.keras and signature.json. Config names are
 * identifiers today, so this is the name itself.
 */
export function inputName(feature: { name: string }): string {
  return feature.name;
}

/** The output name of a gate (`gateWeights` key: task, `<task>_l<k>`, `shared_gate_l<k>`). */
export function gateOutputName(key: string): string {
  return `gate_${key}`;
}
