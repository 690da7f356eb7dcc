/**
 * Thrown by a stage that cannot run yet but will later without any change (the daily YouTube
 * upload budget is spent): the worker puts the job back on the queue, delayed until `retryAt`,
 * without spending an attempt and without failing it.
 */
export class DeferredError extends Error {
  override readonly name = "DeferredError";
  readonly retryAt: Date;
  /** How long to wait, measured on the clock that decided it (tests inject one). */
  readonly delayMs: number;
  readonly title: string;

  constructor({ title, detail, retryAt, delayMs }: { title: string; detail: string; retryAt: Date; delayMs: number }) {
    super(detail);
    this.title = title;
    this.retryAt = retryAt;
    this.delayMs = Math.max(0, delayMs);
  }
}
