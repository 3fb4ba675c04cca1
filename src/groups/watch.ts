/**
 * Membership events as async iterables.
 *
 * A WatchHub fans the events of one scope out to its watchers. Each watcher buffers
 * what its consumer has not read yet, up to a bound: a consumer that stops reading
 * cannot grow the node's memory without end; it is ended with WatchOverflowError
 * instead, and can start a new watch and re-read the state.
 *
 * A watch ends quietly (the loop just finishes) when its signal aborts, when the
 * consumer breaks out of the loop, when its group is deleted, or when the system
 * shuts down.
 */
import { InvalidArgumentError, type ProcessGroupError, WatchOverflowError } from "../errors.js";
import type { ActorId, GroupName, Json, NodeId, Scope } from "../names.js";

/**
 * A change `watch` reports: a group created or deleted, an actor that became a member
 * or stopped being one, a member's presence meta changed. A second join of a member,
 * or a leave that leaves it joined, is no event: membership did not change.
 */
export type MembershipEvent =
  | {
      /** A group was created. */
      readonly type: "created";
      /** The group. */
      readonly group: GroupName;
    }
  | {
      /** A group was deleted, with every membership in it (no `left` events follow). */
      readonly type: "deleted";
      /** The group. */
      readonly group: GroupName;
    }
  | {
      /** An actor became a member. */
      readonly type: "joined";
      /** The group. */
      readonly group: GroupName;
      /** The actor. */
      readonly actorId: ActorId;
      /** The node that hosts it. */
      readonly nodeId: NodeId;
      /** Its presence meta, when it joined with some. */
      readonly meta?: Json;
    }
  | {
      /** A member's presence meta changed (a join with new meta, or `updateMeta`). */
      readonly type: "updated";
      /** The group. */
      readonly group: GroupName;
      /** The member. */
      readonly actorId: ActorId;
      /** The node that hosts it. */
      readonly nodeId: NodeId;
      /** Its meta now; undefined when it has none any more. */
      readonly meta?: Json;
    }
  | {
      /** An actor is no longer a member: it left its last join, stopped, or its node died. */
      readonly type: "left";
      /** The group. */
      readonly group: GroupName;
      /** The actor. */
      readonly actorId: ActorId;
      /** The node that hosted it. */
      readonly nodeId: NodeId;
    };

/** The options of `watch`. */
export interface WatchOptions {
  /** Ends the watch when aborted; a timeout is `AbortSignal.timeout(ms)`. */
  readonly signal?: AbortSignal;
}

/** The most events a watcher holds for a consumer that is not reading. */
const MAX_BUFFERED_EVENTS = 10_000;

export class WatchHub {
  readonly #watchers = new Set<Watcher>();

  constructor(readonly scope: Scope) {}

  /** True when someone listens; lets callers skip building events nobody reads. */
  get isWatched(): boolean {
    return this.#watchers.size > 0;
  }

  emit(event: MembershipEvent): void {
    for (const watcher of this.#watchers) watcher.push(event);
  }

  /** A watcher of every event of the scope, or of one group's. */
  open(group: GroupName | undefined, options: WatchOptions | undefined): Watcher {
    if (options !== undefined && (typeof options !== "object" || options === null)) {
      throw new InvalidArgumentError("watch options", "must be an object");
    }
    if (options?.signal !== undefined && !(options.signal instanceof AbortSignal)) {
      throw new InvalidArgumentError("signal", "must be an AbortSignal");
    }
    const watcher = new Watcher(this, group, options?.signal);
    this.#watchers.add(watcher);
    return watcher;
  }

  /** A watcher that fails on its first read: how a watch reports bad input. */
  failed(error: ProcessGroupError): Watcher {
    const watcher = new Watcher(this, undefined, undefined);
    watcher.fail(error);
    return watcher;
  }

  detach(watcher: Watcher): void {
    this.#watchers.delete(watcher);
  }

  closeAll(): void {
    for (const watcher of [...this.#watchers]) watcher.end();
  }
}

type Pending = {
  resolve: (result: IteratorResult<MembershipEvent>) => void;
  reject: (error: unknown) => void;
};

const DONE: IteratorResult<MembershipEvent> = Object.freeze({ done: true, value: undefined });

export class Watcher implements AsyncIterableIterator<MembershipEvent> {
  readonly #hub: WatchHub;
  readonly #group: GroupName | undefined;
  readonly #signal: AbortSignal | undefined;
  #buffer: MembershipEvent[] = [];
  #head = 0;
  #pending: Pending | null = null;
  #ended = false;
  #error: ProcessGroupError | null = null;

  constructor(hub: WatchHub, group: GroupName | undefined, signal: AbortSignal | undefined) {
    this.#hub = hub;
    this.#group = group;
    this.#signal = signal;
    if (signal?.aborted) this.end();
    else signal?.addEventListener("abort", this.#onAbort, { once: true });
  }

  push(event: MembershipEvent): void {
    if (this.#ended) return;
    if (this.#group !== undefined && event.group !== this.#group) return;
    if (this.#pending !== null) {
      const { resolve } = this.#pending;
      this.#pending = null;
      resolve({ done: false, value: event });
    } else if (this.#buffer.length - this.#head >= MAX_BUFFERED_EVENTS) {
      this.fail(new WatchOverflowError(this.#hub.scope, MAX_BUFFERED_EVENTS));
      return;
    } else {
      this.#buffer.push(event);
    }
    // A watch of one group has nothing more to say once the group is gone.
    if (this.#group !== undefined && event.type === "deleted") this.#finish();
  }

  next(): Promise<IteratorResult<MembershipEvent>> {
    if (this.#head < this.#buffer.length) {
      const value = this.#buffer[this.#head++]!;
      if (this.#head === this.#buffer.length) {
        this.#buffer = [];
        this.#head = 0;
      }
      return Promise.resolve({ done: false, value });
    }
    if (this.#error !== null) {
      const error = this.#error;
      this.#error = null;
      return Promise.reject(error);
    }
    if (this.#ended) return Promise.resolve(DONE);
    return new Promise((resolve, reject) => {
      this.#pending = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<MembershipEvent>> {
    this.end();
    return Promise.resolve(DONE);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<MembershipEvent> {
    return this;
  }

  /** Ends the watch now: buffered events are dropped and the loop finishes. */
  end(): void {
    this.#buffer = [];
    this.#head = 0;
    this.#finish();
  }

  /** Ends the watch with an error, thrown by the consumer's next read. */
  fail(error: ProcessGroupError): void {
    this.#buffer = [];
    this.#head = 0;
    if (this.#pending !== null) {
      const { reject } = this.#pending;
      this.#pending = null;
      reject(error);
    } else {
      this.#error = error;
    }
    this.#finish();
  }

  // Stops listening but lets the consumer read what is already buffered.
  #finish(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#hub.detach(this);
    this.#signal?.removeEventListener("abort", this.#onAbort);
    if (this.#pending !== null) {
      const { resolve } = this.#pending;
      this.#pending = null;
      resolve(DONE);
    }
  }

  readonly #onAbort = (): void => this.end();
}

/**
 * A watcher that can only be made later (once a replica is open) as an iterator now.
 * A failure to make it is thrown by the first read; after that the iterator is done.
 */
export function whenOpened(
  watcher: Promise<AsyncIterableIterator<MembershipEvent>>,
): AsyncIterableIterator<MembershipEvent> {
  watcher.catch(() => undefined); // reported by the first read
  let reported = false;
  const over = { done: true, value: undefined } as const;
  return {
    next: () =>
      watcher.then(
        (w) => w.next(),
        (error: unknown) => {
          if (reported) return over;
          reported = true;
          throw error;
        },
      ),
    return: () =>
      watcher.then(
        (w) => w.return?.() ?? over,
        () => over,
      ),
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
