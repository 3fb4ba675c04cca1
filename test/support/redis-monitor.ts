/**
 * Redis's MONITOR feed, read over a plain socket: every command Redis runs, with the
 * client that sent it (or `lua` for a command a script ran). The ioredis client's own
 * MONITOR mode can take the first lines of the feed, when they share a read with the
 * MONITOR reply, for replies to commands it never sent, and then fail; a socket that
 * only ever reads the feed has no such state to lose.
 */
import { Socket } from "node:net";

export interface MonitorLine {
  /** Redis's clock, seconds with microseconds. */
  readonly time: number;
  /** The client's address, or "lua". */
  readonly source: string;
  readonly args: readonly string[];
}

export class RedisMonitor {
  readonly #socket: Socket;
  #buffer = "";
  #started = false;

  private constructor(socket: Socket, onLine: (line: MonitorLine) => void) {
    this.#socket = socket;
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => {
      this.#buffer += chunk;
      for (let end = this.#buffer.indexOf("\r\n"); end >= 0; end = this.#buffer.indexOf("\r\n")) {
        const line = this.#buffer.slice(0, end);
        this.#buffer = this.#buffer.slice(end + 2);
        if (!this.#started) {
          this.#started = line === "+OK";
          continue;
        }
        const parsed = parseLine(line);
        if (parsed !== null) onLine(parsed);
      }
    });
    socket.on("error", () => undefined); // the server going away ends the feed, nothing more
  }

  static start(port: number, onLine: (line: MonitorLine) => void): Promise<RedisMonitor> {
    return new Promise((resolve, reject) => {
      const socket = new Socket();
      const monitor = new RedisMonitor(socket, onLine);
      socket.once("error", reject);
      socket.connect(port, "127.0.0.1", () => {
        socket.write("MONITOR\r\n");
        resolve(monitor);
      });
    });
  }

  stop(): void {
    this.#socket.destroy();
  }
}

// `+1796025745.523869 [0 127.0.0.1:52344] "evalsha" "abc" "1"`, or `[0 lua]`.
function parseLine(line: string): MonitorLine | null {
  const match = /^\+(\d+\.\d+) \[\d+ ([^\]]+)\] (.*)$/.exec(line);
  if (match === null) return null;
  const args: string[] = [];
  const rest = match[3]!;
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] !== '"') continue;
    let arg = "";
    for (i++; i < rest.length && rest[i] !== '"'; i++) {
      if (rest[i] !== "\\") {
        arg += rest[i];
        continue;
      }
      const next = rest[++i];
      if (next === "x") {
        arg += String.fromCharCode(Number.parseInt(rest.slice(i + 1, i + 3), 16));
        i += 2;
      } else arg += next === "n" ? "\n" : next === "r" ? "\r" : next === "t" ? "\t" : (next ?? "");
    }
    args.push(arg);
  }
  return { time: Number(match[1]), source: match[2]!, args };
}
