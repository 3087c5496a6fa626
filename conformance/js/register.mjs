// Loaded with `node --import`: installs resolve-hook.mjs (see there why).
import { register } from 'node:module';

register('./resolve-hook.mjs', import.meta.url);
