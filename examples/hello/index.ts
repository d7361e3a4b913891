/** GET /hello?name=you -> "Hello from Bunbase, you!" */
export async function handler(req: Request): Promise<Response> {
  const name = new URL(req.url).searchParams.get("name");
  return new Response(name ? `Hello from Bunbase, ${name}!\n` : "Hello from Bunbase!\n", {
    headers: { "content-type": "text/plain; charset=utf-8" },
  });
}
