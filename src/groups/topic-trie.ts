/**
 * A trie of topic patterns, one level per dot-separated segment, with AMQP topic
 * exchange semantics: `*` matches exactly one segment, `#` zero or more.
 *
 * Matching a concrete topic visits only the branches that can match it — the literal
 * child, the `*` child and the `#` child at each level — so its cost depends on the
 * topic and the patterns along its path, never on how many subscribers exist
 * elsewhere. Topics are capped in segments (see names.ts), which bounds the work a
 * pattern with several `#` can cause.
 *
 * `collect` reports each matching leaf once (a node that `#` reaches by several
 * routes, too), using a stamp the node carries. A value subscribed with patterns that
 * overlap (`a.*` and `a.#`) is in several leaves; `distinct` reports it once, using a
 * stamp the value carries — a caller whose values have one pattern each skips that.
 *
 * Patterns with no wildcard — most real subscriptions — are not in the trie at all but
 * in maps keyed by the whole pattern: their matches for a topic are one look-up of the
 * topic as published, and the walk sees only wildcard patterns. The maps are kept per
 * first segment and length, so a topic looks only among patterns that could be it: a
 * million `other.<n>` never slow a publish of `orders.1`, as they would not in the trie.
 *
 * The walk reads the topic as a TopicPath (segment bounds and hashes), so a publish
 * makes no segment strings: a node's literal children are keyed by the segment's hash,
 * and a child whose segment differs under the same hash is chained to it.
 *
 * Most leaves hold one value (an exact pattern few share), so a leaf keeps a single
 * value as itself and only several in a set. A leaf with several is reported as a
 * Leaf: its values and their delivery slots as arrays, copied from the set on the first
 * match after a change and never changed after, so an audience may keep them and a
 * publish copies slots without reading each value.
 */

/** A value that can be collected: the trie writes the current match's stamp into it. */
import { segmentHash, type TopicPath } from "./topic-path.js";

export interface Stamped {
  stamp: number;
}

/** A value the trie can report: stamped, and on this node (with a slot) or not. */
export interface Matchable extends Stamped {
  readonly cell: { readonly slot: number } | null;
}

/** The values of a leaf with several, as arrays that never change: made after a change. */
export class Leaf<T extends Matchable> {
  readonly values: readonly T[];
  /** The slots of the values on this node, in order. */
  readonly slots: readonly number[];
  /** How many values are not on this node. */
  readonly remote: number;

  constructor(values: Iterable<T>) {
    const all: T[] = [];
    const slots: number[] = [];
    for (const value of values) {
      all.push(value);
      if (value.cell !== null) slots.push(value.cell.slot);
    }
    this.values = all;
    this.slots = slots;
    this.remote = all.length - slots.length;
  }
}

/**
 * What `collect` found — single values as themselves, leaves with several as a Leaf —
 * in arrays reused by every match: only the first `singleCount` and `leafCount` count.
 */
export class Matches<T extends Matchable> {
  readonly singles: (T | undefined)[] = [];
  singleCount = 0;
  readonly leaves: (Leaf<T> | undefined)[] = [];
  leafCount = 0;

  get isEmpty(): boolean {
    return this.singleCount === 0 && this.leafCount === 0;
  }

  /** Forgets what was found, and the references to it, so it keeps no member alive. */
  clear(): void {
    for (let i = 0; i < this.singleCount; i++) this.singles[i] = undefined;
    for (let i = 0; i < this.leafCount; i++) this.leaves[i] = undefined;
    this.singleCount = 0;
    this.leafCount = 0;
  }
}

class TrieNode<T extends Matchable> {
  /** The literal segment that leads here from the parent ("" for the root and wildcards). */
  readonly segment: string;
  // The next child of the same parent whose segment has the same hash.
  sibling: TrieNode<T> | null = null;
  literal: Map<number, TrieNode<T>> | null = null;
  star: TrieNode<T> | null = null;
  hash: TrieNode<T> | null = null;
  // The values whose pattern ends here: one as itself, several in a set.
  value: T | null = null;
  values: Set<T> | null = null;
  // `values` as a Leaf, for matching; null until a match needs it after a change.
  leaf: Leaf<T> | null = null;
  // The stamp of the last match that reported this node.
  visit = 0;

  constructor(segment = "") {
    this.segment = segment;
  }

  get isLeafOnly(): boolean {
    return this.literal === null && this.star === null && this.hash === null;
  }

  get isEmpty(): boolean {
    return this.isLeafOnly && this.value === null && this.values === null;
  }

  /** Adds a value; false if it was there. */
  put(value: T): boolean {
    if (this.value === value || this.values?.has(value)) return false;
    if (this.value === null && this.values === null) this.value = value;
    else if (this.values !== null) {
      this.values.add(value);
      this.leaf = null;
    } else {
      this.values = new Set([this.value!, value]);
      this.value = null;
    }
    return true;
  }

  /** Removes a value; false if it was not there. */
  drop(value: T): boolean {
    if (this.value === value) {
      this.value = null;
      return true;
    }
    if (!this.values?.delete(value)) return false;
    this.leaf = null;
    if (this.values.size === 1) {
      this.value = this.values.values().next().value!;
      this.values = null;
    }
    return true;
  }
}

export class TopicTrie<T extends Matchable> {
  readonly #root = new TrieNode<T>();
  // Patterns without a wildcard, by first segment and length, then by the whole pattern.
  readonly #exact = new Map<number, Map<string, TrieNode<T>>>();
  #stamp = 0;
  #patterns = 0;

  /** How many (pattern, value) pairs are stored. */
  get size(): number {
    return this.#patterns;
  }

  add(pattern: string, value: T): void {
    if (!hasWildcard(pattern)) {
      const key = exactKey(pattern);
      let shelf = this.#exact.get(key);
      if (shelf === undefined) this.#exact.set(key, (shelf = new Map()));
      let holder = shelf.get(pattern);
      if (holder === undefined) shelf.set(pattern, (holder = new TrieNode()));
      if (holder.put(value)) this.#patterns++;
      return;
    }
    let node = this.#root;
    for (const segment of pattern.split(".")) node = child(node, segment, true)!;
    if (node.put(value)) this.#patterns++;
  }

  remove(pattern: string, value: T): void {
    if (!hasWildcard(pattern)) {
      const key = exactKey(pattern);
      const shelf = this.#exact.get(key);
      const holder = shelf?.get(pattern);
      if (holder === undefined || !holder.drop(value)) return;
      this.#patterns--;
      if (!holder.isEmpty) return;
      shelf!.delete(pattern);
      if (shelf!.size === 0) this.#exact.delete(key);
      return;
    }
    const segments = pattern.split(".");
    const path: TrieNode<T>[] = [this.#root];
    let node: TrieNode<T> | null = this.#root;
    for (const segment of segments) {
      node = child(node, segment, false);
      if (node === null) return;
      path.push(node);
    }
    if (!node.drop(value)) return;
    this.#patterns--;
    // Prune the branch bottom-up while it holds nothing, so churn does not grow the trie.
    for (let i = segments.length; i > 0; i--) {
      const leaf = path[i]!;
      if (!leaf.isEmpty) break;
      unlink(path[i - 1]!, segments[i - 1]!);
    }
  }

  /**
   * Appends to `out` every leaf with a pattern matching the topic `path` was read from,
   * each once. A value with several patterns may be in several leaves: see `distinct`.
   */
  collect(path: TopicPath, out: Matches<T>): void {
    const stamp = ++this.#stamp;
    if (this.#exact.size > 0) {
      const exact = this.#exact.get(pathKey(path))?.get(path.topic);
      if (exact !== undefined) emit(exact, out, stamp);
    }
    if (!this.#root.isLeafOnly) walk(this.#root, path, 0, out, stamp);
  }
}

// The shelf of an exact pattern or a topic: its first segment's hash and its length in
// segments, mixed. Two shelves that share a key share a map, which costs nothing but
// a larger map: the look-up in it is by the whole topic.
function shelfKey(firstHash: number, segments: number): number {
  return (firstHash ^ Math.imul(segments, 0x9e3779b1)) & 0x3fffffff;
}

function exactKey(pattern: string): number {
  const dot = pattern.indexOf(".");
  let segments = 1;
  for (let at = dot; at >= 0; at = pattern.indexOf(".", at + 1)) segments++;
  return shelfKey(segmentHash(pattern, 0, dot < 0 ? pattern.length : dot), segments);
}

function pathKey(path: TopicPath): number {
  return shelfKey(path.hashes[0]!, path.length);
}

function hasWildcard(pattern: string): boolean {
  return pattern.includes("*") || pattern.includes("#");
}

function child<T extends Matchable>(node: TrieNode<T>, segment: string, create: boolean): TrieNode<T> | null {
  if (segment === "*") {
    if (node.star === null && create) node.star = new TrieNode();
    return node.star;
  }
  if (segment === "#") {
    if (node.hash === null && create) node.hash = new TrieNode();
    return node.hash;
  }
  const key = segmentHash(segment);
  const first = node.literal?.get(key) ?? null;
  let next = first;
  while (next !== null && next.segment !== segment) next = next.sibling;
  if (next === null && create) {
    next = new TrieNode(segment);
    next.sibling = first;
    (node.literal ??= new Map()).set(key, next);
  }
  return next;
}

function unlink<T extends Matchable>(parent: TrieNode<T>, segment: string): void {
  if (segment === "*") parent.star = null;
  else if (segment === "#") parent.hash = null;
  else if (parent.literal !== null) {
    const key = segmentHash(segment);
    let node = parent.literal.get(key) ?? null;
    let before: TrieNode<T> | null = null;
    while (node !== null && node.segment !== segment) {
      before = node;
      node = node.sibling;
    }
    if (node === null) return;
    if (before !== null) before.sibling = node.sibling;
    else if (node.sibling !== null) parent.literal.set(key, node.sibling);
    else parent.literal.delete(key);
    if (parent.literal.size === 0) parent.literal = null;
  }
}

// The one traversal. `#` at this level may swallow topic[i..k) for every k ≥ i, so it
// continues the walk from each of those positions below the `#` node; a `#` that ends
// its patterns matches whatever is left, at once. The literal path is followed by
// iteration rather than recursion.
function walk<T extends Matchable>(
  node: TrieNode<T>,
  path: TopicPath,
  i: number,
  out: Matches<T>,
  stamp: number,
): void {
  const length = path.length;
  for (;;) {
    const hash = node.hash;
    if (hash !== null) {
      if (hash.isLeafOnly) emit(hash, out, stamp);
      else for (let k = i; k <= length; k++) walk(hash, path, k, out, stamp);
    }
    if (i === length) {
      emit(node, out, stamp);
      return;
    }
    if (node.star !== null) walk(node.star, path, i + 1, out, stamp);
    if (node.literal === null) return;
    let next = node.literal.get(path.hashes[i]!);
    while (next !== undefined && !path.segmentIs(i, next.segment)) next = next.sibling ?? undefined;
    if (next === undefined) return;
    node = next;
    i++;
  }
}

function emit<T extends Matchable>(node: TrieNode<T>, out: Matches<T>, stamp: number): void {
  if (node.visit === stamp) return;
  node.visit = stamp;
  if (node.value !== null) out.singles[out.singleCount++] = node.value;
  else if (node.values !== null) out.leaves[out.leafCount++] = node.leaf ??= new Leaf(node.values);
}

let distinctStamp = 0;

/** Appends to `out` every value of `matches`, each once, however many leaves hold it. */
export function distinct<T extends Matchable>(matches: Matches<T>, out: T[]): void {
  const stamp = ++distinctStamp;
  const take = (value: T) => {
    if (value.stamp !== stamp) {
      value.stamp = stamp;
      out.push(value);
    }
  };
  for (let i = 0; i < matches.singleCount; i++) take(matches.singles[i]!);
  for (let i = 0; i < matches.leafCount; i++) for (const value of matches.leaves[i]!.values) take(value);
}
