/**
 * Maps stack frames of a user bundle back to the user's sources with the bundle's source
 * map (Node's own `SourceMap`), so errors read `at handler (index.ts:7:11)`. Frames of
 * our runtime are dropped: they say nothing to the user and describe our internals.
 */
import { SourceMap, type SourceMapPayload } from "node:module";
import { RUNTIME_FILENAME } from "./runtime-script.ts";

const RUNTIME_FRAME = new RegExp(`^\\s*at .*(?:${RUNTIME_FILENAME}|<isolated-vm)`);

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** `../src/index.ts` or `file:///app/index.ts` -> `src/index.ts` / `app/index.ts`. */
function displayPath(source: string): string {
  return source
    .replace(/^file:\/\/\/?/, "")
    .replace(/^(?:\.\.?\/)+/, "")
    .replace(/^webpack:\/\/\/?/, "");
}

export class StackMapper {
  readonly #bundleUrl: string;
  readonly #frame: RegExp;
  readonly #mapJson: string | undefined;
  #map: SourceMap | null | undefined;

  constructor(bundleUrl: string, mapJson?: string) {
    this.#bundleUrl = bundleUrl;
    this.#frame = new RegExp(`${escapeRegExp(bundleUrl)}:(\\d+):(\\d+)`, "g");
    this.#mapJson = mapJson;
  }

  /** Parsed on first use: most bundles never throw. */
  #sourceMap(): SourceMap | null {
    if (this.#map !== undefined) return this.#map;
    this.#map = null;
    if (this.#mapJson !== undefined) {
      try {
        this.#map = new SourceMap(JSON.parse(this.#mapJson) as SourceMapPayload);
      } catch {
        this.#map = null; // a corrupt map only costs the mapping, never the error itself
      }
    }
    return this.#map;
  }

  /** `line:column` (1-based, generated) -> `file:line:column` in the user's source. */
  mapPosition(line: number, column: number): string | null {
    const map = this.#sourceMap();
    if (map === null) return null;
    const entry = map.findEntry(line - 1, column - 1) as Partial<{
      originalSource: string;
      originalLine: number;
      originalColumn: number;
    }>;
    if (entry.originalSource === undefined || entry.originalLine === undefined || entry.originalColumn === undefined)
      return null;
    return `${displayPath(entry.originalSource)}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
  }

  /** Rewrites every `<bundle url>:L:C` in `text`; drops runtime frames. */
  mapText(text: string): string {
    if (!text.includes(this.#bundleUrl) && !text.includes(RUNTIME_FILENAME) && !text.includes("<isolated-vm")) {
      return text;
    }
    const lines = text.split("\n").filter((line) => !RUNTIME_FRAME.test(line));
    return lines.map((line) => this.#mapLine(line)).join("\n");
  }

  #mapLine(line: string): string {
    return line.replace(this.#frame, (match, row: string, column: string) => {
      return this.mapPosition(Number(row), Number(column)) ?? match;
    });
  }

  /** The first user frame of a (mapped) stack, for one-line messages: `index.ts:7:11`. */
  firstFrame(mappedStack: string): string | null {
    for (const line of mappedStack.split("\n")) {
      const match = /^\s*at (?:.*\()?(.+?:\d+:\d+)\)?$/.exec(line);
      if (match !== null) return match[1];
    }
    return null;
  }
}
