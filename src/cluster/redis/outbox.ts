/**
 * Outbox: group messages on their way to other nodes.
 *
 * Messages travel on one channel per node (`chorus:node:<n>:msg`), not per group: a
 * publish reaching members on k nodes costs k PUBLISHes whatever the group, a node
 * needs one subscription however many groups its actors join (so a join never waits
 * for a SUBSCRIBE, and a publish right after a join elsewhere cannot race one), and
 * the publishes of one turn of the event loop to the same node travel as one Redis
 * message — the coalescing that lets a cluster publish keep pace with raw PUBLISH.
 * One connection carries them in order, so per-publisher FIFO holds per node.
 *
 * A message is encoded once, when it is published (so a payload that is too large or
 * not JSON is refused before anything is delivered), as the JSON array
 * `[scopeId, group, topic|null, exclude, message]`; a wire message is a JSON array of
 * those. Delivery is at most once, like Redis pub/sub: a failed PUBLISH is reported,
 * never retried.
 */
import type { Redis } from "ioredis";
import { InvalidArgumentError, PayloadTooLargeError, type Scope } from "../../errors.js";
import type { RemoteMessage } from "../../groups/backend.js";
import { scopeKey } from "../../names.js";
import { msgChannel } from "./keys.js";

// A batch this large goes at once instead of waiting for the end of the turn.
const FLUSH_BYTES = 256 * 1024;

interface Batch {
  parts: string[];
  bytes: number;
}

export interface OutboxStats {
  wireMessages: number;
  messages: number;
}

export class Outbox {
  readonly stats: OutboxStats = { wireMessages: 0, messages: 0 };
  readonly #batches = new Map<string, Batch>();
  #scheduled: NodeJS.Immediate | null = null;

  constructor(
    readonly connection: Redis,
    readonly maxPayloadBytes: number,
    readonly report: (error: unknown) => void,
  ) {}

  /** Checks and encodes a message; throws PayloadTooLargeError or InvalidArgumentError. */
  encode(scope: Scope, message: RemoteMessage): string {
    let body: string | undefined;
    try {
      body = JSON.stringify(message.message);
    } catch (error) {
      throw new InvalidArgumentError("message", `must be JSON-serialisable (${String(error)})`);
    }
    if (body === undefined) throw new InvalidArgumentError("message", "must be JSON-serialisable");
    // A UTF-16 unit is at most 3 bytes of UTF-8, so short bodies need no exact count.
    if (body.length * 3 > this.maxPayloadBytes) {
      const size = Buffer.byteLength(body);
      if (size > this.maxPayloadBytes) {
        throw new PayloadTooLargeError(message.group, scope, size, this.maxPayloadBytes);
      }
    }
    const topic = message.topic === undefined ? "null" : JSON.stringify(message.topic);
    return `[${JSON.stringify(scopeKey(scope))},${JSON.stringify(message.group)},${topic},${JSON.stringify(message.exclude)},${body}]`;
  }

  /** Queues an encoded message for each node; they leave at the end of this turn. */
  send(encoded: string, nodes: Iterable<string>): void {
    for (const node of nodes) {
      let batch = this.#batches.get(node);
      if (batch === undefined) this.#batches.set(node, (batch = { parts: [], bytes: 0 }));
      batch.parts.push(encoded);
      batch.bytes += encoded.length;
      this.stats.messages++;
      if (batch.bytes >= FLUSH_BYTES) this.#flushNode(node, batch);
    }
    if (this.#batches.size > 0 && this.#scheduled === null) {
      this.#scheduled = setImmediate(() => this.flush());
    }
  }

  /** Sends every queued batch now. */
  flush(): void {
    if (this.#scheduled !== null) clearImmediate(this.#scheduled);
    this.#scheduled = null;
    for (const [node, batch] of this.#batches) this.#flushNode(node, batch);
  }

  /** Drops what is queued (shutdown) and cancels the pending flush. */
  close(): void {
    if (this.#scheduled !== null) clearImmediate(this.#scheduled);
    this.#scheduled = null;
    this.#batches.clear();
  }

  #flushNode(node: string, batch: Batch): void {
    this.#batches.delete(node);
    this.stats.wireMessages++;
    this.connection.publish(msgChannel(node), `[${batch.parts.join(",")}]`).catch(this.report);
  }
}

/** One message of a wire batch, parsed; null if it is malformed. */
export interface Inbound {
  readonly scopeId: string;
  readonly message: RemoteMessage;
}

export function decodeBatch(raw: string): Inbound[] {
  const value: unknown = JSON.parse(raw);
  if (!Array.isArray(value)) return [];
  const out: Inbound[] = [];
  for (const item of value) {
    if (!Array.isArray(item) || item.length !== 5) continue;
    const [scopeId, group, topic, exclude, message] = item as unknown[];
    if (typeof scopeId !== "string" || typeof group !== "string" || !Array.isArray(exclude)) continue;
    out.push({
      scopeId,
      message: {
        group,
        message,
        topic: typeof topic === "string" ? topic : undefined,
        exclude: exclude.filter((x): x is string => typeof x === "string"),
      },
    });
  }
  return out;
}
