/**
 * The guest half of host-services.ts: takes the host-call bridges off globalThis (before
 * user code exists), and installs the web APIs built on them or next to them: fetch,
 * crypto.subtle and CryptoKey, Blob, File, FormData, the encoding streams, and
 * formData()/blob() on Request and Response; and the capability `rateLimit()` of
 * `@bunbase/functions` counts with (see RATE_LIMIT_CALL).
 */
import { Blob, File } from "./blob.guest.ts";
import { TextDecoderStream, TextEncoderStream } from "./encoding-streams.guest.ts";
import { createFetch } from "./fetch.guest.ts";
import { FormData } from "./form-data.guest.ts";
import { createHostCalls, type HostCall, type HostCalls, type HostNotify } from "./host-calls.guest.ts";
import { defineFormReaders } from "./multipart.guest.ts";
import { defineGlobal } from "./platform.guest.ts";
import {
  HOST_CALL_GLOBALS,
  RATE_LIMIT_CALL,
  SDK_CALL,
  type RateLimitTake,
  type RateLimitVerdict,
  type SdkAnswer,
} from "./protocol.ts";
import { Request, Response } from "./request-response.guest.ts";
import { CryptoKey, createSubtle } from "./subtle.guest.ts";

function take(scope: Record<string, unknown>, name: string, type: "function" | "object"): unknown {
  const value = scope[name];
  delete scope[name];
  if (typeof value !== type || value === null) throw new Error(`bunbase runtime: bridge ${name} missing`);
  return value;
}

export function installHostServices(scope: Record<string, unknown>) {
  const call = take(scope, HOST_CALL_GLOBALS.call, "function") as HostCall;
  const notify = take(scope, HOST_CALL_GLOBALS.notify, "function") as HostNotify;
  const box = take(scope, HOST_CALL_GLOBALS.settleBox, "object") as Record<string, unknown>;
  const host = createHostCalls(call, notify, box);
  // A key the script can no longer reach is forgotten on the host too.
  const released = new FinalizationRegistry<number>((handle) => host.notify("key.release", handle));
  const { SubtleCrypto, subtle } = createSubtle(host, (key, handle) => released.register(key, handle));
  defineFormReaders(Request, Response);
  const globals: Record<string, unknown> = {
    fetch: createFetch(host),
    Blob,
    File,
    FormData,
    TextEncoderStream,
    TextDecoderStream,
    CryptoKey,
    SubtleCrypto,
  };
  for (const [name, value] of Object.entries(globals)) defineGlobal(name, value);
  installRateLimitCapability(host);
  installSdkCapability(host);
  return { subtle };
}

/**
 * Not a web API, so not enumerable, writable nor configurable, and frozen: user code may
 * call it (it counts only under the function's own keys, which the host builds) but cannot
 * replace it under the SDK. Arguments are copied into a fresh object before they cross.
 */
function installRateLimitCapability(host: HostCalls): void {
  const capability = Object.freeze({
    take(args: RateLimitTake): Promise<RateLimitVerdict> {
      // Only these fields cross; the host checks them (anything else, e.g. null, is refused there).
      const copy = typeof args === "object" && args !== null ? pick(args) : null;
      return host.run(RATE_LIMIT_CALL.op, copy) as Promise<RateLimitVerdict>;
    },
  });
  Object.defineProperty(globalThis, RATE_LIMIT_CALL.capability, {
    value: capability,
    enumerable: false,
    writable: false,
    configurable: false,
  });
}

/**
 * `@bunbase/sdk`'s way to the platform services, made like the rateLimit() capability: the
 * host acts only as this invocation's function (it, not the guest, names the function and
 * signs the call), so user code calling it directly gains nothing the SDK does not give.
 */
function installSdkCapability(host: HostCalls): void {
  const capability = Object.freeze({
    call(service: string, method: string, args: unknown): Promise<SdkAnswer> {
      return host.run(SDK_CALL.op, { service, method, args }) as Promise<SdkAnswer>;
    },
  });
  Object.defineProperty(globalThis, SDK_CALL.capability, {
    value: capability,
    enumerable: false,
    writable: false,
    configurable: false,
  });
}

function pick({ limit, windowMs, header, value }: RateLimitTake): RateLimitTake {
  return { limit, windowMs, header, value };
}
