import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderInTestApp, mockApis } from '@backstage/frontend-test-utils';
import {
  kargoStagePromotePermission,
  stageResourceRef,
} from '@kargo-portal/plugin-kargo-common';
import {
  Grants,
  mockKargoApi,
  renderForEntity,
  testProject,
} from '../../__testUtils__';
import { PermissionedButton } from './PermissionedButton';

function renderButton(
  options: { grants?: Grants; unavailableReason?: string } = {},
) {
  const onClick = jest.fn();
  renderForEntity(
    <PermissionedButton
      permission={kargoStagePromotePermission}
      resourceRef={stageResourceRef(testProject(), 'prod')}
      actionText="promote to stage prod"
      unavailableReason={options.unavailableReason}
      onClick={onClick}
    >
      Promote
    </PermissionedButton>,
    { api: mockKargoApi(), grants: options.grants },
  );
  return { onClick, button: screen.getByRole('button', { name: 'Promote' }) };
}

describe('PermissionedButton', () => {
  it('acts for a user with the permission on the resource', async () => {
    const { onClick, button } = renderButton({
      grants: { 'kargo.stage.promote': ['prod'] },
    });
    await waitFor(() => expect(button).toBeEnabled());
    // No reason, no tooltip.
    expect(button.parentElement).toHaveAttribute('title', '');
    await userEvent.click(button);
    expect(onClick).toHaveBeenCalledTimes(1);
  });

  it('is disabled while the permission is being checked', () => {
    const { button } = renderButton();
    expect(button).toBeDisabled();
    expect(button.parentElement).toHaveAttribute(
      'title',
      'Checking your permissions…',
    );
  });

  it('names the permission and resource it was denied', async () => {
    const { button } = renderButton({
      grants: { 'kargo.stage.promote': ['dev'] },
    });
    await waitFor(() =>
      expect(button.parentElement).toHaveAttribute(
        'title',
        `You are not allowed to promote to stage prod (permission kargo.stage.promote on ${testProject()}/prod).`,
      ),
    );
    expect(button).toBeDisabled();
  });

  it('gives the reason an allowed action is unavailable', async () => {
    const { button } = renderButton({
      unavailableReason: 'No freight is eligible for prod yet.',
    });
    await waitFor(() =>
      expect(button.parentElement).toHaveAttribute(
        'title',
        'No freight is eligible for prod yet.',
      ),
    );
    expect(button).toBeDisabled();
  });

  it('says when the permission could not be checked', async () => {
    renderInTestApp(
      <PermissionedButton
        permission={kargoStagePromotePermission}
        resourceRef={stageResourceRef(testProject(), 'prod')}
        actionText="promote to stage prod"
      >
        Promote
      </PermissionedButton>,
      {
        apis: [
          mockApis.permission.mock({
            authorize: jest
              .fn()
              .mockRejectedValue(new Error('permission backend down')),
          }),
        ],
      },
    );
    const button = screen.getByRole('button', { name: 'Promote' });
    await waitFor(() =>
      expect(button.parentElement).toHaveAttribute(
        'title',
        'Could not check whether you may promote to stage prod: permission backend down',
      ),
    );
    expect(button).toBeDisabled();
  });

  it('shows the decision served with the data at once, without asking the permission backend', async () => {
    const authorize = jest.fn().mockRejectedValue(new Error('not asked'));
    const button = (decided: boolean) => (
      <PermissionedButton
        permission={kargoStagePromotePermission}
        resourceRef={stageResourceRef(testProject(), decided ? 'dev' : 'prod')}
        actionText={`promote to stage ${decided ? 'dev' : 'prod'}`}
        decided={decided}
        aria-label={decided ? 'allowed' : 'denied'}
      >
        Promote
      </PermissionedButton>
    );
    await renderInTestApp(
      <>
        {button(true)}
        {button(false)}
      </>,
      { apis: [mockApis.permission.mock({ authorize })] },
    );
    const allowed = screen.getByRole('button', { name: 'allowed' });
    const denied = screen.getByRole('button', { name: 'denied' });
    // Decided from the first render: never "Checking your permissions…".
    expect(allowed).toBeEnabled();
    expect(allowed.parentElement).toHaveAttribute('title', '');
    expect(denied).toBeDisabled();
    expect(denied.parentElement).toHaveAttribute(
      'title',
      `You are not allowed to promote to stage prod (permission kargo.stage.promote on ${testProject()}/prod).`,
    );
    expect(authorize).not.toHaveBeenCalled();
  });
});
