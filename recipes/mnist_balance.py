r"""Regularization balance on MNIST: reg-balance Table 1 (kappa sweep) and the no-skip ablation.

    python -m recipes.mnist_balance --data=idx:/path/to/mnist --workdir=runs/mnist_balance
    python -m recipes.mnist_balance --preset=paper --data=tfds:mnist        # GPU: days
    python -m recipes.mnist_balance --override=kappas=50,784 --override=iwae_samples=1000

The paper's MLP (`zoo.builders.mlp_vae`: 6 tanh dense layers of 200 in the encoder, 3 residual
blocks of 2 layers in the decoder, affine skip z -> x, learnable gamma) is trained for every
latent size kappa; test reconstruction error, NLL (IWAE) on test and on training images, and
active dims (Burda et al., on the test set, ddof 0) go into a table beside the paper's (whose
NLL is on another scale: see `recipes._table1_mlp.nll_scale_note`, written into results.md).
The ablation trains the same deep model without skip connections. The paper (section 6)
says "if we remove the skip connections, this relatively deep model completely
over-regularizes": the skip connections of
that model are the decoder's residual blocks, so `no_skip` removes them and the affine skip
(a plain 7-layer tanh decoder); `no_affine_skip` keeps the residual blocks and drops only
eq. 5's W_x z.

gamma is learned as log sigma_x (`gamma_parameterization="std"`, the two-stage reference code's
choice and the zoo's default since `recipes.mnist_budget` measured it against log gamma);
`--override=gamma_parameterization=variance` learns log gamma, `--override=gamma=analytic`
sets gamma to the batch optimum (the calibrated-decoder VAE).

Presets: `paper` (IWAE schedule: batch 20, lr 1e-3 * 10^(-i/7) for 3^i epochs, i = 0..7,
3,280 epochs; IWAE K = 5000 on the whole test set), `cpu` (batch 100, 8 rounds of 4 epochs =
32 epochs per model, K = 500 on 1,000 test images; about 25-35 min on 2 cores for 7 models),
`cpu_paper_schedule` (`cpu` at the paper's batch 20 with the rounds in its proportions 3^i over
the same 32 epochs: at kappa 100 it reconstructed better than `cpu` on two seeds, 4.10 / 3.92
against 4.58 / 4.80, and better than `cpu`'s rounds at 104 epochs, results/mnist_table1_dynamics;
an epoch takes about 2.5 times as long and batch 20 runs on one core: about 2 hours for 7
models), `colab` (`cpu` at 8 rounds of 2 epochs: colab/02_reg_balance_table1.ipynb's run,
which states its measured time), `smoke` (seconds, sklearn:digits). On a CPU these MLPs train
with one thread per op and the batch in two independent halves (`zoo.runtime.cpu`'s plan for
dense networks, printed at the start; set `--cpu_threads=tf` or
`--override=parallel_batches=1` to change it).
Writes config.json, results.json, results.md, kappa_sweep.png and
models/<name>/ (checkpoints, TensorBoard, SavedModel, metrics) into --workdir; re-running skips
finished models.
"""

from recipes import paper_values
from recipes import _table1_mlp as table1
from zoo import experiment

PAPER = {**table1.PAPER, "kappas": [50, 100, 200, 400, 784],
         "ablations": ["no_skip", "no_affine_skip"], "ablation_kappa": 200,
         "epochs_per_round": None}
CPU = {**PAPER, **table1.CPU, "epochs_per_round": [4, 4, 4, 4, 4, 4, 4, 4]}
SMOKE = {**CPU, **table1.SMOKE, "kappas": [4, 16], "ablations": ["no_skip"],
         "ablation_kappa": 16, "epochs_per_round": [1, 1]}
COLAB = {**CPU, "epochs_per_round": [2, 2, 2, 2, 2, 2, 2, 2]}
CPU_PAPER_SCHEDULE = {**CPU, "batch_size": 20, "geometric_rounds": True}
PRESETS = {"paper": PAPER, "cpu": CPU, "cpu_paper_schedule": CPU_PAPER_SCHEDULE, "colab": COLAB,
           "smoke": SMOKE}
# --dry_run: one epoch of two steps per model and stage, small evaluations.
DRY_RUN = {"rounds": 1, "epochs_per_round": [1], "iwae_samples": 2, "eval_images": 100}


def model_names(config):
    return [f"kappa_{k}" for k in config["kappas"]] + list(config["ablations"])


def plot(config, results, path):
    plt = experiment.pyplot()
    kappas = config["kappas"]
    paper = paper_values.MNIST_KAPPA_SWEEP
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.4))
    for ax, key, label in zip(axes, ("reconstruction_error", "nll", "active_dims"),
                              ("test reconstruction error", "test NLL (nats)", "active dims")):
        ax.plot(kappas, [results[f"kappa_{k}"][key] for k in kappas], "o-", label="ours")
        paper_kappas = sorted(paper)
        ax.plot(paper_kappas, [paper[k][key] for k in paper_kappas], "s--", color="gray",
                label="paper (Table 1)")
        ax.set_xscale("log")
        ax.set_xticks(kappas, [str(k) for k in kappas])
        ax.minorticks_off()
        ax.set_xlabel("kappa (latent size)")
        ax.set_title(label)
    axes[2].set_yscale("symlog", linthresh=10)  # 0 (no_skip) to hundreds
    for name in config["ablations"]:
        axes[2].axhline(results[name]["active_dims"], ls=":", color="C3")
        axes[2].text(kappas[0], results[name]["active_dims"],
                     f" {name} (kappa {results[name]['kappa']})", color="C3", va="bottom",
                     fontsize=8)
    axes[2].set_ylim(bottom=0)
    axes[0].legend()
    fig.suptitle(f"MNIST MLP VAE with skip connections, learnable gamma ({config['preset']} "
                 "preset)")
    experiment.save_figure(fig, path)


def check_config(config):
    """The sweep needs at least one latent size kappa (the plot and table are over kappa)."""
    if not config["kappas"]:
        raise ValueError("kappas is empty: give at least one latent size, e.g. "
                         "--override=kappas=16,64")


def rows(config):
    from zoo import data

    x_test, _ = data.load_numpy(config["data"], "test")
    x_train, _ = data.load_numpy(config["data"], "train")
    for name in model_names(config):
        yield table1.row(config, name, x_test, x_train)


def report(config, results):
    results = {name: result.metrics for name, result in results.items()}
    plot(config, results, f"{config['workdir']}/kappa_sweep.png")
    paper = paper_values.MNIST_KAPPA_SWEEP
    ours = {k: results[f"kappa_{k}"] for k in config["kappas"]}
    kappas = list(dict.fromkeys([*config["kappas"], *sorted(paper)]))
    table = experiment.comparison_table(
        "kappa", kappas, [("reconstruction_error", "Rec. err."), ("nll", "NLL"),
                        ("nll_train", "NLL train"), ("active_dims", "# active")], ours, paper)
    ablation_rows = [[name, results[name]["kappa"], results[name]["active_dims"],
                      paper_values.MNIST_NO_SKIP_ACTIVE_DIMS if name == "no_skip" else None,
                      results[name]["reconstruction_error"], results[name]["gamma"]]
                     for name in config["ablations"]]
    ablation = experiment.markdown_table(
        ["model", "kappa", "# active (ours)", "# active (paper)", "Rec. err. (ours)",
         "gamma (ours)"], ablation_rows)
    gammas = experiment.markdown_table(
        ["kappa", "learned gamma", "epochs", "train seconds"],
        [[k, ours[k]["gamma"], ours[k]["epochs"], ours[k]["train_seconds"]]
         for k in config["kappas"]])
    sections = [
        "## Table 1: test reconstruction error, test NLL and active dims vs kappa",
        table,
        next(iter(ours.values()))["evaluation"] + ". Paper: full IWAE schedule (3,280 "
        "epochs), K = 5000 on the test set." + (
            "" if config["preset"] == "paper" else
            f" Ours: the `{config['preset']}` preset's shortened budget."),
        table1.nll_scale_note(),
        "## Ablation: the same deep model without skip connections",
        ablation,
        "`no_skip`: residual blocks and affine skip removed (plain tanh MLP decoder); "
        "`no_affine_skip`: residual blocks kept, W_x z removed. The paper (section 6): without "
        "skip connections all latent dimensions are turned off.",
        "## Learned gamma and budget", gammas,
        "![kappa sweep](kappa_sweep.png)",
    ]
    return {"models": results}, sections


RECIPE = experiment.Recipe(
    "mnist_balance", "Regularization balance on MNIST (reg-balance Table 1)", PRESETS,
    "runs/mnist_balance", rows, report, dry_run=DRY_RUN, workload="dense",
    validate=check_config)

if __name__ == "__main__":
    experiment.main(RECIPE)
