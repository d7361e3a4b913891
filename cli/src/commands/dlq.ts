import { seg } from "../api-client.ts";
import { stringFlag, type CommandSpec } from "../command.ts";
import { table } from "../output.ts";

interface DeadLetter {
  id: string;
  function: string | null;
  functionId: string;
  trigger: { index: number | null; type: string };
  event: { id: string; type: string | null };
  attempts: number;
  errors: { attempt: number; code: string; message: string; time: string }[];
  finishedAt: string | null;
}

export const dlqListCommand: CommandSpec = {
  words: ["functions", "dlq", "list"],
  args: "",
  summary: "list the dead-letter queue, newest first: deliveries that ran out of retries, with their errors",
  options: {
    function: { type: "string", value: "<name>", description: "only this function's dead letters" },
    limit: { type: "string", value: "<n>", description: "how many (1-500, default 50)" },
  },
  positionals: { min: 0, max: 0 },
  async run({ client, out, flags }) {
    const query = new URLSearchParams();
    const fn = stringFlag(flags, "function");
    const limit = stringFlag(flags, "limit");
    if (fn) query.set("function", fn);
    if (limit) query.set("limit", limit);
    const text = query.toString();
    const body = await client().get<{ items: DeadLetter[]; nextCursor: string | null }>(
      `/dlq${text ? `?${text}` : ""}`,
    );
    out.result(body, () =>
      body.items.length === 0
        ? "the dead-letter queue is empty"
        : table(
            ["id", "function", "trigger", "event", "attempts", "failed", "last error"],
            body.items.map((d) => {
              const last = d.errors.at(-1);
              return [
                d.id,
                d.function ?? d.functionId,
                d.trigger.index === null ? d.trigger.type : `${d.trigger.index} (${d.trigger.type})`,
                d.event.type ?? "-",
                String(d.attempts),
                d.finishedAt ?? "",
                last ? `${last.code}: ${last.message}` : "",
              ];
            }),
          ),
    );
  },
};

export const dlqRetryCommand: CommandSpec = {
  words: ["functions", "dlq", "retry"],
  args: "<id>",
  summary: "send a dead letter to its function once more (one new attempt)",
  options: {},
  positionals: { min: 1, max: 1 },
  async run({ client, out, args: [id] }) {
    const body = await client().request<{ id: string; attempts: number }>("POST", `/dlq/${seg(id!)}/retry`);
    out.result(body, () => `queued ${id} for one more attempt (attempt ${(body?.attempts ?? 0) + 1})`);
  },
};
