/**
 * A real Alembic project on disk: `alembic.ini` (the stock "generic" template's settings and
 * logging), `migrations/env.py` (the database URL from DB_URL, no models) and revision files in
 * Alembic's own format. Shared by the migration-chain benchmark and the differential test, so
 * both drive Alembic with the same project.
 */
import fs from 'node:fs';
import path from 'node:path';

const ALEMBIC_INI = `# Generated project: the stock "generic" template's settings and logging.
[alembic]
script_location = %(here)s/migrations
prepend_sys_path = .
version_path_separator = os
sqlalchemy.url = driver://set-by-env.py

[loggers]
keys = root,sqlalchemy,alembic

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARN
handlers = console
qualname =

[logger_sqlalchemy]
level = WARN
handlers =
qualname = sqlalchemy.engine

[logger_alembic]
level = INFO
handlers =
qualname = alembic

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(levelname)-5.5s [%(name)s] %(message)s
datefmt = %H:%M:%S
`;

const ALEMBIC_ENV = `"""Generated environment: the database URL comes from DB_URL; no models (target_metadata None)."""
import os
from logging.config import fileConfig

from sqlalchemy import engine_from_config, pool

from alembic import context

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name)
config.set_main_option("sqlalchemy.url", os.environ["DB_URL"].replace("%", "%%"))
target_metadata = None


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = engine_from_config(
        config.get_section(config.config_ini_section), prefix="sqlalchemy.", poolclass=pool.NullPool
    )
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
`;

/** One revision file's contents, the way `alembic revision` writes it. */
export interface AlembicRevision {
  id: string;
  down: readonly string[];
  branchLabels?: readonly string[];
  dependsOn?: readonly string[];
  message: string;
  createDate: string;
  /** Python statements (without indentation); none gives `pass`. */
  upgrade: readonly string[];
  downgrade: readonly string[];
}

/** A Python literal: None, 'one' or a tuple. */
function pyTuple(items: readonly string[] | undefined): string {
  if (items === undefined || items.length === 0) return 'None';
  if (items.length === 1) return `'${items[0]}'`;
  return `(${items.map((i) => `'${i}'`).join(', ')})`;
}

const body = (lines: readonly string[]) => (lines.length ? lines : ['pass']).map((l) => `    ${l}`);

export function renderAlembicRevision(r: AlembicRevision): string {
  const labels = r.branchLabels?.length ? `(${r.branchLabels.map((l) => `'${l}',`).join(' ')})` : 'None';
  return [
    `"""${r.message}`,
    '',
    `Revision ID: ${r.id}`,
    `Revises: ${r.down.join(', ')}`,
    `Create Date: ${r.createDate}`,
    '',
    '"""',
    'from alembic import op',
    'import sqlalchemy as sa',
    '',
    '',
    '# revision identifiers, used by Alembic.',
    `revision = '${r.id}'`,
    `down_revision = ${pyTuple(r.down)}`,
    `branch_labels = ${labels}`,
    `depends_on = ${pyTuple(r.dependsOn)}`,
    '',
    '',
    'def upgrade() -> None:',
    ...body(r.upgrade),
    '',
    '',
    'def downgrade() -> None:',
    ...body(r.downgrade),
    '',
  ].join('\n');
}

/**
 * Writes the project into `dir` (emptied first): `alembic.ini`, `migrations/env.py` and one file
 * per revision in `migrations/versions/`, named `<id>_<slug>.py`. Returns the ini file's path.
 */
export function writeAlembicProject(dir: string, revisions: readonly AlembicRevision[]): string {
  const versions = path.join(dir, 'migrations', 'versions');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(versions, { recursive: true });
  const ini = path.join(dir, 'alembic.ini');
  fs.writeFileSync(ini, ALEMBIC_INI);
  fs.writeFileSync(path.join(dir, 'migrations', 'env.py'), ALEMBIC_ENV);
  for (const r of revisions) {
    const slug = r.message.replace(/\W+/g, '_').toLowerCase();
    fs.writeFileSync(path.join(versions, `${r.id}_${slug}.py`), renderAlembicRevision(r));
  }
  return ini;
}
