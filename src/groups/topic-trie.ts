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
 * A value subscribed with patterns that overlap (`a.*` and `a.#`) is found at several
 * leaves; `collect` reports it once, using a stamp the value carries, so de-duplication
 * costs one comparison and no allocation.
 *
 * Most leaves hold one value (an exact pattern few share), so a leaf keeps a single
 * value as itself and only several in a set: matching then reads one field instead of
 * iterating a set.
 */

/** A value that can be collected: the trie writes the current match's stamp into it. */
export interface Stamped {
  stamp: number;
}

class TrieNode<T> {
  literal: Map<string, TrieNode<T>> | null = null;
  star: TrieNode<T> | null = null;
  hash: TrieNode<T> | null = null;
  // The values whose pattern ends here: one as itself, several in a set.
  value: T | null = null;
  values: Set<T> | null = null;

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
    else if (this.values !== null) this.values.add(value);
    else {
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
    if (this.values.size === 1) {
      this.value = this.values.values().next().value!;
      this.values = null;
    }
    return true;
  }
}

export class TopicTrie<T extends Stamped> {
  readonly #root = new TrieNode<T>();
  #stamp = 0;
  #patterns = 0;

  /** How many (pattern, value) pairs are stored. */
  get size(): number {
    return this.#patterns;
  }

  add(segments: readonly string[], value: T): void {
    let node = this.#root;
    for (const segment of segments) node = child(node, segment, true)!;
    if (node.put(value)) this.#patterns++;
  }

  remove(segments: readonly string[], value: T): void {
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
   * Appends to `out` every value with a pattern matching `topic`, each once, and
   * returns how many it appended.
   */
  collect(topic: readonly string[], out: T[]): number {
    const before = out.length;
    const stamp = ++this.#stamp;
    walk(this.#root, topic, 0, out, stamp);
    return out.length - before;
  }
}

function child<T>(node: TrieNode<T>, segment: string, create: boolean): TrieNode<T> | null {
  if (segment === "*") {
    if (node.star === null && create) node.star = new TrieNode();
    return node.star;
  }
  if (segment === "#") {
    if (node.hash === null && create) node.hash = new TrieNode();
    return node.hash;
  }
  let next = node.literal?.get(segment) ?? null;
  if (next === null && create) {
    next = new TrieNode();
    (node.literal ??= new Map()).set(segment, next);
  }
  return next;
}

function unlink<T>(parent: TrieNode<T>, segment: string): void {
  if (segment === "*") parent.star = null;
  else if (segment === "#") parent.hash = null;
  else {
    parent.literal?.delete(segment);
    if (parent.literal?.size === 0) parent.literal = null;
  }
}

// The one traversal. `#` at this level may swallow topic[i..k) for every k ≥ i, so it
// continues the walk from each of those positions below the `#` node; a `#` that ends
// its patterns matches whatever is left, at once. The literal path is followed by
// iteration rather than recursion.
function walk<T extends Stamped>(
  node: TrieNode<T>,
  topic: readonly string[],
  i: number,
  out: T[],
  stamp: number,
): void {
  const length = topic.length;
  for (;;) {
    const hash = node.hash;
    if (hash !== null) {
      if (hash.isLeafOnly) emit(hash, out, stamp);
      else for (let k = i; k <= length; k++) walk(hash, topic, k, out, stamp);
    }
    if (i === length) {
      emit(node, out, stamp);
      return;
    }
    if (node.star !== null) walk(node.star, topic, i + 1, out, stamp);
    if (node.literal === null) return;
    const next = node.literal.get(topic[i]!);
    if (next === undefined) return;
    node = next;
    i++;
  }
}

function emit<T extends Stamped>(node: TrieNode<T>, out: T[], stamp: number): void {
  const value = node.value;
  if (value !== null) {
    if (value.stamp !== stamp) {
      value.stamp = stamp;
      out.push(value);
    }
    return;
  }
  if (node.values === null) return;
  for (const each of node.values) {
    if (each.stamp !== stamp) {
      each.stamp = stamp;
      out.push(each);
    }
  }
}
