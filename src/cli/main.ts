#!/usr/bin/env node
/**
 * The `chorus` command: `chorus serve` runs a node as a server; the other commands
 * drive a running server over HTTP and WebSocket. Readable tables by default, `--json`
 * for scripts; an error is one line on stderr with its code, and a non-zero exit.
 * Every flag has an environment variable, for containers.
 */
import { Command, Option } from "commander";
import { exitOnSignals, serve } from "../server/serve.js";
import { ChorusHttpError, type Connection, call, subscribe } from "./client.js";
import { print, type Row } from "./output.js";

const program = new Command("chorus")
  .description("Process groups for actors: run a server, or drive one")
  .showHelpAfterError()
  .addOption(
    new Option("--server <url>", "the server to talk to")
      .env("CHORUS_SERVER")
      .default("http://127.0.0.1:7420"),
  )
  .addOption(new Option("--token <token>", "bearer token of the tenant").env("CHORUS_TOKEN"))
  .addOption(new Option("--tenant <id>", "tenant of the scope").env("CHORUS_TENANT").default("default"))
  .addOption(
    new Option("--namespace <ns>", "namespace of the scope").env("CHORUS_NAMESPACE").default("default"),
  )
  .option("--json", "print JSON, for scripts");

const integer = (value: string): number => {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`'${value}' is not a whole number`);
  return n;
};

program
  .command("serve")
  .description("run this process as a Chorus node serving HTTP and WebSocket")
  .addOption(
    new Option("--port <n>", "port to listen on").env("CHORUS_PORT").default(7420).argParser(integer),
  )
  .addOption(new Option("--host <host>", "interface to listen on").env("CHORUS_HOST").default("127.0.0.1"))
  .addOption(new Option("--node-id <id>", "this node's id").env("CHORUS_NODE_ID"))
  .addOption(new Option("--redis <url>", "join a cluster over this Redis").env("CHORUS_REDIS_URL"))
  .addOption(new Option("--prefix <prefix>", "the cluster's key and channel prefix").env("CHORUS_PREFIX"))
  .addOption(new Option("--token-file <file>", "tenant tokens, as JSON").env("CHORUS_TOKEN_FILE"))
  .addOption(new Option("--tokens <list>", "tenant tokens, as tenant:token,…").env("CHORUS_TOKENS"))
  .addOption(
    new Option("--max-body-bytes <n>", "largest request or frame")
      .env("CHORUS_MAX_BODY_BYTES")
      .argParser(integer),
  )
  .addOption(new Option("--max-groups <n>", "groups per tenant").env("CHORUS_MAX_GROUPS").argParser(integer))
  .addOption(
    new Option("--max-members <n>", "WebSocket members per tenant")
      .env("CHORUS_MAX_MEMBERS")
      .argParser(integer),
  )
  .addOption(
    new Option("--max-payload-bytes <n>", "bytes of a published payload")
      .env("CHORUS_MAX_PAYLOAD_BYTES")
      .argParser(integer),
  )
  .addOption(
    new Option("--log-level <level>", "fatal … trace, or silent").env("CHORUS_LOG_LEVEL").default("info"),
  )
  .action(async (o: Record<string, string | number | undefined>) => {
    const defined = <T>(key: string, value: T | undefined) => (value === undefined ? {} : { [key]: value });
    const server = await serve({
      port: o.port as number,
      host: o.host as string,
      logLevel: o.logLevel as string,
      ...defined("nodeId", o.nodeId),
      ...defined("redis", o.redis),
      ...defined("prefix", o.prefix),
      ...defined("tokenFile", o.tokenFile),
      ...defined("tokens", o.tokens),
      ...defined("maxBodyBytes", o.maxBodyBytes),
      quotas: {
        ...defined("maxGroupsPerTenant", o.maxGroups),
        ...defined("maxMembersPerTenant", o.maxMembers),
        ...defined("maxPayloadBytes", o.maxPayloadBytes),
      },
    });
    exitOnSignals(server);
  });

const groups = program.command("groups").description("create, delete and list groups");

groups
  .command("create <name>")
  .description("create a group")
  .option("--label <key=value...>", "a label (repeatable)")
  .action(async (name: string, o: { label?: string[] }) => {
    const labels = Object.fromEntries(
      (o.label ?? []).map((pair) => {
        const at = pair.indexOf("=");
        if (at <= 0) throw new Error(`'${pair}' is not key=value`);
        return [pair.slice(0, at), pair.slice(at + 1)];
      }),
    );
    const group = await call(connection(), "POST", "/groups", { name, ...(o.label && { labels }) });
    print(global().json, group, [groupRow(group)]);
  });

groups
  .command("delete <name>")
  .description("delete a group and every membership in it")
  .action(async (name: string) => {
    await call(connection(), "DELETE", `/groups/${encodeURIComponent(name)}`);
    print(global().json, { deleted: name }, [{ deleted: name }]);
  });

groups
  .command("list")
  .description("list groups, every page")
  .option("--pattern <glob>", "only names matching (* any run, ? one character)")
  .action(async (o: { pattern?: string }) => {
    const all: unknown[] = [];
    let pageToken: string | undefined;
    do {
      const query = new URLSearchParams({ pageSize: "1000" });
      if (o.pattern !== undefined) query.set("pattern", o.pattern);
      if (pageToken !== undefined) query.set("pageToken", pageToken);
      const page = (await call(connection(), "GET", `/groups?${query}`)) as {
        groups: unknown[];
        nextPageToken?: string;
      };
      all.push(...page.groups);
      pageToken = page.nextPageToken;
    } while (pageToken !== undefined);
    print(global().json, all, all.map(groupRow));
  });

program
  .command("members <group>")
  .description("a group's members")
  .option("--local", "only those on the server's node")
  .action(async (group: string, o: { local?: boolean }) => {
    const path = `/groups/${encodeURIComponent(group)}/members${o.local ? "?local=true" : ""}`;
    const { members } = (await call(connection(), "GET", path)) as { members: string[] };
    print(
      global().json,
      members,
      members.map((member) => ({ member })),
    );
  });

program
  .command("publish <group> <message>")
  .description("publish a message (JSON if it parses as JSON, else the text)")
  .option("--topic <topic>", "the message's topic")
  .option("--exclude <actor...>", "actors kept out of this publish")
  .action(async (group: string, message: string, o: { topic?: string; exclude?: string[] }) => {
    const body = {
      payload: parseMessage(message),
      ...(o.topic && { topic: o.topic }),
      ...(o.exclude && { exclude: o.exclude }),
    };
    const result = (await call(
      connection(),
      "POST",
      `/groups/${encodeURIComponent(group)}/publish`,
      body,
    )) as {
      recipients: string[];
      localCount: number;
      remoteCount: number;
    };
    print(global().json, result, [
      { recipients: result.recipients.length, local: result.localCount, remote: result.remoteCount },
    ]);
  });

program
  .command("subscribe <group>")
  .description("join a group and print what arrives, until Ctrl-C")
  .option("--topics <patterns>", "only these topic patterns, comma-separated")
  .option("--actor-id <id>", "the member's actor id")
  .action(async (group: string, o: { topics?: string; actorId?: string }) => {
    const stop = new AbortController();
    process.once("SIGINT", () => stop.abort());
    process.once("SIGTERM", () => stop.abort());
    const json = global().json;
    await subscribe(
      connection(),
      group,
      {
        signal: stop.signal,
        ...(o.topics !== undefined && { topics: o.topics.split(",").map((t) => t.trim()) }),
        ...(o.actorId !== undefined && { actorId: o.actorId }),
      },
      (d) => {
        if (json) process.stdout.write(`${JSON.stringify(d)}\n`);
        else
          process.stdout.write(
            `${d.group}${d.topic ? ` ${d.topic}` : ""}${d.from ? ` from ${d.from} #${d.seq}` : ""}: ${JSON.stringify(d.payload)}\n`,
          );
      },
    );
  });

function global(): { json: boolean } {
  return { json: program.opts().json === true };
}

function connection(): Connection {
  const o = program.opts<{ server: string; token?: string; tenant: string; namespace: string }>();
  return { server: o.server, token: o.token, tenant: o.tenant, namespace: o.namespace };
}

function groupRow(group: unknown): Row {
  const g = group as { name: string; memberCount: number; createdAt: string; labels: Record<string, string> };
  const labels = Object.entries(g.labels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
  return { name: g.name, members: g.memberCount, created: g.createdAt, labels };
}

function parseMessage(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

program.parseAsync(process.argv).catch((error: unknown) => {
  const message =
    error instanceof ChorusHttpError
      ? `${error.code}: ${error.message}`
      : String((error as Error).message ?? error);
  process.stderr.write(`chorus: ${message}\n`);
  process.exitCode = 1;
});
