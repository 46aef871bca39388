import {
  createStores,
  storeTestDatabases,
} from '../__testUtils__/storeFixtures';

describe.each(storeTestDatabases.eachSupportedId())(
  'DatabaseDefinitionStore on %p',
  databaseId => {
    describe('definitions', () => {
      it('versions a source and keeps the last good version when a reload fails', async () => {
        const stores = await createStores(databaseId);
        const source = {
          sourceKey: 'file:/a.yaml',
          kind: 'file' as const,
          target: '/a.yaml',
        };
        const rev0 = await stores.definitions.getDefinitionRevision();

        expect(
          await stores.definitions.saveDefinitionVersion({
            ...source,
            content: 'v1',
            projects: ['shop'],
          }),
        ).toEqual({ version: 1, changed: true });
        expect(
          await stores.definitions.saveDefinitionVersion({
            ...source,
            content: 'v1',
            projects: ['shop'],
          }),
        ).toEqual({ version: 1, changed: false });
        expect(await stores.definitions.getDefinitionRevision()).toBe(rev0 + 1);

        await stores.definitions.saveDefinitionVersion({
          ...source,
          content: 'v2',
          projects: ['shop'],
          actor: 'user:default/amy',
        });
        await stores.definitions.recordDefinitionError({
          ...source,
          error: 'bad field',
        });

        expect(await stores.definitions.loadDefinitions()).toEqual([
          { ...source, version: 2, content: 'v2' },
        ]);
        expect(await stores.definitions.listDefinitionSources()).toEqual([
          expect.objectContaining({
            key: 'file:/a.yaml',
            version: 2,
            projects: ['shop'],
            lastError: 'bad field',
          }),
        ]);

        expect(
          await stores.definitions.removeDefinitionSource('file:/a.yaml'),
        ).toBe(true);
        expect(await stores.definitions.loadDefinitions()).toEqual([]);
        expect(await stores.definitions.getDefinitionRevision()).toBe(rev0 + 3);
      });

      it("keeps the current version's notes, updated when only they change", async () => {
        const stores = await createStores(databaseId);
        const source = {
          sourceKey: 'file:/n.yaml',
          kind: 'file' as const,
          target: '/n.yaml',
          content: 'v1',
          projects: ['shop'],
        };
        const note = {
          document: 2,
          level: 'refused' as const,
          kind: 'Secret',
          name: 'repo',
          path: '',
          message: 'credentials come from config',
        };
        await stores.definitions.saveDefinitionVersion(source);
        expect(
          (await stores.definitions.listDefinitionSources())[0].notes,
        ).toBeUndefined();
        expect(
          await stores.definitions.saveDefinitionVersion({
            ...source,
            notes: [note],
          }),
        ).toEqual({ version: 1, changed: false });
        expect(
          (await stores.definitions.listDefinitionSources())[0].notes,
        ).toEqual([note]);
      });

      it('records an error for a source that never loaded', async () => {
        const stores = await createStores(databaseId);
        await stores.definitions.recordDefinitionError({
          sourceKey: 'url:https://x/y.yaml',
          kind: 'url',
          target: 'https://x/y.yaml',
          error: '404',
        });
        expect(await stores.definitions.listDefinitionSources()).toEqual([
          expect.objectContaining({
            kind: 'url',
            version: undefined,
            lastError: '404',
            projects: [],
          }),
        ]);
        expect(await stores.definitions.loadDefinitions()).toEqual([]);
      });
    });
  },
);
