// The small CTR config the end-to-end training tests run on generated partitions.

export const tinyConfig = {
  features: {
    categorical: ['adid', 'site_id', 'app_id', 'device_type'].map((name) => ({ name, buckets: 500, embeddingDim: 4 })),
    numeric: [{ name: 'hour', transform: 'minmax' }],
    crosses: [{ name: 'adid_x_site', fields: ['adid', 'site_id'] }],
  },
  tasks: [
    { name: 'ctr', label: 'click', type: 'binary' },
    { name: 'ctcvr', label: 'conversion', type: 'binary' },
  ],
  model: { type: 'mmoe', experts: { count: 3, units: [8] }, towers: { units: [4] } } as Record<string, unknown>,
  training: { epochs: 3, batchSize: 256, optimizer: { learningRate: 0.01 }, validation: { validRatio: 0.2 } } as Record<string, unknown>,
};
