/**
 * The host side of a container's egress: an HTTP forward proxy on the container's
 * egress.sock (init relays the container's 127.0.0.1:3128 to it). It understands CONNECT
 * (https and any TLS) and absolute-form http requests. The host name is resolved here,
 * every address is judged by the egress policy (core/src/egress-policy.ts), and the
 * connection goes only to an accepted address, so a DNS answer that changes between the
 * check and the connection cannot reach a refused one. Refusals answer 403 with the reason.
 */
import { lookup } from "node:dns/promises";
import { chown, rm } from "node:fs/promises";
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { connect, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import { checkDestination, type EgressConfig, type EgressPolicyOptions, type Logger } from "../../../../core/index.ts";

const CONNECT_TIMEOUT_MS = 10_000;
const HOP_BY_HOP = ["connection", "keep-alive", "proxy-connection", "proxy-authorization", "te", "trailer", "upgrade"];

export interface EgressProxyOptions {
  socketPath: string;
  config: EgressConfig;
  /** Node-wide policy: deniedHosts holds the origin API's and the worker host's own ports. */
  policy: EgressPolicyOptions;
  /** The container's user, who must be able to connect to the socket. */
  owner: { uid: number; gid: number };
  log: Logger;
}

interface Address {
  address: string;
  family: number;
}

export class EgressRefused extends Error {}

/** Resolves `url`'s host and keeps the addresses the policy accepts (at least one, or throws). */
export async function acceptedAddresses(
  url: URL,
  config: EgressConfig,
  policy: EgressPolicyOptions,
): Promise<Address[]> {
  const hostname = url.hostname.replace(/^\[|\]$/g, "");
  let addresses: Address[];
  try {
    addresses = await lookup(hostname, { all: true, verbatim: true });
  } catch {
    throw new EgressRefused(`cannot resolve ${hostname}`);
  }
  let reason = "no address";
  const accepted: Address[] = [];
  for (const candidate of addresses) {
    const verdict = checkDestination(url, candidate.address, config, policy);
    if (verdict.ok) accepted.push(candidate);
    else reason = verdict.reason;
  }
  if (accepted.length === 0) throw new EgressRefused(`${hostname} is not reachable: ${reason}`);
  return accepted;
}

/** Connects to the first accepted address that answers. */
function connectAny(addresses: Address[], port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    let index = 0;
    const next = (lastError?: Error) => {
      const candidate = addresses[index++];
      if (candidate === undefined) return reject(lastError ?? new Error("no address"));
      const socket = connect({ host: candidate.address, port, family: candidate.family });
      socket.setTimeout(CONNECT_TIMEOUT_MS, () => socket.destroy(new Error("connect timeout")));
      socket.once("connect", () => {
        socket.setTimeout(0);
        socket.removeAllListeners("error");
        resolve(socket);
      });
      socket.once("error", (error) => next(error));
    };
    next();
  });
}

export class EgressProxy {
  private readonly server: Server;
  private readonly sockets = new Set<Duplex>();

  private constructor(private readonly options: EgressProxyOptions) {
    this.server = createServer((req, res) => void this.forward(req, res));
    this.server.on("connect", (req: IncomingMessage, client: Duplex, head: Buffer) => {
      void this.tunnel(req, client, head);
    });
    this.server.on("connection", (socket: Socket) => {
      this.sockets.add(socket);
      socket.once("close", () => this.sockets.delete(socket));
    });
  }

  static async listen(options: EgressProxyOptions): Promise<EgressProxy> {
    const proxy = new EgressProxy(options);
    await rm(options.socketPath, { force: true });
    await new Promise<void>((resolve, reject) => {
      proxy.server.once("error", reject);
      proxy.server.listen(options.socketPath, () => resolve());
    });
    await chown(options.socketPath, options.owner.uid, options.owner.gid);
    return proxy;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** CONNECT host:port: a TCP tunnel (TLS stays end to end). */
  private async tunnel(req: IncomingMessage, client: Duplex, head: Buffer): Promise<void> {
    this.sockets.add(client);
    client.once("close", () => this.sockets.delete(client));
    client.on("error", () => client.destroy());
    let url: URL;
    try {
      url = new URL(`https://${req.url ?? ""}`);
      if (!url.port) throw new EgressRefused("CONNECT needs host:port");
    } catch (error) {
      return refuseRaw(client, error instanceof EgressRefused ? error.message : "bad CONNECT target", 400);
    }
    let upstream: Socket;
    try {
      const addresses = await acceptedAddresses(url, this.options.config, this.options.policy);
      upstream = await connectAny(addresses, Number(url.port));
    } catch (error) {
      return refuseRaw(client, reasonOf(error), error instanceof EgressRefused ? 403 : 502);
    }
    this.sockets.add(upstream);
    upstream.once("close", () => this.sockets.delete(upstream));
    client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
    if (head.length > 0) upstream.write(head);
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  }

  /** An absolute-form request (`GET http://host/path`): forwarded as plain HTTP. */
  private async forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? "");
      if (url.protocol !== "http:") throw new Error();
    } catch {
      return refuse(res, 400, "the proxy takes absolute http:// URLs, and CONNECT for https");
    }
    let addresses: Address[];
    try {
      addresses = await acceptedAddresses(url, this.options.config, this.options.policy);
    } catch (error) {
      return refuse(res, error instanceof EgressRefused ? 403 : 502, reasonOf(error));
    }
    const headers = { ...req.headers };
    for (const name of HOP_BY_HOP) delete headers[name];
    const upstream = request({
      host: addresses[0].address,
      family: addresses[0].family,
      port: Number(url.port || 80),
      method: req.method,
      path: `${url.pathname}${url.search}`,
      headers: { ...headers, host: url.host },
      timeout: CONNECT_TIMEOUT_MS,
    });
    upstream.on("response", (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, answer.rawHeaders);
      answer.pipe(res);
    });
    upstream.on("timeout", () => upstream.destroy(new Error("timeout")));
    upstream.on("error", (error) => {
      if (!res.headersSent) refuse(res, 502, `cannot reach ${url.host}: ${error.message}`);
      else res.destroy();
    });
    req.pipe(upstream);
  }
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function refuse(res: ServerResponse, status: number, reason: string): void {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", connection: "close" });
  res.end(`${reason}\n`);
}

function refuseRaw(client: Duplex, reason: string, status: number): void {
  const body = `${reason}\n`;
  const text = status === 403 ? "Forbidden" : status === 400 ? "Bad Request" : "Bad Gateway";
  client.end(
    `HTTP/1.1 ${status} ${text}\r\ncontent-type: text/plain; charset=utf-8\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}
