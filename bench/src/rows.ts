/** What every section returns: rows of the one table (our figure, a peer's, their ratio). */

export interface Row {
  section: string;
  metric: string;
  unit: string;
  /** Our figure; a string when it could not be measured (the reason). */
  ours: number | string;
  peer?: string;
  peerValue?: number | string;
  /** Whether a lower figure is the better one (ms, MB) or a higher one (req/s, MB/s). */
  lowerIsBetter: boolean;
  note?: string;
}

export interface Context {
  quick: boolean;
  workDir: string;
  log(line: string): void;
  /** Raw figures for the JSON file, by section. */
  raw: Record<string, unknown>;
}

/** ours / peer, when both are numbers. */
export function ratio(row: Row): number | undefined {
  if (typeof row.ours !== "number" || typeof row.peerValue !== "number") return undefined;
  if (!Number.isFinite(row.ours) || !Number.isFinite(row.peerValue) || row.peerValue === 0) return undefined;
  return row.ours / row.peerValue;
}

/** One row per peer for the same metric of ours. */
export function againstPeers(
  base: Omit<Row, "peer" | "peerValue">,
  peers: Record<string, number | string | undefined>,
): Row[] {
  const names = Object.keys(peers);
  if (names.length === 0) return [{ ...base }];
  return names.map((peer) => ({ ...base, peer, peerValue: peers[peer] ?? "not measured" }));
}

export function errorText(err: unknown): string {
  return `error: ${(err as Error).message.split("\n")[0].slice(0, 120)}`;
}
