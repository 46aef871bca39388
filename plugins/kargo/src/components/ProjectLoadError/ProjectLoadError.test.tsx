import { screen } from '@testing-library/react';
import {
  mockKargoApi,
  renderForEntity,
  responseError,
} from '../../__testUtils__';
import { ProjectLoadError } from './ProjectLoadError';

describe('ProjectLoadError', () => {
  it('names an unknown project and where projects are defined', async () => {
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
        ],
      }),
    });
    renderForEntity(
      <ProjectLoadError
        project="ghost"
        error={await responseError(
          404,
          'NotFoundError',
          'Kargo project "ghost" not found',
        )}
      />,
      { api },
    );
    expect(
      screen.getByText('Kargo project "ghost" not found'),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/kargo\.definitions in app-config\.yaml/),
    ).toBeVisible();
    expect(await screen.findByText('Projects: guestbook')).toBeInTheDocument();
  });

  it('takes a 404 of a backend without the Kargo plugin for an unreachable backend', async () => {
    renderForEntity(
      <ProjectLoadError
        project="guestbook"
        error={await responseError(404, 'NotFoundError', 'No route')}
      />,
      { api: mockKargoApi() },
    );
    expect(
      screen.getByText('Error: Kargo backend unreachable'),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/No route\. Check that the backend is running/),
    ).toBeInTheDocument();
  });

  it('says when the backend cannot be reached, and what to check', () => {
    renderForEntity(
      <ProjectLoadError
        project="guestbook"
        error={new TypeError('Failed to fetch')}
      />,
      { api: mockKargoApi() },
    );
    expect(
      screen.getByText('Error: Kargo backend unreachable'),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/Failed to fetch.*plugin-kargo-backend/),
    ).toBeInTheDocument();
  });

  it('names the permission a denied read needs', async () => {
    renderForEntity(
      <ProjectLoadError
        project="guestbook"
        error={await responseError(
          403,
          'NotAllowedError',
          'kargo.project.read is denied',
        )}
      />,
      { api: mockKargoApi() },
    );
    expect(
      screen.getByText('Warning: You may not see Kargo project "guestbook"'),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/needs the permission kargo\.project\.read/),
    ).toBeInTheDocument();
  });

  it('shows other errors as they are', async () => {
    renderForEntity(
      <ProjectLoadError
        project="guestbook"
        error={await responseError(500, 'Error', 'database is locked')}
      />,
      { api: mockKargoApi() },
    );
    expect(
      screen.getByText('Error: Could not load Kargo project "guestbook"'),
    ).toBeInTheDocument();
    expect(screen.getByText('database is locked')).toBeInTheDocument();
  });
});
