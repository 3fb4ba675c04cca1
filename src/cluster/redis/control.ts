/**
 * Control: the small messages nodes send each other on their control channels
 * (`chorus:node:<n>:ctl`, on the events connection), for join visibility and liveness:
 *   ack    `{t, s: scope, n: node, i: incarnation, e: epoch, c: cursor}` a replica has applied up to c
 *   probe  `{t, s: scope, n: node}` asks for an ack of the current cursor
 *   self   `{t, id}` a node's probe to itself, proving its subscription after a reconnect
 * They are hints: each can be lost, and the waits they end have deadlines and retries.
 */
import type { Redis } from "ioredis";
import { ctlChannel, NODES } from "./keys.js";
import type { Liveness } from "./liveness.js";
import type { ScopeReplica } from "./replica.js";
import { Visibility } from "./visibility.js";

export interface ControlHost {
  readonly nodeId: string;
  readonly heartbeatIntervalMs: number;
  readonly cmd: Redis;
  readonly replicas: ReadonlyMap<string, ScopeReplica>;
  readonly liveness: Liveness;
  readonly report: (error: unknown) => void;
}

export class Control {
  readonly visibility: Visibility;

  constructor(readonly host: ControlHost) {
    this.visibility = new Visibility({
      nodeId: host.nodeId,
      heartbeatIntervalMs: host.heartbeatIntervalMs,
      probe: (scopeId, nodes) => {
        for (const node of nodes) this.#send(node, { t: "probe", s: scopeId, n: host.nodeId });
      },
      stillAlive: (nodes) => this.#stillAlive(nodes),
    });
  }

  /** A message on this node's control channel. */
  onMessage(raw: string): void {
    const m = JSON.parse(raw) as Record<string, unknown>;
    if (m.t === "ack") {
      this.visibility.onAck({
        scopeId: String(m.s),
        node: String(m.n),
        incarnation: String(m.i),
        epoch: String(m.e),
        cursor: Number(m.c),
      });
    } else if (m.t === "probe") {
      const replica = this.host.replicas.get(String(m.s));
      if (replica?.isCurrent === true) this.acknowledge(String(m.n), replica);
    } else if (m.t === "self") {
      this.host.liveness.onSelfProbe(String(m.id));
    }
  }

  /** Tells node `to` how far this node's replica of a scope has come. */
  acknowledge(to: string, replica: ScopeReplica): void {
    if (to === this.host.nodeId) return;
    this.#send(to, {
      t: "ack",
      s: replica.keys.id,
      n: this.host.nodeId,
      i: this.host.liveness.incarnation,
      e: replica.epoch,
      c: replica.cursor,
    });
  }

  /** Sends this node a probe on its own control channel (proves the events subscription). */
  selfProbe(id: string): Promise<number> {
    return this.host.cmd.publish(ctlChannel(this.host.nodeId), JSON.stringify({ t: "self", id }));
  }

  #send(node: string, message: Record<string, string | number>): void {
    this.host.cmd.publish(ctlChannel(node), JSON.stringify(message)).catch(this.host.report);
  }

  // Of the given holders (node → incarnation), those still alive in that incarnation.
  async #stillAlive(nodes: ReadonlyMap<string, string>): Promise<Set<string>> {
    const names = [...nodes.keys()];
    try {
      const current = await this.host.cmd.hmget(NODES, ...names);
      return new Set(names.filter((node, i) => current[i] === nodes.get(node)));
    } catch (error) {
      this.host.report(error);
      return new Set(names);
    }
  }
}
