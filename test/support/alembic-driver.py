"""Runs a list of Alembic commands in one Python process, for the differential test.

Each command goes through Alembic's own CommandLine (argparse, run_cmd, CommandError -> FAILED,
sys.exit(-1)), exactly as /usr/bin/alembic runs it, minus the ~200 ms of start-up per process.
Input (stdin, JSON): {"ini": path, "db": sqlite file, "commands": [[arg, ...], ...]}.
Output (stdout, JSON): one {"code", "stdout", "stderr", "rows", "tables"} per command; rows are the
alembic_version rows and tables the other tables, read after the command.
"""
import contextlib
import io
import json
import os
import sqlite3
import sys
import traceback
import warnings

from alembic.config import CommandLine, Config


def database_state(db):
    if not os.path.exists(db):
        return [], []
    con = sqlite3.connect(db)
    try:
        names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        rows = []
        if "alembic_version" in names:
            rows = [r[0] for r in con.execute("SELECT version_num FROM alembic_version")]
        return rows, sorted(n for n in names if n != "alembic_version")
    finally:
        con.close()


def run(ini, db, argv):
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            cl = CommandLine(prog="alembic")
            options = cl.parser.parse_args(["-c", ini, *argv])
            cfg = Config(file_=options.config, ini_section=options.name, cmd_opts=options, stdout=sys.stdout)
            cl.run_cmd(cfg, options)
        except SystemExit as e:
            code = (e.code if isinstance(e.code, int) else 1) & 0xFF
        except Exception:  # an uncaught exception: a traceback and exit 1, as the CLI
            traceback.print_exc()
            code = 1
    rows, tables = database_state(db)
    return {"code": code, "stdout": out.getvalue(), "stderr": err.getvalue(), "rows": rows, "tables": tables}


def main():
    job = json.load(sys.stdin)
    os.environ["DB_URL"] = "sqlite:///" + job["db"]
    warnings.simplefilter("always")
    json.dump([run(job["ini"], job["db"], argv) for argv in job["commands"]], sys.stdout)


main()
