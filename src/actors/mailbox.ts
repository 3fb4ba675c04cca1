/**
 * A bounded FIFO of pending deliveries for one actor, as a growable ring buffer.
 *
 * It is only used while its actor is busy: an idle actor with an empty mailbox gets a
 * message handed to its behaviour directly, so the common case allocates nothing.
 * Each entry is three slots (message, group, topic) in one array rather than an
 * envelope object, so queueing a message allocates nothing either once the ring has
 * grown to its working size.
 */

/** What happens when a message arrives at a full mailbox. */
export type OverflowPolicy = "drop-newest" | "drop-oldest" | "reject";

/** The result of offering a message to a mailbox. */
export const Offer = {
  Queued: 0,
  /** The mailbox was full and a message (the new one or the oldest) was dropped. */
  Dropped: 1,
  /** The mailbox was full, the policy is `reject`, and nothing changed. */
  Rejected: 2,
} as const;
export type Offer = (typeof Offer)[keyof typeof Offer];

const SLOTS = 3;
const INITIAL_ENTRIES = 8;

export class Mailbox {
  #ring: unknown[] = new Array(INITIAL_ENTRIES * SLOTS);
  #head = 0; // index of the oldest entry's first slot
  #size = 0; // entries, not slots

  constructor(
    readonly capacity: number,
    readonly overflow: OverflowPolicy,
  ) {}

  get size(): number {
    return this.#size;
  }

  offer(message: unknown, group: string | undefined, topic: string | undefined): Offer {
    let outcome: Offer = Offer.Queued;
    if (this.#size >= this.capacity) {
      if (this.overflow === "drop-oldest") {
        this.#dropOldest();
        outcome = Offer.Dropped;
      } else {
        return this.overflow === "reject" ? Offer.Rejected : Offer.Dropped;
      }
    }
    if (this.#size * SLOTS === this.#ring.length) this.#grow();
    const ring = this.#ring;
    const at = (this.#head + this.#size * SLOTS) % ring.length;
    ring[at] = message;
    ring[at + 1] = group;
    ring[at + 2] = topic;
    this.#size++;
    return outcome;
  }

  /**
   * Removes the oldest entry and writes it into `into` (reused by the caller, so taking
   * allocates nothing). Returns false when the mailbox is empty.
   */
  take(into: Delivery): boolean {
    if (this.#size === 0) return false;
    const ring = this.#ring;
    const at = this.#head;
    into.message = ring[at];
    into.group = ring[at + 1] as string | undefined;
    into.topic = ring[at + 2] as string | undefined;
    ring[at] = ring[at + 1] = ring[at + 2] = undefined; // let the message be collected
    this.#head = (at + SLOTS) % ring.length;
    this.#size--;
    return true;
  }

  clear(): void {
    this.#ring = new Array(INITIAL_ENTRIES * SLOTS);
    this.#head = 0;
    this.#size = 0;
  }

  #dropOldest(): void {
    const ring = this.#ring;
    const at = this.#head;
    ring[at] = ring[at + 1] = ring[at + 2] = undefined;
    this.#head = (at + SLOTS) % ring.length;
    this.#size--;
  }

  #grow(): void {
    const old = this.#ring;
    const grown = new Array(old.length * 2);
    for (let i = 0; i < this.#size * SLOTS; i++) grown[i] = old[(this.#head + i) % old.length];
    this.#ring = grown;
    this.#head = 0;
  }
}

/** One message with where it came from, as handed to a behaviour. */
export interface Delivery {
  message: unknown;
  group: string | undefined;
  topic: string | undefined;
}
