import fs from 'node:fs/promises';
import path from 'node:path';

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * The promotions' work directories: one per promotion under a root, private to the backend's user, kept while
 * the promotion runs (a resumed step finds what earlier steps left there) and removed when it ends.
 */
export class PromotionWorkDirs {
  constructor(private readonly root: string) {}

  pathOf(promotionId: string): string {
    if (!SAFE_ID.test(promotionId)) {
      throw new Error(`Unexpected promotion id "${promotionId}"`);
    }
    return path.join(this.root, promotionId);
  }

  /** Creates the promotion's directory if needed; `fresh` tells whether it had to. */
  async prepare(
    promotionId: string,
  ): Promise<{ path: string; fresh: boolean }> {
    const dir = this.pathOf(promotionId);
    await fs.mkdir(this.root, { recursive: true, mode: 0o700 });
    try {
      await fs.mkdir(dir, { mode: 0o700 });
      return { path: dir, fresh: true };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      return { path: dir, fresh: false };
    }
  }

  async remove(promotionId: string): Promise<void> {
    await fs.rm(this.pathOf(promotionId), { recursive: true, force: true });
  }

  /** Ids of the promotions that have a directory. */
  async list(): Promise<string[]> {
    try {
      const entries = await fs.readdir(this.root, { withFileTypes: true });
      return entries
        .filter(e => e.isDirectory() && SAFE_ID.test(e.name))
        .map(e => e.name);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }
}
