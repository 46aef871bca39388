import { act, screen, waitFor, within } from '@testing-library/react';
import { mockKargoApi, renderForEntity } from '../../__testUtils__';
import { DefinitionSources } from './DefinitionSources';

describe('DefinitionSources', () => {
  it('lists the manifest sources with their projects or last error', async () => {
    const api = mockKargoApi({
      listDefinitionSources: jest.fn().mockResolvedValue({
        items: [
          {
            key: 'file:a',
            kind: 'file',
            target: '../../examples/kargo/*.yaml',
            projects: ['guestbook'],
            checkedAt: '2026-01-01T00:00:00Z',
          },
          {
            key: 'url:b',
            kind: 'url',
            target: 'https://config.example/ghost.yaml',
            version: 3,
            projects: [],
            lastError: 'ghost.yaml, document 2: spec.subscriptions: required',
            lastErrorAt: '2026-01-01T00:00:00Z',
            checkedAt: '2026-01-01T00:00:00Z',
          },
        ],
      }),
    });
    renderForEntity(<DefinitionSources project="ghost" />, { api });
    const list = await screen.findByRole('list', {
      name: 'Kargo manifest sources',
    });
    const [file, url] = within(list).getAllByRole('listitem');
    expect(file).toHaveTextContent(
      'file: ../../examples/kargo/*.yamlProjects: guestbook',
    );
    expect(url).toHaveTextContent(
      'url: https://config.example/ghost.yamlLast error: ghost.yaml, document 2: spec.subscriptions: required',
    );
    expect(screen.getByText('Manifest sources (2)')).toBeInTheDocument();
    expect(
      screen.getByText(/fix the error above if it should define "ghost"/),
    ).toBeInTheDocument();
    expect(api.listDefinitionSources).toHaveBeenCalledTimes(1);
  });

  it('gives no advice when no source fails', async () => {
    renderForEntity(<DefinitionSources project="ghost" />, {
      api: mockKargoApi({
        listDefinitionSources: jest.fn().mockResolvedValue({
          items: [
            {
              key: 'api:ghost',
              kind: 'api',
              target: 'ghost',
              projects: [],
              checkedAt: '2026-01-01T00:00:00Z',
            },
          ],
        }),
      }),
    });
    expect(await screen.findByText('Projects: none')).toBeInTheDocument();
    expect(screen.queryByText(/fix the error above/)).not.toBeInTheDocument();
  });

  it('shows progress, then nothing when the sources cannot be loaded', async () => {
    let fail: (error: Error) => void = () => {};
    const api = mockKargoApi({
      listDefinitionSources: jest.fn(
        () =>
          new Promise((_resolve, reject) => {
            fail = reject;
          }),
      ),
    });
    renderForEntity(
      <>
        <span>before</span>
        <DefinitionSources project="ghost" />
      </>,
      { api },
    );
    expect(await screen.findByTestId('progress')).toBeInTheDocument();
    act(() => fail(new Error('denied')));
    await waitFor(() =>
      expect(screen.queryByTestId('progress')).not.toBeInTheDocument(),
    );
    expect(screen.getByText('before')).toBeInTheDocument();
    expect(screen.queryByText(/Manifest sources/)).not.toBeInTheDocument();
  });

  it('shows the refused documents, deprecated fields and warnings of a source, and counts the others', async () => {
    renderForEntity(<DefinitionSources project="ghost" />, {
      api: mockKargoApi({
        listDefinitionSources: jest.fn().mockResolvedValue({
          items: [
            {
              key: 'file:q',
              kind: 'file',
              target: 'kargo/quickstart.yaml',
              version: 1,
              projects: ['demo'],
              checkedAt: '2026-01-01T00:00:00Z',
              notes: [
                {
                  document: 2,
                  level: 'refused',
                  kind: 'Secret',
                  name: 'demo-repo',
                  path: '',
                  message:
                    'Kargo credentials are not read from manifest sources',
                },
                {
                  document: 3,
                  level: 'deprecated',
                  kind: 'Warehouse',
                  name: 'demo',
                  path: 'spec.subscriptions[0].image.allowTags',
                  message: 'is deprecated',
                },
                {
                  document: 4,
                  level: 'skipped',
                  kind: 'ApplicationSet',
                  path: '',
                  message: 'applied by Argo CD',
                },
                {
                  document: 5,
                  level: 'kept',
                  kind: 'AnalysisTemplate',
                  path: '',
                  message: 'kept',
                },
              ],
            },
          ],
        }),
      }),
    });
    const list = await screen.findByRole('list', {
      name: 'Kargo manifest sources',
    });
    const [source] = within(list).getAllByRole('listitem');
    expect(source).toHaveTextContent(
      'refused: document 2 (Secret demo-repo): Kargo credentials are not read from manifest sources',
    );
    expect(source).toHaveTextContent(
      'deprecated: document 3 (Warehouse demo): spec.subscriptions[0].image.allowTags: is deprecated',
    );
    expect(source).toHaveTextContent(
      '1 AnalysisTemplate(s) kept for verification; 1 document(s) of other kinds skipped',
    );
  });
});
