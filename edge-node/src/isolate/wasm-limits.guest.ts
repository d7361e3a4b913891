/**
 * WebAssembly memory lives outside the V8 heap that isolated-vm's `memoryLimit` and the
 * heap statistics watch, so it needs its own bound. Two layers:
 * - the host sets V8's `--wasm-max-mem-pages` (wasm-ceiling.ts): no single memory, and
 *   no `memory.grow` from inside a module, goes past WASM_MAX_PAGES;
 * - here, every memory an isolate creates is charged against the same budget for the
 *   whole isolate, at its worst case (its declared maximum, else the ceiling): JS-made
 *   `WebAssembly.Memory` objects, and memories modules declare in their binary (read
 *   from the memory section, WebAssembly core spec 5.5.8). Charges are returned when the
 *   memory or instance is garbage collected.
 */
import { WASM_MAX_PAGES } from "./protocol.ts";

const PAGE_BYTES = 65536;
const wasm = (globalThis as { WebAssembly?: typeof WebAssembly }).WebAssembly;

function limitError(pages: number): RangeError {
  return new RangeError(
    `WebAssembly memory limit exceeded: ${(pages * PAGE_BYTES) / 1048576} MB requested, ` +
      `${(WASM_MAX_PAGES * PAGE_BYTES) / 1048576} MB per function in total`,
  );
}

function readLeb(bytes: Uint8Array, at: { pos: number }): number {
  let result = 0;
  for (let shift = 0; shift < 35; shift += 7) {
    const byte = bytes[at.pos++];
    if (byte === undefined) throw new TypeError("truncated WebAssembly module");
    result += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return result;
  }
  throw new TypeError("malformed LEB128 in WebAssembly module");
}

/** Worst-case pages of the memories a module binary defines itself (imports are JS-made). */
export function declaredMemoryPages(bytes: Uint8Array): number {
  const at = { pos: 8 }; // magic + version
  let pages = 0;
  while (at.pos < bytes.length) {
    const id = bytes[at.pos++];
    const size = readLeb(bytes, at);
    const end = at.pos + size;
    if (id === 5) {
      for (let count = readLeb(bytes, at); count > 0; count--) {
        const flags = readLeb(bytes, at);
        const min = readLeb(bytes, at);
        const max = flags & 1 ? readLeb(bytes, at) : WASM_MAX_PAGES;
        pages += Math.max(min, Math.min(max, WASM_MAX_PAGES));
      }
    }
    at.pos = end;
  }
  return pages;
}

function toBytes(source: unknown): Uint8Array {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  if (ArrayBuffer.isView(source)) return new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
  throw new TypeError("WebAssembly: the module source must be an ArrayBuffer or a typed array");
}

export function installWasmLimits(): void {
  if (!wasm) return;
  let charged = 0;
  const released = new FinalizationRegistry<number>((pages) => (charged -= pages));
  const charge = (owner: object, pages: number) => {
    if (pages <= 0) return;
    if (charged + pages > WASM_MAX_PAGES) throw limitError(charged + pages);
    charged += pages;
    released.register(owner, pages);
  };
  const modulePages = new WeakMap<WebAssembly.Module, number>();

  const NativeMemory = wasm.Memory;
  const NativeModule = wasm.Module;
  const NativeInstance = wasm.Instance;
  const nativeCompile = wasm.compile;
  const nativeInstantiate = wasm.instantiate;

  const Memory = function Memory(this: unknown, descriptor: WebAssembly.MemoryDescriptor) {
    if (!new.target) throw new TypeError("WebAssembly.Memory must be called with new");
    const worst = Math.max(descriptor?.initial ?? 0, Math.min(descriptor?.maximum ?? WASM_MAX_PAGES, WASM_MAX_PAGES));
    const memory = new NativeMemory(descriptor);
    charge(memory, worst);
    return memory;
  } as unknown as typeof WebAssembly.Memory;
  Memory.prototype = NativeMemory.prototype;

  const Module = function Module(this: unknown, source: BufferSource) {
    if (!new.target) throw new TypeError("WebAssembly.Module must be called with new");
    const pages = declaredMemoryPages(toBytes(source));
    if (pages > WASM_MAX_PAGES) throw limitError(pages);
    const module = new NativeModule(source);
    modulePages.set(module, pages);
    return module;
  } as unknown as typeof WebAssembly.Module;
  Object.setPrototypeOf(Module, NativeModule);
  Module.prototype = NativeModule.prototype;

  const Instance = function Instance(this: unknown, module: WebAssembly.Module, imports?: WebAssembly.Imports) {
    if (!new.target) throw new TypeError("WebAssembly.Instance must be called with new");
    const pages = modulePages.get(module);
    if (pages === undefined) throw new TypeError("WebAssembly.Instance: not a module of this runtime");
    const instance = new NativeInstance(module, imports);
    charge(instance, pages);
    return instance;
  } as unknown as typeof WebAssembly.Instance;
  Instance.prototype = NativeInstance.prototype;

  const compile = async (source: BufferSource) => {
    const pages = declaredMemoryPages(toBytes(source));
    if (pages > WASM_MAX_PAGES) throw limitError(pages);
    const module = await nativeCompile(source);
    modulePages.set(module, pages);
    return module;
  };
  const instantiate = async (source: BufferSource | WebAssembly.Module, imports?: WebAssembly.Imports) => {
    if (source instanceof NativeModule) return new Instance(source, imports);
    const module = await compile(source as BufferSource);
    return { module, instance: new Instance(module, imports) };
  };
  void nativeInstantiate; // the native one is replaced whole: it would skip the accounting

  // `memory.constructor` must lead to the checked constructor, not around it.
  for (const [native, replacement] of [
    [NativeMemory, Memory],
    [NativeModule, Module],
    [NativeInstance, Instance],
  ] as const) {
    Object.defineProperty(native.prototype, "constructor", { value: replacement, writable: true, configurable: true });
  }
  for (const [name, value] of Object.entries({ Memory, Module, Instance, compile, instantiate })) {
    Object.defineProperty(wasm, name, { value, writable: true, configurable: true, enumerable: false });
  }
  // Streaming variants take a Response; they would bypass the checks above.
  delete (wasm as { compileStreaming?: unknown }).compileStreaming;
  delete (wasm as { instantiateStreaming?: unknown }).instantiateStreaming;
}
