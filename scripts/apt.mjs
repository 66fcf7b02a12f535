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
