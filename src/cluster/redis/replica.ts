/**
 * ScopeReplica: this node's view of one scope, kept in step with Redis.
 *
 * The scope's event channel is subscribed first, and events that arrive while a
 * snapshot is in flight are buffered; the snapshot then replaces the view, and the
 * buffered events past the snapshot's sequence number are applied in order
 * (replica-rules.ts says what each event calls for). Nothing here relies on an event
 * arriving: the backend resyncs after reconnects and when the tail check finds Redis
 * ahead. The view also keeps each group's epoch (new on delete + re-create), which
 * this node's writes carry so that a join aimed at a deleted group is refused.
 */

import {
  applyGroupCreated,
  applyGroupDeleted,
  applyMembership,
  type GroupRecord,
  type MembershipRecord,
  replaceView,
} from "../../groups/remote-changes.js";
import type { ScopeGroups } from "../../groups/scope-groups.js";
import type { Scope } from "../../names.js";
import type { ScopeKeys } from "./keys.js";
import { endedGroups, judgeEvent } from "./replica-rules.js";
import { Seals } from "./seals.js";
import { type ChangeEvent, parseLabels, splitTopics } from "./wire.js";

export interface KnownGroup {
  readonly epoch: string;
  readonly record: GroupRecord;
}

export interface Snapshot {
  readonly epoch: string;
  readonly seq: number;
  readonly groups: readonly KnownGroup[];
  readonly members: readonly MembershipRecord[];
  /** Nodes that have re-asserted their slice of this scope into this store. */
  readonly reasserted: ReadonlySet<string>;
  /** Grace left after a Redis restart or stall (nobody is reaped meanwhile). */
  readonly graceLeftMs: number;
}

/** What a replica needs from the backend that owns it. */
export interface ReplicaHost {
  readonly isClosed: boolean;
  snapshot(keys: ScopeKeys): Promise<Snapshot>;
  /** A group this replica showed is gone (deleted, or re-created under a new epoch). */
  groupGone(replica: ScopeReplica, name: string): void;
  /** A group is deleted, but the messages published to it before may still arrive. */
  groupRetired(replica: ScopeReplica, name: string): void;
  /** Tells node `to` that this replica has applied an event it asked to hear about. */
  acknowledge(to: string, replica: ScopeReplica): void;
}

export class ScopeReplica {
  /** The scope epoch the cursor counts in; "" before the first snapshot. */
  epoch = "";
  /** Sequence number of the last change applied. */
  cursor = 0;
  /** True between a completed sync and the next sign of trouble. */
  isCurrent = false;
  /** Set by each event, cleared by the tail check: only idle replicas are checked. */
  sawEvent = false;
  /**
   * Date.now() until which the view keeps members of nodes that have not re-asserted
   * since Redis lost its data (they are on their way); 0 when it keeps none.
   */
  provisionalUntilMs = 0;
  /** name → epoch and metadata of each group, as of the cursor. */
  readonly groups = new Map<string, KnownGroup>();
  /** Where the last messages of deleted groups go until their streams end. */
  readonly seals = new Seals();
  /** This node's membership changes in the scope, counted: each write knows its number. */
  changes = 0;
  /** The last change a successful re-assertion of this node's slice included. */
  assertedUpTo = 0;
  /** Where the last re-assertion landed: the scope epoch, its seq and the view holders. */
  lastAssert: { readonly epoch: string; readonly seq: number; readonly holders: [string, string][] } | null =
    null;
  readonly scope: Scope;
  // Events that arrived while a snapshot was in flight; null when none is.
  #buffer: ChangeEvent[] | null = null;
  // Callers of `reached` waiting for the cursor to get somewhere.
  readonly #waiters: { epoch: string; seq: number; wake: (reached: boolean) => void }[] = [];
  #syncing: Promise<void> | null = null;
  #again = false;

  constructor(
    /** The scope's core, which this replica keeps in step with the store. */
    readonly core: ScopeGroups,
    readonly keys: ScopeKeys,
    readonly host: ReplicaHost,
  ) {
    this.scope = core.scope;
  }

  get isSyncing(): boolean {
    return this.#syncing !== null;
  }

  /** True when the view holds every change up to `seq` of scope epoch `epoch`. */
  isAt(epoch: string, seq: number): boolean {
    return this.epoch === epoch && this.cursor >= seq && this.#syncing === null;
  }

  /**
   * Resolves true once the view holds every change up to `seq` of `epoch` (the events
   * are on their way), or false after `timeoutMs`.
   */
  reached(epoch: string, seq: number, timeoutMs: number): Promise<boolean> {
    if (this.isAt(epoch, seq)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = {
        epoch,
        seq,
        wake: (reached: boolean) => {
          clearTimeout(timer);
          resolve(reached);
        },
      };
      const timer = setTimeout(() => {
        const at = this.#waiters.indexOf(waiter);
        if (at >= 0) this.#waiters.splice(at, 1);
        resolve(false);
      }, timeoutMs);
      timer.unref(); // a closing node does not wait for it
      this.#waiters.push(waiter);
    });
  }

  // Wakes the waiters the view has now reached (after an event or a snapshot).
  #wake(): void {
    if (this.#waiters.length === 0) return;
    for (let i = this.#waiters.length - 1; i >= 0; i--) {
      const waiter = this.#waiters[i]!;
      if (this.isAt(waiter.epoch, waiter.seq)) {
        this.#waiters.splice(i, 1);
        waiter.wake(true);
      }
    }
  }

  /** An event from the scope's channel. Returns false if it calls for a resync. */
  onEvent(event: ChangeEvent): boolean {
    this.sawEvent = true;
    if (this.#buffer !== null) {
      this.#buffer.push(event);
      return true;
    }
    if (this.#apply(event)) {
      this.#wake();
      return true;
    }
    this.isCurrent = false;
    return false;
  }

  /**
   * Reads a snapshot and replaces the view with it. Concurrent calls share one run,
   * which goes round again if another was asked for meanwhile.
   */
  resync(): Promise<void> {
    this.isCurrent = false;
    if (this.#syncing !== null) {
      this.#again = true;
      return this.#syncing;
    }
    this.#syncing = this.#run().finally(() => {
      this.#syncing = null;
      this.#wake();
    });
    return this.#syncing;
  }

  async #run(): Promise<void> {
    do {
      this.#again = false;
      this.#buffer = [];
      let snapshot: Snapshot;
      try {
        snapshot = await this.host.snapshot(this.keys);
      } catch (error) {
        this.#buffer = null;
        throw error;
      }
      if (this.host.isClosed) return;
      this.#replace(snapshot);
      const buffered = this.#buffer;
      this.#buffer = null;
      buffered.sort((a, b) => a.s - b.s);
      for (const event of buffered) {
        if (!this.#apply(event)) {
          this.#again = true;
          break;
        }
      }
    } while (this.#again && !this.host.isClosed);
    this.isCurrent = true;
  }

  #replace(snapshot: Snapshot): void {
    const core = this.core;
    const next = new Map(snapshot.groups.map((g) => [g.record.name, g]));
    const { recreated, gone } = endedGroups(epochs(this.groups), epochs(next));
    // A group deleted and re-created while we were not listening: drop the old one first,
    // with every member (local ones too), so no old join survives.
    for (const name of recreated) applyGroupDeleted(core, name);
    for (const name of gone) this.host.groupGone(this, name);
    this.groups.clear();
    for (const [name, known] of next) this.groups.set(name, known);
    // During the grace after a restart, a node that has not re-asserted its slice yet
    // is not dead, only not done. Its members stay until the grace ends (the tail
    // check then resyncs), so a restart evicts nobody, even briefly.
    const waiting = snapshot.graceLeftMs > 0;
    this.provisionalUntilMs = waiting ? Date.now() + snapshot.graceLeftMs : 0;
    this.seals.clear();
    replaceView(
      core,
      snapshot.groups.map((g) => g.record),
      snapshot.members,
      waiting ? snapshot.reasserted : undefined,
    );
    this.epoch = snapshot.epoch;
    this.cursor = snapshot.seq;
  }

  // Applies the event if it is the next one; true if it was applied or can be ignored.
  #apply(event: ChangeEvent): boolean {
    const verdict = judgeEvent(event, this.epoch, this.cursor);
    if (verdict !== "apply") return verdict === "skip";
    this.cursor = event.s;
    const core = this.core;
    for (const change of event.c) {
      switch (change[0]) {
        case "g+": {
          const [, name, epoch, createdAtMs, labels] = change;
          const known = this.groups.get(name);
          if (known !== undefined && known.epoch !== epoch) {
            applyGroupDeleted(core, name);
            this.host.groupGone(this, name);
          }
          const record: GroupRecord = { name, labels: parseLabels(labels), createdAtMs: Number(createdAtMs) };
          this.groups.set(name, { epoch, record });
          applyGroupCreated(core, record);
          break;
        }
        case "g-":
          this.groups.delete(change[1]);
          // Its channel stays until the seal if messages published before may still come.
          if (this.seals.deleted(change[1], applyGroupDeleted(core, change[1])))
            this.host.groupRetired(this, change[1]);
          else this.host.groupGone(this, change[1]);
          break;
        case "m": {
          const [, group, nodeId, actorId, count, topics, meta = ""] = change;
          applyMembership(core, { group, nodeId, actorId, count, topics: splitTopics(topics), meta });
          break;
        }
        default:
          return false; // an event this version does not understand: read the state instead
      }
    }
    if (event.a !== undefined) this.host.acknowledge(event.a, this);
    return true;
  }
}

function epochs(groups: ReadonlyMap<string, KnownGroup>): Map<string, string> {
  return new Map([...groups].map(([name, known]) => [name, known.epoch]));
}
