/**
 * The dispatcher puts every delivery of a node in one order.
 *
 * A publish or send made while no delivery is in progress is delivered at once: the
 * loop walks the targets and hands the message to each (see ActorCell). A publish made
 * while a delivery is in progress — by a behaviour, which runs inside that loop — is
 * queued as one job (not one per member) and delivered when the current one is done.
 * Delivering it at once instead would let it overtake the outer message for the
 * members later in the outer loop, and break per-publisher FIFO.
 *
 * Every delivery goes through here, and none starts while another is in progress:
 * ActorCell relies on that to run a synchronous behaviour without marking its actor
 * busy (nothing can reach the actor until the behaviour returns).
 *
 * A burst of queued jobs yields to the event loop after a budget of deliveries, so
 * actors that keep publishing to each other cannot starve timers and I/O.
 */
import type { ActorCell } from "./actor-cell.js";
import { Offer } from "./mailbox.js";

/** Deliveries made in one turn of the event loop before queued jobs wait for the next. */
const DELIVERIES_PER_TURN = 65_536;

interface Job {
  readonly targets: readonly ActorCell[];
  readonly message: unknown;
  readonly group: string | undefined;
  readonly topic: string | undefined;
  readonly exclude: ReadonlySet<ActorCell> | null;
  /** Only for a direct send: how the single target's mailbox took the message. */
  readonly settle: ((outcome: Offer) => void) | null;
}

export class Dispatcher {
  #active = false;
  readonly #queue: (Job | undefined)[] = [];
  #head = 0;
  #scheduled: NodeJS.Immediate | null = null;
  #closed = false;

  /** Delivers to every target not in `exclude`, now or after the deliveries queued before it. */
  fanOut(
    targets: readonly ActorCell[],
    message: unknown,
    group: string | undefined,
    topic: string | undefined,
    exclude: ReadonlySet<ActorCell> | null,
  ): void {
    if (this.#active || this.#head < this.#queue.length) {
      this.#enqueue({ targets, message, group, topic, exclude, settle: null });
      return;
    }
    this.#active = true;
    try {
      deliverAll(targets, message, group, topic, exclude);
    } finally {
      this.#active = false;
    }
    if (this.#head < this.#queue.length) this.#drain();
  }

  /**
   * Delivers one message to one actor, in the same order as fan-outs. `settle` hears
   * how the mailbox took it: at once, or when the delivery's turn comes.
   */
  send(target: ActorCell, message: unknown, settle: (outcome: Offer) => void): void {
    if (this.#active || this.#head < this.#queue.length) {
      this.#enqueue({
        targets: [target],
        message,
        group: undefined,
        topic: undefined,
        exclude: null,
        settle,
      });
      return;
    }
    this.#active = true;
    let outcome: Offer;
    try {
      outcome = target.deliver(message, undefined, undefined);
    } finally {
      this.#active = false;
    }
    settle(outcome);
    if (this.#head < this.#queue.length) this.#drain();
  }

  /** Drops whatever is queued and stops scheduling; used at shutdown. */
  close(): void {
    this.#closed = true;
    if (this.#scheduled !== null) clearImmediate(this.#scheduled);
    this.#scheduled = null;
    this.#queue.length = 0;
    this.#head = 0;
  }

  #enqueue(job: Job): void {
    if (this.#closed) return;
    this.#queue.push(job);
    if (!this.#active && this.#scheduled === null) {
      this.#scheduled = setImmediate(this.#drainLater);
    }
  }

  readonly #drainLater = (): void => {
    this.#scheduled = null;
    this.#drain();
  };

  #drain(): void {
    if (this.#active) return;
    this.#active = true;
    const queue = this.#queue;
    let budget = DELIVERIES_PER_TURN;
    try {
      while (this.#head < queue.length && budget > 0) {
        const job = queue[this.#head]!;
        queue[this.#head++] = undefined;
        budget -= job.targets.length;
        if (job.settle !== null) {
          job.settle(job.targets[0]!.deliver(job.message, undefined, undefined));
        } else {
          deliverAll(job.targets, job.message, job.group, job.topic, job.exclude);
        }
      }
    } finally {
      this.#active = false;
      if (this.#head === queue.length) {
        queue.length = 0;
        this.#head = 0;
      } else if (this.#scheduled === null && !this.#closed) {
        this.#scheduled = setImmediate(this.#drainLater);
      }
    }
  }
}

function deliverAll(
  targets: readonly ActorCell[],
  message: unknown,
  group: string | undefined,
  topic: string | undefined,
  exclude: ReadonlySet<ActorCell> | null,
): void {
  if (exclude === null) {
    for (let i = 0; i < targets.length; i++) targets[i]!.deliver(message, group, topic);
    return;
  }
  for (let i = 0; i < targets.length; i++) {
    const target = targets[i]!;
    if (!exclude.has(target)) target.deliver(message, group, topic);
  }
}

export { Offer };
