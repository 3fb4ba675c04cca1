/**
 * Concurrent reapers and a reaper killed in the middle of its purge, with node processes
 * over a real redis-server (docs/multi-node.md case 10): a node dies with rows in several
 * scopes; every survivor runs a reaper pass after its timeout, and exactly one of them
 * flips it; that one is killed after purging one scope, and the others finish the purge
 * from the pending-purge record it left.
 *
 * Redis itself is the referee. MONITOR shows every script call with the connection that
 * sent it, followed by the commands the script ran, so the test sees which reaper pass
 * flipped the node (the one whose script removed it from the `nodes` hash) and which node
 * purged which scope. `CLIENT PAUSE WRITE` holds every script call at Redis's door, which
 * makes the interleaving the test's choice instead of the scheduler's:
 * - held, each survivor's next heartbeat (its reaper pass) waits; once the dead node's
 *   timeout has passed on Redis's clock, the survivors are frozen (SIGSTOP) and the
 *   passes all run at once, one after the other;
 * - then only the flipping node is let run until its next write — a purge script — is
 *   held; it is frozen again, the script released, and the node killed: exactly one
 *   scope purged, the rest left to the others, which have not started (frozen).
 */
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { Redis } from "ioredis";
import { PURGE_SCOPE, TICK } from "../../src/cluster/redis/scripts.js";
import type { Scope } from "../../src/index.js";
import { Cluster, clusterSkipReason, redisForThisFile } from "../support/cluster-fixture.js";
import { eventually, freshScope } from "../support/helpers.js";
import type { NodeProcess } from "../support/node-process.js";
import { RedisMonitor } from "../support/redis-monitor.js";
import { LAYOUT, readMembers, scopeKeys } from "../support/redis-state.js";

const skip = clusterSkipReason();
const redis = redisForThisFile();

// A timeout long enough that the held reaper passes (a few hundred ms) stay well within
// the stall allowance (half the timeout): a longer gap would grant grace, not reap.
const TIMINGS = { heartbeatIntervalMs: 150, nodeTimeoutMs: 4_000 };
// How long before the dead node's deadline the reaper passes are held.
const HOLD_LEAD_MS = 400;
const SCOPES = 6;
const SURVIVORS = ["n1", "n2", "n3"];
const VICTIM = "n4";

/** One command Redis ran for a client, with the commands its script ran. */
interface Call {
  readonly atMs: number;
  readonly source: string;
  readonly args: readonly string[];
  readonly inner: string[][];
}

/**
 * Every command Redis runs, from MONITOR. Redis shows a script call before the commands
 * the script runs (marked `lua`), and runs a script alone, so those attach to the call before them.
 */
class CommandLog {
  readonly calls: Call[] = [];

  #monitor: RedisMonitor | undefined;
  #syncs = 0;

  static async start(port: number): Promise<CommandLog> {
    const log = new CommandLog();
    log.#monitor = await RedisMonitor.start(port, ({ time, source, args }) => {
      const last = log.calls.at(-1);
      if (source === "lua") last?.inner.push([...args]);
      else log.calls.push({ atMs: time * 1_000, source, args, inner: [] });
    });
    return log;
  }

  /** Script calls of one script (by SHA; the test loads every script it looks for first). */
  scriptCalls(sha: string): Call[] {
    return this.calls.filter((c) => c.args[0]?.toLowerCase() === "evalsha" && c.args[1] === sha);
  }

  /** Reaper passes that flipped `node` from alive to dead. */
  flipsOf(node: string): Call[] {
    return this.scriptCalls(TICK.sha).filter((c) =>
      c.inner.some(
        ([cmd, key, field]) => cmd?.toLowerCase() === "hdel" && key === LAYOUT.nodes && field === node,
      ),
    );
  }

  /** Purge script calls for `node` (ARGV 1 after the six keys), with the scope they purged (ARGV 3). */
  purgesOf(node: string): { source: string; scope: string }[] {
    return this.scriptCalls(PURGE_SCOPE.sha)
      .filter((c) => c.args[9] === node)
      .map((c) => ({ source: c.source, scope: c.args[11] ?? "?" }));
  }

  /** Resolves once MONITOR has shown every command Redis ran before this call. */
  async sync(admin: Redis): Promise<void> {
    const token = `reapers-sync-${++this.#syncs}`;
    await admin.echo(token);
    await eventually("MONITOR to catch up", () => this.calls.some((call) => call.args[1] === token));
  }

  stop(): void {
    this.#monitor?.stop();
  }
}

interface ClientInfo {
  readonly addr: string;
  readonly name: string;
  readonly flags: string;
}

async function clients(admin: Redis): Promise<ClientInfo[]> {
  const listing = String(await admin.client("LIST"));
  return listing
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => {
      const field = (key: string) => line.match(new RegExp(`(?:^| )${key}=(\\S*)`))?.[1] ?? "";
      return { addr: field("addr"), name: field("name"), flags: field("flags") };
    });
}

/** The node a connection address belongs to (from its `chorus:<node>:<role>` name). */
async function nodeOfAddr(admin: Redis): Promise<Map<string, string>> {
  const byAddr = new Map<string, string>();
  for (const c of await clients(admin)) {
    const node = c.name.match(/^chorus:([^:]+):/)?.[1];
    if (node !== undefined) byAddr.set(c.addr, node);
  }
  return byAddr;
}

/** Whether a node's connection of that role has a command held by CLIENT PAUSE (flag b). */
async function isHeld(admin: Redis, node: string, role: string): Promise<boolean> {
  const conn = (await clients(admin)).find((c) => c.name === `chorus:${node}:${role}`);
  return conn?.flags.includes("b") ?? false;
}

async function redisNowMs(admin: Redis): Promise<number> {
  const [seconds, micros] = await admin.time();
  return Number(seconds) * 1_000 + Math.floor(Number(micros) / 1_000);
}

/** Every row of `node` left in a scope: member rows, its row index, its replica-holder entry. */
async function rowsOf(admin: Redis, scope: Scope, node: string): Promise<string[]> {
  const keys = scopeKeys(scope);
  const rows: string[] = [];
  for (const group of await admin.hkeys(keys.groups)) {
    for (const field of await admin.hkeys(`${keys.membersPrefix}${group}`)) {
      if (field.startsWith(`${node}\n`)) rows.push(`${keys.id} ${group}/${field.replace("\n", ":")}`);
    }
  }
  if ((await admin.scard(`${keys.nodeRowsPrefix}${node}`)) > 0) rows.push(`${keys.id} node set`);
  if ((await admin.hexists(keys.holders, node)) === 1) rows.push(`${keys.id} holder`);
  return rows;
}

describe("concurrent reapers, and the purging reaper killed", { skip }, () => {
  it("flip the dead node exactly once; another node finishes the purge; nothing else is lost", {
    timeout: 120_000,
  }, async (t) => {
    const c = await Cluster.start(redis.server.url, [...SURVIVORS, VICTIM], TIMINGS);
    // A dedicated client for the whole test: it must stay connected while CLIENT PAUSE holds writes.
    const admin = new Redis(redis.server.url, { maxRetriesPerRequest: 1 });
    const logs: CommandLog[] = [];
    try {
      // Several scopes, each with a group the victim's actor and every survivor's actor joined.
      const scopes = Array.from({ length: SCOPES }, () => freshScope("reap"));
      const everyNode = [...SURVIVORS, VICTIM];
      for (const scope of scopes) {
        await c.node("n1").request({ op: "createGroup", scope, group: "g" });
        await eventually(`every node to see group g of ${scope.tenantId}`, async () => {
          for (const id of everyNode) {
            const view = await c.node(id).request({ op: "view", scope, groups: ["g"] });
            if (view.g === null) return `${id} does not`;
          }
          return null;
        });
        for (const id of everyNode) {
          await c.node(id).request({ op: "spawn", scope, actorId: `${id}-a` });
          await c.node(id).request({ op: "join", scope, group: "g", actorId: `${id}-a` });
        }
      }
      const membersIn = (nodes: readonly string[]) => nodes.map((id) => `${id}-a`).sort();
      /** Null when Redis and every listed node's replica show exactly `nodes`' actors in g of every scope. */
      const mismatch = async (nodes: readonly string[], viewers: readonly NodeProcess[]) => {
        const want = membersIn(nodes);
        for (const scope of scopes) {
          const inRedis = await readMembers(c.redisUrl, scope, "g");
          if (inRedis.join() !== want.join()) return `Redis has ${scope.tenantId} g=${inRedis}, want ${want}`;
          for (const node of viewers) {
            const view = await node.request({ op: "view", scope, groups: ["g"] }, 5_000);
            if (view.g?.join() !== want.join())
              return `${node.nodeId} sees ${scope.tenantId} g=${view.g}, want ${want}`;
          }
        }
        return null;
      };
      await eventually("every replica and Redis to hold every join", () =>
        mismatch(everyNode, [...c.nodes.values()]),
      );
      assert.equal(await admin.scard(LAYOUT.nodeScopes(VICTIM)), SCOPES, "the victim is not in every scope");

      // The purge script may not have run yet: loaded now, every call to it (and to the
      // heartbeat) is an EVALSHA that MONITOR names, never a NOSCRIPT and an EVAL.
      for (const script of [PURGE_SCOPE, TICK]) await admin.script("LOAD", script.lua);
      const log = await CommandLog.start(redis.server.port);
      logs.push(log);
      const incarnation = await admin.hget(LAYOUT.nodes, VICTIM);
      assert.ok(incarnation !== null, "the victim is not registered");
      const entry = `${VICTIM}\n${incarnation}`;

      await c.node(VICTIM).crash();
      const lastBeat = Number(await admin.zscore(LAYOUT.heartbeats, VICTIM));
      const deadline = lastBeat + TIMINGS.nodeTimeoutMs;

      // Hold every reaper pass shortly before the victim's deadline...
      await eventually(
        "Redis's clock to near the victim's deadline",
        async () => (await redisNowMs(admin)) >= deadline - HOLD_LEAD_MS,
        TIMINGS.nodeTimeoutMs + 5_000,
      );
      const survivors = SURVIVORS.map((id) => c.node(id));
      let heldSinceMs = 0;
      try {
        await admin.call("CLIENT", "PAUSE", "30000", "WRITE");
        heldSinceMs = await redisNowMs(admin);
        assert.ok(heldSinceMs < deadline, "the reaper passes were held after the victim's deadline");
        assert.equal(
          await admin.hget(LAYOUT.nodes, VICTIM),
          incarnation,
          "the victim was reaped before the hold",
        );
        // ...until each survivor has sent one (its heartbeat connection waits at the door)...
        await eventually("every survivor's reaper pass to be held", async () => {
          for (const id of SURVIVORS) if (!(await isHeld(admin, id, "heartbeat"))) return `${id}'s is not`;
          return null;
        });
        // ...and the victim's timeout has passed on Redis's clock: every held pass may flip it.
        await eventually(
          "Redis's clock to pass the victim's deadline",
          async () => (await redisNowMs(admin)) > deadline,
        );
        // Frozen, no survivor reads its pass's answer: nobody starts purging before the test says so.
        for (const node of survivors) node.pause();
      } finally {
        await admin.call("CLIENT", "UNPAUSE");
      }

      // All three passes ran, each after the deadline; exactly one flipped the victim.
      const addrs = await nodeOfAddr(admin);
      await eventually("the three held reaper passes to run", async () => {
        const ran = log.scriptCalls(TICK.sha).filter((call) => call.atMs >= heldSinceMs) ?? [];
        const by = new Set(ran.map((call) => addrs.get(call.source)));
        return SURVIVORS.every((id) => by.has(id)) ? null : `passes by ${[...by]}`;
      });
      const passes = log.scriptCalls(TICK.sha).filter((call) => call.atMs >= heldSinceMs);
      assert.equal(passes.length, SURVIVORS.length, "frozen survivors ran more than their held passes");
      for (const pass of passes) assert.ok(pass.atMs > deadline, "a reaper pass ran before the deadline");
      const flips = log.flipsOf(VICTIM);
      assert.equal(flips.length, 1, `the victim was flipped ${flips.length} times`);
      const flipper = addrs.get(flips[0]?.source ?? "");
      assert.ok(flipper !== undefined && SURVIVORS.includes(flipper), `flipped by ${flipper}`);
      t.diagnostic(
        `${passes.length} reaper passes ran after the deadline (by ${passes.map((p) => addrs.get(p.source))}); ${flipper} flipped ${VICTIM}`,
      );
      // What the flip recorded: dead (fence at its incarnation, not alive) and a purge pending.
      assert.equal(await admin.hget(LAYOUT.nodes, VICTIM), null);
      assert.deepEqual(await admin.smembers(LAYOUT.purges), [entry]);

      // Let the flipper run until one of its purge scripts has run; then kill it.
      const purger = c.node(flipper);
      const purgedBy = (node: string) =>
        log.purgesOf(VICTIM).filter((p) => addrs.get(p.source) === node) ?? [];
      for (let step = 0; purgedBy(flipper).length === 0; step++) {
        assert.ok(step < 20, `${flipper} ran 20 writes and none purged ${VICTIM}`);
        try {
          await admin.call("CLIENT", "PAUSE", "30000", "WRITE");
          purger.resume();
          await eventually(`${flipper}'s next write to be held`, () => isHeld(admin, flipper, "cmd"));
          purger.pause();
        } finally {
          await admin.call("CLIENT", "UNPAUSE");
        }
        // The held write runs now, though its sender is frozen.
        await eventually(
          `${flipper}'s held write to run`,
          async () => !(await isHeld(admin, flipper, "cmd")),
        );
        await log.sync(admin);
      }
      // SIGKILL straight away: a SIGCONT first (as NodeProcess.kill sends) could let it write once more.
      process.kill(purger.pid, "SIGKILL");
      await purger.exited;
      await log.sync(admin);

      // Killed mid-purge: one scope purged, by it alone; the others untouched; the record still pending.
      const purgedScopes = purgedBy(flipper).map((p) => p.scope);
      assert.equal(purgedScopes.length, 1, `${flipper} purged ${purgedScopes}`);
      assert.equal(log.purgesOf(VICTIM).length, 1, "another node purged while all were frozen");
      const leftPerScope = await Promise.all(scopes.map((scope) => rowsOf(admin, scope, VICTIM)));
      const left = leftPerScope.flat();
      assert.equal(
        leftPerScope.filter((rows) => rows.length > 0).length,
        SCOPES - 1,
        `rows of ${VICTIM} left after the kill: ${left.join(", ")}`,
      );
      assert.deepEqual(
        await admin.smembers(LAYOUT.purges),
        [entry],
        "the pending purge was lost with its purger",
      );
      t.diagnostic(
        `${flipper} killed after purging ${purgedScopes[0]}; ${left.length} rows of ${VICTIM} left`,
      );

      // The others run again: they finish the purge from the record, and later reap the purger too.
      const finishers = SURVIVORS.filter((id) => id !== flipper);
      for (const id of finishers) c.node(id).resume();
      const viewers = finishers.map((id) => c.node(id));
      await eventually(
        `no row of ${VICTIM} or ${flipper} in Redis or a replica, every finisher's row kept`,
        async () => {
          const pending = await admin.smembers(LAYOUT.purges);
          if (pending.length > 0) return `purges pending: ${pending.map((p) => p.replace("\n", "@"))}`;
          for (const dead of [VICTIM, flipper]) {
            const rows = (await Promise.all(scopes.map((scope) => rowsOf(admin, scope, dead)))).flat();
            if (rows.length > 0) return `rows of ${dead} left: ${rows.join(", ")}`;
            if ((await admin.exists(LAYOUT.nodeScopes(dead))) === 1) return `${LAYOUT.nodeScopes(dead)} left`;
          }
          return mismatch(finishers, viewers);
        },
        4 * TIMINGS.nodeTimeoutMs + 10_000,
      );

      // Exactly one flip of each dead node, and the victim's other scopes purged by the finishers.
      await log.sync(admin);
      assert.equal(log.flipsOf(VICTIM).length, 1, "the victim was flipped again");
      assert.equal(log.flipsOf(flipper).length, 1, "the killed purger was not flipped exactly once");
      const finishedBy = new Set(
        log
          .purgesOf(VICTIM)
          .filter((p) => finishers.includes(addrs.get(p.source) ?? "") && p.scope !== purgedScopes[0])
          .map((p) => p.scope),
      );
      assert.equal(finishedBy.size, SCOPES - 1, "the finishers did not purge every scope left");
      await c.stop();
    } finally {
      for (const log of logs) log.stop();
      admin.disconnect();
    }
  });
});
