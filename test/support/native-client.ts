import { spawn } from 'node:child_process';
import type { ScratchDatabase } from './databases.js';

/**
 * Feeds a SQL script to the database's own command-line client (sqlite3, mariadb, psql), the way
 * a DBA applies `upgrade --sql` output. Rejects with the client's error output when it fails.
 */
export function applyWithNativeClient(db: ScratchDatabase, script: string): Promise<void> {
  const p = db.parsed;
  const [cmd, args] =
    db.dialect === 'sqlite'
      ? ['sqlite3', ['-bail', p.file!]]
      : db.dialect === 'mysql'
        ? ['mariadb', ['-h', p.host!, '-P', String(p.port), '-u', p.user!, p.database!]]
        : [
            'psql',
            [
              '-X',
              '-q',
              '-v',
              'ON_ERROR_STOP=1',
              '-h',
              p.host!,
              '-p',
              String(p.port),
              '-U',
              p.user!,
              '-d',
              p.database!,
            ],
          ];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd as string, args as string[], {
      stdio: ['pipe', 'ignore', 'pipe'],
      env: { ...process.env, MYSQL_PWD: p.password ?? '', PGPASSWORD: p.password ?? '' },
    });
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${cmd} exited ${code}: ${err}`)),
    );
    child.stdin.end(script);
  });
}
