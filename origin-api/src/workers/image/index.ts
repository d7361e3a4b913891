/**
 * Custom container images (contract 2.1): detection, verified unpacking into a root
 * folder with OCI layer semantics, and the LaunchSpec the container layer runs.
 * Imports core and ../types.ts only.
 */
export { detectImage, detectImageDir, type ImageFormat } from "./detect.ts";
export { unpackImage, DEFAULT_IMAGE_LIMITS, type ImageLimits, type UnpackOptions } from "./unpack.ts";
export { imageLaunchSpec, DEFAULT_PATH, type ImageInfo } from "./image-info.ts";
export type { ImageSource } from "./outer-tar.ts";
