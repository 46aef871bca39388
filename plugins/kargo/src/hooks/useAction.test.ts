import { act, renderHook } from '@testing-library/react';
import { useAction } from './useAction';

describe('useAction', () => {
  it('resolves to the value and is busy meanwhile', async () => {
    let finish: (value: string) => void = () => {};
    const action = jest.fn(
      (name: string) =>
        new Promise<string>(resolve => {
          finish = v => resolve(`${name}:${v}`);
        }),
    );
    const { result } = renderHook(() => useAction(action));
    let outcome: Promise<{ value: string } | undefined> =
      Promise.resolve(undefined);
    act(() => {
      outcome = result.current.run('promote');
    });
    expect(result.current.busy).toBe(true);
    await act(async () => {
      finish('done');
      await outcome;
    });
    await expect(outcome).resolves.toEqual({ value: 'promote:done' });
    expect(result.current.busy).toBe(false);
    expect(result.current.error).toBeUndefined();
    expect(action).toHaveBeenCalledWith('promote');
  });

  it('keeps the error for display, resolves to undefined, and clears it on the next run', async () => {
    const error = new Error('409 conflict');
    const action = jest
      .fn()
      .mockRejectedValueOnce(error)
      .mockResolvedValueOnce('ok');
    const { result } = renderHook(() => useAction(action));
    await act(async () => {
      await expect(result.current.run()).resolves.toBeUndefined();
    });
    expect(result.current.error).toBe(error);
    expect(result.current.busy).toBe(false);
    await act(async () => {
      await expect(result.current.run()).resolves.toEqual({ value: 'ok' });
    });
    expect(result.current.error).toBeUndefined();
  });

  it('clears the error on request', async () => {
    const { result } = renderHook(() =>
      useAction(jest.fn().mockRejectedValue(new Error('no'))),
    );
    await act(async () => {
      await result.current.run();
    });
    expect(result.current.error).toBeDefined();
    act(() => result.current.clearError());
    expect(result.current.error).toBeUndefined();
  });
});
