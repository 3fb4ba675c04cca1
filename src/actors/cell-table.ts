/**
 * CellTable: the state a delivery reads of every live actor of a node, kept in columns
 * (one array per field, indexed by the actor's slot) rather than in each actor's object.
 *
 * Why columns: a fan-out to a large group is bound by memory, not by work. Handing a
 * message to an idle actor needs three things — is it idle, its behaviour, its context
 * — and reading them from each actor's object costs a cache miss or two per member
 * before the behaviour even runs. Here a group's audience is an array of slots, the
 * states are one byte each in one typed array, and behaviours and contexts sit side by
 * side, so the delivery loop streams through memory much as an event emitter walks
 * its listener array.
 *
 * A stopped actor's slot is reused only when nothing can still deliver to it: slots
 * are held back while the dispatcher is delivering or has deliveries queued (those
 * carry slot arrays built before the stop), and handed out again once it is idle.
 * Groups drop their cached audiences synchronously when an actor stops, so no audience
 * built afterwards holds a released slot.
 */
import type { ActorCell, ActorContext, Behaviour } from "./actor-cell.js";

/** Not processing, mailbox empty: a message goes straight to the behaviour. */
export const IDLE = 0;
/** Processing (an async behaviour has not settled) or messages are queued. */
export const BUSY = 1;
/** Final; the slot waits to be reused. */
const STOPPED = 2;

const INITIAL_SLOTS = 1_024;

/**
 * The message being handed out by a delivery loop, read by ActorContext while a
 * behaviour runs synchronously: the loop writes this one shared object once, not a
 * field in every actor's cell nor anything per member. While it loops, only its own
 * behaviours run, so a context read then is the handling actor's. A behaviour that
 * goes async has the values copied into its cell before anything else can run.
 */
export const currentDelivery: {
  looping: boolean;
  group: string | undefined;
  topic: string | undefined;
} = { looping: false, group: undefined, topic: undefined };

export class CellTable {
  /**
   * One byte per slot: IDLE, BUSY or STOPPED. Replaced when it grows: re-read it after
   * a behaviour ran. Written only through `setState` and `release`, which keep `notIdle`.
   */
  states = new Uint8Array(INITIAL_SLOTS);
  /**
   * How many slots are not IDLE (busy, or stopped and not yet reused). While it is 0 a
   * delivery loop need not read each member's state: every actor is idle.
   */
  notIdle = 0;
  readonly behaviours: (Behaviour | null)[] = [];
  readonly contexts: (ActorContext | null)[] = [];
  readonly cells: (ActorCell | null)[] = [];
  // Slots free to hand out, and slots of stopped actors waiting for the dispatcher to be idle.
  readonly #free: number[] = [];
  readonly #released: number[] = [];

  /** Gives a new actor a slot, IDLE. */
  allocate(cell: ActorCell, behaviour: Behaviour, context: ActorContext): number {
    const slot = this.#free.pop() ?? this.cells.length;
    if (slot === this.cells.length) {
      this.cells.push(cell);
      this.behaviours.push(behaviour);
      this.contexts.push(context);
    } else {
      this.cells[slot] = cell;
      this.behaviours[slot] = behaviour;
      this.contexts[slot] = context;
    }
    if (slot >= this.states.length) {
      const grown = new Uint8Array(this.states.length * 2);
      grown.set(this.states);
      this.states = grown;
    }
    this.setState(slot, IDLE);
    return slot;
  }

  /** Sets a slot's state, keeping the count of slots that are not idle. */
  setState(slot: number, state: number): void {
    const was = this.states[slot]!;
    if (was === IDLE && state !== IDLE) this.notIdle++;
    else if (was !== IDLE && state === IDLE) this.notIdle--;
    this.states[slot] = state;
  }

  /** Marks a stopped actor's slot; it is reused after the next `recycle`. */
  release(slot: number): void {
    this.setState(slot, STOPPED);
    this.#released.push(slot);
  }

  /** True when some live actor is busy (handling a message, or with messages queued). */
  anyBusy(): boolean {
    return this.states.indexOf(BUSY) >= 0;
  }

  get hasReleased(): boolean {
    return this.#released.length > 0;
  }

  /** Frees the released slots. Only the dispatcher calls it, when nothing is in flight. */
  recycle(): void {
    for (const slot of this.#released) {
      this.cells[slot] = null;
      this.behaviours[slot] = null;
      this.contexts[slot] = null;
      this.#free.push(slot);
    }
    this.#released.length = 0;
  }
}
