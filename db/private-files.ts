import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs'
import { dirname } from 'node:path'

/** Only the service's own user may list DATA_DIR or read what is in it, whatever the umask. */
export const PRIVATE_DIR_MODE = 0o700
export const PRIVATE_FILE_MODE = 0o600

/**
 * Makes an SQLite file's directory 0700 and the file itself 0600 before SQLite opens it. SQLite
 * creates the -wal and -shm files with the mode of the database file, so they are 0600 too;
 * ones left by an earlier, laxer version are tightened here.
 */
export function preparePrivateDatabaseFile(location: string): void {
  const dir = dirname(location)
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE })
  restrictDirectory(dir)
  closeSync(openSync(location, 'a', PRIVATE_FILE_MODE))
  for (const path of [location, `${location}-wal`, `${location}-shm`]) {
    try {
      chmodSync(path, PRIVATE_FILE_MODE)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    }
  }
}

/**
 * A data directory owned by someone else (a mounted volume) cannot be changed by us; its files
 * still are 0600, so say so and go on rather than refuse to start.
 */
function restrictDirectory(dir: string): void {
  try {
    chmodSync(dir, PRIVATE_DIR_MODE)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') throw error
    console.warn(`${dir}: not owned by this user, so its mode stays as it is; the database files in it are 0600.`)
  }
}
