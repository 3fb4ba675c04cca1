/**
 * A node's status, for health checks: `connecting` while `ActorSystem.start` runs,
 * `ready` while everything works, `degraded` while something this node needs is away
 * (Redis unreachable, a subscription not yet confirmed after a reconnect, the node id
 * held elsewhere), `stopped` after shutdown. An embedded node is `ready` until shut
 * down. Changes are an async iterable; a consumer that stops reading misses nothing
 * but the oldest changes past a small bound, and the current status is always at hand.
 */
import { InvalidArgumentError } from "./errors.js";

/**
 * A node's status: `connecting` while `ActorSystem.start` runs, `ready` while
 * everything works, `degraded` while something it needs is away, `stopped` after
 * shutdown.
 */
export type NodeStatus = "connecting" | "ready" | "degraded" | "stopped";

/** One change of a node's status, as `statusChanges()` reports it. */
export interface StatusChange {
  /** The status now. */
  readonly status: NodeStatus;
  /** The status before. */
  readonly previous: NodeStatus;
  /** Why, in words: "connected", "Redis is unreachable", … */
  readonly reason: string;
  /** When, in milliseconds since the epoch. */
  readonly atMs: number;
}

/** The options of `statusChanges`. */
export interface StatusOptions {
  /** Ends the iteration when aborted. */
  readonly signal?: AbortSignal;
}

// Changes a reader that does not keep up can fall behind by; older ones are dropped.
const MAX_PENDING = 64;

export class StatusBoard {
  #status: NodeStatus;
  #reason: string;
  readonly #readers = new Set<Reader>();

  constructor(status: NodeStatus, reason: string) {
    this.#status = status;
    this.#reason = reason;
  }

  get status(): NodeStatus {
    return this.#status;
  }

  get reason(): string {
    return this.#reason;
  }

  /** Moves to `status`; a stopped board stays stopped. Tells every reader of a change. */
  set(status: NodeStatus, reason: string): void {
    if (this.#status === "stopped" || (status === this.#status && reason === this.#reason)) return;
    const change: StatusChange = { status, previous: this.#status, reason, atMs: Date.now() };
    const moved = status !== this.#status;
    this.#status = status;
    this.#reason = reason;
    if (moved) for (const reader of this.#readers) reader.push(change);
    if (status === "stopped") for (const reader of [...this.#readers]) reader.end();
  }

  /** The changes from now on, until the signal aborts, the loop breaks or the node stops. */
  changes(options?: StatusOptions): AsyncIterableIterator<StatusChange> {
    if (options !== undefined && (typeof options !== "object" || options === null)) {
      throw new InvalidArgumentError("status options", "must be an object");
    }
    if (options?.signal !== undefined && !(options.signal instanceof AbortSignal)) {
      throw new InvalidArgumentError("signal", "must be an AbortSignal");
    }
    const reader = new Reader(this.#readers, options?.signal);
    if (this.#status === "stopped") reader.end();
    return reader;
  }
}

const DONE: IteratorResult<StatusChange> = Object.freeze({ done: true, value: undefined });

class Reader implements AsyncIterableIterator<StatusChange> {
  readonly #pending: StatusChange[] = [];
  #wake: ((result: IteratorResult<StatusChange>) => void) | null = null;
  #ended = false;
  readonly #readers: Set<Reader>;
  readonly #signal: AbortSignal | undefined;

  constructor(readers: Set<Reader>, signal: AbortSignal | undefined) {
    this.#readers = readers;
    this.#signal = signal;
    readers.add(this);
    if (signal?.aborted) this.end();
    else signal?.addEventListener("abort", this.#onAbort, { once: true });
  }

  push(change: StatusChange): void {
    if (this.#wake !== null) {
      const wake = this.#wake;
      this.#wake = null;
      wake({ done: false, value: change });
      return;
    }
    this.#pending.push(change);
    if (this.#pending.length > MAX_PENDING) this.#pending.shift();
  }

  next(): Promise<IteratorResult<StatusChange>> {
    const change = this.#pending.shift();
    if (change !== undefined) return Promise.resolve({ done: false, value: change });
    if (this.#ended) return Promise.resolve(DONE);
    return new Promise((resolve) => {
      this.#wake = resolve;
    });
  }

  return(): Promise<IteratorResult<StatusChange>> {
    this.#pending.length = 0; // the reader has gone: nothing more for it
    this.end();
    return Promise.resolve(DONE);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<StatusChange> {
    return this;
  }

  /** Ends the iteration once what is buffered has been read (the node stopped: that change is read too). */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#readers.delete(this);
    this.#signal?.removeEventListener("abort", this.#onAbort);
    this.#wake?.(DONE);
    this.#wake = null;
  }

  readonly #onAbort = (): void => {
    this.#pending.length = 0;
    this.end();
  };
}
