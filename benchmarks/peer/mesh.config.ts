// GraphQL Mesh composition of three upstreams' OpenAPI documents, as served by the simulators,
// for `make bench-peer` (benchmarks/peer.py): the gateway users would pick instead of ours.
// Credentials come from the environment the benchmark sets (the simulators' own).
import { createPrefixTransform, defineConfig } from '@graphql-mesh/compose-cli';
import { loadOpenAPISubgraph } from '@omnigraph/openapi';

const sim = process.env.SIM_URL ?? 'http://127.0.0.1:8100';

export const composeConfig = defineConfig({
  subgraphs: [
    {
      // Each document stands alone: its type names (Job, ...) clash with the others'.
      transforms: [createPrefixTransform({ value: 'Scale_', includeRootOperations: false })],
      sourceHandler: loadOpenAPISubgraph('Scale', {
        source: `${sim}/scale/openapi.json`,
        endpoint: `${sim}/scale`,
        operationHeaders: { Authorization: `Token ${process.env.SCALE_TOKEN}` },
      }),
    },
    {
      // Each document stands alone: its type names (Job, ...) clash with the others'.
      transforms: [createPrefixTransform({ value: 'Leia_', includeRootOperations: false })],
      sourceHandler: loadOpenAPISubgraph('Leia', {
        source: `${sim}/leia/openapi.json`,
        endpoint: `${sim}/leia`,
        operationHeaders: { token: `${process.env.LEIA_TOKEN}` },
      }),
    },
    {
      // Each document stands alone: its type names (Job, ...) clash with the others'.
      transforms: [createPrefixTransform({ value: 'WordLift_', includeRootOperations: false })],
      sourceHandler: loadOpenAPISubgraph('WordLift', {
        source: `${sim}/wordlift/openapi.json`,
        endpoint: `${sim}/wordlift`,
        operationHeaders: { Authorization: `Key ${process.env.WORDLIFT_KEY}` },
      }),
    },
  ],
});
