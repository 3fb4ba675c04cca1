/**
 * `chorus-pg` is the library alone: an application that only uses process groups must
 * not load Fastify, pino or prom-client, which only `chorus-pg/server` and the
 * `chorus` command need. Two checks on the built files: no import reachable from
 * dist/src/index.js leads into dist/src/server or dist/src/cli, and a process that
 * imports the library has none of the server's packages loaded. Each check is run on
 * the server entry too, where it must find them, so that it cannot pass by seeing
 * nothing.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import ts from "typescript";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const dist = join(root, "dist/src");

/** The packages of the server and the CLI: none may load with the library. */
const SERVER_PACKAGES = [
  "fastify",
  "@fastify/swagger",
  "@fastify/websocket",
  "pino",
  "prom-client",
  "ws",
  "commander",
];

/** Every built file reachable from `entry` by its imports (dynamic ones too), and the packages they import. */
function moduleGraph(entry: string): { files: string[]; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const pending = [entry];
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (files.has(file)) continue;
    files.add(file);
    const { importedFiles } = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
    for (const { fileName: specifier } of importedFiles) {
      if (specifier.startsWith(".")) pending.push(resolve(dirname(file), specifier));
      else if (!specifier.startsWith("node:")) {
        const parts = specifier.split("/");
        packages.add(specifier.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] ?? specifier));
      }
    }
  }
  return { files: [...files].map((file) => relative(dist, file)), packages };
}

/** The packages a fresh process has loaded once it imported `entry`. */
async function packagesLoadedBy(entry: string): Promise<string[]> {
  // Packages imported from ES modules still load through the CommonJS loader when
  // they are CommonJS, as all of these are, so require.cache lists them.
  const script = `
    await import(${JSON.stringify(pathToFileURL(entry).href)});
    const { createRequire } = await import("node:module");
    console.log(JSON.stringify(Object.keys(createRequire(import.meta.url).cache)));`;
  const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", script], {
    cwd: root,
    timeout: 20_000,
  });
  const loaded = JSON.parse(stdout) as string[];
  return SERVER_PACKAGES.filter((name) => loaded.some((file) => file.includes(`/node_modules/${name}/`)));
}

describe("package entries", () => {
  it("chorus-pg imports nothing of the server or the CLI", () => {
    const library = moduleGraph(join(dist, "index.js"));
    const reached = library.files.filter((file) => file.startsWith("server/") || file.startsWith("cli/"));
    assert.deepEqual(reached, [], "the library's imports reach the server or the CLI");
    assert.deepEqual(
      SERVER_PACKAGES.filter((name) => library.packages.has(name)),
      [],
      "the library imports a server package",
    );

    const server = moduleGraph(join(dist, "server/index.js"));
    assert.ok(server.files.includes("index.js"), "the server builds on the library");
    assert.ok(server.packages.has("fastify"), "the walk finds the server's packages");
  });

  it("loading chorus-pg loads none of the server's packages", async () => {
    assert.deepEqual(await packagesLoadedBy(join(dist, "index.js")), []);
    const server = await packagesLoadedBy(join(dist, "server/index.js"));
    assert.ok(server.includes("fastify") && server.includes("pino"), `the server loaded only ${server}`);
  });
});
