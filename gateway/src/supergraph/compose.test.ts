import { readFile } from 'node:fs/promises';
import { CompositionError, composeFromFiles, composeSupergraph, supergraphFile } from './compose';

describe('supergraph composition', () => {
  it('the committed supergraph.graphql is what the subgraph schemas compose to (run the gateway build)', async () => {
    const committed = await readFile(supergraphFile, 'utf8');
    expect(committed).toBe(await composeFromFiles());
  });

  it("fails with Apollo's messages when the subgraphs do not compose", () => {
    const a = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])\n type Query { x: Int }';
    const b = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])\n type Query { x: String }';
    expect(() =>
      composeSupergraph([
        { name: 'a', sdl: a },
        { name: 'b', sdl: b },
      ]),
    ).toThrow(CompositionError);
    try {
      composeSupergraph([
        { name: 'a', sdl: a },
        { name: 'b', sdl: b },
      ]);
    } catch (error: unknown) {
      expect(error instanceof CompositionError && error.messages.join('\n')).toMatch(/Query\.x/);
    }
  });
});
