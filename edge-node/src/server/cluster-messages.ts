/** IPC between an edge cluster's primary and its workers. */
export type ToPrimary =
  | { type: "listening"; url: string; revision: number }
  | { type: "revision"; revision: number }
  | { type: "wait-revision"; id: number; revision: number };

export type ToWorker = { type: "revision-reached"; id: number; revision: number };
