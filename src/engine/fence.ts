/**
 * Whether this control plane may act now. With one server it always may;
 * with replicas only the leader may, and only while its lease holds
 * (src/server/leadership/). Every side effect of the engine asks first, so
 * a leader that was stopped (SIGSTOP, a frozen VM) and wakes up after
 * another replica took over cannot start, stop, push or run anything.
 */
export interface Fence {
  /** Throws unless this replica may act now; `action` names what was about to happen, for the message. */
  check(action: string): void;
  /** Like check, then asks the store too: our token is still the live one (authoritative, one query). */
  confirm(action: string): void;
  /** Whether this replica may act now (no throw). */
  leads(): boolean;
}
