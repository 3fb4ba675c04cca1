/**
 * Join visibility: waiting until every replica holder of a scope has applied a join.
 *
 * The join's script returns the holders (node → incarnation) at commit time, and its
 * event asks them to acknowledge. A holder answers on the joiner's control channel
 * with its incarnation, scope epoch and cursor; only an answer of the same
 * incarnation, in the same epoch, with a cursor at or past the join counts. Answers can
 * be lost, so the missing holders are probed with backoff (a probe is answered with the
 * holder's current cursor), and a holder that is no longer alive in that incarnation
 * (reaped, restarted) leaves the wait. At the deadline the wait rejects with
 * JoinNotVisibleError naming the silent nodes; the membership itself stays.
 */

import { JoinNotVisibleError, SystemStoppedError } from "../../errors.js";
import type { Scope } from "../../names.js";

/** An acknowledgement as a holder sends it. */
export interface Ack {
  readonly scopeId: string;
  readonly node: string;
  readonly incarnation: string;
  readonly epoch: string;
  readonly cursor: number;
}

export interface VisibilityHost {
  readonly nodeId: string;
  readonly heartbeatIntervalMs: number;
  /** Asks each node for its cursor in the scope. */
  probe(scopeId: string, nodes: readonly string[]): void;
  /** Of `nodes` (node → incarnation), those still alive in that incarnation. */
  stillAlive(nodes: ReadonlyMap<string, string>): Promise<Set<string>>;
}

interface Wait {
  readonly scopeId: string;
  readonly epoch: string;
  readonly seq: number;
  readonly pending: Map<string, string>;
  wake: () => void;
}

export class Visibility {
  readonly #waits = new Set<Wait>();
  #closed = false;

  constructor(readonly host: VisibilityHost) {}

  onAck(ack: Ack): void {
    for (const wait of this.#waits) {
      if (wait.scopeId !== ack.scopeId || wait.pending.get(ack.node) !== ack.incarnation) continue;
      if (ack.epoch !== wait.epoch || ack.cursor < wait.seq) continue;
      wait.pending.delete(ack.node);
      if (wait.pending.size === 0) wait.wake();
    }
  }

  /** Resolves when every holder has confirmed `seq`; rejects at the deadline. */
  async await(
    scope: Scope,
    scopeId: string,
    join: { group: string; actorId: string; epoch: string; seq: number },
    holders: ReadonlyMap<string, string>,
    timeoutMs: number,
  ): Promise<void> {
    const pending = new Map(holders);
    pending.delete(this.host.nodeId);
    if (pending.size === 0) return;
    const deadline = Date.now() + timeoutMs;
    const wait: Wait = { scopeId, epoch: join.epoch, seq: join.seq, pending, wake: () => {} };
    this.#waits.add(wait);
    try {
      let delay = 10;
      while (pending.size > 0) {
        if (this.#closed) throw new SystemStoppedError(this.host.nodeId);
        const left = deadline - Date.now();
        if (left <= 0)
          throw new JoinNotVisibleError(join.group, scope, join.actorId, [...pending.keys()].sort());
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(delay, left));
          timer.unref();
          wait.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        if (pending.size === 0 || this.#closed) continue;
        delay = Math.min(delay * 2, this.host.heartbeatIntervalMs);
        const alive = await this.host.stillAlive(pending);
        for (const node of [...pending.keys()]) if (!alive.has(node)) pending.delete(node);
        if (pending.size > 0) this.host.probe(scopeId, [...pending.keys()]);
      }
    } finally {
      this.#waits.delete(wait);
    }
  }

  /** Ends every wait (shutdown): each rejects with SystemStoppedError. */
  close(): void {
    this.#closed = true;
    for (const wait of this.#waits) wait.wake();
  }
}
