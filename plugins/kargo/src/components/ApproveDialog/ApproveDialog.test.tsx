import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {
  freight,
  mockKargoApi,
  renderForEntity,
  responseError,
  testProject,
} from '../../__testUtils__';
import { ApproveDialog } from './ApproveDialog';

describe('ApproveDialog', () => {
  it('lists the freight of the stage origins and approves the choice', async () => {
    const approved = freight(3, {
      approvedFor: { prod: { approvedAt: '2026-01-05T00:00:00Z' } },
    });
    const api = mockKargoApi({
      listFreight: jest.fn().mockResolvedValue({
        items: [
          freight(3),
          freight(2, {
            approvedFor: { prod: { approvedAt: '2026-01-04T00:00:00Z' } },
          }),
          freight(1, { verifiedIn: { prod: {} } }),
        ],
      }),
      approveFreight: jest.fn().mockResolvedValue(approved),
    });
    const onApproved = jest.fn();
    renderForEntity(
      <ApproveDialog
        open
        onClose={jest.fn()}
        onApproved={onApproved}
        project={testProject()}
        stage="prod"
        origins={['guestbook']}
      />,
      { api },
    );
    const group = await screen.findByRole('radiogroup', {
      name: 'Freight to approve for prod',
    });
    expect(api.listFreight).toHaveBeenCalledWith(testProject(), {
      origins: ['guestbook'],
      limit: 20,
      cursor: undefined,
    });
    expect(
      within(group).getByRole('radio', { name: /freight-2.*already approved/ }),
    ).toBeDisabled();
    expect(
      within(group).getByRole('radio', { name: /freight-1.*verified in prod/ }),
    ).toBeEnabled();
    const button = screen.getByRole('button', { name: 'Approve' });
    expect(button).toBeDisabled();
    await userEvent.click(
      within(group).getByRole('radio', { name: /freight-3/ }),
    );
    await waitFor(() => expect(button).toBeEnabled());
    await userEvent.click(button);
    await waitFor(() => expect(onApproved).toHaveBeenCalledWith(approved));
    expect(api.approveFreight).toHaveBeenCalledWith(
      testProject(),
      'prod',
      freight(3).id,
    );
  });

  it('shows a refusal of the backend in the dialog', async () => {
    const api = mockKargoApi({
      approveFreight: jest
        .fn()
        .mockRejectedValue(
          await responseError(
            400,
            'InputError',
            'freight: Stage "prod" does not request freight from Warehouse "other"',
          ),
        ),
    });
    const onApproved = jest.fn();
    renderForEntity(
      <ApproveDialog
        open
        onClose={jest.fn()}
        onApproved={onApproved}
        project={testProject()}
        stage="prod"
        origins={['guestbook']}
        freight={freight(4)}
      />,
      { api },
    );
    const button = await screen.findByRole('button', { name: 'Approve' });
    await waitFor(() => expect(button).toBeEnabled());
    await userEvent.click(button);
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Approval refused: The request was refused (400): freight: Stage "prod" does not request freight from Warehouse "other"',
    );
    expect(onApproved).not.toHaveBeenCalled();
    expect(api.listFreight).not.toHaveBeenCalled();
  });

  it('disables Approve for a user who may not approve for the stage', async () => {
    const api = mockKargoApi();
    renderForEntity(
      <ApproveDialog
        open
        onClose={jest.fn()}
        onApproved={jest.fn()}
        project={testProject()}
        stage="prod"
        origins={['guestbook']}
        freight={freight(4)}
      />,
      { api, grants: { 'kargo.freight.approve': ['dev', 'staging'] } },
    );
    const button = await screen.findByRole('button', { name: 'Approve' });
    await waitFor(() =>
      expect(button.parentElement).toHaveAttribute(
        'title',
        `You are not allowed to approve freight for stage prod (permission kargo.freight.approve on ${testProject()}/prod).`,
      ),
    );
    expect(button).toBeDisabled();
  });

  it('says when there is no freight to approve', async () => {
    const api = mockKargoApi({
      listFreight: jest.fn().mockResolvedValue({ items: [] }),
    });
    renderForEntity(
      <ApproveDialog
        open
        onClose={jest.fn()}
        onApproved={jest.fn()}
        project={testProject()}
        stage="prod"
        origins={['guestbook']}
      />,
      { api },
    );
    expect(await screen.findByRole('status')).toHaveTextContent(
      "There is no freight yet: the project's warehouses have not discovered any artifacts.",
    );
  });
});
