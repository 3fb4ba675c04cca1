/**
 * WebSocket members over real loopback: a member receives what REST publishes, and its
 * own publishes reach others, each with its publisher and number; closing the socket
 * ends its memberships; garbage gets error frames and then a policy-violation close; a
 * slow client gets its mailbox's policy; a flood of frames leaves the server healthy.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { eventually, freshScope } from "../support/helpers.js";
import { api, member, scopePath, startServer, type TestServer } from "../support/server-client.js";

describe("WebSocket members", () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ mailboxCapacity: 8, maxBufferedBytes: 1 });
  });
  after(async () => {
    await server.close();
  });

  async function groupIn(name = "g"): Promise<string> {
    const path = scopePath(freshScope("ws").tenantId);
    assert.equal((await api(server.url, "POST", `${path}/groups`, { body: { name } })).status, 201);
    return path;
  }

  it("receives what REST publishes, and what other members publish, with its publisher and number", async () => {
    const path = await groupIn();
    const alice = await member(server.url, path, { actorId: "alice" });
    const bob = await member(server.url, path, { actorId: "bob" });
    assert.equal((await alice.request({ type: "join", group: "g" })).type, "ack");
    assert.equal(
      (await bob.request({ type: "join", group: "g", topics: ["news.*"], meta: { client: "cli/1.0" } })).type,
      "ack",
    );
    const details = await api(server.url, "GET", `${path}/groups/g/members/details`);
    assert.deepEqual(
      details.body.members.map((m: { actorId: string; meta?: unknown }) => [m.actorId, m.meta]),
      [
        ["alice", undefined],
        ["bob", { client: "cli/1.0" }],
      ],
      "a join's presence meta is seen with the member",
    );
    assert.deepEqual((await api(server.url, "GET", `${path}/groups/g/members`)).body.members.sort(), [
      "alice",
      "bob",
    ]);

    await api(server.url, "POST", `${path}/groups/g/publish`, {
      body: { payload: { hello: 1 }, topic: "news.today" },
    });
    const fromRest = await alice.next("alice to get the REST publish", (f) => f.type === "message");
    assert.deepEqual(fromRest, {
      type: "message",
      group: "g",
      topic: "news.today",
      payload: { hello: 1 },
      from: "rest@server-node",
      seq: 1,
    });
    const published = await alice.request({
      type: "publish",
      group: "g",
      payload: "from alice",
      topic: "news.x",
    });
    assert.equal(published.type, "ack");
    assert.deepEqual((published.result as { recipients: string[] }).recipients.sort(), ["alice", "bob"]);
    const atBob = await bob.next("bob to get alice's message", (f) => f.payload === "from alice");
    assert.deepEqual([atBob.from, atBob.seq], ["alice@server-node", 1]);
    await alice.request({ type: "publish", group: "g", payload: "sports", topic: "sports.x" });
    await alice.next("alice to get her own second message", (f) => f.payload === "sports");
    await alice.request({ type: "publish", group: "g", payload: "last", topic: "news.y" });
    await bob.next("bob to get alice's last message", (f) => f.payload === "last");
    assert.deepEqual(
      bob.frames.filter((f) => f.type === "message").map((f) => [f.payload, f.seq]),
      [
        [{ hello: 1 }, 1],
        ["from alice", 1],
        ["last", 3],
      ],
      "bob's topics keep sports out, and the numbers show it",
    );
    await alice.close();
    await bob.close();
  });

  it("leaves every group when its socket closes", async () => {
    const path = await groupIn();
    await api(server.url, "POST", `${path}/groups`, { body: { name: "h" } });
    const carol = await member(server.url, path, { actorId: "carol" });
    await carol.request({ type: "join", group: "g" });
    await carol.request({ type: "join", group: "h" });
    await carol.close();
    await eventually(
      "carol to be in no group",
      async () => {
        const g = await api(server.url, "GET", `${path}/groups/g/members`);
        const h = await api(server.url, "GET", `${path}/groups/h/members`);
        return g.body.members.length === 0 && h.body.members.length === 0;
      },
      5_000,
    );
  });

  it("answers a bad operation with an error frame and stays connected", async () => {
    const path = await groupIn();
    const dave = await member(server.url, path, { actorId: "dave" });
    const missing = await dave.request({ type: "join", group: "nope" });
    assert.deepEqual([missing.type, (missing.error as { code: string }).code], ["error", "GROUP_NOT_FOUND"]);
    const notMember = await dave.request({ type: "leave", group: "g" });
    assert.equal((notMember.error as { code: string }).code, "NOT_A_MEMBER");
    assert.equal((await dave.request({ type: "join", group: "g" })).type, "ack");
    await dave.close();
  });

  it("refuses a second member with the id of a connected one", async () => {
    const path = await groupIn();
    const first = await member(server.url, path, { actorId: "same" });
    const second = await member(server.url, path, { actorId: "same" });
    const { code } = await second.closed;
    assert.equal(code, 4409);
    assert.equal((second.frames[0]!.error as { code: string }).code, "ACTOR_ALREADY_EXISTS");
    assert.equal(
      (await first.request({ type: "join", group: "g" })).type,
      "ack",
      "the first one is untouched",
    );
    await first.close();
  });

  it("closes with 1008 after repeated garbage, answering each with an error frame", async () => {
    const path = await groupIn();
    const eve = await member(server.url, path, { actorId: "eve" });
    for (const garbage of [
      "not json",
      "[1,2]",
      '{"type":"dance","group":"g"}',
      '{"type":"join"}',
      '{"type":"publish","group":"g"}',
    ]) {
      eve.send(garbage);
    }
    const { code } = await eve.closed;
    assert.equal(code, 1008);
    const errors = eve.frames
      .filter((f) => f.type === "error")
      .map((f) => (f.error as { code: string }).code);
    assert.deepEqual(errors, ["BAD_REQUEST", "BAD_REQUEST", "BAD_REQUEST", "BAD_REQUEST", "BAD_REQUEST"]);
  });

  it("drops the oldest messages of a client that does not read, and the server stays healthy", async () => {
    const path = await groupIn();
    const slow = await member(server.url, path, { actorId: "slow" });
    await slow.request({ type: "join", group: "g" });
    slow.socket.pause(); // reads nothing: the server's socket buffer fills, then the mailbox
    const big = "x".repeat(64 * 1024);
    for (let n = 0; n < 200; n++) {
      await api(server.url, "POST", `${path}/groups/g/publish`, { body: { payload: { n, big } } });
    }
    slow.socket.resume();
    await eventually("the last message to reach the slow client", () =>
      slow.frames.some((f) => (f.payload as { n?: number } | undefined)?.n === 199),
    );
    const numbers = slow.frames
      .filter((f) => f.type === "message")
      .map((f) => (f.payload as { n: number }).n);
    assert.ok(numbers.length < 200, `all ${numbers.length} messages were kept`);
    for (let i = 1; i < numbers.length; i++) assert.ok(numbers[i]! > numbers[i - 1]!, "still in order");
    const seqs = slow.frames.filter((f) => f.type === "message").map((f) => f.seq as number);
    assert.ok(
      seqs.some((seq, i) => i > 0 && seq > seqs[i - 1]! + 1),
      "the client can see the gap in the numbers",
    );
    const metrics = await fetch(`${server.url}/metrics`).then((r) => r.text());
    assert.match(metrics, /chorus_drops_total\{tenant="ws-[^"]+"\} [1-9]/);
    assert.equal((await api(server.url, "GET", "/healthz")).status, 200);
    await slow.close();
  });

  it("takes a flood of frames in order and stays healthy", async () => {
    const path = await groupIn();
    const flood = await member(server.url, path, { actorId: "flood" });
    await flood.request({ type: "join", group: "g" });
    for (let n = 0; n < 2_000; n++) flood.send({ type: "publish", group: "g", payload: n, id: `p${n}` });
    await flood.next("the last publish's ack", (f) => f.id === "p1999");
    const acks = flood.frames.filter((f) => f.type === "ack" && typeof f.id === "string").map((f) => f.id);
    assert.deepEqual(acks.slice(-3), ["p1997", "p1998", "p1999"]);
    assert.equal((await api(server.url, "GET", "/healthz")).status, 200);
    await flood.close();
  });
});
