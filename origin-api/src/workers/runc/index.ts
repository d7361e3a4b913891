/** Origin containers under runc (README.md): the public face of this folder. */
export { ContainerHost, egressOpen, MAX_SOCKET_PATH, type ContainerHostOptions } from "./container-host.ts";
export type { Container } from "./container.ts";
export { EgressProxy, type EgressProxyOptions } from "./egress-proxy.ts";
