// Graph-safe identifiers for config names. Feature, table and cross names are CSV header text
// used as it is ("native-country", "class of worker"); the exported graph (tfjs input and layer
// names, and the ONNX / Keras exports built from the feature spec) needs identifiers. They are
// derived here, once, when the feature spec is made from the config, and recorded in it
// (feature_spec.json "graphNames"), so every consumer reads the same mapping.

/** Names the exported graph uses for its own layers and inputs; no derived name may take them. */
export const RESERVED_GRAPH_NAMES = ['numeric', 'features'] as const;

/**
 * The graph-safe form of one name: `[A-Za-z][A-Za-z0-9_]*`, valid as a TensorFlow op name, a
 * Keras layer name, an ONNX input name and a Python identifier. Every run of other characters
 * becomes one `_`, leading and trailing `_` are dropped, and a name that would not start with a
 * letter gets the prefix `f_` (`f` alone when nothing is left). An identifier maps to itself.
 * Distinct names can map to one form: `graphNames` makes them unique.
 */
export function graphName(name: string): string {
  if (/^[A-Za-z][A-Za-z0-9_]*$/.test(name)) return name;
  const base = name.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
  if (base === '') return 'f';
  return /^[A-Za-z]/.test(base) ? base : `f_${base}`;
}

/**
 * Unique graph names for `names`, in order: each gets graphName(name), or with `_2`, `_3`, ...
 * appended while a name it would claim is taken by `taken` or by an earlier name. `claims(id)` is
 * every name the graph gives something derived from `id` (by default the id itself; a table's
 * layer is `emb_<id>`). `taken` is extended with the claims of each name given.
 */
export function graphNames(names: readonly string[], taken: Set<string>, claims: (id: string) => string[] = (id) => [id]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    if (Object.hasOwn(out, name)) continue;
    const base = graphName(name);
    let candidate = base;
    for (let k = 2; claims(candidate).some((c) => taken.has(c)); k++) candidate = `${base}_${k}`;
    for (const c of claims(candidate)) taken.add(c);
    out[name] = candidate;
  }
  return out;
}
