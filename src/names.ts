/**
 * Validation of every name that enters Chorus: tenants, namespaces, groups, actor ids,
 * labels and topics. Each check throws a typed error naming the field and the reason,
 * and is run before any state changes, so bad input never leaves a trace.
 *
 * Topic limits (segments, length) are hard caps: they bound the cost of matching a
 * topic against `#` patterns, which is otherwise exponential in the pattern's `#`s.
 */

import {
  InvalidArgumentError,
  InvalidNameError,
  InvalidTopicError,
  type NameKind,
  PayloadTooLargeError,
} from "./errors.js";

/** A `(tenantId, namespace)` pair: the unit of isolation. */
export interface Scope {
  /** The tenant: 1–128 of a-z, 0-9, `-`, `_`. */
  readonly tenantId: string;
  /** The namespace within the tenant: 1–128 of a-z, 0-9, `-`, `_`. */
  readonly namespace: string;
}

/** An actor's id: 1–256 of letters, digits and `-_.:@`, not `.` or `..`. */
export type ActorId = string;
/** A group's name: 1–128 of a-z, 0-9, `-`, `_`, `.` (so `svc.api`), not `.` or `..`. */
export type GroupName = string;
/** A node's id: 1–128 of letters, digits and `-_.:`. */
export type NodeId = string;

const SCOPE = /^[a-z0-9_-]{1,128}$/;
const GROUP = /^[a-z0-9_.-]{1,128}$/;
const ACTOR_ID = /^[A-Za-z0-9\-_.:@]{1,256}$/;
const TOPIC_SEGMENT = /^[A-Za-z0-9_-]+$/;

/** The longest topic or pattern accepted, in characters. */
export const MAX_TOPIC_LENGTH = 255;
/** The most dot-separated segments a topic or pattern may have. */
export const MAX_TOPIC_SEGMENTS = 16;

function reasonFor(value: unknown, maxLength: number, allowed: string): string {
  if (typeof value !== "string") return "must be a string";
  if (value.length === 0) return "must not be empty";
  if (value.length > maxLength) return `must be at most ${maxLength} characters`;
  return `may only contain ${allowed}`;
}

function checkName(kind: NameKind, value: unknown): asserts value is string {
  if (typeof value === "string" && SCOPE.test(value)) return;
  throw new InvalidNameError(kind, value, reasonFor(value, 128, "a-z, 0-9, '-' and '_'"));
}

export function validateGroupName(value: unknown): asserts value is GroupName {
  if (typeof value === "string" && GROUP.test(value) && value !== "." && value !== "..") return;
  const reason =
    value === "." || value === ".."
      ? "may not be '.' or '..'"
      : reasonFor(value, 128, "a-z, 0-9, '-', '_' and '.'");
  throw new InvalidNameError("group", value, reason);
}

export function validateActorId(value: unknown): asserts value is ActorId {
  // `.` and `..` fit the alphabet but name a path step wherever an id meets a URL or a key path.
  if (value === "." || value === "..") throw new InvalidNameError("actorId", value, "may not be '.' or '..'");
  if (typeof value === "string" && ACTOR_ID.test(value)) return;
  throw new InvalidNameError("actorId", value, reasonFor(value, 256, "letters, digits and '-_.:@'"));
}

const NODE_ID = /^[A-Za-z0-9\-_.:]{1,128}$/;

export function validateNodeId(value: unknown): asserts value is NodeId {
  if (typeof value === "string" && NODE_ID.test(value)) return;
  throw new InvalidNameError("nodeId", value, reasonFor(value, 128, "letters, digits and '-_.:'"));
}

/** Validates and copies a scope, so a caller mutating its object later changes nothing. */
export function validateScope(value: unknown): Scope {
  if (typeof value !== "object" || value === null) {
    throw new InvalidNameError("tenantId", value, "a scope must be { tenantId, namespace }");
  }
  const { tenantId, namespace } = value as Record<string, unknown>;
  checkName("tenantId", tenantId);
  checkName("namespace", namespace);
  return Object.freeze({ tenantId, namespace });
}

/** The key of a scope in maps; `/` cannot occur in either part, so it is unambiguous. */
export function scopeKey(scope: Scope): string {
  return `${scope.tenantId}/${scope.namespace}`;
}

/**
 * Splits and checks a topic. A published topic is concrete; a subscription may use
 * `*` (exactly one segment) and `#` (zero or more segments) as whole segments.
 */
function parseTopic(value: unknown, kind: "publish" | "subscription"): string[] {
  if (typeof value !== "string") throw new InvalidTopicError(value, "must be a string");
  if (value.length === 0) throw new InvalidTopicError(value, "must not be empty");
  if (value.length > MAX_TOPIC_LENGTH) {
    throw new InvalidTopicError(value, `must be at most ${MAX_TOPIC_LENGTH} characters`);
  }
  const segments = value.split(".");
  if (segments.length > MAX_TOPIC_SEGMENTS) {
    throw new InvalidTopicError(value, `must have at most ${MAX_TOPIC_SEGMENTS} segments`);
  }
  for (const segment of segments) {
    if (segment === "*" || segment === "#") {
      if (kind === "publish") {
        throw new InvalidTopicError(value, `a published topic may not contain '${segment}'`);
      }
      continue;
    }
    if (segment.length === 0) throw new InvalidTopicError(value, "has an empty segment");
    if (!TOPIC_SEGMENT.test(segment)) {
      throw new InvalidTopicError(
        value,
        "segments may only contain letters, digits, '-' and '_' (and '*' or '#' in a subscription)",
      );
    }
  }
  return segments;
}

/**
 * Throws the InvalidTopicError that says what is wrong with a topic a publish may not
 * carry; groups/topic-path.ts reads valid ones.
 */
export function rejectPublishedTopic(topic: unknown): never {
  parseTopic(topic, "publish");
  throw new InvalidTopicError(topic, "is not a valid published topic");
}

/** JSON data: what presence metadata is made of. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** The largest presence `meta` a join may carry, in bytes of JSON. */
export const MAX_META_BYTES = 4_096;

/**
 * Validates presence metadata and returns it as JSON text: InvalidArgumentError when
 * it is not JSON data, PayloadTooLargeError past MAX_META_BYTES (naming `owner`).
 */
export function encodeMeta(meta: unknown, owner: string, scope: Scope): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(meta);
  } catch (error) {
    throw new InvalidArgumentError("meta", `must be JSON data (${String(error)})`);
  }
  if (text === undefined) throw new InvalidArgumentError("meta", "must be JSON data");
  const size = Buffer.byteLength(text);
  if (size > MAX_META_BYTES)
    throw new PayloadTooLargeError(`the meta of ${owner}`, scope, size, MAX_META_BYTES);
  return text;
}

/**
 * What a message may be, the same in every mode: what can be told in constant time not
 * to be data (undefined, a function, a symbol, a BigInt) is refused where it is
 * published or sent. What only encoding finds (a cycle, a nested BigInt) is refused
 * when the message leaves the node.
 */
export function validateMessage(message: unknown): void {
  const type = typeof message;
  if (type === "undefined" || type === "function" || type === "symbol" || type === "bigint") {
    throw new InvalidArgumentError(
      "message",
      `must be data, not ${type === "undefined" ? type : `a ${type}`}`,
    );
  }
}

/** Topic patterns one join may ask for. */
const MAX_TOPICS_PER_JOIN = 64;

// A join's topics when it names none: shared, not a new array each join.
const NO_TOPICS: readonly string[] = Object.freeze([]);

/** Validates a join's `topics` option: an array of subscription patterns; none means everything. */
export function parseSubscriptions(topics: unknown): readonly string[] {
  if (topics === undefined) return NO_TOPICS;
  if (!Array.isArray(topics)) throw new InvalidArgumentError("topics", "must be an array of topic patterns");
  if (topics.length > MAX_TOPICS_PER_JOIN) {
    throw new InvalidArgumentError("topics", `may hold at most ${MAX_TOPICS_PER_JOIN} patterns`);
  }
  for (const topic of topics) parseTopic(topic, "subscription");
  return topics as string[];
}

const LABEL_KEY = /^[a-z0-9]([a-z0-9_.\-/]{0,62}[a-z0-9])?$/;
const MAX_LABELS = 64;
const MAX_LABEL_VALUE = 256;

/** Validates group labels and returns a frozen copy. */
export function validateLabels(value: unknown): Readonly<Record<string, string>> {
  if (value === undefined) return EMPTY_LABELS;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidNameError("label", value, "labels must be an object of strings");
  }
  const entries = Object.entries(value);
  if (entries.length > MAX_LABELS) {
    throw new InvalidNameError("label", value, `at most ${MAX_LABELS} labels are allowed`);
  }
  const copy: Record<string, string> = {};
  for (const [key, label] of entries) {
    if (!LABEL_KEY.test(key)) {
      throw new InvalidNameError(
        "label",
        key,
        "keys are 1-64 characters of a-z, 0-9, '_.-/' and start and end alphanumeric",
      );
    }
    if (typeof label !== "string" || label.length > MAX_LABEL_VALUE || hasControl(label)) {
      throw new InvalidNameError(
        "label",
        label,
        `the value of '${key}' must be a string of at most ${MAX_LABEL_VALUE} printable characters`,
      );
    }
    copy[key] = label;
  }
  return Object.freeze(copy);
}

const EMPTY_LABELS: Readonly<Record<string, string>> = Object.freeze({});

function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}
