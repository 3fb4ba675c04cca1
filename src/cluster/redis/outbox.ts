/**
 * Outbox: group messages on their way to other nodes.
 *
 * Messages travel on one channel per group (`chorus:{S}:g:<group>`), which a node
 * subscribes to while it hosts a member of the group, confirmed before the first join
 * resolves. So a publish made after a join has resolved — on any node, whatever its
 * replica shows yet — reaches the member: Redis orders the SUBSCRIBE before the
 * PUBLISH. A per-node channel would need the publisher's replica to know the member
 * already, which only a join that waits for every replica could promise. Redis does the
 * fan-out: one PUBLISH per publish, one wire message per subscribed node.
 *
 * Publishes made in one turn of the event loop to the same group leave as one Redis
 * message (the coalescing that lets a cluster publish keep pace with raw PUBLISH);
 * only consecutive publishes are merged, so the order of one publisher's messages is
 * kept across groups too (per-publisher FIFO). A wire message is `<sender>\n[…]`, so a
 * node drops the echo of its own publishes (it delivered them locally already).
 *
 * A message is encoded once, when it is published (a payload too large or not JSON is
 * refused before anything is delivered), as its header `scopeId, group, topic|null,
 * exclude` and its body. Consecutive messages of a batch with the same header form a
 * run, sent with the header once: `<sender>\n2[[scopeId, group, topic, exclude,
 * [message…]], …]` (format 2; the receiver then looks up the group and its audience
 * once per run). Format 1, `<sender>\n[[scopeId, group, topic, exclude, message], …]`,
 * is still read. Anything malformed is skipped. Delivery is at most once, like Redis
 * pub/sub: a failed PUBLISH is reported, never retried.
 */
import type { Redis } from "ioredis";
import { InvalidArgumentError, PayloadTooLargeError, type Scope } from "../../errors.js";
import type { RemoteRun } from "../../groups/remote-changes.js";
import { scopeKey } from "../../names.js";
import type { RemoteMessage } from "../replication.js";

// A batch this large goes at once instead of waiting for the end of the turn.
const FLUSH_BYTES = 256 * 1024;

// A run: consecutive messages of a batch with the same header, which is sent once.
interface Run {
  readonly header: string;
  readonly bodies: string[];
}

interface Batch {
  readonly channel: string;
  readonly runs: Run[];
  bytes: number;
}

// Shared by every run without exclusions (most of them): nothing to filter or allocate.
const NO_EXCLUDE: readonly string[] = Object.freeze([]);

export interface OutboxStats {
  wireMessages: number;
  messages: number;
}

export class Outbox {
  readonly stats: OutboxStats = { wireMessages: 0, messages: 0 };
  // In publish order; a publish to the same channel as the last batch joins it.
  #batches: Batch[] = [];
  #scheduled: NodeJS.Immediate | null = null;

  constructor(
    readonly nodeId: string,
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
    const exclude = message.exclude.length === 0 ? "[]" : JSON.stringify(message.exclude);
    // JSON escapes every newline inside strings, so the first newline ends the header.
    return `${JSON.stringify(scopeKey(scope))},${JSON.stringify(message.group)},${topic},${exclude}\n${body}`;
  }

  /** Queues an encoded message for a channel; it leaves at the end of this turn. */
  send(encoded: string, channel: string): void {
    let batch = this.#batches.at(-1);
    if (batch === undefined || batch.channel !== channel) {
      batch = { channel, runs: [], bytes: 0 };
      this.#batches.push(batch);
    }
    const split = encoded.indexOf("\n");
    const header = encoded.slice(0, split);
    const run = batch.runs.at(-1);
    if (run !== undefined && run.header === header) run.bodies.push(encoded.slice(split + 1));
    else batch.runs.push({ header, bodies: [encoded.slice(split + 1)] });
    batch.bytes += encoded.length;
    this.stats.messages++;
    if (batch.bytes >= FLUSH_BYTES) this.flush();
    else this.#scheduled ??= setImmediate(() => this.flush());
  }

  /** Sends every queued batch now, in order. */
  flush(): void {
    if (this.#scheduled !== null) clearImmediate(this.#scheduled);
    this.#scheduled = null;
    const batches = this.#batches;
    this.#batches = [];
    for (const batch of batches) {
      this.stats.wireMessages++;
      let wire = `${this.nodeId}\n2[`;
      for (let i = 0; i < batch.runs.length; i++) {
        const run = batch.runs[i]!;
        wire += `${i === 0 ? "" : ","}[${run.header},[${run.bodies.join(",")}]]`;
      }
      this.connection.publish(batch.channel, `${wire}]`).catch(this.report);
    }
  }

  /** Drops what is queued (shutdown) and cancels the pending flush. */
  close(): void {
    if (this.#scheduled !== null) clearImmediate(this.#scheduled);
    this.#scheduled = null;
    this.#batches = [];
  }
}

/** One run of a wire batch, parsed. */
export interface Inbound {
  readonly scopeId: string;
  readonly run: RemoteRun;
}

/** The runs of a wire batch (format 2 or 1), or none when `self` sent it; malformed parts are skipped. */
export function decodeBatch(raw: string, self: string): Inbound[] {
  const newline = raw.indexOf("\n");
  if (newline < 0 || raw.slice(0, newline) === self) return [];
  const runs = raw.charCodeAt(newline + 1) === 50; // "2": one header per run
  const value: unknown = JSON.parse(runs ? raw.slice(newline + 2) : raw.slice(newline + 1));
  if (!Array.isArray(value)) return [];
  const out: Inbound[] = [];
  for (const item of value) {
    if (!Array.isArray(item) || item.length !== 5) continue;
    const [scopeId, group, topic, exclude, messages] = item as unknown[];
    if (typeof scopeId !== "string" || typeof group !== "string" || !Array.isArray(exclude)) continue;
    if (runs && (!Array.isArray(messages) || messages.length === 0)) continue;
    out.push({
      scopeId,
      run: {
        group,
        messages: runs ? (messages as unknown[]) : [messages],
        topic: typeof topic === "string" ? topic : undefined,
        exclude:
          exclude.length === 0 ? NO_EXCLUDE : exclude.filter((x): x is string => typeof x === "string"),
      },
    });
  }
  return out;
}
