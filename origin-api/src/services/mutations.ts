/**
 * Every change edge nodes must see goes through `commit`: the change and the revision
 * bump share one transaction, and the new revision is announced after the commit.
 */
import type { Store } from "../store/index.ts";
import type { RevisionBus } from "./revision-bus.ts";

export class Mutations {
  constructor(
    private readonly store: Store,
    readonly bus: RevisionBus,
  ) {}

  commit<T>(change: () => T): T {
    let revision = 0;
    const result = this.store.tx(() => {
      const out = change();
      revision = this.store.functions.bumpRevision();
      return out;
    });
    this.bus.announce(revision);
    return result;
  }
}
