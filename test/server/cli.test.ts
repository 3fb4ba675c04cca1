/**
 * The `chorus` command end to end: `chorus serve` in a child process, driven by the
 * other commands in child processes of their own, as a user at a shell would; errors
 * as one line with their code and a non-zero exit; `--help` everywhere; and a SIGTERM
 * that closes every WebSocket with 1001 and exits 0.
 */
import assert from "node:assert/strict";
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { eventually } from "../support/helpers.js";
import { member, scopePath } from "../support/server-client.js";

const CLI = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
const run = promisify(execFile);

interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function chorus(server: string, ...args: string[]): Promise<Result> {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      [CLI, "--server", server, "--tenant", "cli", ...args],
      {
        timeout: 15_000,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

/** Starts `chorus serve` on a free port; resolves with its URL once it logs that it listens. */
function startServe(): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(process.execPath, [CLI, "serve", "--port", "0", "--node-id", "cli-node"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += String(chunk);
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += String(chunk);
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`chorus serve did not start: ${output}`)), 15_000);
    child.stdout?.on("data", () => {
      const line = output.split("\n").find((l) => l.includes('"url"'));
      if (line === undefined) return;
      clearTimeout(timer);
      resolve({ child, url: (JSON.parse(line) as { url: string }).url, output: () => output });
    });
    child.once("exit", (code) => reject(new Error(`chorus serve exited (${code}): ${output}`)));
  });
}

describe("the chorus command", () => {
  let served: Awaited<ReturnType<typeof startServe>>;
  before(async () => {
    served = await startServe();
  });
  after(() => {
    if (served.child.exitCode === null) served.child.kill("SIGKILL");
  });

  it("creates, lists and deletes groups, with tables for people and JSON for scripts", async () => {
    const url = served.url;
    const created = await chorus(url, "groups", "create", "orders", "--label", "team=billing");
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /^name\s+members\s+created\s+labels\n/);
    assert.match(created.stdout, /orders\s+0\s+\S+\s+team=billing/);
    const listed = await chorus(url, "--json", "groups", "list");
    assert.deepEqual(
      (JSON.parse(listed.stdout) as { name: string }[]).map((g) => g.name),
      ["orders"],
    );
    const duplicate = await chorus(url, "groups", "create", "orders");
    assert.equal(duplicate.code, 1);
    assert.match(duplicate.stderr, /^chorus: GROUP_ALREADY_EXISTS: group 'orders' already exists/);
    assert.equal((await chorus(url, "groups", "delete", "orders")).code, 0);
    assert.equal((await chorus(url, "groups", "list")).stdout, "(none)\n");
  });

  it("publishes to a subscriber that streams what arrives, and lists it as a member", async () => {
    const url = served.url;
    await chorus(url, "groups", "create", "news");
    const subscriber = spawn(
      process.execPath,
      [CLI, "--server", url, "--tenant", "cli", "subscribe", "news", "--actor-id", "reader"],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let seen = "";
    subscriber.stdout?.on("data", (chunk: Buffer) => {
      seen += String(chunk);
    });
    try {
      await eventually("the subscriber to be a member", async () => {
        const members = await chorus(url, "--json", "members", "news");
        return members.stdout.includes("reader");
      });
      const published = await chorus(url, "publish", "news", '{"headline":"hi"}', "--topic", "world.eu");
      assert.equal(published.code, 0, published.stderr);
      assert.match(published.stdout, /recipients\s+local\s+remote\n1\s+1\s+0/);
      await eventually("the subscriber to print it", () => seen.includes('"headline":"hi"'));
      assert.match(seen, /news world\.eu from rest@cli-node #1: \{"headline":"hi"\}/);
      const local = await chorus(url, "members", "news", "--local");
      assert.match(local.stdout, /^member\nreader\n$/);
    } finally {
      subscriber.kill("SIGINT");
      await new Promise((resolve) => subscriber.once("exit", resolve));
    }
  });

  it("fails with a clear line and a non-zero exit, and helps", async () => {
    const missing = await chorus(served.url, "publish", "nowhere", "x");
    assert.equal(missing.code, 1);
    assert.match(
      missing.stderr,
      /^chorus: GROUP_NOT_FOUND: group 'nowhere' does not exist in cli\/default\n$/,
    );
    const unreachable = await chorus("http://127.0.0.1:1", "groups", "list");
    assert.equal(unreachable.code, 1);
    assert.match(unreachable.stderr, /^chorus: cannot reach the server at http:\/\/127\.0\.0\.1:1/);
    const help = await chorus(served.url, "groups", "--help");
    assert.equal(help.code, 0);
    assert.match(help.stdout, /create \[options\] <name>/);
    const unknown = await chorus(served.url, "frobnicate");
    assert.notEqual(unknown.code, 0);
  });

  it("stops on SIGTERM: every WebSocket closed with 1001, exit 0", async () => {
    const own = await startServe();
    const socket = await member(own.url, scopePath("cli", "default"), { actorId: "watcher" });
    own.child.kill("SIGTERM");
    assert.equal((await socket.closed).code, 1001);
    const code = await new Promise((resolve) => own.child.once("exit", resolve));
    assert.equal(code, 0, own.output());
    assert.match(own.output(), /"msg":"stopped"/);
  });
});
