/** The code every contestant runs: one Workers-style module, byte for byte the same. */

export const HELLO_BODY = "Hello World!\n";

/** `export default { fetch }`: runs unchanged on our edge, workerd, Deno and Bun. */
export function helloModule(tag = ""): string {
  return `// ${tag}
export default {
  fetch(_req) {
    return new Response(${JSON.stringify(HELLO_BODY)}, { headers: { "content-type": "text/plain" } });
  },
};
`;
}

/** A hello handler whose bundle is about `bytes` large (a string table it never reads in full). */
export function bigModule(bytes: number, tag: string): string {
  const rows: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const row = `  "${tag}-${i}-${(i * 2654435761) % 4294967296}-${"x".repeat(40)}",`;
    rows.push(row);
    size += row.length + 1;
  }
  return `const TABLE = [\n${rows.join("\n")}\n];
export default {
  fetch(_req) {
    return new Response("rows " + TABLE.length + "\\n", { headers: { "content-type": "text/plain" } });
  },
};
`;
}

/** Awaits `ms` then answers: for many requests in flight at once. */
export function sleepModule(ms: number): string {
  return `export default {
  async fetch(_req) {
    await new Promise((r) => setTimeout(r, ${ms}));
    return new Response("slept\\n");
  },
};
`;
}

/** Echoes the request body's length, or answers with `?bytes=n` bytes. */
export function bytesModule(): string {
  return `export default {
  async fetch(req) {
    const n = Number(new URL(req.url).searchParams.get("bytes") ?? 0);
    if (req.method === "POST") {
      const body = await req.arrayBuffer();
      return new Response(String(body.byteLength));
    }
    return new Response(new Uint8Array(n).fill(97));
  },
};
`;
}
