"""RESULTS.md (tables of medians, spreads and ratios) and the rebuild chart."""
import subprocess
from pathlib import Path

# Rows measured only to derive another row's time: a ratio of theirs would compare unlike things.
PARTS_OF_A_DIFFERENCE = ("litemig upgrade with backup", "litemig upgrade --no-backup")
REBUILD_TOOLS = ["litemig", "sqlite3 shell (defaults)", "sqlite3 shell (tuned)", "Alembic"]


def pick(results, scenario, tool, case=None):
    for result in results:
        if result.scenario == scenario and result.tool == tool and (case is None or result.case == case) and result.runs:
            return result
    return None


def seconds(result):
    return result.facts.get("derived_seconds", result.median)


def ratio(result, reference):
    if not result or not reference or not result.runs or not reference.runs or seconds(reference) <= 0:
        return None
    return seconds(result) / seconds(reference)


def one_line(text, limit=240):
    text = " ".join(text.split()).replace("|", "/")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def fmt_time(value):
    if value is None:
        return "-"
    return f"{value * 1000:.1f} ms" if value < 1 else f"{value:.2f} s"


def fmt_ratio(value):
    return "-" if value is None else f"{value:.2f}×"


def reference_of(results, scenario, case):
    """The physical limit each scenario is measured against."""
    if scenario in ("rebuild", "large"):
        shells = [pick(results, scenario, t, case) for t in ("sqlite3 shell (defaults)", "sqlite3 shell (tuned)")]
        shells = [s for s in shells if s and s.verified]
        return min(shells, key=seconds) if shells else None
    names = {"add column": "sqlite3 shell (ALTER TABLE ADD COLUMN)", "launch": "sqlite3 PRAGMA user_version", "backup": "cp + sync",
             "fleet": "sqlite3 shell (xargs -P cores)", "progress": "litemig upgrade --json (no progress)",
             "cluster": "litemig upgrade (one file)"}
    return pick(results, scenario, names[scenario], case) if scenario in names else None


def scenario_table(results, scenario):
    lines = []
    cases = list(dict.fromkeys(r.case for r in results if r.scenario == scenario))
    for case in cases:
        reference = reference_of(results, scenario, case)
        lines += [f"**{case}**", "",
                  "| Tool | Median | Spread (min–max) | Ratio | Peak RSS | Peak anon. | File after | Free after | "
                  "Stats kept | Verified |",
                  "|---|---|---|---|---|---|---|---|---|---|"]
        for result in (r for r in results if r.scenario == scenario and r.case == case):
            if "derived_seconds" in result.facts:
                spread = "difference of the two medians above"
            elif result.runs:
                low, high = result.spread
                spread = f"{fmt_time(low)} – {fmt_time(high)}" if len(result.runs) > 1 else "-"
            else:
                spread = "-"
            facts = result.facts
            file_after = f"{facts['file_mib']:.0f} MiB" if "file_mib" in facts else "-"
            free_after = f"{facts['free_bytes'] / 2**20:.0f} MiB" if "free_bytes" in facts else "-"
            stats = ("yes" if facts["stats_rows"] else "no") if "stats_rows" in facts else "-"
            median = fmt_time(seconds(result)) if result.runs else "failed"
            if scenario == "fleet" and result.runs:
                median += f" ({facts.get('per_second', 0):.0f} db/s)"
            verified = "diagnostic, not checked" if scenario == "rebuild anatomy" and result.verified else \
                "yes" if result.verified else "NO: " + one_line("; ".join(sorted(set(result.problems))[:2]))
            compared = ratio(result, reference) if result.tool not in PARTS_OF_A_DIFFERENCE else None
            lines.append(
                f"| {result.tool} | {median} | {spread} | {fmt_ratio(compared)} | "
                f"{result.max_rss_mib if result.runs else 0:.1f} MiB | {result.peak_anon_mib if result.runs else 0:.1f} MiB | "
                f"{file_after} | {free_after} | {stats} | {verified} |")
        lines.append("")
        if scenario == "progress":
            lines += cpu_table(results, scenario, case)
    return lines


def cpu_table(results, scenario, case):
    """CPU time (user + system) of the same runs: the work each did, whatever else ran meanwhile."""
    lines = ["CPU time of the same runs (user + system):", "", "| Tool | Median | Spread (min–max) | Ratio |",
             "|---|---|---|---|"]
    shown = [r for r in results if r.scenario == scenario and r.case == case and r.runs]
    reference = reference_of(results, scenario, case)
    for result in shown:
        low, high = result.cpu_spread
        compared = result.cpu_median / reference.cpu_median if reference and reference.cpu_median > 0 else None
        lines.append(f"| {result.tool} | {fmt_time(result.cpu_median)} | {fmt_time(low)} – {fmt_time(high)} | "
                     f"{fmt_ratio(compared)} |")
    return lines + [""]


def target_rows(results, largest_case):
    rows = []

    def row(name, value, met, shown=None):
        rows.append(f"| {name} | {shown or fmt_ratio(value)} | {'-' if met is None else ('yes' if met else '**no**')} |")

    litemig = pick(results, "rebuild", "litemig", largest_case)
    alembic_ratio = ratio(litemig, pick(results, "rebuild", "Alembic", largest_case))
    row("Rebuild ≤ 0.85 × Alembic", alembic_ratio, None if alembic_ratio is None else alembic_ratio <= 0.85)
    shell_ratio = ratio(litemig, reference_of(results, "rebuild", largest_case))
    row("Rebuild ≤ 0.5 × fastest correct shell sequence", shell_ratio,
        None if shell_ratio is None else shell_ratio <= 0.5)
    stats = litemig.facts.get("stats_rows") if litemig else None
    row("Rebuild: planner statistics of the rebuilt table back", None, None if stats is None else stats > 0,
        shown="-" if stats is None else f"{stats} sqlite_stat1 rows")
    add = [r for r in results if r.scenario == "add column"]
    if add:
        add_ratio = ratio(pick(results, "add column", "litemig"), reference_of(results, "add column", add[0].case))
        row("Add column ≤ 1.2 × shell", add_ratio, None if add_ratio is None else add_ratio <= 1.2)
    launch_tool = "tunetrees start-up (version command)"
    launch = pick(results, "launch", launch_tool)
    if not launch:
        launch_tool = "litemig upgrade (nothing to do)"
        launch = pick(results, "launch", launch_tool)
    if launch:
        launch_ratio = ratio(launch, reference_of(results, "launch", launch.case))
        row(f"Launch ({launch_tool}) ≤ 1.0 × sqlite3 reading user_version", launch_ratio,
            None if launch_ratio is None else launch_ratio <= 1.0)
    for command in ("litemig current", "litemig check"):
        measured = pick(results, "launch", command)
        if measured:
            command_ratio = ratio(measured, reference_of(results, "launch", measured.case))
            row(f"{command} ≤ 1.5 × sqlite3 reading user_version", command_ratio,
                None if command_ratio is None else command_ratio <= 1.5)
    backup = pick(results, "backup", "litemig backup")
    if backup:
        backup_ratio = ratio(backup, reference_of(results, "backup", backup.case))
        row("Backup ≤ 2 × cp + sync", backup_ratio, None if backup_ratio is None else backup_ratio <= 2)
    if litemig:
        anon = litemig.peak_anon_mib
        row("Upgrade peak memory without mapped pages ≤ 16 MiB", None, anon <= 16, shown=f"{anon:.1f} MiB")
    generate = pick(results, "generate", "litemig generate")
    if generate:
        row(f"Generate ({generate.case}) < 1 s", None, generate.median < 1 and generate.verified,
            shown=fmt_time(generate.median))
    build = next((r for r in results if r.tool == "cmake --build"), None)
    if build:
        row("No-op build: ninja: no work to do", None, build.verified, shown=fmt_time(build.median) if build.runs else "-")
    shown = pick(results, "progress", "litemig upgrade (progress display)")
    if shown:
        # Judged on CPU time, which other processes on the machine do not stretch; wall time beside it.
        plain = reference_of(results, "progress", shown.case)
        overhead = ratio(shown, plain)
        cpu = shown.cpu_median / plain.cpu_median if plain and plain.runs and plain.cpu_median > 0 else None
        row("Progress display on a rebuild: overhead < 2 % (CPU time)", cpu,
            None if cpu is None else cpu < 1.02 and shown.verified,
            shown="-" if cpu is None or overhead is None else
            f"{(cpu - 1) * 100:+.1f} % CPU, {(overhead - 1) * 100:+.1f} % wall (medians of {len(shown.runs)})")
    fleet = pick(results, "fleet", "litemig")
    if fleet:
        row("Fleet: corrupt file reported, the rest upgraded", None, fleet.verified,
            shown=f"{fleet.facts.get('per_second', 0):.0f} databases/s")
        shell = reference_of(results, "fleet", fleet.case)
        if shell:
            speedup = shell.median / fleet.median if fleet.median > 0 else None
            row("Fleet throughput ≥ 1.5 × the shell loop (every core)", speedup,
                None if speedup is None else speedup >= 1.5 and fleet.verified,
                shown="-" if speedup is None else f"{speedup:.2f}× ({shell.facts.get('per_second', 0):.0f} db/s)")
    large = pick(results, "large", "litemig")
    if large:
        large_ratio = ratio(large, reference_of(results, "large", large.case))
        anon = large.peak_anon_mib
        small = min((r.peak_anon_mib for r in results if r.scenario == "rebuild" and r.tool == "litemig" and r.runs),
                    default=None)
        flat = f" ({small:.1f} MiB on the smallest rebuild)" if small is not None else ""
        row(f"Large file ({large.facts.get('source_gib', 0):.2f} GiB): flat memory, the display, the shell ratio",
            large_ratio, large.verified and anon <= 16,
            shown=f"{fmt_ratio(large_ratio)} the tuned shell; peak anonymous memory {anon:.1f} MiB{flat}; "
                  f"{len(large.facts.get('display', []))} redraws of the progress display")
    return rows


def write_chart(folder, results, sizes, script):
    data = folder / "rebuild.dat"
    lines = ["records " + " ".join(f'"{t}"' for t in REBUILD_TOOLS)]
    for records in sizes:
        values = []
        for tool in REBUILD_TOOLS:
            result = next((r for r in results if r.scenario == "rebuild" and r.tool == tool and r.records == records
                           and r.runs), None)
            values.append(f"{result.median:.4f}" if result else "NaN")
        lines.append(f"{records} " + " ".join(values))
    data.write_text("\n".join(lines) + "\n")
    subprocess.run(["gnuplot", "-e", f"datafile='{data}'; outfile='{folder / 'rebuild.png'}'", str(script)],
                   check=True)


def cluster_notes(results):
    """Each node's peak resident memory during the migration, and the untimed load."""
    lines = []
    for result in (r for r in results if r.scenario == "cluster" and "node_peaks" in r.facts):
        peaks = "; ".join(" / ".join(f"{mib:.0f}" for mib in run) for run in result.facts["node_peaks"])
        lines.append(f"Peak resident memory of each dqlite-demo node during the migration (VmHWM, reset after loading; "
                     f"MiB per node, run by run): {peaks}. Loading the database through the wire client (untimed): "
                     f"{fmt_time(result.facts['load_seconds'])}.")
    return lines + ([""] if lines else [])


def large_notes(results):
    """What litemig showed during its last run on the large file: the frames its progress display
    drew on the terminal (a few of them) and the lines it printed."""
    large = pick(results, "large", "litemig")
    if not large:
        return []
    frames = large.facts.get("display", [])
    lines = []
    if frames:
        shown = frames if len(frames) <= 8 else frames[:3] + ["…"] + frames[len(frames) // 2:len(frames) // 2 + 2] + \
            ["…"] + frames[-3:]
        lines += [f"The progress display on the terminal during the last litemig run ({len(frames)} redraws, "
                  "some of them):", "", "```"] + shown + ["```", ""]
    if large.facts.get("printed"):
        lines += ["What it printed:", "", "```"] + large.facts["printed"] + ["```", ""]
    return lines


def write(folder, env, results, sizes, chart_script):
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    largest_case = f"{sizes[-1]:,} records"
    lines = [
        "# Benchmark results",
        "",
        f"Written by `bench/run.sh{' --quick' if env['profile'] == 'quick' else ''}` on {env['date']}. "
        "Every tool ran in the same run on the same machine, each run from a fresh copy of the database, and every "
        "result was verified (schema by meaning, data, foreign_key_check, integrity_check). Compare ratios, not "
        "absolute times. How to read this and what limits each number: docs/benchmarks.md.",
        "",
        "| Machine and run | |",
        "|---|---|",
    ]
    lines += [f"| {key} | {value} |" for key, value in env.items()]
    lines += ["", "## Targets", "", "| Target | Measured | Met |", "|---|---|---|"]
    lines += target_rows(results, largest_case)
    titles = {
        "rebuild": "Rebuild migration of practice_record (new NOT NULL column in the middle, interval INTEGER → REAL)",
        "rebuild anatomy": "Where the rebuild time goes (sqlite3 shell, one run each, largest database)",
        "add column": "Add a column at the end",
        "launch": "Launch with nothing to do",
        "progress": "Progress display on the rebuild (largest database)",
        "generate": "Generate on a large reference schema; no-op build",
        "backup": "Backup before migrating",
        "fleet": "Fleet upgrade (--jobs: one per core)",
        "cluster": "Rebuild on a 3-node dqlite cluster (dqlite-demo on loopback) beside one file",
        "large": "Rebuild on a large file (over 4 GiB in the full run)",
    }
    for scenario, title in titles.items():
        if any(r.scenario == scenario for r in results):
            lines += ["", f"## {title}", ""] + scenario_table(results, scenario)
            if scenario == "cluster":
                lines += cluster_notes(results)
            if scenario == "large":
                lines += large_notes(results)
    if any(r.scenario == "rebuild" for r in results):
        write_chart(folder, results, sizes, chart_script)
        lines += ["", "![Rebuild time against database size](rebuild.png)", ""]
    (folder / "RESULTS.md").write_text("\n".join(lines) + "\n")
