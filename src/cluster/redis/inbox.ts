/**
 * Inbox: what arrives on a node's messages connection, which subscribes to the group
 * channels of its local members and to its own barrier channel.
 *
 * - A batch from another node (outbox.ts) is handed to the registry, which applies
 *   topic filters and `exclude` and enqueues into local mailboxes; this node's own
 *   batches (echoed by Redis because it listens too) are dropped: they were delivered
 *   locally when published.
 * - A seal (`!\n<group epoch>`, sent by the delete script) marks the point in the
 *   group's stream after which nothing may be delivered to the deleted group.
 * - A barrier token, published by this node, proves that everything Redis had taken
 *   for this connection before it has been handed over (a test barrier).
 */
import type { Redis } from "ioredis";
import { deliverRun } from "../../groups/remote-changes.js";
import { barrierChannel } from "./keys.js";
import { decodeBatch } from "./outbox.js";
import type { ScopeReplica } from "./replica.js";

export interface InboxHost {
  readonly nodeId: string;
  readonly replicas: ReadonlyMap<string, ScopeReplica>;
  readonly report: (error: unknown) => void;
}

export class Inbox {
  /** Batches received from other nodes. */
  received = 0;
  readonly #barriers = new Map<string, () => void>();

  constructor(
    readonly host: InboxHost,
    readonly publisher: Redis,
  ) {}

  /** A message on the messages connection: a barrier, a seal, or a batch for local members. */
  onMessage(channel: string, raw: string): void {
    try {
      if (channel === barrierChannel(this.host.nodeId)) {
        this.#barriers.get(raw)?.();
        return;
      }
      if (raw.startsWith("!\n")) {
        this.#onSeal(channel, raw.slice(2));
        return;
      }
      const batch = decodeBatch(raw, this.host.nodeId);
      if (batch.length > 0) this.received++;
      for (const { scopeId, run } of batch) {
        const replica = this.host.replicas.get(scopeId);
        if (replica === undefined) continue;
        const shown = replica.core.index.get(run.group);
        const target = replica.seals.target(run.group, shown);
        if (target != null) deliverRun(replica.core, run, target === shown ? undefined : target);
      }
    } catch (error) {
      this.host.report(error);
    }
  }

  // A group's seal: `chorus:{<scope>}:g:<group>` carried `!\n<epoch of the deleted group>`.
  #onSeal(channel: string, epoch: string): void {
    const open = channel.indexOf("{");
    const close = channel.indexOf("}:g:");
    const replica = this.host.replicas.get(channel.slice(open + 1, close));
    if (replica === undefined) return;
    const group = channel.slice(close + 4);
    const isDeleted = replica.groups.get(group)?.epoch !== epoch; // the event came first
    replica.seals.sealed(group, isDeleted);
  }

  /**
   * Resolves true once every message Redis had taken for this node's group channels
   * before the call has been handed to the local members (a barrier for tests: call it
   * after every publishing node's `isSettled` has answered). False after `timeoutMs`.
   */
  async barrier(timeoutMs: number): Promise<boolean> {
    const token = `${Date.now()}-${Math.random()}`;
    let timer: NodeJS.Timeout | undefined;
    const arrived = new Promise<boolean>((resolve) => {
      this.#barriers.set(token, () => resolve(true));
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      await this.publisher.publish(barrierChannel(this.host.nodeId), token);
      return await arrived;
    } finally {
      clearTimeout(timer);
      this.#barriers.delete(token);
    }
  }
}
