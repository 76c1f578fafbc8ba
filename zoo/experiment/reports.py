"""What a recipe reports: markdown tables beside the paper's numbers, results.json / results.md,
and figures."""

import math
import os

from zoo import files
from zoo.experiment import dry_run, flags

def fmt(value, digits=4):
    """A table cell: None -> '—', floats to `digits` significant digits, others as str."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if value != 0 and (abs(value) >= 10 ** digits or abs(value) < 1e-3):
            return f"{value:.{digits - 1}e}"
        return f"{value:.{digits}g}" if abs(value) < 10 ** (digits - 1) else f"{value:.1f}"
    return str(value)


def markdown_table(headers, rows):
    """A GitHub markdown table; cells go through `fmt`."""
    lines = ["| " + " | ".join(headers) + " |",
             "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(fmt(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def comparison_table(row_label, rows, columns, ours, paper):
    """A paper table with "ours" and "paper" columns side by side for every metric.

    Args:
      row_label: header of the first column (e.g. "kappa").
      rows: row keys, in order (also the printed row names unless a (key, name) pair).
      columns: (metric key, header) pairs.
      ours, paper: {row key: {metric key: value}}; missing values print as '—'.
    """
    headers = [row_label]
    for _, header in columns:
        headers += [f"{header} (ours)", f"{header} (paper)"]
    table = []
    for row in rows:
        key, name = row if isinstance(row, tuple) else (row, row)
        cells = [name]
        for metric, _ in columns:
            cells += [ours.get(key, {}).get(metric), paper.get(key, {}).get(metric)]
        table.append(cells)
    return markdown_table(headers, table)


def write_results(config, results, title, sections):
    """Write <workdir>/results.json (results, config, wall time) and results.md (title, run
    facts, `sections`: markdown strings, e.g. tables and figure links, then the wall time since
    `configure`), and say so on stdout."""
    workdir = config["workdir"]
    wall = flags.wall_time()
    if config.get("dry_run"):
        results = {**results, "dry_run": dry_run.report(config)}
        sections = [*sections, dry_run_section(results["dry_run"])]
    files.write_json(os.path.join(workdir, "results.json"),
                  {"config": config, **results, "wall_time_seconds": wall})
    facts = (f"Preset `{config['preset']}`, data `{config.get('data')}`, seed {config['seed']}."
             f"  \nCommand: `{config.get('command', '')}`")
    footer = [] if wall is None else [f"Wall time of this run: {wall} s."]
    files.write_text(os.path.join(workdir, "results.md"),
                  "\n\n".join([f"# {title}", facts, *sections, *footer]) + "\n")
    print(f"wrote {workdir}/results.md")


def dry_run_section(facts):
    """results.md's account of a --dry_run: parameters per model, peak memory, stand-ins."""
    rows = [[name, count] for name, count in facts["parameters"].items()]
    models = ", ".join(f"{name} {count:,} parameters" for name, count in rows)
    print(f"dry run: {models or 'no trained models'}; peak memory {facts['peak_memory_mb']} MB",
          flush=True)
    return "\n\n".join([
        f"## Dry run ({facts['steps_per_stage']} training steps per model and stage, synthetic "
        f"data; the numbers above mean nothing)",
        markdown_table(["model", "parameters"], rows) if rows else "No trained models.",
        f"Peak resident memory of the process: {facts['peak_memory_mb']} MB.",
        "Stand-in data: " + (", ".join(f"`{k}` -> `{v}`" for k, v in facts["stand_ins"].items())
                             or "none (the preset's data needs no download)") + "."])


def save_figure(figure, path, dpi=120):
    """Save a matplotlib figure as PNG atomically and close it."""
    import matplotlib.pyplot as plt

    with files.atomic_path(path, suffix=".png") as tmp:
        figure.savefig(tmp, dpi=dpi, bbox_inches="tight")
    plt.close(figure)
    return path


def pyplot():
    """matplotlib.pyplot with the Agg backend (no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt
