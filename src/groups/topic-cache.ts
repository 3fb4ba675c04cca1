/**
 * TopicCache: one group's published topics and the audience each reached, so that a
 * topic published again — the common case, a stream of a few thousand topics over and
 * over — costs one map look-up instead of a validation, a split and a trie walk.
 *
 * Correctness rests on one rule: the group empties its cache on every change of its
 * membership (a join, a leave, new topics, a member that stopped or whose node went
 * away), in the same place it drops its other cached audiences. An entry therefore
 * never outlives the membership it was computed from, and audiences are immutable, so
 * handing the same one to several publishes is what `everyone()` already does.
 *
 * A topic enters only after it was validated and matched, so a hit also proves the
 * topic valid.
 *
 * An audience is kept only from a topic's second publish on; the first records that the
 * topic was seen. A stream of topics that never recur (ids in the topic, say) thus keeps
 * no audience alive: each would otherwise outlive the young generation only to be
 * dropped unused, and the garbage collector's copying of them cost such a stream more
 * than the insert itself.
 *
 * Memory is bounded per group, in entries and in member references held (an audience
 * of n local members holds n cells and n slots); when a new entry would cross either
 * bound, the cache starts over empty. That is cheap and needs no bookkeeping on a hit.
 */
import type { Audience } from "./group-state.js";

/** Topics one group remembers at most. */
export const MAX_CACHED_TOPICS = 32_768;
/**
 * Member references one group's cache holds at most (about 12 bytes each for a local
 * member: a cell pointer and a slot), counting one more per entry for the entry itself.
 */
export const MAX_CACHED_REFERENCES = 1 << 19;

export class TopicCache {
  // null: published once since the last change, audience not kept.
  readonly #entries = new Map<string, Audience | null>();
  #references = 0;

  get size(): number {
    return this.#entries.size;
  }

  /** The audience `topic` reached since the last change, if it was published since. */
  get(topic: string): Audience | undefined {
    return this.#entries.get(topic) ?? undefined;
  }

  /**
   * Tells the cache the audience `topic` reached, after a miss: kept if the topic was
   * seen before. `owned` is false when the audience is an object the group keeps anyway
   * (everyone, or the unfiltered members): only the entry counts.
   */
  set(topic: string, audience: Audience, owned: boolean): void {
    const seen = this.#entries.has(topic);
    const weight = seen && owned ? 1 + audience.cells.length + audience.remoteCount : 1;
    if (weight > MAX_CACHED_REFERENCES) return;
    if (this.#entries.size >= MAX_CACHED_TOPICS || this.#references + weight > MAX_CACHED_REFERENCES) {
      this.clear();
    }
    this.#entries.set(topic, seen ? audience : null);
    this.#references += weight;
  }

  clear(): void {
    if (this.#entries.size === 0) return;
    this.#entries.clear();
    this.#references = 0;
  }
}
