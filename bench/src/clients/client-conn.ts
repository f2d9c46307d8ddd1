/** A connected bench client, whatever its transport. */
export interface ClientConn {
  /** Sends one chat message whose text is `text` (framed for the transport). */
  send(text: string): void;
  close(): void;
}

/** Hooks shared by every client of a generator (module-level, not per message). */
export interface ClientEvents {
  /** An established connection closed or failed while the bench still needed it. */
  onLost(reason: string): void;
}
