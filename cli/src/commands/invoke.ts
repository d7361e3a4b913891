import { errorFromResponse, isErrorEnvelope, seg, ApiError } from "../api-client.ts";
import { UsageError, stringFlag, type CommandSpec } from "../command.ts";
import { envOption } from "./options.ts";

const USAGE = "bunbase functions invoke <name> [--data JSON] [--event type] [--env staging] [--version n] [--async]";

export const invokeCommand: CommandSpec = {
  words: ["functions", "invoke"],
  args: "<name>",
  summary: "run a deployed function now through the API (an HTTP POST, or an event with --event)",
  options: {
    data: {
      type: "string",
      value: "<json>",
      description: "request body (JSON is sent as application/json), or the event's data",
    },
    event: { type: "string", value: "<type>", description: "deliver an event of this type instead of a request" },
    env: envOption,
    version: { type: "string", value: "<n>", description: "run this version instead of the active one" },
    async: { type: "boolean", description: "queue it and print the invocation id" },
  },
  positionals: { min: 1, max: 1 },
  async run({ client, out, flags, args: [name] }) {
    const version = stringFlag(flags, "version");
    if (version !== undefined && !/^v?\d+$/.test(version)) throw new UsageError("--version must be a number", USAGE);
    const event = stringFlag(flags, "event");
    const data = stringFlag(flags, "data");
    const res = await client().fetch("POST", `/functions/${seg(name)}/invoke`, {
      query: {
        version: version?.replace(/^v/, ""),
        environment: stringFlag(flags, "env"),
        async: flags.async === true ? "1" : undefined,
        event,
      },
      ...requestBody(data, event !== undefined),
    });
    const bytes = new Uint8Array(await res.arrayBuffer());
    const text = new TextDecoder().decode(bytes);
    const json = parseJson(text);
    if (res.status >= 400 && isErrorEnvelope(json)) {
      throw await errorFromResponse(new Response(bytes, { status: res.status }));
    }
    const meta = describeMeta(res);
    if (res.status === 202) {
      const id = (json as { invocationId?: string } | undefined)?.invocationId ?? "?";
      return out.result(json, () => [`queued ${id}`, `status: GET /functions/${name}/invocations/${id}`]);
    }
    if (event !== undefined) {
      if (!res.ok) throw new ApiError(`HTTP_${res.status}`, text.slice(0, 200), res.status);
      out.result(json, () => JSON.stringify((json as { result?: unknown }).result ?? null, null, 2));
    } else {
      const headers = Object.fromEntries(res.headers);
      out.result({ status: res.status, headers, body: text }, () => text);
    }
    if (!out.json) out.note(meta);
  },
};

function requestBody(data: string | undefined, isEvent: boolean): { body?: string; headers?: Record<string, string> } {
  if (data === undefined) return isEvent ? { body: "{}", headers: { "content-type": "application/json" } } : {};
  if (parseJson(data) !== undefined) return { body: data, headers: { "content-type": "application/json" } };
  if (isEvent) throw new UsageError("--data must be JSON for an event", USAGE);
  return { body: data, headers: { "content-type": "text/plain;charset=UTF-8" } };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** `200 · v3 · cold start · 12.3 ms · inv_...` from the invocation headers (contract 2.3). */
function describeMeta(res: Response): string {
  const parts = [String(res.status)];
  const version = res.headers.get("x-bunbase-version");
  if (version) parts.push(`v${version}`);
  if (res.headers.get("x-bunbase-cold-start") === "true") parts.push("cold start");
  const total = /total;dur=([\d.]+)/.exec(res.headers.get("server-timing") ?? "")?.[1];
  if (total) parts.push(`${total} ms`);
  const id = res.headers.get("x-bunbase-invocation-id");
  if (id) parts.push(id);
  return parts.join(" · ");
}
