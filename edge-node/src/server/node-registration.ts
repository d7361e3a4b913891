/**
 * Tells the origin this node exists and how it is doing (`PUT /internal/nodes/:name`):
 * its region, public URL, the config revision every worker holds, its start time and
 * worker count. One report per node: the cluster supervisor sends it (or the single
 * process of a one-worker node), every REPORT_EVERY_MS and at once when the revision
 * changes. The origin shows a node that stops reporting as stale (docs/operations.md).
 */
import type { Logger, NodeReport, NodeReportAck } from "../../../core/index.ts";
import type { ToPrimary } from "./cluster-messages.ts";

/** How often a node reports; the origin calls it stale after three missed reports. */
export const REPORT_EVERY_MS = 5_000;
/** After a failed report, retry sooner (1 s, doubling up to REPORT_EVERY_MS) to reappear fast. */
const RETRY_FIRST_MS = 1_000;

export interface NodeRegistrationOptions {
  apiUrl: string;
  apiKey: string;
  name: string;
  region: string;
  /** Where clients reach the node; else the URL its workers listen on. */
  publicUrl?: string;
  log: Logger;
  startedAt?: Date;
  everyMs?: number;
}

export class NodeRegistration {
  /** Each worker's config revision (a single-process node is a cluster of one). */
  private readonly revisions = new Map<number, number>();
  private readonly startedAt: string;
  private readonly everyMs: number;
  private listenUrl = "";
  private timer: NodeJS.Timeout | undefined;
  private sending = false;
  private again = false;
  private failures = 0;
  private lastRevision = -1;
  private closed = false;

  constructor(private readonly options: NodeRegistrationOptions) {
    this.startedAt = (options.startedAt ?? new Date(Date.now() - process.uptime() * 1000)).toISOString();
    this.everyMs = options.everyMs ?? REPORT_EVERY_MS;
  }

  /** Feeds what a worker tells its supervisor (`listening`, `revision`); ignores the rest. */
  fromWorker(workerId: number, message: ToPrimary): void {
    if (message.type === "listening") {
      this.listenUrl ||= message.url;
      this.revisions.set(workerId, message.revision);
    } else if (message.type === "revision") {
      if (!this.revisions.has(workerId)) return; // not listening yet: no say in the node's revision
      this.revisions.set(workerId, message.revision);
    } else {
      return;
    }
    if (this.revision() !== this.lastRevision) this.reportNow();
  }

  workerExited(workerId: number): void {
    if (this.revisions.delete(workerId) && this.revision() !== this.lastRevision) this.reportNow();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  /** The revision every listening worker holds (the lowest). */
  private revision(): number {
    return this.revisions.size === 0 ? 0 : Math.min(...this.revisions.values());
  }

  private report(): NodeReport {
    return {
      region: this.options.region,
      url: this.options.publicUrl ?? this.listenUrl,
      revision: this.revision(),
      startedAt: this.startedAt,
      workers: Math.max(1, this.revisions.size),
    };
  }

  /** Sends a report now (or right after the one in flight) and restarts the period. */
  private reportNow(): void {
    if (this.closed || this.revisions.size === 0) return;
    if (this.sending) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.sending = true;
    void this.send().finally(() => {
      this.sending = false;
      if (this.closed) return;
      if (this.again) {
        this.again = false;
        return this.reportNow();
      }
      const delay =
        this.failures === 0 ? this.everyMs : Math.min(RETRY_FIRST_MS * 2 ** (this.failures - 1), this.everyMs);
      this.timer = setTimeout(() => this.reportNow(), delay);
      this.timer.unref();
    });
  }

  private async send(): Promise<void> {
    const report = this.report();
    try {
      const res = await fetch(
        new URL(`/internal/nodes/${encodeURIComponent(this.options.name)}`, this.options.apiUrl),
        {
          method: "PUT",
          headers: { authorization: `Bearer ${this.options.apiKey}`, "content-type": "application/json" },
          body: JSON.stringify(report),
          signal: AbortSignal.timeout(5_000),
        },
      );
      const body = (await res.json().catch(() => undefined)) as NodeReportAck | { error?: { message?: string } };
      if (!res.ok) throw new Error(`origin answered ${res.status}: ${JSON.stringify(body)}`);
      if (this.failures > 0) this.options.log.info({ revision: report.revision }, "reporting to the origin again");
      this.failures = 0;
      this.lastRevision = report.revision;
    } catch (err) {
      // Once per outage: the node keeps serving and keeps trying.
      if (this.failures === 0) this.options.log.warn({ err: String(err) }, "could not report to the origin; retrying");
      this.failures++;
    }
  }
}
