import { allowLoopbackOnly, type BlockedConnection } from './loopback-only';

// The unit project's setupFilesAfterEnv (setupFiles would run before afterEach exists): unit tests
// reach loopback servers only, and a test that tried anything else fails, even when the code under
// test caught the blocked connection's error.

const blocked: BlockedConnection[] = [];
allowLoopbackOnly((connection) => blocked.push(connection));

/** Hands over, and forgets, the attempts recorded so far. */
export function takeBlockedConnections(): BlockedConnection[] {
  return blocked.splice(0);
}

/** Throws when a connection was blocked since the last check, naming where it went and from where. */
export function assertNoBlockedConnections(when: string): void {
  const attempts = takeBlockedConnections();
  if (attempts.length === 0) return;
  const destinations = [...new Set(attempts.map((attempt) => attempt.destination))].join(', ');
  throw new Error(
    `${when} tried to reach the network (${destinations}); the first attempt:\n${attempts[0]?.stack}`,
  );
}

afterEach(() => assertNoBlockedConnections('This test'));
afterAll(() => assertNoBlockedConnections('This file, after its last test,'));
