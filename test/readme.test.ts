/**
 * The README's tour is code users copy: it must compile against the public API and
 * run. This test lifts it out of README.md, transpiles it, points its import at the
 * built package and runs it in a child process.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import ts from "typescript";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

describe("README", () => {
  it("has a tour that runs against the built package", async () => {
    const readme = readFileSync(join(root, "README.md"), "utf8");
    const block = /## A short tour\n\n```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    assert.ok(block, "the README has a '## A short tour' section with a ts block");
    const entry = pathToFileURL(join(root, "dist/src/index.js")).href;
    assert.match(block, /from "chorus-pg"/, "the tour imports the package by its published name");
    const source = block.replace(/from "chorus-pg"/g, `from ${JSON.stringify(entry)}`);
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    });
    const dir = mkdtempSync(join(tmpdir(), "chorus-readme-"));
    try {
      const file = join(dir, "tour.mjs");
      writeFileSync(file, outputText);
      const { stdout } = await promisify(execFile)(process.execPath, [file], { timeout: 20_000 });
      assert.match(stdout, /worker-1 got \{ key: 'db' \} on config\.db/);
      assert.match(stdout, /joined notifications worker-1/);
      assert.match(stdout, /GROUP_NOT_FOUND group 'missing' does not exist in acme\/prod/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
