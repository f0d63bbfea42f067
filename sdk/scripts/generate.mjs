// `npm run generate`: refresh schema.graphql and src/generated/ from gateway/supergraph.graphql.
import { runCodegen, sdkDir } from './codegen.mjs';

await runCodegen(sdkDir);
process.stderr.write('sdk: generated schema.graphql and src/generated/graphql.ts\n');
