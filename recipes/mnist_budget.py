r"""Budget study on MNIST: reg-balance Table 1's model trained for log-spaced budgets.

    python -m recipes.mnist_budget --data=idx:../shared/data/mnist --workdir=runs/mnist_budget
    python -m recipes.mnist_budget --override=budgets.100=1,4,13,40,130   # kappa 100: 1,040 epochs
    python -m recipes.mnist_budget --preset=paper --data=tfds:mnist       # GPU: days

How far are `recipes.mnist_balance`'s numbers from the paper's because of the budget? The MLP
VAE of Table 1 (`recipes._table1_mlp.build_model`, the model of `recipes.mnist_balance`) is
trained at each latent size kappa of `budgets` for each of its budgets (epochs per round): the
IWAE schedule's 8 rounds (lr 1e-3 * 10^(-i/7)) of that many epochs each, so a budget is 8 x
that many epochs and every budget ends at the same learning rate. At each budget: test
reconstruction error, test NLL (IWAE), NLL on as many training images, active units and gamma
(`recipes._table1_mlp.row`). The model is trained as `variant` says (all kappas and budgets);
the `comparisons` variants are trained too, at their own kappas and budgets. How gamma is
learned:

- `learnable_std`: log sigma_x is the variable, gamma = sigma_x^2 (the two-stage reference
  code's choice; `zoo.GaussianVAE(gamma_parameterization="std")`);
- `learnable_variance`: log gamma is the variable (the zoo's choice before this study);
- `analytic`: gamma set to the batch's mean squared error per dimension at every step, no
  gradient through it (the calibrated-decoder VAE of Rybkin et al. 2021).

and the paper's training dynamics, each with `learnable_std`'s gamma (the `cpu_dynamics`
preset: why does batch 100 with equal rounds not reach the paper's reconstruction error and
active units?):

- `batch_20`: the paper's batch of 20 (5 times the steps of an epoch at batch 100);
- `geometric_rounds`: the rounds in the paper's proportions 3^i over the same total epochs
  (two thirds of the steps in the last round, at a tenth of the first learning rate) instead
  of equal rounds;
- `batch_20_geometric`: both, the paper's schedule shortened to the budget.

The tables give each metric next to the paper's and, per metric, the budget at which it
reaches the paper's value or where the trend of the last two budgets points
(`zoo.experiment.budget_to_reach`). The paper's NLL is on another scale
(`recipes._table1_mlp.nll_scale_note`): it is drawn, not extrapolated to.

Presets: `cpu` (batch 100, kappa 100 and 784, budgets 8, 32, 104 and 320 epochs, i.e. from a
quarter of `recipes.mnist_balance`'s cpu preset to 10 times it; the comparison variants at
kappa 100 up to 104 epochs; K = 500 on 1,000 images), `paper` (batch 20, up to the paper's
3,280 epochs, K = 5,000 on 10,000 images), `cpu_dynamics` (kappa 100: the cpu preset's
learnable_std at 8 and 32 epochs; geometric_rounds at 32 and 104, batch_20 at 8 and 32,
batch_20_geometric at 32; 72 minutes on one core, results/mnist_table1_dynamics), `smoke`
(sklearn:digits, seconds). The paper's batch 20 makes an epoch about 3.5 times slower on a CPU
than batch 100 (`bench.train`), so the cpu preset keeps `recipes.mnist_balance`'s batch 100: its
epochs have 5 times fewer steps than the paper's.
Writes config.json, results.json, results.md, budget_study.png and one sub-workdir per variant
and budget, <variant>_e<epochs>/models/kappa_<k>/ (checkpoints, TensorBoard, SavedModel,
metrics) into --workdir; re-running skips finished models.
"""

from recipes import _table1_mlp as table1
from recipes import paper_values
from zoo import experiment

LEARNABLE_STD = {"gamma": "learnable", "gamma_parameterization": "std"}
VARIANTS = {
    "learnable_std": LEARNABLE_STD,
    "learnable_variance": {"gamma": "learnable", "gamma_parameterization": "variance"},
    "analytic": {"gamma": "analytic", "gamma_parameterization": "std"},
    "batch_20": {**LEARNABLE_STD, "batch_size": 20},
    "geometric_rounds": {**LEARNABLE_STD, "geometric_rounds": True},
    "batch_20_geometric": {**LEARNABLE_STD, "batch_size": 20, "geometric_rounds": True},
}
METRICS = (  # key, label, the paper's key (None: no paper value), lower is better
    ("reconstruction_error", "test reconstruction error", "reconstruction_error"),
    ("nll", "test NLL (nats)", "nll"),
    ("nll_train", "NLL, 1,000 training images (nats)", None),
    ("active_dims", "active units", "active_dims"),
    ("gamma", "gamma", None),
)
# Metrics whose paper values are on our scale: the budget to reach them is reported.
REACHABLE = ("reconstruction_error", "active_dims")

PAPER = {
    **table1.PAPER, "budgets": {"100": [1, 10, 41, 410], "784": [1, 10, 41, 410]},
    "variant": "learnable_std",
    "comparisons": {"learnable_variance": {"100": [1, 10, 41]},
                    "analytic": {"100": [1, 10, 41]}},
}
CPU = {**PAPER, **table1.CPU, "budgets": {"100": [1, 4, 13, 40], "784": [1, 4, 13, 40]},
       "comparisons": {"learnable_variance": {"100": [1, 4, 13]},
                       "analytic": {"100": [1, 4, 13]}}}
# The paper's batch and schedule shape against the cpu preset's at kappa 100, 8 to 104 epochs.
CPU_DYNAMICS = {**CPU, "budgets": {"100": [1, 4]},
                "comparisons": {"geometric_rounds": {"100": [4, 13]}, "batch_20": {"100": [1, 4]},
                                "batch_20_geometric": {"100": [4]}}}
SMOKE = {**CPU, **table1.SMOKE, "budgets": {"4": [1, 2], "16": [1, 2]},
         "comparisons": {"learnable_variance": {"4": [1]}, "analytic": {"4": [1]},
                         "batch_20_geometric": {"4": [2]}}}
PRESETS = {"paper": PAPER, "cpu": CPU, "cpu_dynamics": CPU_DYNAMICS, "smoke": SMOKE}
DRY_RUN = {"budgets": {"100": [1], "784": [1]}, "comparisons": {}, "iwae_samples": 2,
           "eval_images": 100}


def check_config(config):
    """Known variants; kappas that are positive integers, each with increasing budgets."""
    for name in [config["variant"], *config["comparisons"]]:
        if name not in VARIANTS:
            raise ValueError(f"unknown gamma variant {name!r}; choose from {sorted(VARIANTS)}")
    if not config["budgets"]:
        raise ValueError("budgets is empty: give at least one kappa, e.g. "
                         "--override='budgets={\"100\": [1, 4]}'")
    tables = [("budgets", config["budgets"]),
              *[(f"comparisons.{k}", v) for k, v in config["comparisons"].items()]]
    for name, table in tables:
        for kappa, rounds in table.items():
            if not str(kappa).isdigit() or int(kappa) < 1:
                raise ValueError(f"{name}: the keys are latent sizes kappa, got {kappa!r}")
            if (not rounds or any(b <= a for a, b in zip(rounds, rounds[1:]))
                    or rounds[0] < 1):
                raise ValueError(f"{name}.{kappa} must be increasing positive epochs per round, "
                                 f"got {rounds}")


def kappas(config):
    """The latent sizes of the main variant, increasing."""
    return sorted(int(k) for k in config["budgets"])


def runs(config):
    """(variant, kappa, epochs per round) of every model, the main variant first."""
    out = [(config["variant"], int(k), r) for k, rounds in config["budgets"].items()
           for r in rounds]
    for variant, table in config["comparisons"].items():
        out += [(variant, int(k), r) for k, rounds in table.items() for r in rounds
                if (variant, int(k), r) not in out]
    return out


def folder(config, variant, kappa, epochs_per_round):
    """A budget's model folder: kappa_<kappa> of the sub-workdir <variant>_e<epochs>."""
    return f"{variant}_e{epochs_per_round * config['rounds']}/kappa_{kappa}"


def budget_row(config, variant, kappa, epochs_per_round, x_test, x_train):
    """The `recipes._table1_mlp` row of one budget."""
    sub = {**config, **VARIANTS[variant],
           "epochs_per_round": [epochs_per_round] * config["rounds"]}
    return table1.row(sub, f"kappa_{kappa}", x_test, x_train,
                      folder=folder(config, variant, kappa, epochs_per_round))


def series(results, variant, kappa):
    """[(epochs, metrics)] of one variant and kappa, by budget."""
    rows = [r for r in results if r["variant"] == variant and r["kappa"] == kappa]
    return sorted(((r["epochs"], r) for r in rows), key=lambda item: item[0])


def plot(config, results, path):
    plt = experiment.pyplot()
    paper = paper_values.MNIST_KAPPA_SWEEP
    fig, axes = plt.subplots(1, len(METRICS), figsize=(4 * len(METRICS), 3.8))
    styles = {"learnable_std": ("-", "o"), "learnable_variance": ("--", "s"),
              "analytic": (":", "^"), "batch_20": ("-.", "D"), "geometric_rounds": ("--", "v"),
              "batch_20_geometric": (":", "P")}
    budgets = sorted({r["epochs"] for r in results})
    single = len(kappas(config)) == 1  # then one color per variant (cpu_dynamics), else per kappa
    for ax, (key, label, paper_key) in zip(axes, METRICS):
        for color, kappa in enumerate(kappas(config)):
            for index, variant in enumerate([config["variant"], *config["comparisons"]]):
                points = series(results, variant, kappa)
                if points:
                    line, marker = styles[variant]
                    ax.plot([e for e, _ in points], [r[key] for _, r in points], ls=line,
                            marker=marker, color=f"C{index if single else color}", ms=5,
                            label=f"kappa {kappa}, {variant}")
            reference = None
            if paper_key and kappa in paper:
                reference = (paper[kappa][paper_key], f"paper, kappa {kappa}")
            elif key == "gamma" and kappa in paper:
                reference = (paper[kappa]["reconstruction_error"] / 784,
                             f"R/d at the paper's rec. error, kappa {kappa}")
            if reference:
                ax.axhline(reference[0], color="gray" if single else f"C{color}", lw=1,
                           alpha=0.6, ls=(0, (6, 3)),
                           label=reference[1])
        ax.set_xscale("log")
        ax.set_xticks(budgets, [str(b) for b in budgets])
        ax.minorticks_off()
        if key in ("gamma", "active_dims"):
            ax.set_yscale("log")
        ax.set_xlabel("epochs")
        ax.set_title(label + (" (paper: other scale)" if key == "nll" else ""), fontsize=10)
    handles, labels = [], []
    for ax in axes:
        for handle, text in zip(*ax.get_legend_handles_labels()):
            if text not in labels:
                handles.append(handle)
                labels.append(text)
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    fig.legend(handles, labels, loc="upper center", ncol=4, fontsize=8,
               bbox_to_anchor=(0.5, 0.0))
    fig.suptitle("MNIST MLP VAE (reg-balance Table 1's model) against the training budget; "
                 "dashed horizontal lines: the paper (3,280 epochs at batch 20)")
    experiment.save_figure(fig, path)


def reach_rows(config, results):
    """Per kappa and metric of the main variant: the budget reaching the paper's value."""
    paper = paper_values.MNIST_KAPPA_SWEEP
    rows = []
    for kappa in kappas(config):
        points = series(results, config["variant"], kappa)
        if kappa not in paper or not points:
            continue
        for key, label, _ in METRICS:
            if key not in REACHABLE:
                continue
            reach = experiment.budget_to_reach([e for e, _ in points], [r[key] for _, r in points],
                                               paper[kappa][key])
            rows.append([kappa, label, points[-1][1][key], paper[kappa][key], reach["text"]])
    return rows


def rows(config):
    from zoo import data

    x_test, _ = data.load_numpy(config["data"], "test")
    x_train, _ = data.load_numpy(config["data"], "train")
    for variant, kappa, epochs_per_round in runs(config):
        yield budget_row(config, variant, kappa, epochs_per_round, x_test, x_train)


def report(config, results):
    results = [{"variant": variant, **results[folder(config, variant, kappa, rounds)].metrics}
               for variant, kappa, rounds in runs(config)]
    plot(config, results, f"{config['workdir']}/budget_study.png")
    steps = experiment.batches_per_epoch(config["data"], config["batch_size"])
    columns = ["variant", "kappa", "epochs", "batch", "steps", "rec. error", "test NLL",
               "train NLL", "active", "gamma", "train s"]
    rows = [[r["variant"], r["kappa"], r["epochs"], r["batch_size"], r["steps"],
             r["reconstruction_error"], r["nll"], r["nll_train"], r["active_dims"], r["gamma"],
             r["train_seconds"]] for r in results]
    paper = paper_values.MNIST_KAPPA_SWEEP
    rows += [["paper", k, 3280, 20, 3280 * 3000, paper[k]["reconstruction_error"],
              paper[k]["nll"],
              None, paper[k]["active_dims"], None, None] for k in kappas(config) if k in paper]
    sections = [
        "## Metrics against the budget", experiment.markdown_table(columns, rows),
        results[0]["evaluation"] + f". Budgets: {config['rounds']} rounds of the IWAE "
        f"schedule (lr {config['learning_rate']} x 10^(-i/7)) of `epochs` / {config['rounds']} "
        f"epochs each (the `geometric_rounds` variants: in the proportions 3^i), batch "
        f"{config['batch_size']} ({steps} steps an epoch) unless the `batch` column says "
        "otherwise. Paper: 3,280 epochs at batch 20 (3,000 steps an epoch), K = 5000 on the "
        "test set. `train s`: "
        "seconds of training, summed over the processes that trained the model (a resumed "
        "run counts all of them).",
        "## Where each metric reaches the paper's value",
        experiment.markdown_table(["kappa", "metric", "ours, longest budget", "paper",
                                   "budget"], reach_rows(config, results)),
        "Extrapolations follow the straight line through the last two budgets on a log axis "
        "of epochs; they are estimates, not measurements.",
        table1.nll_scale_note(),
        "![budget study](budget_study.png)",
    ]
    return {"models": results}, sections


RECIPE = experiment.Recipe(
    "mnist_budget", "Budget study on MNIST (reg-balance Table 1's model)", PRESETS,
    "runs/mnist_budget", rows, report, dry_run=DRY_RUN, workload="dense",
    validate=check_config)

if __name__ == "__main__":
    experiment.main(RECIPE)
