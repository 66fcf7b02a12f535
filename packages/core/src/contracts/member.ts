/** A node as it is registered in a membership backend. */
export interface Member {
  /** Unique within one election. Non-empty, at most 255 UTF-8 bytes, no `/`, no control characters. */
  readonly id: string;
  /** Lower leads first. Default 0. Must be a finite number. */
  readonly priority?: number;
  /** Observers see the leader but are never elected. */
  readonly observer?: boolean;
  /** Free-form string labels carried with the registration (an address, a zone, a version…). */
  readonly meta?: Readonly<Record<string, string>>;
}

/** Negative when `a` should lead before `b`, positive when after, 0 when they rank the same. */
export type MemberComparator = (a: Member, b: Member) => number;

/** Returned by every subscription; calling it twice is harmless. */
export type Unsubscribe = () => void;
