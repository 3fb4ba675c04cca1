/**
 * TopicCache: one group's published topics and the audience each reached, so a topic
 * published again costs one map look-up instead of a split and a trie walk.
 *
 * - The group empties it on every change of its membership, where it drops its other
 *   cached audiences: an entry never outlives the membership it was computed from.
 * - A topic enters on its second publish since the last change (first publishes are
 *   kept as hashes only), so topics that never recur neither fill it nor churn it.
 * - Bounded per group, in entries and member references, and across the process by one
 *   account: crossing a bound empties the cache (every cache, for the account).
 * - It rests while it does not pay: after a window of look-ups with few hits (a stream
 *   of topics that rarely repeat, as entity ids make them) it looks up and records
 *   only one publish in SAMPLE, and judges the next window on those alone. A miss
 *   costs a look-up and a hash; a hit saves a topic read, a trie walk and an audience,
 *   so a few hits do not pay. The sampled publishes keep it learning: a stream that
 *   starts to repeat fills it again, and a window that pays ends the rest.
 */
import type { Audience } from "./audience.js";

/** Topics one group remembers at most. */
export const MAX_CACHED_TOPICS = 32_768;
/**
 * Member references one group's cache holds at most (about 12 bytes each for a local
 * member: a cell pointer and a slot; 8 more once a result's recipients were read),
 * counting one more per entry for the entry itself.
 */
export const MAX_CACHED_REFERENCES = 1 << 19;
/** Look-ups over which a cache judges its hit rate. */
export const CACHE_WINDOW = 1_024;
/** Hits a window needs, at least, for the cache to go on looking up: a quarter. */
const HITS_THAT_PAY = CACHE_WINDOW / 4;
/** While resting, one publish in this many is looked up and recorded. */
export const CACHE_SAMPLE = 16;
/** Slots of the table of first publishes: at first, and at most (4 bytes each). */
const FIRST_SEEN_SLOTS = 256;
// At most 2^15: a topic's second slot is taken from the top 15 bits of a product.
const MAX_SEEN_SLOTS = 1 << 15;
/**
 * What every group's cache holds at most, together, in member references (a slot of a
 * first-publish table counts a third: 4 bytes against about 12).
 */
export const MAX_REFERENCES_IN_ALL_CACHES = 1 << 21;

// The process-wide account: the caches that hold something, and how much in all.
const account = { holders: new Set<TopicCache>(), references: 0 };

// Makes room for `weight` more: past the process-wide bound every cache starts over.
function makeRoom(weight: number): void {
  if (account.references + weight <= MAX_REFERENCES_IN_ALL_CACHES) return;
  for (const holder of [...account.holders]) holder.release();
}

export class TopicCache {
  readonly #entries = new Map<string, Audience>();
  #references = 0;
  // What this cache counts in the process-wide account: its references and a third of its table's slots.
  #charged = 0;
  // Hashes of topics published once since the last change; made on the first miss.
  #seen: Int32Array | null = null;
  // Hashes written since the table was made: when they far outnumber its slots, topics
  // overwrite each other before they recur, and the table doubles.
  #written = 0;
  // Seeds the hash; a change bumps it, which forgets every first publish at once.
  #epoch = 0;
  // Look-ups and hits in the current window; whether the last window paid; publishes
  // passed over while resting, and whether the last one was.
  #looked = 0;
  #hits = 0;
  #resting = false;
  #passed = 0;
  #skipped = false;

  get size(): number {
    return this.#entries.size;
  }

  /** The audience `topic` reached since the last change, if it was published since. */
  get(topic: string): Audience | undefined {
    if (this.#resting && ++this.#passed % CACHE_SAMPLE !== 0) {
      this.#skipped = true;
      return undefined;
    }
    this.#skipped = false;
    const found = this.#entries.get(topic);
    if (found !== undefined) this.#hits++;
    if (++this.#looked === CACHE_WINDOW) {
      this.#resting = this.#hits < HITS_THAT_PAY;
      this.#looked = 0;
      this.#hits = 0;
    }
    return found;
  }

  /** True while the cache samples its look-ups: the last window's hits did not pay for its misses. */
  get isResting(): boolean {
    return this.#resting;
  }

  /**
   * Tells the cache the audience `topic` reached, after a miss: kept if the topic was
   * published before since the last change. `owned` is false when the audience is an
   * object the group keeps anyway (everyone, or the unfiltered members): only the entry
   * counts then. A publish the cache passed over while resting is not recorded.
   */
  set(topic: string, audience: Audience, owned: boolean): void {
    if (this.#skipped || !this.#seenBefore(topic)) return;
    const weight = owned ? 1 + audience.localCount + audience.remoteCount : 1;
    if (weight > MAX_CACHED_REFERENCES) return;
    if (this.#entries.size >= MAX_CACHED_TOPICS || this.#references + weight > MAX_CACHED_REFERENCES) {
      this.#uncharge(this.#references);
      this.#entries.clear();
      this.#references = 0;
    }
    makeRoom(weight); // may empty this cache too
    this.#charge(weight);
    this.#entries.set(topic, audience);
    this.#references += weight;
  }

  /** Forgets every topic: the membership changed. */
  clear(): void {
    this.#epoch++;
    if (this.#entries.size === 0) return;
    this.#uncharge(this.#references);
    this.#entries.clear();
    this.#references = 0;
  }

  /**
   * Drops everything, first publishes too, and leaves the process-wide account: when
   * the account is full, and when the group is deleted.
   */
  release(): void {
    this.#epoch++;
    this.#entries.clear();
    this.#references = 0;
    this.#seen = null;
    this.#written = 0;
    this.#uncharge(this.#charged);
  }

  /** What this cache counts in the process-wide account (for tests). */
  get charged(): number {
    return this.#charged;
  }

  /** What every cache counts together (for tests). */
  static get charged(): number {
    return account.references;
  }

  // Counts `weight` more for this cache; the caller made room first.
  #charge(weight: number): void {
    this.#charged += weight;
    account.references += weight;
    account.holders.add(this);
  }

  #uncharge(weight: number): void {
    if (weight === 0) return;
    this.#charged -= weight;
    account.references -= weight;
    if (this.#charged === 0) account.holders.delete(this);
  }

  // True when `topic` was marked since the last change; marks it otherwise.
  #seenBefore(topic: string): boolean {
    const mark = hashOf(topic, this.#epoch);
    // Two slots a topic, the mark written to either in turn: two recurring topics that
    // share one slot would otherwise overwrite each other forever and never enter.
    const other = Math.imul(mark, 0x9e3779b1) >>> 17;
    let seen = this.#seen;
    if (seen !== null) {
      const mask = seen.length - 1;
      if (seen[mark & mask] === mark || seen[other & mask] === mark) return true;
    }
    if (seen === null || (this.#written > 2 * seen.length && seen.length < MAX_SEEN_SLOTS)) {
      // Made larger, the table starts empty: its marks were mostly overwritten anyway.
      const slots = seen === null ? FIRST_SEEN_SLOTS : 2 * seen.length;
      if (seen !== null) this.#uncharge(tableWeight(seen.length));
      makeRoom(tableWeight(slots)); // may drop the entries (and the old table) too
      this.#charge(tableWeight(slots));
      seen = this.#seen = new Int32Array(slots);
      this.#written = 0;
    }
    seen[((this.#written & 1) === 0 ? mark : other) & (seen.length - 1)] = mark;
    this.#written++;
    return false;
  }
}

// A first-publish table in the account's unit: 4 bytes a slot against about 12 a reference.
function tableWeight(slots: number): number {
  return Math.ceil(slots / 3);
}

// FNV-1a over the UTF-16 code units, seeded with the epoch so that marks of an earlier
// epoch do not match (but by a chance of one in 2^32, which costs nothing but a
// publish that enters the cache early); the high half is folded into the low one,
// which picks the slot.
function hashOf(text: string, epoch: number): number {
  let hash = (0x811c9dc5 ^ Math.imul(epoch, 0x9e3779b1)) | 0;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash ^ (hash >>> 16);
}
