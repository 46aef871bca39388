import fs from 'node:fs';
import path from 'node:path';
import { createMockDirectory } from '@backstage/backend-test-utils';
import type { Freight } from '@kargo-portal/plugin-kargo-common';
import {
  isTerminalStepError,
  TerminalStepError,
} from '@kargo-portal/plugin-kargo-node';
import { parse } from 'yaml';
import { createStepContext } from '../../__testUtils__/stepContext';
import {
  createKustomizeSetImageStep,
  findKustomization,
  KustomizeImage,
  kustomizeSetImageCommitMessage,
  mergeImages,
  targetImagesFromConfig,
  targetImagesFromFreight,
  updateKustomizationFile,
} from './kustomize-set-image';

const vectors = JSON.parse(
  fs.readFileSync(
    path.resolve(
      __dirname,
      '../../../../../test-vectors/kargo/04-promotion-steps/kustomize-set-image.json',
    ),
    'utf8',
  ),
);

type VectorImage = { repoURL: string; tag?: string; digest?: string };

/** Freight as the vectors give it: origin key (`Warehouse/name`) to images. */
function freightOf(
  collection: Record<string, { images: VectorImage[] }>,
): Freight[] {
  return Object.entries(collection).map(([key, { images }], i) => {
    const [kind, name] = key.split('/');
    return {
      id: String(i).repeat(40),
      alias: `freight-${i}`,
      project: 'demo',
      origin: { kind: kind as 'Warehouse', name },
      commits: [],
      images: images.map(image => ({
        repoURL: image.repoURL,
        tag: image.tag ?? '',
        digest: image.digest ?? '',
      })),
      charts: [],
      createdAt: '2026-01-01T00:00:00Z',
    };
  });
}

const asMap = (images: Record<string, KustomizeImage>) =>
  new Map(Object.entries(images));

describe('kustomize-set-image', () => {
  const step = createKustomizeSetImageStep();
  const mockDir = createMockDirectory();
  const read = (file: string) => fs.readFileSync(mockDir.resolve(file), 'utf8');

  beforeEach(() => mockDir.clear());

  describe('config (Kargo Test_kustomizeImageSetter_convert vectors)', () => {
    const cases: { config: unknown; problems: string[] }[] =
      vectors.configValidation.cases;

    it.each(cases.filter(c => c.problems.length > 0))(
      'refuses $config',
      ({ config, problems }) => {
        expect(() => step.parseConfig(config)).toThrow(TerminalStepError);
        for (const problem of problems) {
          expect(() => step.parseConfig(config)).toThrow(problem);
        }
      },
    );

    it.each(cases.filter(c => c.problems.length === 0))(
      'accepts $config',
      ({ config }) => {
        expect(step.parseConfig(config)).toEqual(config);
      },
    );

    it('refuses the fields Kargo no longer has', () => {
      expect(() =>
        step.parseConfig({
          path: '.',
          images: [
            { image: 'nginx', tag: '1', useDigest: true, fromOrigin: {} },
          ],
        }),
      ).toThrow('images.0: Additional property useDigest is not allowed');
    });
  });

  describe('run (Kargo Test_kustomizeImageSetter_run vectors)', () => {
    type RunCase = { id: string; name: string; input: any; expected: any };
    const cases: RunCase[] = vectors.stepCases.filter((c: RunCase) =>
      c.id.startsWith('kustomize-run'),
    );
    const run = (c: RunCase) => {
      mockDir.setContent(c.input.files);
      const freight = freightOf(c.input.freight ?? {});
      return step.run(
        createStepContext({
          workDir: mockDir.path,
          ...(freight.length > 0 ? { freight, targetFreight: freight[0] } : {}),
        }),
        c.input.config,
      );
    };

    it.each(cases.filter(c => !c.expected.errorContains))(
      '$id $name',
      async c => {
        const result = await run(c);
        expect(result).toEqual({
          status: 'Succeeded',
          output: c.expected.output,
        });
        for (const [file, lines] of Object.entries<string[]>(
          c.expected.fileContains,
        )) {
          for (const line of lines) {
            expect(read(file)).toContain(line);
          }
        }
        for (const [file, content] of Object.entries(c.expected.file_derived)) {
          expect(read(file)).toBe(content);
        }
      },
    );

    it.each(cases.filter(c => c.expected.errorContains))(
      '$id $name',
      async c => {
        const error = await run(c).catch(e => e);
        expect(error.message).toContain(c.expected.errorContains);
        expect(isTerminalStepError(error)).toBe(false);
      },
    );
  });

  describe('updateKustomizationFile (Kargo Test_updateKustomizationFile vectors)', () => {
    type UpdateCase = { id: string; name: string; input: any; expected: any };
    const cases: UpdateCase[] = vectors.stepCases.filter((c: UpdateCase) =>
      c.id.startsWith('kustomize-update'),
    );

    it.each(cases)('$id $name', async c => {
      mockDir.setContent(c.input.files);
      await updateKustomizationFile(
        mockDir.resolve('kustomization.yaml'),
        asMap(c.input.targetImages),
      );
      expect(parse(read('kustomization.yaml')).images).toEqual(
        c.expected.images,
      );
      expect(read('kustomization.yaml')).toBe(
        c.expected.file_derived['kustomization.yaml'],
      );
    });
  });

  it('writes the file back without blank lines, as yaml.v3 does in Kargo, keeping comments', async () => {
    // akuity/kargo-simple's env/dev/kustomization.yaml: blank lines between the top-level keys. Kargo decodes it
    // into a yaml.v3 node and writes it with kyaml.Marshal (kustomize_image_setter.go), and yaml.v3 keeps no
    // blank lines (go-yaml/yaml#627), so its commit drops them.
    mockDir.setContent({
      'kustomization.yaml': [
        'apiVersion: kustomize.config.k8s.io/v1beta1',
        'kind: Kustomization',
        '',
        'resources:',
        '- ../../base # the shared manifests',
        '',
        'namespace: guestbook-simple-dev',
        '',
        'images:',
        '- name: ghcr.io/akuity/guestbook',
        '  newTag: v0.0.1',
        '',
        '- name: ghcr.io/akuity/other',
        '  newTag: v1',
        '',
      ].join('\n'),
    });
    await updateKustomizationFile(
      mockDir.resolve('kustomization.yaml'),
      asMap({
        'ghcr.io/akuity/guestbook': {
          name: 'ghcr.io/akuity/guestbook',
          newTag: 'v0.0.2',
        },
      }),
    );
    expect(read('kustomization.yaml')).toBe(
      [
        'apiVersion: kustomize.config.k8s.io/v1beta1',
        'kind: Kustomization',
        'resources:',
        '- ../../base # the shared manifests',
        'namespace: guestbook-simple-dev',
        'images:',
        '- name: ghcr.io/akuity/guestbook',
        '  newTag: v0.0.2',
        '- name: ghcr.io/akuity/other',
        '  newTag: v1',
        '',
      ].join('\n'),
    );
  });

  describe('mergeImages (Kargo Test_mergeImages vectors)', () => {
    type MergeCase = {
      name: string;
      current: KustomizeImage[];
      target: any;
      expected?: any;
      expected_names_in_order?: string[];
    };
    const cases: MergeCase[] = vectors.mergeImages.cases;

    it.each(cases.filter(c => c.expected))('$name', c => {
      expect(mergeImages(c.current, asMap(c.target))).toEqual(c.expected);
    });

    it.each(cases.filter(c => c.expected_names_in_order))('$name', c => {
      expect(
        mergeImages(c.current, asMap(c.target)).map(image => image.name),
      ).toEqual(c.expected_names_in_order);
    });

    it('drops a * that has nothing to keep', () => {
      expect(
        mergeImages(
          [],
          asMap({ a: { name: 'a', newName: '*', newTag: '*', digest: 'd' } }),
        ),
      ).toEqual([{ name: 'a', digest: 'd' }]);
    });
  });

  it.each<{ images: any[]; expected: Record<string, KustomizeImage> }>(
    vectors.buildTargetImagesFromConfig.cases,
  )(
    'builds target images from config (Kargo vectors)',
    ({ images, expected }) => {
      expect(Object.fromEntries(targetImagesFromConfig(images))).toEqual(
        expected,
      );
    },
  );

  it('uses name over image and digest over tag', () => {
    expect(
      Object.fromEntries(
        targetImagesFromConfig([
          {
            image: 'ghcr.io/x/app',
            name: 'app',
            tag: 't',
            digest: 'sha256:d',
            newName: 'mirror/app',
          },
        ]),
      ),
    ).toEqual({
      app: { name: 'app', newName: 'mirror/app', digest: 'sha256:d' },
    });
  });

  describe('target images from the freight (Kargo Test_kustomizeImageSetter_buildTargetImagesAutomatically vectors)', () => {
    type AutoCase = { name: string; freight: any; expected: any };
    const cases: AutoCase[] = vectors.buildTargetImagesAutomatically.cases;
    const collection = (c: AutoCase) => {
      const freight = freightOf(c.freight);
      return { freight, targetFreight: freight[0] };
    };

    it.each(cases.filter(c => !c.expected.errorContains))('$name', c => {
      expect(
        Object.fromEntries(targetImagesFromFreight(collection(c))),
      ).toEqual(c.expected);
    });

    it.each(cases.filter(c => c.expected.errorContains))('$name', c => {
      expect(() => targetImagesFromFreight(collection(c))).toThrow(
        c.expected.errorContains,
      );
    });

    it('takes the target freight for its origin and one freight per origin', () => {
      const [target, other] = freightOf({
        'Warehouse/w1': { images: [{ repoURL: 'app', tag: 'v2' }] },
        'Warehouse/w2': { images: [{ repoURL: 'db', tag: '15' }] },
      });
      const [stale] = freightOf({
        'Warehouse/w1': { images: [{ repoURL: 'app', tag: 'v1' }] },
      });
      expect(
        Object.fromEntries(
          targetImagesFromFreight({
            targetFreight: target,
            freight: [stale, other],
          }),
        ),
      ).toEqual({
        app: { name: 'app', newTag: 'v2' },
        db: { name: 'db', newTag: '15' },
      });
    });
  });

  describe('kustomizeSetImageCommitMessage (Kargo Test_kustomizeImageSetter_generateCommitMessage vectors)', () => {
    type MessageCase = {
      name: string;
      images: Record<string, KustomizeImage>;
      expected: any;
    };
    const cases: MessageCase[] = vectors.commitMessage.cases;
    const message = (c: MessageCase) =>
      kustomizeSetImageCommitMessage(
        vectors.commitMessage.path,
        asMap(c.images),
      );

    it.each(cases.filter(c => 'equals' in c.expected))('$name', c => {
      expect(message(c)).toBe(c.expected.equals);
    });

    it.each(cases.filter(c => c.expected.contains))('$name', c => {
      for (const part of c.expected.contains) {
        expect(message(c)).toContain(part);
      }
      expect(message(c).split('\n').length - 1).toBe(c.expected.newlines);
    });

    it.each(cases.filter(c => c.expected.derived))('$name (full text)', c => {
      expect(message(c)).toBe(c.expected.derived);
    });
  });

  describe('findKustomization (Kargo Test_findKustomization vectors)', () => {
    type FindCase = {
      name: string;
      dirFiles: string[];
      path: string;
      expected: any;
    };
    const cases: FindCase[] = vectors.findKustomization.cases;
    const setUp = (c: FindCase) =>
      mockDir.setContent(
        Object.fromEntries(c.dirFiles.map(f => [f, 'kind: Kustomization'])),
      );

    it.each(cases.filter(c => c.expected.file))('$name', async c => {
      setUp(c);
      await expect(findKustomization(mockDir.path, c.path)).resolves.toBe(
        path.join(fs.realpathSync(mockDir.path), c.expected.file),
      );
    });

    it.each(cases.filter(c => c.expected.errorContains))('$name', async c => {
      setUp(c);
      await expect(findKustomization(mockDir.path, c.path)).rejects.toThrow(
        c.expected.errorContains,
      );
    });

    it('ignores a link named like a Kustomization file', async () => {
      mockDir.setContent({
        real: { 'kustomization.yaml': 'k' },
        kustomization: ({ symlink }) => symlink('real/kustomization.yaml'),
        'kustomization.yaml': ({ symlink }) =>
          symlink('real/kustomization.yaml'),
      });
      await expect(findKustomization(mockDir.path, '.')).rejects.toThrow(
        'could not find any Kustomization files',
      );
    });
  });

  it('keeps the rest of the Kustomization, its comments and untouched images as they were', async () => {
    const before = [
      '# overlay for prod',
      'apiVersion: kustomize.config.k8s.io/v1beta1',
      'kind: Kustomization',
      'resources:',
      '- ../../base # shared',
      'images:',
      '# the app',
      '- name: ghcr.io/example/app',
      '  newTag: "1.0"',
      '- name: redis # cache, pinned',
      '  newTag: 6.2.5',
      'namePrefix: prod-',
      '',
    ].join('\n');
    mockDir.setContent({
      overlays: { prod: { 'kustomization.yaml': before } },
    });
    const result = await step.run(
      createStepContext({ workDir: mockDir.path }),
      {
        path: 'overlays/prod',
        images: [{ image: 'ghcr.io/example/app', tag: '1.1' }],
      },
    );
    expect(result.output).toEqual({
      commitMessage:
        'Updated overlays/prod to use new image\n\n- ghcr.io/example/app:1.1',
    });
    expect(read('overlays/prod/kustomization.yaml')).toBe(
      before.replace('newTag: "1.0"', 'newTag: "1.1"'),
    );
  });

  it('writes an empty flow list when there is nothing to set, and no commit message', async () => {
    mockDir.setContent({ 'kustomization.yaml': 'kind: Kustomization\n' });
    const result = await step.run(
      createStepContext({ workDir: mockDir.path }),
      {
        path: '.',
      },
    );
    expect(result).toEqual({ status: 'Succeeded' });
    expect(read('kustomization.yaml')).toBe(
      'kind: Kustomization\nimages: []\n',
    );
  });

  it('keeps a flow list a flow list and quotes what YAML would read as another type', async () => {
    mockDir.setContent({ Kustomization: 'images: [{name: a, newTag: "1"}]\n' });
    await step.run(createStepContext({ workDir: mockDir.path }), {
      path: '.',
      images: [
        { image: 'a', tag: '1.19' },
        { image: 'b', tag: 'yes' },
      ],
    });
    expect(read('Kustomization')).toBe(
      'images: [ { name: a, newTag: "1.19" }, { name: b, newTag: "yes" } ]\n',
    );
  });

  it.each([
    ['images: {a: 1}\n', 'could not decode images field in Kustomization file'],
    ['- a\n', 'could not update images field in Kustomization file'],
    ['images: [\n', 'could not unmarshal Kustomization file'],
  ])('refuses the Kustomization %j', async (text, message) => {
    mockDir.setContent({ 'kustomization.yaml': text });
    await expect(
      step.run(createStepContext({ workDir: mockDir.path }), {
        path: '.',
        images: [{ image: 'a', tag: '1' }],
      }),
    ).rejects.toThrow(message);
    expect(read('kustomization.yaml')).toBe(text);
  });

  it('refuses a path outside the work directory as a terminal error', async () => {
    mockDir.setContent({
      work: {},
      'kustomization.yaml': 'kind: Kustomization\n',
    });
    const error = await step
      .run(createStepContext({ workDir: mockDir.resolve('work') }), {
        path: '..',
        images: [{ image: 'a', tag: '1' }],
      })
      .catch(e => e);
    expect(error).toBeInstanceOf(TerminalStepError);
  });
});
