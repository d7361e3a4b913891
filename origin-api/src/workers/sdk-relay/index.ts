export { SdkRelay, MAX_SDK_BODY_BYTES } from "./sdk-relay.ts";
export { SdkUpstream, type SdkUpstreamOptions } from "./sdk-upstream.ts";
export { InvocationTokens, DEFAULT_MAX_SUBREQUESTS, type InvocationClaims } from "./invocation-tokens.ts";
