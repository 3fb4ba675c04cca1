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
 * A fan-out is given slots of the CellTable, not actors: for an idle member the loop
 * reads its state, behaviour and context from the table's columns and calls the
 * behaviour itself; only a busy member's cell is touched, to queue the message.
 *
 * A burst of queued jobs yields to the event loop after a budget of deliveries, so
 * actors that keep publishing to each other cannot starve timers and I/O.
 */
import type { ActorCell, ActorContext, Behaviour } from "./actor-cell.js";
import { CellTable, currentDelivery, IDLE } from "./cell-table.js";
import { Offer, type Reply } from "./mailbox.js";

/** Deliveries made in one turn of the event loop before queued jobs wait for the next. */
const DELIVERIES_PER_TURN = 65_536;

/**
 * Slots of the CellTable to deliver to; never mutated once handed over. A plain array
 * of small integers: a typed array over 64 bytes lives outside the heap, and making
 * one for every topic publish cost more than the delivery it served.
 */
export type Slots = readonly number[];

/**
 * Who a fan-out reaches: table slots and, for an audience a group keeps between
 * publishes, each slot's behaviour and context alongside in the same order, so the
 * loop reads them in sequence instead of through the slot (about a quarter faster).
 */
export interface Targets {
  readonly slots: Slots;
  readonly behaviours: readonly Behaviour[] | null;
  readonly contexts: readonly ActorContext[] | null;
}

interface Job {
  readonly targets: Targets;
  readonly message: unknown;
  readonly group: string | undefined;
  readonly topic: string | undefined;
  /** Only for a direct send: the single target, and how its mailbox took the message. */
  readonly target: ActorCell | null;
  readonly settle: ((outcome: Offer) => void) | null;
  /** Only for an ask: where its answer goes. */
  readonly reply: Reply | undefined;
}

const NOBODY: Targets = Object.freeze({ slots: Object.freeze([]), behaviours: null, contexts: null });

export class Dispatcher {
  /** Every live actor's delivery state; the runtime's cells take their slots here. */
  readonly table = new CellTable();
  #active = false;
  readonly #queue: (Job | undefined)[] = [];
  #head = 0;
  #scheduled: NodeJS.Immediate | null = null;
  #closed = false;

  /** Delivers to every slot, now or after the deliveries queued before it. */
  fanOut(targets: Targets, message: unknown, group: string | undefined, topic: string | undefined): void {
    if (this.#active || this.#head < this.#queue.length) {
      this.#enqueue({ targets, message, group, topic, target: null, settle: null, reply: undefined });
      return;
    }
    this.#active = true;
    try {
      deliverAll(this.table, targets, message, group, topic);
    } finally {
      this.#active = false;
    }
    if (this.#head < this.#queue.length) this.#drain();
    else if (this.table.hasReleased) this.table.recycle();
  }

  /**
   * Delivers one message to one actor, in the same order as fan-outs. `settle` hears
   * how the mailbox took it: at once, or when the delivery's turn comes.
   */
  send(target: ActorCell, message: unknown, settle: (outcome: Offer) => void, reply?: Reply): void {
    if (this.#active || this.#head < this.#queue.length) {
      this.#enqueue({ targets: NOBODY, message, group: undefined, topic: undefined, target, settle, reply });
      return;
    }
    this.#active = true;
    let outcome: Offer;
    try {
      outcome = target.deliver(message, undefined, undefined, reply);
    } finally {
      this.#active = false;
    }
    settle(outcome);
    if (this.#head < this.#queue.length) this.#drain();
    else if (this.table.hasReleased) this.table.recycle();
  }

  /** True when nothing is queued here and no live actor is busy with or has queued a message. */
  get isIdle(): boolean {
    return !this.#active && this.#head >= this.#queue.length && !this.table.anyBusy();
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
        if (job.target !== null) {
          budget -= 1;
          job.settle!(job.target.deliver(job.message, undefined, undefined, job.reply));
        } else {
          budget -= job.targets.slots.length;
          deliverAll(this.table, job.targets, job.message, job.group, job.topic);
        }
      }
    } finally {
      this.#active = false;
      if (this.#head === queue.length) {
        queue.length = 0;
        this.#head = 0;
        if (this.table.hasReleased) this.table.recycle();
      } else if (this.#scheduled === null && !this.#closed) {
        this.#scheduled = setImmediate(this.#drainLater);
      }
    }
  }
}

// The loop every fan-out runs. For an idle member it does what ActorCell would, from
// the table alone; a busy or stopped member goes to its cell (which queues or drops).
function deliverAll(
  table: CellTable,
  targets: Targets,
  message: unknown,
  group: string | undefined,
  topic: string | undefined,
): void {
  const current = currentDelivery;
  current.group = group;
  current.topic = topic;
  current.looping = true;
  // A kept audience lists behaviours and contexts in the order of its slots; otherwise
  // they are read from the table's columns by slot.
  const inOrder = targets.behaviours !== null;
  const behaviours = targets.behaviours ?? table.behaviours;
  const contexts = targets.contexts ?? table.contexts;
  const slots = targets.slots;
  const n = slots.length;
  let i = 0;
  try {
    // One try around the loop, which costs less than one per member: a behaviour that
    // throws fails its actor and the loop goes on after it.
    while (i < n) {
      try {
        for (; i < n; i++) {
          const slot = slots[i]!;
          // Re-read every time: a behaviour may make an actor busy or stop it, or spawn
          // actors and grow the table.
          if (table.notIdle !== 0 && table.states[slot] !== IDLE) {
            table.cells[slot]?.deliver(message, group, topic);
            continue;
          }
          const at = inOrder ? i : slot;
          const result: unknown = behaviours[at]!(message, contexts[at]!);
          if (result !== undefined && typeof (result as PromiseLike<void>).then === "function") {
            table.cells[slot]!.wentAsync(result as PromiseLike<void>, group, topic);
          }
        }
      } catch (error) {
        table.cells[slots[i]!]!.failed(error);
        i++;
      }
    }
  } finally {
    current.looping = false;
  }
}

export { Offer };
