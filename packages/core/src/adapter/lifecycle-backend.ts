import type { BackendLifecycle } from './backend-lifecycle.js';

/**
 * The two MembershipBackend calls every backend class answers the same, from its BackendLifecycle:
 * `retain()`, one use of the client until the returned function is called, and `close()`, for
 * good. The client a backend opens itself is opened on first use and released as soon as nothing
 * uses it (no retain, no join, session, leave or request of its own in flight), so nothing of the
 * adapter keeps the process alive; a caller's client is never closed. `close()` lets every session
 * still open walk away (its registration expires by TTL), cuts joins in flight short, and closes the
 * client once their work has settled (BackendLifecycle.close).
 */
export abstract class LifecycleBackend<C = undefined> {
  protected abstract readonly lifecycle: BackendLifecycle<C>;

  retain(): () => void {
    return this.lifecycle.retain();
  }

  close(): Promise<void> {
    return this.lifecycle.close();
  }
}
