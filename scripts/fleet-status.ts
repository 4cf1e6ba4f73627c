// `npm run status`: every instance of every fleet service, as it describes itself through PM2; other
// PM2 processes (pm2-logrotate, other apps) are listed apart and never make the fleet unhealthy.
// Exit code 0: all healthy; 1: an instance is unhealthy or the fleet is not running; 2: cannot ask.
import { fleet } from '../services/fleet';
import {
  collectFleetStatus,
  connectToPm2,
  daemonIsRunning,
  fleetIsHealthy,
  formatStatus,
  pm2Home,
} from '../shared/ops';

function write(stream: NodeJS.WriteStream, text: string): Promise<void> {
  return new Promise((resolve) => stream.write(text, () => resolve()));
}

async function main(argv: readonly string[]): Promise<number> {
  const json = argv.includes('--json');
  const home = pm2Home();
  if (!(await daemonIsRunning(home))) {
    await write(process.stderr, `No PM2 daemon is running for PM2_HOME=${home}: the fleet is not running.\n`);
    return 1;
  }
  const pm2 = await connectToPm2();
  try {
    const status = await collectFleetStatus(pm2, { services: fleet.map((service) => service.name) });
    await write(
      process.stdout,
      json ? `${JSON.stringify(status, null, 2)}\n` : formatStatus(status.instances, Date.now(), status),
    );
    return fleetIsHealthy(status.instances) ? 0 : 1;
  } finally {
    pm2.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  async (error: unknown) => {
    await write(process.stderr, `status: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  },
);
