/**
 * isolated-vm aborts the whole process (`IsolateEnvironment::GetCurrent(): Assertion
 * environment != nullptr`) when V8 finalizes one of its handle objects (Reference,
 * Callback, Context, Isolate...) during Node's own teardown: its environment is gone by
 * then. That happens whenever the process exits in the middle of an incremental GC with
 * such garbage around. Seen with a core dump: ClassHandle::WeakCallback <-
 * Heap::FinalizeIncrementalMarkingAtomically <- node::IsolateData::~IsolateData.
 *
 * So closing the pool collects that garbage once, while the environment still exists.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

let collect: (() => void) | null = null;

export function collectIsolateGarbage(): void {
  if (collect === null) {
    // The only way to a full GC without starting Node with --expose-gc. The flag is turned
    // off again at once, so contexts created later (isolates included) never see `gc`.
    setFlagsFromString("--expose-gc");
    try {
      collect = runInNewContext("gc") as () => void;
    } finally {
      setFlagsFromString("--no-expose-gc");
    }
  }
  collect();
}
