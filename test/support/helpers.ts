/**
 * Test helpers: a fresh scope per test (so tests run in parallel with no cleanup),
 * actors that record what they receive, and barriers that wait for a state with a
 * deadline instead of sleeping.
 */
import { randomUUID } from "node:crypto";
import { type ActorContext, type ActorRef, ActorSystem, type Scope } from "../../src/index.js";

let counter = 0;

/** A scope no other test uses. */
export function freshScope(prefix = "t"): Scope {
  counter++;
  return {
    tenantId: `${prefix}-${process.pid}-${counter}-${randomUUID().slice(0, 8)}`,
    namespace: "ns",
  };
}

/** What `eventually` polls: `true` or `null` once satisfied; `false`, or what is still wrong, until then. */
type Check = () => boolean | string | null | Promise<boolean | string | null>;

/**
 * Resolves once `check` is satisfied; rejects after `timeoutMs` naming what it waited for
 * and, when the last check said what was still wrong (or threw), that. A check that throws
 * counts as not satisfied yet. Polls every few milliseconds at first, then every 25 ms.
 */
export async function eventually(what: string, check: Check, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let pauseMs = 2;
  for (;;) {
    let outcome: boolean | string | null;
    try {
      outcome = await check();
    } catch (error) {
      outcome = `check threw: ${error instanceof Error ? error.message : String(error)}`;
    }
    if (outcome === true || outcome === null) return;
    if (Date.now() > deadline) {
      const wrong = typeof outcome === "string" ? `: ${outcome}` : "";
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${wrong}`);
    }
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
    pauseMs = Math.min(2 * pauseMs, 25);
  }
}

export interface Recorder<M = unknown> {
  readonly ref: ActorRef<M>;
  readonly received: M[];
  readonly topics: (string | undefined)[];
}

/** Spawns an actor that records every message (and its topic) it handles. */
export function recorder<M = unknown>(system: ActorSystem, scope: Scope, id: string): Recorder<M> {
  const received: M[] = [];
  const topics: (string | undefined)[] = [];
  const ref = system.spawn<M>({ id, ...scope }, (message: M, context: ActorContext) => {
    received.push(message);
    topics.push(context.topic);
  });
  return { ref, received, topics };
}

/** A system for one test, shut down when the test's `after` hook runs it. */
export function newSystem(nodeId = "test-node"): ActorSystem {
  return new ActorSystem({ nodeId });
}
