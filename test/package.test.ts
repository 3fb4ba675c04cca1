/**
 * The package as people install it. This test packs the built package, checks the
 * tarball's files (the library, the server and the CLI, with the sources their maps
 * point to; no tests, benches or examples), installs it into an empty project outside
 * the repository and uses it there as a user would: `import`, `require()` (Node
 * 20.19+), and the `chorus` command that npm links.
 *
 * It packs with --ignore-scripts: prepack rebuilds dist/src, and this test checks the
 * build this run made (and runs from dist itself).
 *
 * Network: npm installs the package's dependencies with --prefer-offline, from npm's
 * cache where it has them (`npm ci` fills it) and from the registry for the rest. With
 * neither, the tarball is unpacked inside the repository instead, where its
 * dependencies resolve from the repository's node_modules; the test then says so, and
 * the command is run by node rather than through npm's link.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, posix, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

// Coverage is of this repository's dist, and npm must not take the settings of an
// `npm run` this test may be running under (npm_config_*): both are left out.
const env: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(([key]) => key !== "NODE_V8_COVERAGE" && !key.startsWith("npm_")),
);
env.PATH = `${dirname(process.execPath)}${delimiter}${env.PATH ?? ""}`;

function run(
  file: string,
  args: readonly string[],
  cwd: string,
): Promise<{ stdout: string; stderr: string }> {
  return promisify(execFile)(file, args, { cwd, env, timeout: 90_000, maxBuffer: 16 * 1024 * 1024 });
}

const NETWORK = /ENOTCACHED|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH/;

const ESM_CHECK = `
import { ActorSystem } from "chorus-pg";
import { serve } from "chorus-pg/server";
const system = new ActorSystem({ nodeId: "node-1" });
const groups = system.groups({ tenantId: "acme", namespace: "prod" });
await groups.createGroup("notifications");
const worker = system.spawn({ id: "worker-1", tenantId: "acme", namespace: "prod" }, () => {});
await groups.joinGroup("notifications", worker);
const result = await groups.publishToGroup("notifications", "hi");
await system.shutdown();
console.log(JSON.stringify({ recipients: result.recipients, serve: typeof serve }));
`;

const CJS_CHECK = `
const { ActorSystem } = require("chorus-pg");
const { buildApp } = require("chorus-pg/server");
console.log(JSON.stringify({ ActorSystem: typeof ActorSystem, buildApp: typeof buildApp }));
`;

describe("the npm package", { timeout: 180_000 }, () => {
  const scratch: string[] = [];
  let files: Set<string>;
  let consumer: string; // the project that installed it
  let installed: string; // node_modules/chorus-pg in it
  let linked: boolean; // installed by npm, so node_modules/.bin/chorus exists

  before(async () => {
    const packed = mkdtempSync(join(tmpdir(), "chorus-pack-"));
    scratch.push(packed);
    const { stdout } = await run(
      "npm",
      ["pack", "--json", "--ignore-scripts", "--pack-destination", packed],
      root,
    );
    const [pack] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
    assert.ok(pack, "npm pack reported the tarball");
    files = new Set(pack.files.map((file) => file.path));
    const tarball = join(packed, pack.filename);

    consumer = join(packed, "app");
    mkdirSync(consumer);
    writeFileSync(join(consumer, "package.json"), JSON.stringify({ name: "consumer", private: true }));
    try {
      await run(
        "npm",
        ["install", tarball, "--prefer-offline", "--ignore-scripts", "--no-audit", "--no-fund"],
        consumer,
      );
      linked = true;
    } catch (error) {
      const output = `${(error as { stderr?: string }).stderr ?? ""}`;
      if (!NETWORK.test(output)) throw error;
      // Inside the repository, so that the dependencies resolve from its node_modules.
      consumer = mkdtempSync(join(root, "dist", "package-"));
      scratch.push(consumer);
      writeFileSync(join(consumer, "package.json"), JSON.stringify({ name: "consumer", private: true }));
      mkdirSync(join(consumer, "node_modules/chorus-pg"), { recursive: true });
      await run("tar", ["-xzf", tarball, "-C", "node_modules/chorus-pg", "--strip-components=1"], consumer);
      linked = false;
    }
    installed = join(consumer, "node_modules/chorus-pg");
  });

  after(() => {
    for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
  });

  it("ships the library, the server and the CLI, and the sources of their maps", () => {
    for (const path of [
      "package.json",
      "README.md",
      "LICENSE",
      "dist/src/index.js",
      "dist/src/index.d.ts",
      "dist/src/server/index.js",
      "dist/src/server/index.d.ts",
      "dist/src/cli/main.js",
    ]) {
      assert.ok(files.has(path), `the package has ${path}`);
    }
    const stray = [...files].filter(
      (path) =>
        !["package.json", "README.md", "LICENSE"].includes(path) &&
        !path.startsWith("dist/src/") &&
        !(path.startsWith("src/") && path.endsWith(".ts")),
    );
    assert.deepEqual(stray, [], "nothing but the build of src, src itself and the docs");

    // A map must find what it maps and the sources it names; a source ships only for a map.
    const mapped = new Set<string>();
    for (const path of [...files].filter((p) => p.endsWith(".map"))) {
      assert.ok(files.has(path.slice(0, -".map".length)), `${path} has its file`);
      const map = JSON.parse(readFileSync(join(installed, path), "utf8")) as { sources: string[] };
      for (const source of map.sources) {
        const target = posix.normalize(posix.join(posix.dirname(path), source));
        assert.ok(files.has(target), `${path} names ${target}, which the package has`);
        mapped.add(target);
      }
    }
    const unmapped = [...files].filter((path) => path.startsWith("src/") && !mapped.has(path));
    assert.deepEqual(unmapped, [], "every source shipped is a map's");
  });

  it("loads with import and runs", async () => {
    writeFileSync(join(consumer, "check.mjs"), ESM_CHECK);
    const { stdout } = await run(process.execPath, ["check.mjs"], consumer);
    assert.deepEqual(JSON.parse(stdout), { recipients: ["worker-1"], serve: "function" });
  });

  it("loads with require() where Node loads ES modules through it", async (t) => {
    if ((process.features as { require_module?: boolean }).require_module !== true) {
      t.skip(`Node ${process.version} cannot require() ES modules (20.19 and later can)`);
      return;
    }
    writeFileSync(join(consumer, "check.cjs"), CJS_CHECK);
    const { stdout } = await run(process.execPath, ["check.cjs"], consumer);
    assert.deepEqual(JSON.parse(stdout), { ActorSystem: "function", buildApp: "function" });
  });

  it("installs the chorus command", async (t) => {
    const manifest = JSON.parse(readFileSync(join(installed, "package.json"), "utf8")) as {
      bin?: Record<string, string>;
    };
    const bin = manifest.bin?.chorus;
    assert.ok(bin !== undefined, "package.json names the chorus command");
    assert.match(readFileSync(join(installed, bin), "utf8"), /^#!\/usr\/bin\/env node\n/);
    let help: string;
    if (linked) help = (await run(join(consumer, "node_modules/.bin/chorus"), ["--help"], consumer)).stdout;
    else {
      t.diagnostic("npm could not install the dependencies offline: the command runs through node");
      help = (await run(process.execPath, [join(installed, bin), "--help"], consumer)).stdout;
    }
    assert.match(help, /^Usage: chorus /);
    assert.match(help, /\bserve\b/);
  });
});
