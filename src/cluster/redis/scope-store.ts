/**
 * ScopeStore: the reads and writes of a scope in Redis, each one script or command on
 * the command link (link.ts), each with its rule for being cut short: a create (with an
 * epoch made here) or a delete is sent again; a membership write is done once a
 * re-assertion of its scope included it; a read is sent again. A write first flushes
 * the messages published before it, so a change never overtakes them.
 */
import { randomBytes } from "node:crypto";
import {
  BackendUnavailableError,
  GroupAlreadyExistsError,
  GroupNotFoundError,
  SystemStoppedError,
} from "../../errors.js";
import type { GroupRecord, MembershipRecord } from "../../groups/remote-changes.js";
import { list, pairs, text } from "./connection.js";
import type { Control } from "./control.js";
import type { GroupChannels } from "./group-channels.js";
import type { KeyLayout, ScopeKeys } from "./keys.js";
import { type CallOptions, COVERED, type CommandLink } from "./link.js";
import type { Liveness } from "./liveness.js";
import type { ClusterSettings } from "./options.js";
import type { Outbox } from "./outbox.js";
import type { ScopeReplica, Snapshot } from "./replica.js";
import { scopeCall } from "./scope-call.js";
import { CREATE_GROUP, DELETE_GROUP, type Script, SNAPSHOT, WRITE_MEMBERSHIP } from "./scripts.js";
import { parseSnapshot } from "./snapshot.js";

// How long a catch-up waits for the scope's events before reading a snapshot instead.
const CATCH_UP_WAIT_MS = 250;

export interface StoreHost {
  readonly nodeId: string;
  readonly settings: ClusterSettings;
  readonly keys: KeyLayout;
  readonly link: CommandLink;
  readonly liveness: Liveness;
  readonly outbox: Outbox;
  readonly channels: GroupChannels;
  readonly control: Control;
  readonly isClosed: boolean;
  /** Reads a view again. */
  resync(replica: ScopeReplica): Promise<void>;
}

export class ScopeStore {
  readonly #host: StoreHost;

  constructor(host: StoreHost) {
    this.#host = host;
  }

  /** Waits until the view holds every change Redis had taken when it was called. */
  async catchUp(replica: ScopeReplica): Promise<void> {
    const [epoch, seq] = done(
      await this.#host.link.call((conn) => conn.hmget(replica.keys.meta, "epoch", "seq"), {
        what: `reading scope ${replica.keys.id}`,
        onInterrupt: "resend",
      }),
    );
    if (epoch == null) return; // the scope has no keys: nothing to catch up with
    // The events are normally milliseconds behind; a snapshot only if they do not come.
    if (await replica.reached(epoch, Number(seq ?? 0), CATCH_UP_WAIT_MS)) return;
    await this.#host.resync(replica);
  }

  async createGroup(replica: ScopeReplica, record: GroupRecord): Promise<void> {
    // The group's epoch is made here, so a create sent again after a lost reply finds its own group.
    const epoch = randomBytes(8).toString("hex");
    const labels = JSON.stringify(record.labels);
    const reply = list(
      done(
        await this.#scopeScript(replica, CREATE_GROUP, [record.name, record.createdAtMs, labels, epoch], {
          what: `createGroup '${record.name}'`,
          onInterrupt: "resend",
        }),
      ),
    );
    if (reply[0] === "exists") throw new GroupAlreadyExistsError(record.name, replica.scope);
    // The event may have been applied already; either way the view knows the epoch now.
    if (!replica.groups.has(record.name)) replica.groups.set(record.name, { epoch, record });
  }

  async deleteGroup(replica: ScopeReplica, name: string): Promise<void> {
    await this.#scopeScript(replica, DELETE_GROUP, [name], {
      what: `deleteGroup '${name}'`,
      onInterrupt: "resend",
    });
  }

  /**
   * Records a local actor's membership; rejects with GroupNotFoundError if the group is
   * gone. With `visible`, also waits for every live view holder to have applied it.
   */
  async writeMembership(replica: ScopeReplica, record: MembershipRecord, visible: boolean): Promise<void> {
    const change = ++replica.changes;
    // Listen on the group's channel from the first local join on (in parallel with the
    // write); the join resolves only once the SUBSCRIBE is confirmed.
    let subscribed: Promise<void> | undefined;
    if (record.count > 0) {
      subscribed = this.#host.channels.add(replica, record.group, record.actorId);
      subscribed.catch(() => undefined); // awaited below; this only marks it handled meanwhile
    } else {
      this.#host.channels.remove(replica, record.group, record.actorId);
    }
    const what = `${record.count > 0 ? "join" : "leave"} of '${record.actorId}' to '${record.group}'`;
    const reply = await this.#scopeScript(
      replica,
      WRITE_MEMBERSHIP,
      [
        record.group,
        replica.groups.get(record.group)?.epoch ?? "",
        record.actorId,
        record.count,
        record.topics.join(","),
        visible ? this.#host.nodeId : "",
        record.meta,
      ],
      // Cut off on its way, it is done once a re-assertion of the scope has included it.
      { what, onInterrupt: "covered", isCovered: () => replica.assertedUpTo >= change },
    );
    if (reply !== COVERED && list(reply)[0] === "nogroup") {
      if (record.count <= 0) return; // the group went, and the membership with it
      this.#host.channels.remove(replica, record.group, record.actorId);
      throw new GroupNotFoundError(record.group, replica.scope);
    }
    if (subscribed !== undefined) await this.bounded(subscribed, what);
    if (!visible) return;
    const at =
      reply === COVERED
        ? replica.lastAssert
        : { epoch: text(list(reply)[1]), seq: Number(list(reply)[2]), holders: pairs(list(reply)[3]) };
    if (at === null) return;
    const join = { group: record.group, actorId: record.actorId, epoch: at.epoch, seq: at.seq };
    await this.#host.control.awaitVisible(
      replica.scope,
      replica.keys.id,
      join,
      new Map(at.holders),
      this.#host.settings.joinVisibilityTimeoutMs,
    );
  }

  /** The scope's whole state, read atomically; a store that lost its data makes the node recover first. */
  async snapshot(keys: ScopeKeys): Promise<Snapshot> {
    const reply = list(
      done(
        await this.#host.link.call(
          (conn) => {
            const call = scopeCall(this.#host.keys, keys, this.#host.nodeId, this.#host.liveness.incarnation);
            const all = [
              ...call.keys,
              this.#host.keys.store,
              this.#host.keys.grace,
              ...call.args,
              "1",
              this.#host.liveness.store,
            ];
            return conn.evalsha(SNAPSHOT.sha, SNAPSHOT.keys, ...all);
          },
          { what: `reading scope ${keys.id}`, onInterrupt: "resend" },
        ),
      ),
    );
    if (reply[0] === "store") {
      // Redis lost its data (or it is another store): re-assert first, then read.
      this.#host.link.recover();
      throw new Error("the Redis store changed; this node re-registers before reading it");
    }
    return parseSnapshot(reply);
  }

  // Runs a mutation of a scope as the current incarnation; a fenced reply recovers first.
  #scopeScript(
    replica: ScopeReplica,
    script: Script,
    args: readonly (string | number)[],
    options: CallOptions,
  ): Promise<unknown> {
    this.#host.outbox.flush(); // publishes made before this change reach Redis before it
    return this.#host.link.call(
      (conn) => {
        // Built when sent, not when asked: a call that waited goes out as the live incarnation.
        const call = scopeCall(
          this.#host.keys,
          replica.keys,
          this.#host.nodeId,
          this.#host.liveness.incarnation,
        );
        return conn.evalsha(script.sha, script.keys, ...call.keys, ...call.args, ...args);
      },
      {
        ...options,
        verdict: (reply) => (Array.isArray(reply) && reply[0] === "fenced" ? "recover" : "done"),
      },
    );
  }

  /** `work`, or BackendUnavailableError once a command's time has passed without it. */
  bounded<T>(work: Promise<T>, what: string): Promise<T> {
    if (this.#host.isClosed) return Promise.reject(new SystemStoppedError(this.#host.nodeId));
    let timer: NodeJS.Timeout | undefined;
    const ms = this.#host.settings.commandTimeoutMs;
    const late = new Promise<never>((_, reject) => {
      const unavailable = () =>
        new BackendUnavailableError(`${what} could not be done: Redis did not confirm it within ${ms} ms`, {
          cause: this.#host.link.lastError,
        });
      timer = setTimeout(() => reject(unavailable()), ms);
      timer.unref();
    });
    return Promise.race([work, late]).finally(() => clearTimeout(timer));
  }
}

// A value of a call that is never covered (only membership writes are).
function done<T>(value: T | typeof COVERED): T {
  if (value === COVERED) throw new Error("a call that is never covered was covered");
  return value;
}
