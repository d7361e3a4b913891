/**
 * Connection pools for guests' fetches, one per (origin, vetted addresses) and per
 * instance, so repeated fetches to a host reuse their connections (and TLS sessions)
 * while every socket still goes only to addresses the egress policy accepted: the pool's
 * `connect.lookup` answers with those whatever the name (all of them when Node asks for
 * all, so it can fall back between IPv6 and IPv4). A pool idle for
 * IDLE_MS is closed. Tenants never share a pool.
 */
import { Agent } from "undici";

const IDLE_MS = 10_000;
const MAX_AGENTS = 64;

export interface PinnedAddress {
  address: string;
  family: number;
}

interface Entry {
  agent: Agent;
  timer: NodeJS.Timeout;
}

export class PinnedAgents {
  readonly #connectTimeoutMs: number;
  readonly #agents = new Map<string, Entry>();

  constructor(connectTimeoutMs = 10_000) {
    this.#connectTimeoutMs = connectTimeoutMs;
  }

  /** The pool for `origin` whose sockets go to `pinned`; kept alive IDLE_MS after its last use. */
  get(origin: string, pinned: PinnedAddress[]): Agent {
    const key = `${origin}|${pinned.map((entry) => entry.address).join(",")}`;
    const existing = this.#agents.get(key);
    if (existing !== undefined) {
      existing.timer.refresh();
      // Most recently used last, so the oldest goes first when there are too many.
      this.#agents.delete(key);
      this.#agents.set(key, existing);
      return existing.agent;
    }
    if (this.#agents.size >= MAX_AGENTS) this.#drop(this.#agents.keys().next().value as string);
    const agent = new Agent({
      connect: {
        timeout: this.#connectTimeoutMs,
        lookup: (_hostname, options, callback) => {
          if ((options as { all?: boolean }).all === true)
            callback(
              null,
              pinned.map((entry) => ({ ...entry })),
            );
          else callback(null, pinned[0].address, pinned[0].family);
        },
      },
    });
    const timer = setTimeout(() => this.#drop(key), IDLE_MS);
    timer.unref();
    this.#agents.set(key, { agent, timer });
    return agent;
  }

  #drop(key: string): void {
    const entry = this.#agents.get(key);
    if (entry === undefined) return;
    this.#agents.delete(key);
    clearTimeout(entry.timer);
    // In-flight requests on it finish or fail; close() lets them end first.
    void entry.agent.close().catch(() => undefined);
  }

  /** The instance is gone: every pool goes, in-flight requests with them. */
  destroy(): void {
    for (const [key, entry] of this.#agents) {
      clearTimeout(entry.timer);
      void entry.agent.destroy().catch(() => undefined);
      this.#agents.delete(key);
    }
  }
}
