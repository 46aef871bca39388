import { KeyedLock } from './KeyedLock';

const tick = () => new Promise(resolve => setTimeout(resolve, 5));

describe('KeyedLock', () => {
  it('runs callers of one key one at a time, in order, and other keys alongside', async () => {
    const lock = new KeyedLock();
    const events: string[] = [];
    const task = (key: string, name: string) =>
      lock.run(key, async () => {
        events.push(`start ${name}`);
        await tick();
        events.push(`end ${name}`);
        return name;
      });
    const results = await Promise.all([
      task('a', 'a1'),
      task('a', 'a2'),
      task('b', 'b1'),
      task('a', 'a3'),
    ]);
    expect(results).toEqual(['a1', 'a2', 'b1', 'a3']);
    const a = events.filter(
      e => e.endsWith('a1') || e.endsWith('a2') || e.endsWith('a3'),
    );
    expect(a).toEqual([
      'start a1',
      'end a1',
      'start a2',
      'end a2',
      'start a3',
      'end a3',
    ]);
    // b ran while a1 held key a.
    expect(events.indexOf('start b1')).toBeLessThan(events.indexOf('end a1'));
    expect(lock.activeKeys.size).toBe(0);
  });

  it('releases the key when the holder fails', async () => {
    const lock = new KeyedLock();
    await expect(
      lock.run('k', async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await expect(lock.run('k', async () => 'next')).resolves.toBe('next');
    expect(lock.activeKeys.size).toBe(0);
  });

  it('reports the keys in use', async () => {
    const lock = new KeyedLock();
    let release: () => void = () => {};
    const held = lock.run(
      'busy',
      () =>
        new Promise<void>(resolve => {
          release = resolve;
        }),
    );
    await tick();
    expect([...lock.activeKeys]).toEqual(['busy']);
    release();
    await held;
    expect(lock.activeKeys.size).toBe(0);
  });
});
