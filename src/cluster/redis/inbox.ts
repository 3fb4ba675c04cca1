/**
 * Inbox: what arrives on a node's messages connection, which subscribes to the group
 * channels of its local members and to its own barrier channel.
 *
 * - A batch from another node is checked against its sender's stream on that channel:
 *   a number already seen is a duplicate and dropped, a number past the next is
 *   counted as a gap (messages lost on the way); then its runs are handed to the
 *   scope's core, which applies topic filters and `exclude` and enqueues into local
 *   mailboxes. This node's own batches, echoed by Redis because it listens too, are
 *   dropped: they were delivered locally when published.
 * - A seal marks the point in a group's stream after which nothing may be delivered to
 *   the deleted group (seals.ts).
 * - A batch on this node's direct channel (sends, asks, replies) is checked the same
 *   way, then handed to the direct line (direct.ts).
 * - A barrier token, published by this node, proves that everything Redis had taken
 *   for this connection before it has been handed over (a test barrier).
 */
import { deliverRun } from "../../groups/remote-changes.js";
import type { ChannelRoute, GroupChannels } from "./group-channels.js";
import { type BatchHead, decodeBatchHead, decodeRuns, decodeSeal } from "./wire.js";

/** Where this node's direct channel's batches go. */
export interface DirectReceiver {
  readonly channel: string;
  onBatch(raw: string, head: BatchHead): void;
}

export interface InboxStats {
  /** Batches received from other nodes and delivered. */
  received: number;
  /** Batches dropped as already seen. */
  duplicates: number;
  /** Batches that never arrived, by the gaps in their senders' numbering. */
  missing: number;
}

export class Inbox {
  readonly stats: InboxStats = { received: 0, duplicates: 0, missing: 0 };
  readonly #barriers = new Map<string, () => void>();
  // The direct channel's last batch number per sender stream, as a route's `streams`.
  readonly #directStreams = new Map<string, number>();

  constructor(
    readonly nodeId: string,
    readonly barrierChannel: string,
    readonly channels: GroupChannels,
    readonly direct: DirectReceiver,
    readonly report: (error: unknown) => void,
  ) {}

  /** A message on the messages connection: a barrier, a seal, or a batch for local members. */
  onMessage(channel: string, raw: string): void {
    try {
      if (channel === this.barrierChannel) {
        this.#barriers.get(raw)?.();
        return;
      }
      if (channel === this.direct.channel) {
        const head = decodeBatchHead(raw);
        if (head !== null && this.#isNext(this.#directStreams, head)) this.direct.onBatch(raw, head);
        return;
      }
      const route = this.channels.route(channel);
      if (route === undefined) return; // unsubscribed meanwhile
      const seal = decodeSeal(raw);
      if (seal !== null) {
        const isDeleted = route.replica.groups.get(route.group)?.epoch !== seal; // the event came first
        if (route.replica.seals.sealed(route.group, isDeleted))
          this.channels.dropIfIdle(route.replica, route.group);
        return;
      }
      this.#onBatch(route, raw);
    } catch (error) {
      this.report(error);
    }
  }

  #onBatch(route: ChannelRoute, raw: string): void {
    const head = decodeBatchHead(raw);
    if (head === null || head.sender === this.nodeId || !this.#isNext(route.streams, head)) return;
    const { replica, group } = route;
    for (const run of decodeRuns(raw, head, group)) {
      const shown = replica.core.index.get(group);
      const target = replica.seals.target(group, shown);
      if (target != null) deliverRun(replica.core, run, target === shown ? undefined : target);
    }
  }

  // Whether a batch is new in its sender's stream (`streams`: the last number seen per
  // stream); a number seen before is a duplicate, a gap is counted as missing.
  #isNext(streams: Map<string, number>, head: BatchHead): boolean {
    const stream = `${head.sender} ${head.stream}`;
    const last = streams.get(stream);
    if (last !== undefined) {
      if (head.seq <= last) {
        this.stats.duplicates++;
        return false;
      }
      this.stats.missing += head.seq - last - 1;
    }
    streams.set(stream, head.seq);
    this.stats.received++;
    return true;
  }

  /**
   * Resolves true once every message Redis had taken for this node's group channels
   * before the call has been handed to the local members; false after `timeoutMs`.
   * `publish` sends the token on the barrier channel.
   */
  async barrier(timeoutMs: number, publish: (token: string) => Promise<unknown>): Promise<boolean> {
    const token = `${Date.now()}-${Math.random()}`;
    let timer: NodeJS.Timeout | undefined;
    const arrived = new Promise<boolean>((resolve) => {
      this.#barriers.set(token, () => resolve(true));
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      await publish(token);
      return await arrived;
    } finally {
      clearTimeout(timer);
      this.#barriers.delete(token);
    }
  }
}
