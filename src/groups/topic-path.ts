/**
 * TopicPath: a published topic read once — checked, and each segment's bounds and hash
 * noted — into arrays reused from one publish to the next. The topic trie walks it
 * without a segment string or an array made per publish, which cost about as much as
 * the match itself.
 */
import { MAX_TOPIC_LENGTH, MAX_TOPIC_SEGMENTS, rejectPublishedTopic } from "../names.js";

// 32-bit FNV-1a, folded to 30 bits so that a hash is a small integer to V8: a map keyed
// by it looks up without boxing. Seeded per process, so nobody can choose patterns
// whose segments all share a hash and make a group's trie walk a long chain.
const FNV_OFFSET = (0x811c9dc5 ^ Math.floor(Math.random() * 0x100000000)) | 0;
const FNV_PRIME = 0x01000193;

function fold(hash: number): number {
  return (hash ^ (hash >>> 16)) & 0x3fffffff;
}

/** The hash of `text[start, end)`, as the trie keys a literal segment. */
export function segmentHash(text: string, start = 0, end = text.length): number {
  let hash = FNV_OFFSET;
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ text.charCodeAt(i), FNV_PRIME);
  return fold(hash);
}

export class TopicPath {
  /** The topic as published. */
  topic = "";
  /** How many segments it has. */
  length = 0;
  readonly starts = new Int32Array(MAX_TOPIC_SEGMENTS);
  readonly ends = new Int32Array(MAX_TOPIC_SEGMENTS);
  readonly hashes = new Int32Array(MAX_TOPIC_SEGMENTS);

  /**
   * Reads a published topic into this path, or throws InvalidTopicError naming what is
   * wrong (the path then holds nothing to use until the next read). A valid topic is
   * read in one pass.
   */
  read(topic: unknown): this {
    if (
      typeof topic === "string" &&
      topic.length > 0 &&
      topic.length <= MAX_TOPIC_LENGTH &&
      this.#scan(topic)
    ) {
      return this;
    }
    return rejectPublishedTopic(topic);
  }

  /** True when segment `i` is exactly `segment`. */
  segmentIs(i: number, segment: string): boolean {
    const start = this.starts[i]!;
    const length = this.ends[i]! - start;
    if (segment.length !== length) return false;
    const topic = this.topic;
    for (let k = 0; k < length; k++) if (topic.charCodeAt(start + k) !== segment.charCodeAt(k)) return false;
    return true;
  }

  // Segments of [A-Za-z0-9_-], none empty, at most MAX_TOPIC_SEGMENTS: what names.ts allows.
  #scan(topic: string): boolean {
    const { starts, ends, hashes } = this;
    let n = 0;
    let start = 0;
    let hash = FNV_OFFSET;
    for (let i = 0; i < topic.length; i++) {
      const c = topic.charCodeAt(i);
      if (c === 46 /* . */) {
        if (i === start || n === MAX_TOPIC_SEGMENTS - 1) return false;
        starts[n] = start;
        ends[n] = i;
        hashes[n++] = fold(hash);
        start = i + 1;
        hash = FNV_OFFSET;
      } else if (
        (c >= 97 && c <= 122) ||
        (c >= 65 && c <= 90) ||
        (c >= 48 && c <= 57) ||
        c === 95 /* _ */ ||
        c === 45 /* - */
      ) {
        hash = Math.imul(hash ^ c, FNV_PRIME);
      } else return false;
    }
    if (start === topic.length) return false;
    starts[n] = start;
    ends[n] = topic.length;
    hashes[n++] = fold(hash);
    this.topic = topic;
    this.length = n;
    return true;
  }
}
