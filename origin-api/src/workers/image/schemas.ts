/**
 * The JSON documents of an image, validated at the boundary: OCI index and manifest
 * (image-spec image-index.md, manifest.md), Docker's `docker save` manifest.json, and the
 * image config (config.md). Unknown keys are ignored, as the specs ask.
 */
import { z } from "zod";
import { imageError } from "./image-error.ts";

const digest = z.string().regex(/^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/, "not a digest");

export const DescriptorSchema = z.object({
  mediaType: z.string().optional(),
  digest,
  size: z.number().int().nonnegative(),
  platform: z.object({ os: z.string(), architecture: z.string(), variant: z.string().optional() }).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});
export type Descriptor = z.infer<typeof DescriptorSchema>;

export const IndexSchema = z.object({
  mediaType: z.string().optional(),
  manifests: z.array(DescriptorSchema),
});

export const ManifestSchema = z.object({
  mediaType: z.string().optional(),
  config: DescriptorSchema,
  layers: z.array(DescriptorSchema),
});

export const DockerManifestSchema = z
  .array(z.object({ Config: z.string(), RepoTags: z.array(z.string()).nullish(), Layers: z.array(z.string()) }))
  .min(1);

const strings = z.array(z.string()).nullish();

export const ImageConfigSchema = z.object({
  architecture: z.string().optional(),
  os: z.string().optional(),
  config: z
    .object({
      Entrypoint: strings,
      Cmd: strings,
      Env: strings,
      WorkingDir: z.string().nullish(),
      User: z.string().nullish(),
      ExposedPorts: z.record(z.string(), z.unknown()).nullish(),
    })
    .nullish(),
  rootfs: z.object({ type: z.string(), diff_ids: z.array(digest) }).optional(),
});
export type ImageConfig = z.infer<typeof ImageConfigSchema>;

/** Parses `bytes` as JSON of `schema`, or FN_005 naming the member. */
export function parseJson<T>(schema: z.ZodType<T>, bytes: Buffer, member: string): T {
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString("utf8"));
  } catch (err) {
    throw imageError(member, "not valid JSON", err);
  }
  const result = schema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw imageError(member, `${issue.path.join(".") || "document"}: ${issue.message}`);
  }
  return result.data;
}
