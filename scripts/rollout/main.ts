import { RUNNING_BUILD_ROOT } from '../../shared/build';
import { ecosystemApps } from '../../shared/runtime';
import { fleet } from '../../services/fleet';
import { EXIT } from './exit-codes';
import { complain, say } from './output';
import { connectToPm2, NoDaemonError, type Pm2Control } from './pm2-control';
import { parseRolloutOptions, USAGE, UsageError } from './rollout-options';
import { runRollout } from './run-rollout';

/**
 * `npm run rollout`: the guarded rollout CLI. Everything it does is in run-rollout.ts; this file only
 * wires it to the process: options, Ctrl-C, PM2's connection and the exit code.
 */
async function main(): Promise<number> {
  let options;
  try {
    options = parseRolloutOptions(process.argv.slice(2), process.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    complain(`rollout: ${error.message}`);
    return EXIT.usage;
  }
  if (options.help) {
    say(USAGE);
    return EXIT.rolledOut;
  }

  // Ctrl-C stops the canaries at once, or the reload after the step in progress: never half a step.
  const abort = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (abort.signal.aborted) return;
    complain(`rollout: ${signal}: stopping after the current step`);
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  // What `pm2.reload(id, { updateEnv: true })` hands the new workers, so the canaries get it too.
  const rolloutEnv = { ...process.env };
  let control: Pm2Control | undefined;
  try {
    control = await connectToPm2(fleet.map((service) => service.name));
    // The fleet list of this build: the services it starts or rolls, as ecosystem.config.js has them.
    const definition = {
      services: fleet,
      apps: () => ecosystemApps(fleet, rolloutEnv, RUNNING_BUILD_ROOT),
    };
    return await runRollout(control, definition, options, rolloutEnv, { say, complain }, abort.signal);
  } catch (error) {
    if (error instanceof NoDaemonError) {
      complain(`rollout: ${error.message}`);
      return EXIT.usage;
    }
    complain(
      `rollout: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    complain('rollout: check the fleet with `npx pm2 ls` before trying again');
    return EXIT.unexpected;
  } finally {
    control?.disconnect();
  }
}

void main().then((code) => {
  process.exitCode = code;
  // PM2's client keeps sockets and timers; the answer is given, so leave now.
  process.exit(code);
});
