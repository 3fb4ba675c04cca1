/**
 * A fault soak: three node processes over one redis-server (append-only file, debug
 * commands on), their actors joining and leaving random groups of two scopes and every
 * node publishing numbered messages, while the test injects faults one after another:
 * CLIENT KILL TYPE normal and TYPE pubsub, DEBUG SLEEP, a node paused (SIGSTOP) for less
 * and for more than nodeTimeoutMs, and a Redis restart. When the faults stop and the
 * nodes have quiesced, every live node's view must equal Redis and what the nodes'
 * actors hold — which must equal what their resolved calls said — with no message
 * delivered twice or out of order, and no unhandled rejection anywhere.
 *
 * About a minute by default; CHORUS_SOAK_MS sets how long faults are injected.
 */
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { Cluster, clusterSkipReason, hold, redisForThisFile } from "../support/cluster-fixture.js";
import type { SoakReport } from "../support/cluster-protocol.js";
import { freshScope } from "../support/helpers.js";
import { readMembers } from "../support/redis-state.js";
import { FAST } from "../support/timings.js";

const skip = clusterSkipReason();
const redis = redisForThisFile({ appendOnly: true, args: ["--enable-debug-command", "yes"] });

const NODES = ["n1", "n2", "n3"];
const GROUPS = ["g0", "g1", "g2", "g3", "g4"];
const FAULTS_MS = Number(process.env.CHORUS_SOAK_MS ?? 30_000);

type Holdings = Record<string, Record<string, string[]>>;

describe("a fault soak", { skip }, () => {
  it("ends with every view equal to Redis and to what the actors hold; no duplicate, no reordering", {
    timeout: FAULTS_MS + 120_000,
  }, async (t) => {
    const c = await Cluster.start(redis.server.url, NODES);
    const scopes = [freshScope("soak"), freshScope("soak")];
    for (const scope of scopes) {
      for (const group of GROUPS) await c.node("n1").request({ op: "createGroup", scope, group });
    }
    const plan = { scopes, groups: GROUPS, actorsPerScope: 50, opsPerSecond: 100, publishesPerSecond: 100 };
    for (const node of NODES) await c.node(node).request({ op: "soakStart", plan });

    // The faults, one after another, each on the next node in turn where it needs one.
    const { nodeTimeoutMs } = FAST;
    let turn = 0;
    const log: string[] = [];
    const pause = async (ms: number) => {
      const name = NODES[turn++ % NODES.length]!;
      log.push(`${new Date().toISOString()} pausing ${name}`);
      const node = c.node(name);
      node.pause();
      await hold(ms);
      node.resume();
    };
    const faults: [string, () => Promise<unknown>][] = [
      [
        "CLIENT KILL TYPE normal",
        () => redis.admin((r) => r.call("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes")),
      ],
      [
        "CLIENT KILL TYPE pubsub",
        () => redis.admin((r) => r.call("CLIENT", "KILL", "TYPE", "pubsub", "SKIPME", "yes")),
      ],
      ["DEBUG SLEEP 0.3", () => redis.admin((r) => r.call("DEBUG", "SLEEP", "0.3"))],
      ["a node paused for half the timeout", () => pause(nodeTimeoutMs / 2)],
      ["a node paused for twice the timeout", () => pause(2 * nodeTimeoutMs)],
      ["a Redis restart with an append-only file", () => redis.server.restart()],
    ];
    const injected = new Map<string, number>();
    const until = Date.now() + FAULTS_MS;
    for (let i = 0; Date.now() < until; i++) {
      const [name, inject] = faults[i % faults.length]!;
      log.push(`${new Date().toISOString()} ${name}`);
      await inject();
      injected.set(name, (injected.get(name) ?? 0) + 1);
      await hold(500 + (i % 3) * 400); // the load runs on between faults
    }

    const reports: SoakReport[] = [];
    for (const node of NODES) reports.push(await c.node(node).request({ op: "soakStop" }, 60_000));
    const quietAt = Date.now();
    // Each node's own view is what its actors hold; it must also be what their calls said.
    const holdings: { node: string; expected: Holdings; held: Holdings }[] = [];
    for (const node of NODES)
      holdings.push({ node, ...(await c.node(node).request({ op: "soakHoldings" })) });
    const truth = (tenant: string, group: string) =>
      holdings.flatMap((h) => h.held[tenant]?.[group] ?? []).sort();
    let last = "";
    let convergedAt = 0;
    for (const deadline = Date.now() + 60_000; convergedAt === 0; ) {
      last = await mismatch(c, scopes, truth);
      if (last === "") convergedAt = Date.now();
      else if (Date.now() > deadline) break;
      else await hold(100);
    }
    // Memberships lost (held, not in Redis) or extra (in Redis, held by nobody).
    let lost = 0;
    let extra = 0;
    for (const scope of scopes) {
      for (const group of GROUPS) {
        const want = new Set(truth(scope.tenantId, group));
        const have = new Set(await readMembers(c.redisUrl, scope, group));
        for (const id of want) if (!have.has(id)) lost++;
        for (const id of have) if (!want.has(id)) extra++;
      }
    }
    const sum = (key: keyof Omit<SoakReport, "unhandledRejections" | "anomalies">) =>
      reports.reduce((n, r) => n + r[key], 0);
    const figures = {
      faultsMs: FAULTS_MS,
      faults: Object.fromEntries(injected),
      joins: sum("joins"),
      leaves: sum("leaves"),
      refusedChanges: sum("refused"),
      publishes: sum("publishes"),
      refusedPublishes: sum("refusedPublishes"),
      deliveries: sum("deliveries"),
      duplicates: sum("repeated"),
      orderViolations: sum("outOfOrder"),
      membershipsLost: lost,
      membershipsExtra: extra,
      convergedAfterMs: convergedAt === 0 ? "never" : convergedAt - quietAt,
      unhandledRejections: reports.reduce((n, r) => n + r.unhandledRejections.length, 0),
    };
    t.diagnostic(`soak: ${JSON.stringify(figures)}`);
    for (const [i, r] of reports.entries()) {
      for (const anomaly of r.anomalies) t.diagnostic(`${NODES[i]}: ${anomaly}`);
    }
    t.diagnostic(`faults: ${log.join("; ")}`);
    console.log(`soak figures: ${JSON.stringify(figures)}`);

    assert.equal(last, "", `the views never converged: ${last}`);
    for (const h of holdings) {
      assert.deepEqual(
        h.held,
        h.expected,
        `${h.node}'s actors hold what its refused calls should not have changed`,
      );
    }
    assert.equal(lost + extra, 0);
    assert.equal(figures.duplicates, 0, "a message was delivered twice");
    assert.equal(figures.orderViolations, 0, "a message overtook an earlier one of its publisher");
    assert.deepEqual(
      reports.flatMap((r) => r.unhandledRejections),
      [],
      "a node had an unhandled rejection",
    );
    assert.ok(figures.deliveries > 0 && figures.joins > 0, "the soak did nothing");
    await c.stop();
  });
});

/** "" when Redis and every node's view equal the truth for every group; else what differs. */
async function mismatch(
  c: Cluster,
  scopes: readonly { tenantId: string; namespace: string }[],
  truth: (tenant: string, group: string) => string[],
): Promise<string> {
  for (const scope of scopes) {
    const views = await Promise.all(
      [...c.nodes.values()].map((node) => node.request({ op: "view", scope, groups: GROUPS }, 10_000)),
    );
    for (const group of GROUPS) {
      const want = truth(scope.tenantId, group).join();
      const inRedis = (await readMembers(c.redisUrl, scope, group)).join();
      if (inRedis !== want) return `Redis has ${scope.tenantId} ${group}=${inRedis}, the actors hold ${want}`;
      for (const [i, view] of views.entries()) {
        const seen = view[group]?.join() ?? "missing";
        if (seen !== want)
          return `${NODES[i]} sees ${scope.tenantId} ${group}=${seen}, the actors hold ${want}`;
      }
    }
  }
  return "";
}
