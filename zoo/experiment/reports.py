"""What a recipe reports: markdown tables beside the paper's numbers, results.json / results.md,
and figures."""

import math
import os

from zoo import files
from zoo.experiment import dry_run, process

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


def metrics_table(rows, columns, values, row_label=""):
    """A table of `values[row][metric]`: one line per (row key, name) of `rows`, one column per
    (metric key, header) of `columns`; missing values print as '—'."""
    return markdown_table([row_label] + [header for _, header in columns],
                          [[name] + [values.get(key, {}).get(metric) for metric, _ in columns]
                           for key, name in rows])


def ndb_table(rows, values, bins, held_out_row):
    """NDB / K per K of `bins` for `rows`, then the held-out real images' own NDB / K (the
    train/test shift and NDB's noise at that sample size, not a floor), read from
    `values[held_out_row]`."""
    held = {f"ndb_{k}": values[held_out_row].get(f"ndb_{k}_held_out_real") for k in bins}
    return metrics_table([*rows, ("held_out_real", "held-out real")],
                         [(f"ndb_{k}", f"K={k}") for k in bins],
                         {**values, "held_out_real": held})


NO_FID = ('FID: not computed (fid_samples is 0, or neither the fid extra nor an Inception graph: '
          'pip install -e ".[fid]" or $ZOO_INCEPTION_GRAPH; see zoo.metrics.fid)')


def image_sections(config, rows, values, paper, held_out_row, fid=(("fid", "FID"),),
                   fd=(("fd_mnist", "FD-MNIST"),)):
    """results.md's account of measured image sets (`zoo.experiment.measures`): FID beside the
    paper's (or why it was not computed), FD-MNIST where it applies, and NDB / K with the
    held-out real images' own level. `values`: {row key: metrics}; `fid`, `fd`: (metric key,
    header) columns; `held_out_row`: the row whose NDB held-out figures are shown."""
    measured = values[held_out_row]
    graph = config.get("inception_graph") or "the Keras port of the 2015 FID network"
    split = "shuffled test" if config.get("fid_reference") == "test" else "training"
    out = [comparison_table("", rows, fid, values, paper),
           f"**{NO_FID}.**" if measured.get(fid[0][0]) is None else
           f"FID: {config['fid_samples']} images against the Inception statistics of "
           f"{config['fid_train'] or 'all'} {split} images ({graph}); FID grows as the sample "
           "count falls (the papers: 10,000)."]
    if measured.get(fd[0][0]) is not None:
        out += ["Frechet distance in the MNIST classifier's features (`fd_mnist_classifier`, "
                f"**not FID**; {config['fid_images']} images vs as many held-out test images; "
                "smaller is better):", metrics_table(rows, fd, values)]
    bins = config["ndb_bins"]
    return out + [
        f"NDB / K (smaller is better): K-means on {config['ndb_train']} training images (or "
        f"all), {config['ndb_queries']} generated vs held-out queries, z-test at 0.05, "
        f"standardize={config.get('ndb_standardize', False)}, n_init={config['ndb_n_init']}; "
        "the held-out real row is the NDB / K of as many held-out test images: the train/test "
        "shift and NDB's noise at this sample size, not a floor (a model that samples the "
        "training distribution exactly scores lower).",
        ndb_table(rows, values, bins, held_out_row)]


STAGE_COLUMNS = (("reconstruction_error", "Rec. err. (test)"), ("gamma_stage_1", "gamma stage 1"),
                 ("gamma_stage_2", "gamma stage 2"), ("active_dims_stage_1", "active dims stage 1"))


def stage_table(rows, values, without_stage_2=()):
    """A two-stage model's facts per row: test reconstruction error (sum of squares), the
    learned gamma of each stage and the first stage's active dims; the rows named in
    `without_stage_2` (a first stage used alone) show no stage-2 gamma."""
    values = {key: {**row, "gamma_stage_2": None} if key in without_stage_2 else row
              for key, row in values.items()}
    return metrics_table(rows, STAGE_COLUMNS, values)


def mean_std(values):
    """'mean ± std' (ddof 1) of the numbers in `values` (None skipped), the number alone for
    one, None for none."""
    import numpy as np

    values = [v for v in values if v is not None]
    if len(values) < 2:
        return f"{values[0]:.4g}" if values else None
    return f"{np.mean(values):.4g} ± {np.std(values, ddof=1):.2g}"


def seed_summary(per_seed, rows):
    """{row: {metric: 'mean ± std'}} over the seeds of `per_seed` ({seed: {row: metrics}}),
    for every metric any seed has (None where no seed has it)."""
    runs = list(per_seed.values())
    keys = sorted({m for run in runs for row in rows for m in run.get(row, {})})
    return {row: {m: mean_std([run.get(row, {}).get(m) for run in runs]) for m in keys}
            for row in rows}


def write_results(config, results, title, sections):
    """Write <workdir>/results.json (results, config, wall time) and results.md (title, run
    facts, `sections`: markdown strings, e.g. tables and figure links, then the wall time since
    `process.start`), and say so on stdout."""
    workdir = config["workdir"]
    wall = process.wall_time()
    if config.get("dry_run"):
        results = {**results, "dry_run": dry_run.report(config)}
        sections = [*sections, dry_run_section(results["dry_run"])]
    files.write_json(os.path.join(workdir, "results.json"),
                  {"config": config, **results, "wall_time_seconds": wall})
    data_ = f", data `{config['data']}`" if config.get("data") else ""  # else each row's own
    facts = (f"Preset `{config['preset']}`{data_}, seed {config['seed']}."
             f"  \nCommand: `{config.get('command', '')}`")
    without = specs_without_test_split(config)
    if without:
        facts += ("\n\n**No held-out images:** " + ", ".join(f"`{s}`" for s in without)
                  + (" has" if len(without) == 1 else " have") + " no test split, so what this "
                  "report calls held-out or test images are training images "
                  "(`zoo.data.held_out_split`).")
    footer = [] if wall is None else [f"Wall time of this run: {wall} s."]
    files.write_text(os.path.join(workdir, "results.md"),
                  "\n\n".join([f"# {title}", facts, *sections, *footer]) + "\n")
    print(f"wrote {workdir}/results.md")


def specs_without_test_split(config):
    """The `zoo.data` specs anywhere in `config` whose source has no test split (an image
    folder, say), sorted; specs that cannot be described now are left out."""
    from zoo import data

    found = set()

    def visit(value):
        if isinstance(value, dict):
            for item in value.values():
                visit(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                visit(item)
        elif data.is_spec(value) and value not in found:
            try:
                if data.held_out_split(value) != "test":
                    found.add(value)
            except (OSError, ValueError):
                pass  # not readable here (e.g. a preset's placeholder path): not measured

    visit({k: v for k, v in config.items() if k != "dry_run"})
    return sorted(found)


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
