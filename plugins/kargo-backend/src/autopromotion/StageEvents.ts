/**
 * In-process notice that something changed a project's stages: a warehouse created freight, a promotion started
 * or finished, freight was verified in a stage, or the definitions (policies, windows) were read again (then no
 * project is named: every project may have changed). Auto-promotion listens to run a pass over the project at once;
 * other replicas catch the change at their next sweep.
 */
export class StageEvents {
  private readonly listeners: Array<(project?: string) => void> = [];

  static create(): StageEvents {
    return new StageEvents();
  }

  /** Tells the listeners that the project's stages changed (every project's, when none is named). */
  changed(project?: string): void {
    for (const listener of this.listeners) listener(project);
  }

  /** Adds a listener; listeners must not throw and return at once. */
  listen(listener: (project?: string) => void): void {
    this.listeners.push(listener);
  }
}
