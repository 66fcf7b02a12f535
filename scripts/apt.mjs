// Shared by the ensure-* scripts: find a command, or install Debian packages when that is possible.
import { execFileSync, spawnSync } from 'node:child_process';

/** Whether `command` is on PATH. */
export const has = (command) =>
  spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;

/** Root on a machine with apt-get: what CI is, and a fresh Debian container. */
export const canApt = () => process.getuid?.() === 0 && has('apt-get');

/** `apt-get update` then `apt-get install -y` the packages, quietly and without questions. */
export function aptInstall(who, packages) {
  console.log(`${who}: installing Debian's ${packages.join(', ')} (apt-get)`);
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-qq', ...packages], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

/**
 * What every ensure-* script does: `using` (an override from the environment, said as is) or
 * `found` (what is already there) ends it; else, as root with apt-get, the Debian `packages` are
 * installed; else `missing` says how, and the script exits 1 when the tests cannot run without it
 * (`required`), or only under CI when they skip themselves.
 */
export function ensure(who, { using, found, packages, missing, required }) {
  if (using) {
    console.log(`${who}: using ${using}`);
  } else if (found) {
    console.log(`${who}: ${found}`);
  } else if (canApt()) {
    aptInstall(who, packages);
  } else {
    console.error(`${who}: ${missing}`);
    process.exit(required || process.env.CI ? 1 : 0);
  }
}
