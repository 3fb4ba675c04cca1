/**
 * What nodes send each other through Redis, encoded and decoded in one place.
 *
 * - A message batch, on a group's channel: `<sender>\n<stream> <seq>\n[run, …]`, a run
 *   being `[topic | null, [excluded…], [message…]]`. The group and scope are the
 *   channel's. `stream` names one process's outgoing stream and `seq` numbers its
 *   batches on that channel, so a receiver drops a duplicate, never delivers out of
 *   order, and counts what went missing. A message is encoded once, when published.
 * - A seal, on a group's channel: `!\n<group epoch>` (see seals.ts).
 * - A batch of direct messages, on a node's direct channel: sends and asks to its
 *   actors and replies to its asks, framed and numbered like a message batch.
 * - A change event, on a scope's events channel, as the scripts publish it.
 * - A control message, on a node's control channel: an ack, a probe or a self-probe.
 * Anything malformed decodes to null (or is skipped): a wire message is only data.
 */

import { InvalidArgumentError, PayloadTooLargeError } from "../../errors.js";
import type { RemoteRun } from "../../groups/remote-changes.js";
import type { Scope } from "../../names.js";
import type { EncodedMessage, RemoteMessage } from "../replication.js";

/** A message encoded for the wire: its run header (topic, exclude) and its body. */
export type Encoded = EncodedMessage;

/**
 * A value as JSON, at most `maxBytes` long: PayloadTooLargeError past it (naming
 * `target` in `scope`), InvalidArgumentError when it is not JSON data.
 */
export function encodeData(value: unknown, scope: Scope, target: string, maxBytes: number): string {
  let body: string | undefined;
  try {
    body = JSON.stringify(value);
  } catch (error) {
    throw new InvalidArgumentError("message", `must be JSON-serialisable (${String(error)})`);
  }
  if (body === undefined) throw new InvalidArgumentError("message", "must be JSON-serialisable");
  // A UTF-16 unit is at most 3 bytes of UTF-8, so short bodies need no exact count.
  if (body.length * 3 > maxBytes) {
    const size = Buffer.byteLength(body);
    if (size > maxBytes) throw new PayloadTooLargeError(target, scope, size, maxBytes);
  }
  return body;
}

/** Checks and encodes a message; throws PayloadTooLargeError or InvalidArgumentError. */
export function encodeMessage(scope: Scope, message: RemoteMessage, maxPayloadBytes: number): Encoded {
  const body = encodeData(message.message, scope, `a message for group '${message.group}'`, maxPayloadBytes);
  const topic = message.topic === undefined ? "null" : JSON.stringify(message.topic);
  const exclude = message.exclude.length === 0 ? "[]" : JSON.stringify(message.exclude);
  return { header: `${topic},${exclude}`, body };
}

/** Consecutive messages of a batch with the same header, sent with the header once. */
export interface Run {
  readonly header: string;
  readonly bodies: string[];
}

/** The wire form of a batch of runs for one channel. */
export function encodeBatch(sender: string, stream: string, seq: number, runs: readonly Run[]): string {
  let wire = `${sender}\n${stream} ${seq}\n[`;
  for (let i = 0; i < runs.length; i++) {
    const run = runs[i]!;
    wire += `${i === 0 ? "" : ","}[${run.header},[${run.bodies.join(",")}]]`;
  }
  return `${wire}]`;
}

/** A batch's sender and place in its stream, read without parsing its runs. */
export interface BatchHead {
  readonly sender: string;
  readonly stream: string;
  readonly seq: number;
  /** Where the runs' JSON starts. */
  readonly at: number;
}

export function decodeBatchHead(raw: string): BatchHead | null {
  const first = raw.indexOf("\n");
  const second = first < 0 ? -1 : raw.indexOf("\n", first + 1);
  if (second < 0) return null;
  const space = raw.indexOf(" ", first + 1);
  if (space < 0 || space > second) return null;
  const seq = Number(raw.slice(space + 1, second));
  if (!Number.isSafeInteger(seq) || seq < 1) return null;
  return { sender: raw.slice(0, first), stream: raw.slice(first + 1, space), seq, at: second + 1 };
}

const NO_EXCLUDE: readonly string[] = Object.freeze([]);

/** The runs of a batch for `group`; malformed runs are skipped. */
export function decodeRuns(raw: string, head: BatchHead, group: string): RemoteRun[] {
  let value: unknown;
  try {
    value = JSON.parse(raw.slice(head.at));
  } catch {
    return [];
  }
  if (!Array.isArray(value)) return [];
  const runs: RemoteRun[] = [];
  for (const item of value) {
    if (!Array.isArray(item) || item.length !== 3) continue;
    const [topic, exclude, messages] = item as unknown[];
    if (!Array.isArray(exclude) || !Array.isArray(messages) || messages.length === 0) continue;
    runs.push({
      group,
      messages,
      topic: typeof topic === "string" ? topic : undefined,
      exclude: exclude.length === 0 ? NO_EXCLUDE : exclude.filter((x): x is string => typeof x === "string"),
    });
  }
  return runs;
}

/** What a direct run is: a send or an ask to an actor of the receiving node, or a reply. */
export const Direct = { Send: 0, Ask: 1, Reply: 2 } as const;

/** How a request ended, in its reply. */
export const Outcome = {
  /** Answered with a value (the body). */
  Value: 0,
  /** Delivered (a send), or answered with undefined. */
  Done: 1,
  /** The behaviour threw: the body is its error's text. */
  Failed: 2,
  /** No such actor runs on the node: the body says why. */
  NotFound: 3,
  /** A full mailbox refused or dropped it: the body is its capacity. */
  Full: 4,
} as const;
export type Outcome = (typeof Outcome)[keyof typeof Outcome];

const OUTCOMES: readonly Outcome[] = Object.values(Outcome);

/** The run header of a send or an ask (`id` numbers it in the sender's stream). */
export function requestHeader(kind: 0 | 1, id: number, scope: Scope, actorId: string): string {
  return `${kind},${id},${JSON.stringify(scope.tenantId)},${JSON.stringify(scope.namespace)},${JSON.stringify(actorId)}`;
}

/** The run header of the reply to request `id` of the asker's stream `stream`. */
export function replyHeader(id: number, stream: string, outcome: Outcome): string {
  return `${Direct.Reply},${id},${JSON.stringify(stream)},${outcome}`;
}

/** One item of a batch on a node's direct channel. */
export type DirectItem =
  | {
      readonly kind: 0 | 1;
      readonly id: number;
      readonly scope: Scope;
      readonly actorId: string;
      readonly message: unknown;
    }
  | {
      readonly kind: 2;
      readonly id: number;
      readonly stream: string;
      readonly outcome: Outcome;
      readonly value: unknown;
    };

/**
 * The items of a batch on a direct channel: runs `[0|1, id, tenant, namespace, actor,
 * [message]]` and `[2, id, stream, outcome, [value]]`. Malformed runs are skipped.
 */
export function decodeDirect(raw: string, head: BatchHead): DirectItem[] {
  let value: unknown;
  try {
    value = JSON.parse(raw.slice(head.at));
  } catch {
    return [];
  }
  if (!Array.isArray(value)) return [];
  const items: DirectItem[] = [];
  for (const run of value) {
    if (!Array.isArray(run)) continue;
    const kind = run[0];
    const id = run[1];
    const bodies = run.at(-1);
    if (typeof id !== "number" || !Array.isArray(bodies)) continue;
    if ((kind === Direct.Send || kind === Direct.Ask) && run.length === 6) {
      const [, , tenantId, namespace, actorId] = run as unknown[];
      if (typeof tenantId !== "string" || typeof namespace !== "string" || typeof actorId !== "string")
        continue;
      for (const message of bodies)
        items.push({ kind, id, scope: { tenantId, namespace }, actorId, message });
    } else if (kind === Direct.Reply && run.length === 5) {
      const [, , stream, outcome] = run as unknown[];
      if (typeof stream !== "string" || !OUTCOMES.includes(outcome as Outcome)) continue;
      for (const answer of bodies)
        items.push({ kind, id, stream, outcome: outcome as Outcome, value: answer });
    }
  }
  return items;
}

/** A seal carries the epoch of the deleted group; null when `raw` is not a seal. */
export function decodeSeal(raw: string): string | null {
  return raw.startsWith("!\n") ? raw.slice(2) : null;
}

/** One change of a scope, as the scripts publish it. */
type Change =
  | readonly ["g+", string, string, string, string]
  | readonly ["g-", string]
  | readonly ["m", string, string, string, number, string, string?];

/** A change event: the scope's epoch, its sequence number, its changes, and who asked to hear of it. */
export interface ChangeEvent {
  readonly e: string;
  readonly s: number;
  readonly c: readonly Change[];
  readonly a?: string;
}

export function decodeEvent(raw: string): ChangeEvent | null {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null) return null;
  const { e, s, c, a } = value as Record<string, unknown>;
  if (typeof e !== "string" || typeof s !== "number" || !Array.isArray(c)) return null;
  return { e, s, c: c as Change[], ...(typeof a === "string" && { a }) };
}

/** What nodes tell each other on their control channels; each can be lost. */
export type Control =
  /** A view of scope `s` on node `n` (incarnation `i`) has applied up to `c` of epoch `e`. */
  | {
      readonly t: "ack";
      readonly s: string;
      readonly n: string;
      readonly i: string;
      readonly e: string;
      readonly c: number;
    }
  /** Node `n` asks for an ack of this node's cursor in scope `s`. */
  | { readonly t: "probe"; readonly s: string; readonly n: string }
  /** A node's probe to itself, proving its subscription. */
  | { readonly t: "self"; readonly id: string };

export function encodeControl(message: Control): string {
  return JSON.stringify(message);
}

export function decodeControl(raw: string): Control | null {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null) return null;
  const m = value as Record<string, unknown>;
  const isText = (x: unknown): x is string => typeof x === "string";
  if (m.t === "ack" && isText(m.s) && isText(m.n) && isText(m.i) && isText(m.e) && typeof m.c === "number") {
    return { t: "ack", s: m.s, n: m.n, i: m.i, e: m.e, c: m.c };
  }
  if (m.t === "probe" && isText(m.s) && isText(m.n)) return { t: "probe", s: m.s, n: m.n };
  if (m.t === "self" && isText(m.id)) return { t: "self", id: m.id };
  return null;
}

/** Topics travel as one comma-joined string in rows and events; none is "". */
export function splitTopics(csv: string): string[] {
  return csv === "" ? [] : csv.split(",");
}

/** Labels as stored: a JSON object of strings; anything else reads as none. */
export function parseLabels(json: string): Readonly<Record<string, string>> {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return Object.freeze({});
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return Object.freeze({});
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) if (typeof v === "string") labels[k] = v;
  return Object.freeze(labels);
}
