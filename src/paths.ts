// Where this installation of mmoe lives, so defaults that name shipped files do not depend on the
// working directory (cron runs jobs from the home directory).
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root: two levels above dist/src/. */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The shipped configs/default.json: what `--config` means when it is not given. */
export const DEFAULT_CONFIG = join(PACKAGE_ROOT, 'configs', 'default.json');
