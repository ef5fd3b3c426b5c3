// Apart from the route: deps.ts names it, and the route reads deps.ts.
/** Who leads the control plane and which replica answered (null fields: one server, no replicas). */
export interface ControlPlaneView {
  /** The replica that answered this request. */
  replica: { id: string; url: string } | null;
  /** The holder of the leadership lease, as the store says; `live` false when it lapsed and no one took it yet. */
  leader: { id: string; url: string; token: number; since: string; expiresAt: string; live: boolean } | null;
}
