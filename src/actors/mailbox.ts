/**
 * A bounded FIFO of pending deliveries for one actor, as a growable ring buffer.
 *
 * It is only used while its actor is busy: an idle actor with an empty mailbox gets a
 * message handed to its behaviour directly, so the common case allocates nothing.
 * Each entry is four slots (message, group, topic, and the reply of an ask) in one
 * array rather than an envelope object, so queueing a message allocates nothing either
 * once the ring has grown to its working size. An ask whose message a full mailbox
 * drops is answered at once with the drop (see `dropped`), never left to time out.
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

/** Where the answer to an ask goes; a message that is not an ask has none. */
export interface Reply {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

const SLOTS = 4;
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

  /**
   * The reply of the ask a full mailbox dropped at the last `offer` (the newest or the
   * oldest message), for its caller to answer; cleared by the next `offer`.
   */
  dropped: Reply | undefined = undefined;

  offer(message: unknown, group: string | undefined, topic: string | undefined, reply?: Reply): Offer {
    this.dropped = undefined;
    let outcome: Offer = Offer.Queued;
    if (this.#size >= this.capacity) {
      if (this.overflow === "drop-oldest") {
        this.dropped = this.#dropOldest();
        outcome = Offer.Dropped;
      } else {
        if (this.overflow === "drop-newest") this.dropped = reply;
        return this.overflow === "reject" ? Offer.Rejected : Offer.Dropped;
      }
    }
    if (this.#size * SLOTS === this.#ring.length) this.#grow();
    const ring = this.#ring;
    const at = (this.#head + this.#size * SLOTS) % ring.length;
    ring[at] = message;
    ring[at + 1] = group;
    ring[at + 2] = topic;
    ring[at + 3] = reply;
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
    into.reply = ring[at + 3] as Reply | undefined;
    ring[at] = ring[at + 1] = ring[at + 2] = ring[at + 3] = undefined; // let the message be collected
    this.#head = (at + SLOTS) % ring.length;
    this.#size--;
    return true;
  }

  /** Empties the mailbox; returns the replies of the asks it held, for their callers to answer. */
  clear(): Reply[] {
    const replies: Reply[] = [];
    const ring = this.#ring;
    for (let i = 0; i < this.#size; i++) {
      const reply = ring[(this.#head + i * SLOTS + 3) % ring.length] as Reply | undefined;
      if (reply !== undefined) replies.push(reply);
    }
    this.#ring = new Array(INITIAL_ENTRIES * SLOTS);
    this.#head = 0;
    this.#size = 0;
    return replies;
  }

  #dropOldest(): Reply | undefined {
    const ring = this.#ring;
    const at = this.#head;
    const reply = ring[at + 3] as Reply | undefined;
    ring[at] = ring[at + 1] = ring[at + 2] = ring[at + 3] = undefined;
    this.#head = (at + SLOTS) % ring.length;
    this.#size--;
    return reply;
  }

  #grow(): void {
    const old = this.#ring;
    const grown = new Array(old.length * 2);
    for (let i = 0; i < this.#size * SLOTS; i++) grown[i] = old[(this.#head + i) % old.length];
    this.#ring = grown;
    this.#head = 0;
  }
}

/** One message with where it came from, as handed to a behaviour, and its reply if an ask. */
export interface Delivery {
  message: unknown;
  group: string | undefined;
  topic: string | undefined;
  reply: Reply | undefined;
}
