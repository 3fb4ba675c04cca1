/**
 * Outbox: group messages on their way to other nodes.
 *
 * Messages travel on one channel per group, which a node subscribes to while it hosts
 * a member of the group, confirmed before the first join resolves — so a publish made
 * after a join has resolved, on any node, reaches the member whatever its publisher's
 * view shows yet: Redis orders the SUBSCRIBE before the PUBLISH, and does the fan-out.
 *
 * Publishes made in one turn of the event loop to the same group leave as one Redis
 * message; only consecutive publishes are merged, so one publisher's messages keep
 * their order across groups too. Each batch is numbered in this process's stream on
 * its channel (wire.ts), so receivers drop duplicates and never deliver out of order.
 * While the command link is not open, batches wait in it, in order, up to
 * `maxOfflineBytes`; past that a publish is refused before anything is delivered.
 */
import { randomBytes } from "node:crypto";
import { BackendUnavailableError } from "../../errors.js";
import type { CommandLink } from "./link.js";
import { type Encoded, encodeBatch, type Run } from "./wire.js";

// A batch this large goes at once instead of waiting for the end of the turn.
const FLUSH_BYTES = 256 * 1024;

interface Batch {
  readonly channel: string;
  readonly runs: Run[];
  bytes: number;
}

export interface OutboxStats {
  wireMessages: number;
  messages: number;
}

export class Outbox {
  readonly stats: OutboxStats = { wireMessages: 0, messages: 0 };
  /** This process's stream of batches: a new one per start, so numbering never repeats. */
  readonly stream = randomBytes(6).toString("hex");
  // In publish order; a publish to the same channel as the last batch joins it.
  #batches: Batch[] = [];
  #batchedBytes = 0;
  // The last number given on each channel.
  readonly #seq = new Map<string, number>();
  #scheduled: NodeJS.Immediate | null = null;

  constructor(
    readonly nodeId: string,
    readonly link: CommandLink,
    readonly maxOfflineBytes: number,
  ) {}

  /**
   * Throws BackendUnavailableError when the link is not open and a message of `bytes`
   * would take more than `maxOfflineBytes` to hold: call before delivering anything.
   */
  admit(encoded: Encoded, what: string): void {
    if (this.link.isOpen) return;
    const held = this.link.queuedBytes + this.#batchedBytes;
    if (held + encoded.body.length + encoded.header.length > this.maxOfflineBytes) {
      throw new BackendUnavailableError(
        `${what} was refused: Redis is unreachable and ${held} bytes of messages already wait for it (maxOfflineBytes ${this.maxOfflineBytes})`,
        { cause: this.link.lastError },
      );
    }
  }

  /** Queues an encoded message for a channel; it leaves at the end of this turn. */
  send(encoded: Encoded, channel: string): void {
    let batch = this.#batches.at(-1);
    if (batch === undefined || batch.channel !== channel) {
      batch = { channel, runs: [], bytes: 0 };
      this.#batches.push(batch);
    }
    const run = batch.runs.at(-1);
    if (run !== undefined && run.header === encoded.header) run.bodies.push(encoded.body);
    else batch.runs.push({ header: encoded.header, bodies: [encoded.body] });
    const bytes = encoded.header.length + encoded.body.length;
    batch.bytes += bytes;
    this.#batchedBytes += bytes;
    this.stats.messages++;
    if (batch.bytes >= FLUSH_BYTES) this.flush();
    else this.#scheduled ??= setImmediate(() => this.flush());
  }

  /** Hands every batch to the link now, in order, each with the next number of its channel. */
  flush(): void {
    if (this.#scheduled !== null) clearImmediate(this.#scheduled);
    this.#scheduled = null;
    const batches = this.#batches;
    this.#batches = [];
    this.#batchedBytes = 0;
    for (const batch of batches) {
      this.stats.wireMessages++;
      const seq = (this.#seq.get(batch.channel) ?? 0) + 1;
      this.#seq.set(batch.channel, seq);
      this.link.publish(batch.channel, encodeBatch(this.nodeId, this.stream, seq, batch.runs));
    }
  }

  /** Drops what is batched (shutdown) and cancels the pending flush. */
  close(): void {
    if (this.#scheduled !== null) clearImmediate(this.#scheduled);
    this.#scheduled = null;
    this.#batches = [];
    this.#batchedBytes = 0;
  }
}
