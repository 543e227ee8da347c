#!/usr/bin/env python3
"""litemig against the sqlite3 shell and Alembic: every scenario of bench/README.md, one machine, one run.

Each timed run starts from a fresh copy of a generated TuneTrees database and is verified afterwards
(schema by meaning, data against the source, foreign_key_check, integrity_check).
"""
import sys

sys.dont_write_bytecode = True  # keep the source tree free of __pycache__

import argparse
import json
import os
import platform
import re
import shutil
import sqlite3
import subprocess
import time
from dataclasses import asdict
from pathlib import Path

import report
import verify
from dqlite_cluster import DqliteCluster, peak_memory_kib, reset_peak_memory
from runner import CommandFailed, Measurer, Result, fresh_copy, run_checked
from wide_schema import wide_schema

BENCH_DIR = Path(__file__).resolve().parent.parent
MIGRATIONS = BENCH_DIR / "migrations"
ALEMBIC_INI = BENCH_DIR / "alembic" / "alembic.ini"
SCHEMA = BENCH_DIR / "schema" / "tunetrees.sql"

PROFILES = {
    # Sizes of the rebuild chart; the largest is "the database" of every other scenario.
    # The quick profile is a smoke run: small sizes, and a tenth of the wide schema for `generate`.
    "quick": {"sizes": [5_000, 10_000, 20_000, 50_000], "repeat": 2, "add_column_repeat": 2, "launch_repeat": 20, "fleet": 200, "progress_repeat": 2,
              "wide": (200, 30), "generate_repeat": 2, "cluster_repeat": 1},
    # Add column takes milliseconds: more runs, so that the median is not one scheduler hiccup.
    "full": {"sizes": [50_000, 500_000, 2_000_000, 5_000_000], "repeat": 3, "add_column_repeat": 11, "launch_repeat": 200, "progress_repeat": 9,
             "fleet": 10_000,
             "wide": (2000, 300), "generate_repeat": 5, "cluster_repeat": 3},
}

# What the shell runs besides the migration's statements. "defaults": the documented 12-step
# procedure as people type it. "tuned": the fastest correct sequence we know for the same change.
SHELL_DEFAULTS_PROLOGUE = "PRAGMA foreign_keys = OFF;\nBEGIN;\n"
SHELL_DEFAULTS_EPILOGUE = "PRAGMA foreign_key_check;\nCOMMIT;\n"
SHELL_TUNED_PROLOGUE = (
    "PRAGMA foreign_keys = OFF;\nPRAGMA secure_delete = FAST;\nPRAGMA mmap_size = 4294967296;\n"
    "BEGIN;\nCREATE TEMP TABLE saved_stat1 AS SELECT * FROM sqlite_stat1 WHERE tbl = 'practice_record';\n"
)
SHELL_TUNED_EPILOGUE = (
    "DELETE FROM sqlite_stat1 WHERE tbl = 'practice_record';\n"
    "INSERT INTO sqlite_stat1 SELECT * FROM temp.saved_stat1;\n{checks}COMMIT;\n"
)


FLEET_SHELL = "sqlite3 shell (xargs -P cores)"

# The database of the cluster scenario: 500,000 records (quick, when asked for with --only: 20,000).
CLUSTER_RECORDS = {"quick": 20_000, "full": 500_000}

# The large-file scenario: 25 million records make a file of about 4.2 GiB (the smoke run: 100,000).
LARGE_RECORDS = {"quick": 100_000, "full": 25_000_000}
LARGE_REPEAT = {"quick": 1, "full": 2}


def up_part(migration_file):
    """The statements between '-- litemig:up' and '-- litemig:down', and the tables to foreign-key check."""
    text = Path(migration_file).read_text()
    up = text.split("-- litemig:up", 1)[1].split("-- litemig:down", 1)[0]
    checks = []
    for line in up.splitlines():
        if line.startswith("-- litemig:foreign-key-check"):
            checks += re.findall(r'"((?:[^"]|"")*)"|(\S+)', line.split("foreign-key-check", 1)[1])
    tables = [quoted.replace('""', '"') or bare for quoted, bare in checks]
    return up, tables


class Bench:
    def __init__(self, args):
        self.args = args
        self.profile = PROFILES["quick" if args.quick else "full"]
        self.out = Path(args.out).resolve()
        self.work = self.out / "work"
        self.data = Path(args.data or self.out / "data").resolve()
        # Copies stamped by an earlier litemig build must not be measured by this one.
        shutil.rmtree(self.work, ignore_errors=True)
        for folder in (self.out, self.work, self.data):
            folder.mkdir(parents=True, exist_ok=True)
        bin_dir = Path(args.build_dir).resolve() / "bin"
        self.litemig = bin_dir / "litemig"
        self.tunetrees = bin_dir / "tunetrees"
        self.generate = bin_dir / "litemig_bench_generate"
        self.cluster_tool = bin_dir / "litemig_bench_cluster"
        self.measurer = Measurer(bin_dir / "litemig_bench_measure", self.out / "logs")
        self.results = []
        self.sizes = self.profile["sizes"]
        self.largest = self.sizes[-1]

    # ---- inputs

    def database(self, records, playlists=100):
        """The generated database of RECORDS practice records, stamped at version 1 for this run.

        The generated file is cached in the data folder (the generator is deterministic); the stamped
        copy is made afresh by every run, so it carries the bookkeeping of the litemig under test.
        """
        stamped = self.work / f"tunetrees-{records}-v1.sqlite3"
        if stamped.exists():
            return stamped
        generated = self.data / f"tunetrees-{records}-{playlists}.sqlite3"
        if not generated.exists():
            partial = generated.with_suffix(".partial")
            partial.unlink(missing_ok=True)
            started = time.monotonic()
            run_checked([self.generate, "--out", partial, "--schema", SCHEMA, "--records", records,
                         "--playlists", playlists])
            partial.rename(generated)
            self.log(f"generated {generated.name} ({generated.stat().st_size / 2**20:.0f} MiB) "
                     f"in {time.monotonic() - started:.1f} s")
        partial = stamped.with_suffix(".partial")
        fresh_copy(generated, partial)
        run_checked([self.litemig, "stamp", "--db", partial, "--dir", MIGRATIONS / "rebuild", "--to", "1"])
        partial.rename(stamped)
        return stamped

    def migrations_copy(self, name):
        """A private copy of a migrations directory (litemig may write its sum file there)."""
        target = self.work / f"migrations-{name}"
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(MIGRATIONS / name, target)
        return target

    def shell_script(self, name, migration_file, variant):
        up, fk_tables = up_part(migration_file)
        if variant == "defaults":
            text = SHELL_DEFAULTS_PROLOGUE + up + SHELL_DEFAULTS_EPILOGUE
        else:
            checks = "".join(f'PRAGMA foreign_key_check("{t}");\n' for t in fk_tables)
            text = SHELL_TUNED_PROLOGUE + up + SHELL_TUNED_EPILOGUE.format(checks=checks)
        path = self.work / f"{name}-{variant}.sql"
        path.write_text(text)
        return path

    def log(self, message):
        print(f"[bench] {message}", flush=True)

    # ---- one tool, several fresh runs, each verified

    def measure_migrations(self, scenario, case, records, source, contenders, verify_run, repeat, on_terminal=()):
        """CONTENDERS: {tool: (prepare, command, stdin)}. The tools take turns run by run, so that load
        from elsewhere on the machine falls on all of them alike. The tools ON_TERMINAL write their
        stderr to a pseudo-terminal."""
        timeout = 60 + records // 5000
        results = {tool: Result(scenario, case, tool, records=records) for tool in contenders}
        for _ in range(repeat):
            for tool, (prepare, command, stdin) in contenders.items():
                result = results[tool]
                if result.problems:
                    continue
                db = fresh_copy(source, self.work / "subject.sqlite3")
                try:
                    if prepare:
                        prepare(db)
                    result.runs += self.measurer.run(command(db), stdin=stdin, sample_anon=True, cwd=self.work,
                                                     timeout=timeout, terminal=tool in on_terminal)
                    result.problems += verify_run(db, result)
                except (CommandFailed, sqlite3.Error) as failure:
                    result.problems.append(str(failure))
                result.facts["file_mib"] = db.stat().st_size / 2**20
        for tool, result in results.items():
            self.results.append(result)
            state = "ok" if result.verified else "PROBLEMS: " + "; ".join(sorted(set(result.problems))[:3])
            median = f"{result.median:.3f} s" if result.runs else "-"
            self.log(f"{scenario} / {case} / {tool}: {median} {state}")

    def verifier(self, expected, source_fingerprint):
        def check(db, result):
            result.facts.update(verify.file_facts(db))
            return verify.verify_migrated(db, expected, source_fingerprint)

        return check

    def alembic_prepare(self, db):
        run_checked(["alembic", "-c", ALEMBIC_INI, "-x", f"db={db}", "stamp", "0001"])

    # ---- scenarios

    def migration_scenario(self, scenario, migrations_name, revision, records, shell_scripts, repeat):
        source = self.database(records)
        migrations = self.migrations_copy(migrations_name)
        expected = verify.expected_signature((migrations / "snapshots" / "0002.sql").read_text())
        check = self.verifier(expected, verify.data_fingerprint(source))
        contenders = {"litemig": (None, lambda db: [self.litemig, "upgrade", "--db", db, "--dir", migrations,
                                                    "--no-backup"], None)}
        for tool, script in shell_scripts.items():
            contenders[tool] = (None, lambda db: ["sqlite3", db], script)
        contenders["Alembic"] = (self.alembic_prepare,
                                 lambda db: ["alembic", "-c", ALEMBIC_INI, "-x", f"db={db}", "upgrade", revision], None)
        self.measure_migrations(scenario, f"{records:,} records", records, source, contenders, check, repeat)

    def rebuild(self):
        migration = MIGRATIONS / "rebuild" / "0002_practice_goal_real_interval.sql"
        scripts = {f"sqlite3 shell ({variant})": self.shell_script("rebuild", migration, variant)
                   for variant in ("defaults", "tuned")}
        for records in self.sizes:
            self.migration_scenario("rebuild", "rebuild", "0002", records, scripts, self.profile["repeat"])

    def rebuild_anatomy(self):
        """Where rebuild time goes on the largest database: the checks litemig adds, and what each
        setting of the tuned shell run saves. One run each; these explain the table, they do not verify."""
        source = self.database(self.largest)
        migration = MIGRATIONS / "rebuild" / "0002_practice_goal_real_interval.sql"
        up, _ = up_part(migration)
        case = f"{self.largest:,} records"
        steps = {
            "PRAGMA quick_check (whole file)": "PRAGMA quick_check;\n",
            "PRAGMA foreign_key_check(practice_record)": "PRAGMA foreign_key_check(practice_record);\n",
            "PRAGMA foreign_key_check (all tables)": "PRAGMA foreign_key_check;\n",
            "migration statements, shell defaults": f"PRAGMA foreign_keys = OFF;\nBEGIN;\n{up}COMMIT;\n",
            "... with secure_delete = FAST": f"PRAGMA foreign_keys = OFF;\nPRAGMA secure_delete = FAST;\nBEGIN;\n{up}COMMIT;\n",
            "... with secure_delete = FAST and mmap": (
                f"PRAGMA foreign_keys = OFF;\nPRAGMA secure_delete = FAST;\nPRAGMA mmap_size = 4294967296;\n"
                f"BEGIN;\n{up}COMMIT;\n"),
        }
        for number, (tool, sql) in enumerate(steps.items()):
            script = self.work / f"anatomy-{number}.sql"
            script.write_text(sql)
            result = Result("rebuild anatomy", case, tool, records=self.largest)
            db = fresh_copy(source, self.work / "subject.sqlite3")
            try:
                result.runs = self.measurer.run(["sqlite3", db], stdin=script, sample_anon=True,
                                                timeout=60 + self.largest // 5000)
            except CommandFailed as failure:
                result.problems.append(str(failure))
            self.results.append(result)
            self.log(f"rebuild anatomy / {tool}: {result.median if result.runs else 0:.3f} s")

    def progress_display(self):
        """What following each statement costs (authorizer, a progress handler every 100,000 VM
        instructions, the display): the rebuild on the largest database, with and without it.
        --json attaches no progress; the runs alternate, and the report gives the CPU time of each
        run (user + system) beside its wall time: on a shared machine the wall time's spread hides a
        difference of a few percent, the CPU time of the same work does not."""
        source = self.database(self.largest)
        migrations = self.migrations_copy("rebuild")
        expected = verify.expected_signature((migrations / "snapshots" / "0002.sql").read_text())
        check = self.verifier(expected, verify.data_fingerprint(source))
        upgrade = [self.litemig, "upgrade", "--dir", migrations, "--no-backup"]
        contenders = {
            "litemig upgrade --json (no progress)": (None, lambda db: upgrade + ["--db", db, "--json"], None),
            "litemig upgrade (progress display)": (None, lambda db: upgrade + ["--db", db], None),
        }
        self.measure_migrations("progress", f"{self.largest:,} records", self.largest, source, contenders, check,
                                self.profile["progress_repeat"])

    def add_column(self):
        # The physical limit is the one statement a user would type into the shell.
        script = self.work / "add_column-shell.sql"
        script.write_text("ALTER TABLE practice_record ADD COLUMN technique TEXT;\n")
        self.migration_scenario("add column", "add_column", "0003", self.largest,
                                {"sqlite3 shell (ALTER TABLE ADD COLUMN)": script}, self.profile["add_column_repeat"])

    def launch(self):
        """Start-up on a database with nothing to do, against a process that only reads the header."""
        repeat = self.profile["launch_repeat"]
        db = fresh_copy(self.database(self.largest), self.work / "launch.sqlite3")
        migrations = self.migrations_copy("rebuild")
        run_checked([self.litemig, "upgrade", "--db", db, "--dir", migrations, "--no-backup"])
        run_checked(["alembic", "-c", ALEMBIC_INI, "-x", f"db={db}", "stamp", "0002"])
        cases = {
            f"{self.largest:,} records, current": (db, {
                "sqlite3 PRAGMA user_version": (["sqlite3", db, "PRAGMA user_version"], repeat),
                "litemig upgrade (nothing to do)": (
                    [self.litemig, "upgrade", "--db", db, "--dir", migrations, "--no-backup"], repeat),
                "litemig current": ([self.litemig, "current", "--db", db], repeat),
                "litemig check": ([self.litemig, "check", "--db", db, "--dir", migrations], repeat),
                "alembic current": (["alembic", "-c", ALEMBIC_INI, "-x", f"db={db}", "current"], max(3, repeat // 20)),
            }),
        }
        if self.tunetrees.exists():
            app_db = self.work / "tunetrees-app.sqlite3"
            app_db.unlink(missing_ok=True)
            run_checked([self.tunetrees, "--db", app_db, "--demo"], cwd=self.work)
            # Start-up = the launch check, then the schema version read; the default command also
            # runs the app's own three queries through its views, shown for comparison.
            cases["tunetrees demo database, current"] = (app_db, {
                "sqlite3 PRAGMA user_version": (["sqlite3", app_db, "PRAGMA user_version"], repeat),
                "tunetrees start-up (version command)": ([self.tunetrees, "--db", app_db, "version"], repeat),
                "tunetrees start-up and listing (default command)": ([self.tunetrees, "--db", app_db], repeat),
            })
        for case, (path, commands) in cases.items():
            self.launch_case(case, path, commands)

    def launch_case(self, case, db, commands):
        """The tools take turns, ten rounds each, so a burst of load elsewhere hits them alike."""
        before = db.stat().st_mtime_ns
        results = {tool: Result("launch", case, tool, records=self.largest) for tool in commands}
        rounds = 10
        for _ in range(rounds):
            for tool, (command, count) in commands.items():
                if results[tool].problems:
                    continue
                try:
                    results[tool].runs += self.measurer.run(command, repeat=max(1, count // rounds), timeout=60)
                except CommandFailed as failure:
                    results[tool].problems.append(str(failure))
        for tool, result in results.items():
            if db.stat().st_mtime_ns != before:
                result.problems.append("the database file was written")
            self.results.append(result)
            self.log(f"launch / {case} / {tool}: {result.median * 1000 if result.runs else 0:.2f} ms")

    def generate_wide(self):
        """`litemig generate` on a wide reference schema (full run: 2,000 tables) where one table changed; a no-op build."""
        base = self.work / "wide-migrations"
        shutil.rmtree(base, ignore_errors=True)
        (base / "snapshots").mkdir(parents=True)
        tables, views = self.profile["wide"]
        schema_v1 = wide_schema(tables, views)
        (base / "snapshots" / "0001.sql").write_text(schema_v1)
        (base / "0001_wide.sql").write_text("-- litemig:up\n" + schema_v1 + "-- litemig:down\n")
        reference = self.work / "wide-reference.sqlite3"
        reference.unlink(missing_ok=True)
        with sqlite3.connect(reference) as db:
            db.executescript(wide_schema(tables, views, changed_table=tables // 2))
        with sqlite3.connect(reference) as db:
            counts = db.execute("SELECT type, count(*) FROM sqlite_schema GROUP BY type ORDER BY type").fetchall()
        plural = {"index": "indexes", "table": "tables", "view": "views"}
        case = ", ".join(f"{n:,} {plural.get(kind, kind)}" for kind, n in counts)
        result = Result("generate", case, "litemig generate", records=0)
        changed = f"item_{tables // 2:04}"
        for _ in range(self.profile["generate_repeat"]):
            target = self.work / "wide-run"
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(base, target)
            try:
                result.runs += self.measurer.run([self.litemig, "generate", "--schema", reference, "--dir", target],
                                                 sample_anon=True)
                written = sorted(target.glob("0002_*.sql"))
                if not written or changed not in written[0].read_text():
                    result.problems.append(f"no migration for the changed table {changed} was written")
            except CommandFailed as failure:
                result.problems.append(str(failure))
                break
        self.results.append(result)
        self.log(f"generate: {result.median if result.runs else 0:.3f} s")

        build = Result("generate", "no-op build of this build tree", "cmake --build", records=0)
        try:
            run_checked(["cmake", "--build", self.args.build_dir])
            build.runs = self.measurer.run(["cmake", "--build", self.args.build_dir], repeat=3)
            if "no work to do" not in self.measurer.last_log.read_text():
                build.problems.append("the second build was not a no-op")
        except CommandFailed as failure:
            build.problems.append(str(failure))
        self.results.append(build)

    def backup(self):
        source = self.database(self.largest)
        case = f"{self.largest:,} records ({source.stat().st_size / 2**20:.0f} MiB)"
        destination = self.work / "backup-copy.sqlite3"
        fingerprint = verify.data_fingerprint(source)

        def check_copy(result):
            if verify.data_fingerprint(destination) != fingerprint:
                result.problems.append("the copy's data differ from the database")
            destination.unlink(missing_ok=True)

        commands = {
            "cp + sync": ["sh", "-c", 'cp "$1" "$2" && sync "$2"', "sh", "{db}", destination],
            "sqlite3 .backup": ["sqlite3", "{db}", f".backup '{destination}'"],
        }
        results = {tool: Result("backup", case, tool, records=self.largest) for tool in commands}
        migrations = self.migrations_copy("add_column")
        backups = self.work / "backups"
        upgrades = {with_backup: Result("backup", case, "litemig upgrade " + ("with backup" if with_backup else "--no-backup"),
                                        records=self.largest) for with_backup in (True, False)}
        # One run of each contender per round: load on the machine and the disk's state fall on all
        # of them alike, where timing all runs of one, then all of the next, charged them to one.
        for _ in range(self.profile["repeat"]):
            for tool, template in commands.items():
                result = results[tool]
                if result.problems:
                    continue
                db = fresh_copy(source, self.work / "subject.sqlite3")
                command = [str(db) if part == "{db}" else part for part in template]
                try:
                    result.runs += self.measurer.run(command, sample_anon=True)
                    check_copy(result)
                except CommandFailed as failure:
                    result.problems.append(str(failure))
            for with_backup, result in upgrades.items():
                if not result.problems:
                    self.litemig_upgrade_run(source, migrations, backups, with_backup, fingerprint, result)
        for tool, result in results.items():
            self.results.append(result)
            self.log(f"backup / {tool}: {result.median if result.runs else 0:.3f} s")
        self.results += upgrades.values()
        if upgrades[True].runs and upgrades[False].runs:
            derived = Result("backup", case, "litemig backup", records=self.largest,
                             problems=upgrades[True].problems + upgrades[False].problems)
            derived.facts["derived_seconds"] = upgrades[True].median - upgrades[False].median
            derived.runs = upgrades[True].runs
            self.results.append(derived)
            self.log(f"backup / litemig: {derived.facts['derived_seconds']:.3f} s")

    def litemig_upgrade_run(self, source, migrations, backups, with_backup, fingerprint, result):
        """One add-column upgrade, with its backup or without: litemig's backup is the difference."""
        shutil.rmtree(backups, ignore_errors=True)
        db = fresh_copy(source, self.work / "subject.sqlite3")
        option = ["--backup-dir", backups] if with_backup else ["--no-backup"]
        try:
            result.runs += self.measurer.run([self.litemig, "upgrade", "--db", db, "--dir", migrations] + option,
                                             sample_anon=True, timeout=60 + self.largest // 5000)
        except CommandFailed as failure:
            result.problems.append(str(failure))
            return
        if not with_backup:
            return
        written = list(backups.glob("*.sqlite3"))
        if len(written) != 1:
            result.problems.append(f"expected one backup file, found {len(written)}")
        elif verify.data_fingerprint(written[0]) != fingerprint:
            result.problems.append("the backup's data differ from the database before the upgrade")
        else:
            with verify.connect(written[0]) as copy:
                if copy.execute("PRAGMA integrity_check").fetchall() != [("ok",)]:
                    result.problems.append("the backup fails integrity_check")

    def fleet(self):
        count = self.profile["fleet"]
        template = self.database(200, playlists=10)
        migrations = self.migrations_copy("rebuild")
        case = f"{count:,} databases of {template.stat().st_size // 1024} KiB, one corrupt"
        fleet_dir = self.work / "fleet"

        def prepare():
            shutil.rmtree(fleet_dir, ignore_errors=True)
            fleet_dir.mkdir()
            files = []
            for number in range(count):
                path = fleet_dir / f"device-{number:05}.sqlite3"
                shutil.copyfile(template, path)
                files.append(path)
            corrupt = files[count // 2]
            with open(corrupt, "r+b") as handle:  # a valid header over a destroyed schema page
                handle.seek(100)
                handle.write(b"\xa5" * 3000)
            os.sync()
            return files, corrupt, corrupt.read_bytes()

        def check(result, files, corrupt, corrupt_bytes, log_text, tool):
            upgraded = sum(1 for f in files if f != corrupt and verify.file_facts(f)["user_version"] == 2)
            result.facts["upgraded"] = upgraded
            if upgraded != count - 1:
                result.problems.append(f"{count - 1 - upgraded} sound databases were not upgraded")
            if corrupt.read_bytes() != corrupt_bytes:
                result.problems.append("the corrupt file was changed")
            if tool == "litemig" and not any(corrupt.name in line for line in log_text.splitlines()):
                result.problems.append("the corrupt file is not named in the output")

        script = self.shell_script("fleet", migrations / "0002_practice_goal_real_interval.sql", "tuned")
        version_script = self.work / "fleet-shell.sql"
        version_script.write_text(script.read_text().replace("COMMIT;", "PRAGMA user_version = 2;\nCOMMIT;"))
        # litemig's --jobs defaults to the number of cores; the shell loop gets as many processes.
        tools = {
            "litemig": lambda files: [self.litemig, "upgrade", "--dir", migrations, "--no-backup"]
            + [arg for f in files for arg in ("--db", f)],
            FLEET_SHELL: lambda files: [
                "sh", "-c", f'ls "$1"/*.sqlite3 | xargs -P {os.cpu_count()} -I{{}} sqlite3 -batch {{}} ".read \'$2\'"',
                "sh", fleet_dir, version_script],
        }
        for tool, command in tools.items():
            result = Result("fleet", case, tool, records=count)
            files, corrupt, corrupt_bytes = prepare()
            try:
                result.runs = self.measurer.run(command(files), sample_anon=True, allowed_exit=range(0, 124),
                                                timeout=60 + count // 10)
                check(result, files, corrupt, corrupt_bytes, self.measurer.last_log.read_text(errors="replace"), tool)
                if result.runs[0].exit_code == 0:
                    result.problems.append("exit code 0 although one database is corrupt")
            except CommandFailed as failure:
                result.problems.append(str(failure))
            result.facts["per_second"] = count / result.median if result.runs else 0
            self.results.append(result)
            self.log(f"fleet / {tool}: {result.facts['per_second']:.0f} databases/s")
        shutil.rmtree(fleet_dir, ignore_errors=True)

    def large(self):
        """The rebuild on a file of over 4 GiB, litemig against the tuned shell, runs alternating: memory
        must stay flat (peak anonymous memory as on small files). litemig's stderr is a terminal, so
        its progress display draws as a user sees it; the frames of the last run are kept."""
        profile = "quick" if self.args.quick else "full"
        records = LARGE_RECORDS[profile]
        needed = records * 180 * 5  # the generated file, its stamped copy, the subject and what the rebuild adds
        free = shutil.disk_usage(self.out).free
        if free < needed:
            self.log(f"large: {free / 2**30:.1f} GiB free, {needed / 2**30:.1f} GiB needed; skipped")
            return
        source = self.database(records)
        case = f"{records:,} records ({source.stat().st_size / 2**30:.2f} GiB)"
        migrations = self.migrations_copy("rebuild")
        migration = MIGRATIONS / "rebuild" / "0002_practice_goal_real_interval.sql"
        expected = verify.expected_signature((migrations / "snapshots" / "0002.sql").read_text())
        check = self.verifier(expected, verify.data_fingerprint(source))
        shell = self.shell_script("large", migration, "tuned")
        contenders = {
            "litemig": (None, lambda db: [self.litemig, "upgrade", "--db", db, "--dir", migrations, "--no-backup"], None),
            "sqlite3 shell (tuned)": (None, lambda db: ["sqlite3", db], shell),
        }
        self.measure_migrations("large", case, records, source, contenders, check, LARGE_REPEAT[profile],
                                on_terminal=("litemig",))
        result = next(r for r in self.results if r.scenario == "large" and r.tool == "litemig")
        log = self.measurer.last_log_of.get(self.litemig.name)
        if log:
            # File names as the reader needs them, not where this run kept them.
            result.facts["printed"] = [line.replace(f"{self.work}/", "") for line in
                                       log.read_text(errors="replace").splitlines() if line.strip()]
            drawn = log.with_suffix(".terminal")
            # Each redraw starts with a carriage return (splitlines splits there too).
            frames = drawn.read_text(errors="replace").replace("\033[K", "").splitlines() if drawn.exists() else []
            result.facts["display"] = [frame.strip() for frame in frames if frame.strip()]
        result.facts["source_gib"] = source.stat().st_size / 2**30

    def cluster(self):
        """The rebuild on a 3-node dqlite cluster, beside the same migration on one file, and each node's peak memory."""
        if not shutil.which("dqlite-demo"):
            self.log("cluster: dqlite-demo is not installed (apt-get install go-dqlite libdqlite-dev); skipped")
            return
        records = CLUSTER_RECORDS["quick" if self.args.quick else "full"]
        case = f"{records:,} records"
        source = self.database(records)
        migrations = self.migrations_copy("rebuild")
        expected = verify.expected_signature((migrations / "snapshots" / "0002.sql").read_text())
        source_fingerprint = verify.data_fingerprint(source)
        check = self.verifier(expected, source_fingerprint)
        timeout = 120 + records // 1000
        on_file = Result("cluster", case, "litemig upgrade (one file)", records=records)
        on_cluster = Result("cluster", case, "litemig upgrade (3-node dqlite cluster)", records=records)
        for _ in range(self.profile["cluster_repeat"]):
            db = fresh_copy(source, self.work / "subject.sqlite3")
            try:
                on_file.runs += self.measurer.run([self.litemig, "upgrade", "--db", db, "--dir", migrations],
                                                  sample_anon=True, cwd=self.work, timeout=timeout)
                on_file.problems += check(db, on_file)
            except (CommandFailed, sqlite3.Error) as failure:
                on_file.problems.append(str(failure))
            on_file.facts["file_mib"] = db.stat().st_size / 2**20
            try:
                self.cluster_run(source, migrations, check, source_fingerprint, on_cluster, timeout)
            except (CommandFailed, sqlite3.Error, OSError) as failure:
                on_cluster.problems.append(str(failure))
        for result in (on_file, on_cluster):
            self.results.append(result)
            state = "ok" if result.verified else "PROBLEMS: " + "; ".join(sorted(set(result.problems))[:3])
            self.log(f"cluster / {case} / {result.tool}: {f'{result.median:.3f} s' if result.runs else '-'} {state}")

    def cluster_run(self, source, migrations, check, source_fingerprint, result, timeout):
        """One fresh cluster: load SOURCE (untimed), migrate it (timed), verify every node's copy."""
        database = "bench.db"
        with DqliteCluster(self.work / "cluster", 3, self.cluster_tool) as cluster:
            started = time.monotonic()
            run_checked([self.cluster_tool, "load", cluster.nodes, database, source])
            result.facts["load_seconds"] = time.monotonic() - started
            for process in cluster.processes:
                reset_peak_memory(process.pid)
            result.runs += self.measurer.run([self.litemig, "upgrade", "--db", cluster.url(database), "--dir", migrations],
                                             sample_anon=True, cwd=self.work, timeout=timeout)
            nodes_mib = [peak_memory_kib(process.pid) / 1024 for process in cluster.processes]
            result.facts["node_peak_mib"] = max(nodes_mib + [result.facts.get("node_peak_mib", 0)])
            result.facts.setdefault("node_peaks", []).append([round(m, 1) for m in nodes_mib])
            for i, address in enumerate(cluster.addresses):
                copy = self.work / f"cluster-node-{i}.sqlite3"
                run_checked([self.cluster_tool, "dump", address, database, copy])
                result.problems += [f"node {i}: {p}" for p in check(copy, result)]
                if verify.data_fingerprint(copy) != verify.data_fingerprint(self.work / "cluster-node-0.sqlite3"):
                    result.problems.append(f"node {i} holds other data than node 0")
                result.facts["file_mib"] = copy.stat().st_size / 2**20

    # ---- the whole run

    def environment(self):
        def first_line(command):
            try:
                return subprocess.run(command, capture_output=True, text=True).stdout.strip().splitlines()[0]
            except (OSError, IndexError):
                return "unavailable"

        return {
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "profile": "quick" if self.args.quick else "full",
            "cpus": os.cpu_count(),
            "cpu": next((l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines()
                         if l.startswith("model name")), platform.processor()),
            "kernel": platform.release(),
            "sqlite3 shell": first_line(["sqlite3", "--version"]).split(" ")[0],
            "litemig": first_line([self.litemig, "--version"]),
            "alembic": first_line(["alembic", "--version"]),
            "load average at start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
            "repeats": f'{self.profile["repeat"]} (add column: {self.profile["add_column_repeat"]})',
        }

    def run(self):
        env = self.environment()
        scenarios = {
            "rebuild": self.rebuild, "anatomy": self.rebuild_anatomy, "add-column": self.add_column, "launch": self.launch,
            "progress": self.progress_display, "generate": self.generate_wide, "backup": self.backup, "fleet": self.fleet,
            "cluster": self.cluster, "large": self.large,
        }
        # The cluster scenario is not part of the CI smoke run.
        chosen = self.args.only or [name for name in scenarios if not (self.args.quick and name == "cluster")]
        for name in chosen:
            scenarios[name]()
        env["load average at end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
        (self.out / "results.json").write_text(
            json.dumps({"environment": env, "results": [asdict(r) for r in self.results]}, indent=1))
        results_dir = Path(self.args.results_dir).resolve() if self.args.results_dir else self.out
        report.write(results_dir, env, self.results, self.sizes, BENCH_DIR / "chart.gp")
        failed = [r for r in self.results if not r.verified]
        for result in failed:
            self.log(f"FAILED {result.scenario} / {result.case} / {result.tool}: {'; '.join(result.problems[:3])}")
        self.log(f"wrote {results_dir / 'RESULTS.md'}")
        return 1 if failed else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small databases, few repeats (the CI smoke run)")
    parser.add_argument("--build-dir", required=True, help="CMake build tree holding bin/litemig and the bench tools")
    parser.add_argument("--out", required=True, help="folder for databases, logs and results.json")
    parser.add_argument("--data", help="folder caching the generated databases (default: OUT/data)")
    parser.add_argument("--results-dir", help="where RESULTS.md and rebuild.png go (default: OUT)")
    parser.add_argument("--only", nargs="+", choices=["rebuild", "anatomy", "add-column", "launch", "progress", "generate", "backup", "fleet", "cluster",
                                                   "large"])
    return Bench(parser.parse_args()).run()


if __name__ == "__main__":
    sys.exit(main())
