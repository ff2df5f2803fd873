// Where every feature sits in the dense input block [batch, width] the network reads: field
// embeddings in spec order, then crosses, then numerics. Training fills the block from the JS
// tables; the exported model rebuilds exactly this order with Embedding/Multiply/Concatenate.
import { ConfigError } from '../errors.js';
import type { FeatureSpec } from '../data/feature-spec.js';
import { tableRows } from '../data/hash.js';

export interface TableLayout {
  name: string;
  /** Graph-safe identifier (spec.graphNames.tables): the exported layer is `emb_<graphName>`. */
  graphName: string;
  rows: number;
  dim: number;
}

export interface FieldLayout {
  name: string;
  /** Graph-safe identifier (spec.graphNames.features): the exported model's input of this field. */
  input: string;
  /** Column of this field in Batch.cat. */
  column: number;
  table: TableLayout;
  offset: number;
}

export interface CrossLayout {
  name: string;
  /** Graph-safe identifier (spec.graphNames.crosses): the exported layer is `cross_<graphName>`. */
  graphName: string;
  /** Indices into BlockLayout.fields. */
  a: number;
  b: number;
  dim: number;
  offset: number;
}

export interface BlockLayout {
  width: number;
  tables: TableLayout[];
  fields: FieldLayout[];
  crosses: CrossLayout[];
  numericOffset: number;
  numeric: string[];
}

export function blockLayout(spec: FeatureSpec): BlockLayout {
  const tables = new Map<string, TableLayout>();
  let offset = 0;
  const fields = spec.categorical.map((c, column): FieldLayout => {
    const rows = tableRows(c.buckets);
    let table = tables.get(c.table);
    if (!table) tables.set(c.table, (table = { name: c.table, graphName: spec.graphNames.tables[c.table]!, rows, dim: c.embeddingDim }));
    else if (table.rows !== rows || table.dim !== c.embeddingDim)
      throw new ConfigError(
        `features.categorical '${c.name}' shares table '${c.table}' but has buckets ${c.buckets}/embeddingDim ${c.embeddingDim} ` +
          `where the table has ${table.rows - 1}/${table.dim}; give fields of one table the same buckets and embeddingDim`,
      );
    const f = { name: c.name, input: spec.graphNames.features[c.name]!, column, table, offset };
    offset += c.embeddingDim;
    return f;
  });
  const index = new Map(fields.map((f, i) => [f.name, i]));
  const crosses = spec.crosses.map((x): CrossLayout => {
    const [a, b] = x.fields.map((name) => {
      const i = index.get(name);
      if (i === undefined)
        throw new ConfigError(`features.crosses '${x.name}': field '${name}' is not a categorical feature; known: ${[...index.keys()].join(', ')}`);
      return i;
    });
    const dim = fields[a].table.dim;
    if (fields[b].table.dim !== dim)
      throw new ConfigError(`features.crosses '${x.name}': '${fields[a].name}' and '${fields[b].name}' need the same embeddingDim (${dim} vs ${fields[b].table.dim})`);
    const cross = { name: x.name, graphName: spec.graphNames.crosses[x.name]!, a, b, dim, offset };
    offset += dim;
    return cross;
  });
  const numericOffset = offset;
  const numeric = spec.numeric.map((n) => n.name);
  if (fields.length + numeric.length === 0) throw new ConfigError('features: the model needs at least one categorical or numeric feature');
  return { width: offset + numeric.length, tables: [...tables.values()], fields, crosses, numericOffset, numeric };
}
