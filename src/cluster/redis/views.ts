/**
 * Views: this node's views of the scopes it has opened (one ScopeReplica each), the
 * routing of change events to them, and the checks that keep them right — every view
 * read again after a recovery or a re-subscription, and on each heartbeat the idle
 * ones compared with Redis's sequence numbers, so a lost last event is found too.
 */

import type { ScopeGroups } from "../../groups/scope-groups.js";
import type { Scope } from "../../names.js";
import type { KeyLayout } from "./keys.js";
import { COVERED, type CommandLink } from "./link.js";
import { type ReplicaHost, ScopeReplica } from "./replica.js";
import type { Subscriber } from "./subscriber.js";
import { decodeEvent } from "./wire.js";

export interface ViewsHost {
  readonly keys: KeyLayout;
  readonly link: CommandLink;
  /** The events connection: a view subscribes to its scope's channel there first. */
  readonly events: Subscriber;
  readonly report: (error: unknown) => void;
  /** Waits for `work` no longer than a command may take. */
  bounded<T>(work: Promise<T>, what: string): Promise<T>;
}

export class Views {
  readonly #host: ViewsHost;
  readonly #replicaHost: ReplicaHost;
  readonly #byScope = new Map<string, ScopeReplica>();
  readonly #byEventsChannel = new Map<string, ScopeReplica>();
  readonly #opening = new Map<string, Promise<void>>();
  /** Snapshots read, for tests and metrics. */
  resyncs = 0;

  constructor(host: ViewsHost, replicaHost: ReplicaHost) {
    this.#host = host;
    this.#replicaHost = replicaHost;
  }

  /** Every view, by scope key. */
  get all(): ReadonlyMap<string, ScopeReplica> {
    return this.#byScope;
  }

  /** The view of a scope; it must have been opened. */
  of(scope: Scope): ScopeReplica {
    const id = `${scope.tenantId}/${scope.namespace}`;
    const replica = this.#byScope.get(id);
    if (replica === undefined) throw new Error(`scope ${id} was used before it was opened`);
    return replica;
  }

  /** Opens the core's scope once: subscribed, then read; a failed opening is tried again. */
  open(core: ScopeGroups): Promise<void> {
    let opening = this.#opening.get(core.key);
    if (opening === undefined) {
      opening = this.#open(core).catch((error: unknown) => {
        this.#opening.delete(core.key);
        throw error;
      });
      this.#opening.set(core.key, opening);
    }
    return opening;
  }

  async #open(core: ScopeGroups): Promise<void> {
    const keys = this.#host.keys.scope(core.key);
    const replica = new ScopeReplica(core, keys, this.#replicaHost);
    // Subscribe first, then snapshot: an event of a change made after the snapshot can
    // then never be missed, only buffered and applied past the snapshot's number.
    this.#byEventsChannel.set(keys.events, replica);
    this.#byScope.set(core.key, replica);
    try {
      await this.#host.bounded(this.#host.events.add(keys.events), `opening scope ${core.key}`);
      await this.resync(replica);
    } catch (error) {
      this.#byEventsChannel.delete(keys.events);
      this.#byScope.delete(core.key);
      this.#host.events.remove(keys.events);
      throw error;
    }
  }

  resync(replica: ScopeReplica): Promise<void> {
    this.resyncs++;
    return replica.resync();
  }

  /** Reads every view again, reporting (not throwing) what fails. */
  resyncAll(): void {
    for (const replica of this.#byScope.values()) this.#resyncQuietly(replica);
  }

  /** Nothing may be taken as current until read again (the heartbeat failed, a recovery began). */
  markStale(): void {
    for (const replica of this.#byScope.values()) replica.isCurrent = false;
  }

  /** A message on a scope's events channel; false when the channel is no view's. */
  onEvent(channel: string, raw: string): boolean {
    const replica = this.#byEventsChannel.get(channel);
    if (replica === undefined) return false;
    const event = decodeEvent(raw);
    if (event === null || !replica.onEvent(event)) this.#resyncQuietly(replica);
    return true;
  }

  /** Resyncs views that are stale, and compares idle ones with Redis's sequence numbers. */
  async check(): Promise<void> {
    if (!this.#host.link.isOpen) return;
    const idle: ScopeReplica[] = [];
    for (const replica of this.#byScope.values()) {
      const provisionalEnded = replica.provisionalUntilMs > 0 && Date.now() > replica.provisionalUntilMs;
      if (!replica.isCurrent || provisionalEnded) {
        if (!replica.isSyncing) this.#resyncQuietly(replica);
      } else if (!replica.sawEvent) idle.push(replica);
      replica.sawEvent = false;
    }
    if (idle.length === 0) return;
    try {
      const replies = await this.#host.link.call(
        (conn) => {
          const pipeline = conn.pipeline();
          for (const replica of idle) pipeline.hmget(replica.keys.meta, "epoch", "seq");
          return pipeline.exec();
        },
        { what: "the tail check", onInterrupt: "drop" },
      );
      if (replies === COVERED) return;
      idle.forEach((replica, i) => {
        const [error, value] = replies?.[i] ?? [null, null];
        if (error !== null || !Array.isArray(value)) return;
        const [epoch, seq] = value as (string | null)[];
        if (epoch !== replica.epoch || Number(seq ?? 0) > replica.cursor) this.#resyncQuietly(replica);
      });
    } catch (error) {
      this.#host.report(error);
    }
  }

  #resyncQuietly(replica: ScopeReplica): void {
    void this.resync(replica).catch(this.#host.report);
  }
}
