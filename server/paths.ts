// Where the project's own files are, from the sources (tsx) or the build (dist/) alike.
import fs from 'node:fs';
import path from 'node:path';

/** The project root (holds package.json), from server/… or dist/server/… alike. */
export function projectRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('package.json not found above ' + __dirname);
    dir = up;
  }
  return dir;
}
