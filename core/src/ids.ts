import { randomBytes, randomUUID } from "node:crypto";

/** Request ids and invocation ids: sortable by time, unique without coordination. */
export function newId(prefix: string): string {
  const time = Date.now().toString(36).padStart(9, "0");
  return `${prefix}_${time}${randomBytes(8).toString("hex")}`;
}

export function newRequestId(): string {
  return newId("req");
}

export function newInvocationId(): string {
  return newId("inv");
}

export { randomUUID };
