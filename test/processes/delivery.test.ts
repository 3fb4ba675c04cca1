/**
 * Publishing and group lifecycle across three node processes over a real redis-server:
 * a publish made right after a visible join, from another node, reaches the new member
 * (docs/multi-node.md case 15); each publisher's messages arrive in order, each exactly once
 * when nothing fails; a group deleted on one node is gone on all; an actor that stops
 * leaves every group everywhere (case 16).
 */
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { Cluster, clusterSkipReason, redisForThisFile } from "../support/cluster-fixture.js";
import { eventually } from "../support/helpers.js";
import { RemoteError } from "../support/node-process.js";

const skip = clusterSkipReason();
const redis = redisForThisFile();

const NODES = ["n1", "n2", "n3"] as const;

describe("publish right after a visible join, from another node", { skip }, () => {
  it("addresses and reaches the new member every time", { timeout: 60_000 }, async () => {
    const c = await Cluster.start(redis.server.url, NODES);
    const { scope } = c;
    await c.createGroup("n1", "g");
    for (let i = 0; i < 12; i++) {
      const host = NODES[i % 3]!;
      const actorId = `fresh-${i}`;
      await c.spawn(host, actorId);
      await c.join(host, "g", actorId, true);
      const others = NODES.filter((node) => node !== host);
      const results = await Promise.all(
        others.map((node) =>
          c.node(node).request({ op: "publish", scope, group: "g", message: `${i} from ${node}` }),
        ),
      );
      for (const result of results)
        assert.ok(result.recipients.includes(actorId), `publish #${i} missed ${actorId}`);
      await eventually(`${actorId} to receive both publishes`, async () => {
        const got = await c.node(host).request({ op: "received", tenantId: scope.tenantId });
        const mine = got.filter((d) => d.actorId === actorId).map((d) => d.message);
        return mine.length === 2 ? null : `got ${JSON.stringify(mine)}`;
      });
    }
    await c.converged();
    await c.stop();
  });
});

describe("cross-node delivery", { skip }, () => {
  it("keeps each publisher's order, delivers each message once, and reports recipients per node", {
    timeout: 60_000,
  }, async () => {
    const c = await Cluster.start(redis.server.url, NODES);
    const { scope } = c;
    await c.createGroup("n1", "g");
    for (const node of NODES) {
      await c.spawn(node, `${node}-a`, `${node}-b`);
      await c.join(node, "g", `${node}-a`);
      await c.join(node, "g", `${node}-b`);
    }
    // Joined three times, still one member receiving each message once.
    await c.join("n2", "g", "n2-a");
    await c.join("n2", "g", "n2-a");
    await c.converged();

    const single = await c.node("n1").request({ op: "publish", scope, group: "g", message: "one" });
    assert.deepEqual(single.perNode, { n1: 2, n2: 2, n3: 2 });
    assert.equal(single.localCount, 2);
    assert.equal(single.remoteCount, 4);

    const count = 400;
    const bursts = await Promise.all(
      NODES.map((node) =>
        c.node(node).request({ op: "publishMany", scope, group: "g", tag: "burst", count }),
      ),
    );
    const everyone = [...c.expected("g")];
    for (const burst of bursts) assert.deepEqual([...burst.recipients].sort(), everyone);

    const inOrder = Array.from({ length: count }, (_, n) => n);
    await eventually("every member to receive every message", async () => {
      for (const node of NODES) {
        const got = await c.node(node).request({ op: "received", tenantId: scope.tenantId });
        for (const id of c.hostedBy(node, "g")) {
          const mine = got.filter((d) => d.actorId === id);
          if (mine.length < 1 + NODES.length * count) return `${id} has ${mine.length} messages`;
        }
      }
      return null;
    });
    for (const node of NODES) {
      const got = await c.node(node).request({ op: "received", tenantId: scope.tenantId });
      for (const id of c.hostedBy(node, "g")) {
        const mine = got.filter((d) => d.actorId === id).map((d) => d.message);
        assert.deepEqual(
          mine.filter((m) => m === "one"),
          ["one"],
          `${id}: 'one' not exactly once`,
        );
        for (const from of NODES) {
          const seq = mine
            .filter(
              (m): m is { from: string; n: number } => typeof m === "object" && m !== null && "from" in m,
            )
            .filter((m) => m.from === from)
            .map((m) => m.n);
          assert.deepEqual(seq, inOrder, `${id} got ${from}'s messages out of order, twice or not at all`);
        }
      }
    }
    await c.converged();
    await c.stop();
  });
});

describe("deleteGroup on one node", { skip }, () => {
  it("removes the group and its members on every node; made again, it starts empty", {
    timeout: 60_000,
  }, async () => {
    const c = await Cluster.start(redis.server.url, NODES);
    const { scope } = c;
    await c.createGroup("n1", "g");
    for (const node of NODES) {
      await c.spawn(node, `${node}-a`);
      await c.join(node, "g", `${node}-a`);
    }
    await c.converged();
    await c.deleteGroup("n2", "g");
    await c.converged();
    for (const node of NODES) {
      await assert.rejects(
        c.node(node).request({ op: "publish", scope, group: "g", message: "late" }),
        (error) => error instanceof RemoteError && error.code === "GROUP_NOT_FOUND",
      );
    }
    await c.createGroup("n3", "g");
    await c.converged();
    await c.join("n1", "g", "n1-a");
    await c.converged();
    await c.stop();
  });
});

describe("an actor that stops", { skip }, () => {
  it("leaves every one of its groups on every node", { timeout: 60_000 }, async () => {
    const c = await Cluster.start(redis.server.url, NODES);
    await c.spawn("n1", "busy", "stays");
    for (let i = 0; i < 20; i++) {
      await c.createGroup(NODES[i % 3]!, `g${i}`);
      await c.join("n1", `g${i}`, "busy");
      await c.join("n1", `g${i}`, "busy");
      await c.join("n1", `g${i}`, "stays");
    }
    await c.converged();
    await c.stopActor("n1", "busy");
    await c.converged();
    await c.stop();
  });
});
