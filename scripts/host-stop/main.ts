// `npm run drain` (stopped, kept in PM2's list) and `npm run fleet:stop` (`--delete`: removed too):
// the whole host's fleet leaves the load balancer, then stops callers first (stop-host.ts).
import pm2 from 'pm2';

import { fleet } from '../../services/fleet';
import { stopOrder } from '../../shared/fleet';
import { LEAVE_TOPIC, connectToPm2, daemonIsRunning, pm2Home } from '../../shared/ops';

import { stopHost } from './stop-host';

function write(stream: NodeJS.WriteStream, text: string): Promise<void> {
  return new Promise((resolve) => stream.write(text, () => resolve()));
}

function stopOne(pmId: number, remove: boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (error: Error | null | undefined): void => (error ? reject(error) : resolve());
    if (remove) pm2.delete(pmId, done);
    else pm2.stop(pmId, done);
  });
}

async function main(argv: readonly string[]): Promise<number> {
  const unknown = argv.filter((arg) => arg !== '--delete');
  if (unknown.length > 0) {
    await write(process.stderr, `stop: unknown argument ${unknown.join(' ')} (only --delete)\n`);
    return 2;
  }
  const home = pm2Home();
  if (!(await daemonIsRunning(home))) {
    await write(process.stdout, `stop: no PM2 daemon for PM2_HOME=${home}: the fleet is not running\n`);
    return 0;
  }
  const client = await connectToPm2();
  try {
    return await stopHost(
      {
        list: () => client.list(),
        leave: (pmId) => client.sendData(pmId, { topic: LEAVE_TOPIC, data: {} }),
        stop: stopOne,
      },
      stopOrder(fleet).map((group) => group.map((service) => service.name)),
      { remove: argv.includes('--delete') },
      (line) => process.stdout.write(`${line}\n`),
    );
  } finally {
    client.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  async (error: unknown) => {
    await write(process.stderr, `stop: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
