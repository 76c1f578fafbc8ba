"""The recipe runs `tools.publish` trains and the models it publishes from them (`RUNS`,
`MODELS`); `run_recipes` runs or resumes them: each recipe's `experiment.execute`, called in a
process of its own (the CPU plan's thread pools are fixed at a process' first TensorFlow op,
and MLP and conv recipes want different ones)."""

import multiprocessing
import os
import time

from recipes import paper_values

# data set: its name on the cards
DATASETS = {"mnist": "MNIST", "fashion_mnist": "Fashion-MNIST"}

BALANCE = ["kappas=[100]", "ablations=[]", "epochs_per_round=13,13,13,13,13,13,13,13"]
TWO_STAGE = ["seeds=[0]", "width=0.25", "second_units=256", "epochs.1=20", "epochs.2=400",
             "halve_every.1=8", "halve_every.2=150", "fid_train=10000"]
# run (its workdir under --runs): (data set, recipe, its `cpu` preset's --override items)
RUNS = {
    "mnist_balance": ("mnist", "mnist_balance", BALANCE),
    "two_stage": ("mnist", "two_stage", TWO_STAGE),
    "celeba_vaeplus": ("mnist", "celeba_vaeplus",
                       ["ae_units=256", "units=256", "second_units=256", "epochs.1=60",
                        "epochs.2=150", "fid_samples=0"]),
    "fashion_balance": ("fashion_mnist", "mnist_balance", BALANCE),
    "fashion_two_stage": ("fashion_mnist", "two_stage",
                          TWO_STAGE + ['datasets={"fashion_mnist": null}']),
}
# name: (recipe run, model folder in its workdir, training stages counted, description, paper)
MODELS = {
    "mnist_vae": (
        "mnist_balance", "kappa_100", None,
        "GaussianVAE with learnable decoder variance gamma, kappa = 100: reg-balance Table 1's MLP "
        "(encoder 6 x Dense(200, tanh); decoder 3 residual blocks of 2 x Dense(200) with the "
        "affine skip of eq. 5).",
        {"reconstruction_error": paper_values.MNIST_KAPPA_SWEEP[100]["reconstruction_error"],
         "nll": paper_values.MNIST_KAPPA_SWEEP[100]["nll"],
         "active_units": paper_values.MNIST_KAPPA_SWEEP[100]["active_dims"]}),
    "mnist_two_stage": (
        "two_stage", "mnist_seed0_two_stage", None,
        "TwoStageVAE (Dai & Wipf 2019), kappa = 64: first stage the InfoGAN-style conv network at "
        "width 0.25 (sigma_z = softplus), second stage 3 x Dense(256) with the concat skip. "
        "`sample`/`generate` run u -> z -> x through both stages, and so does `score` (the "
        "second stage's density as the prior of z; the first stage's figure beside it).",
        {"fid": paper_values.TWO_STAGE_FID["two_stage_vae"]["mnist"]}),
    "mnist_vaeplus": (
        "celeba_vaeplus", "data_vae_plus", None,
        "VAEPlus (reg-balance VAE+): a deterministic MLP AE (code 32, 256 units), a skip VAE on "
        "its codes (kappa 32, learnable gamma, pixel-space reconstruction through the frozen AE "
        "decoder) and a second-stage VAE; `score` runs through the skip VAE and the second "
        "stage (the skip VAE's figure with the prior N(0, I) beside it).",
        {}),
    "mnist_wae_mmd": (
        "celeba_vaeplus", "data_wae_mmd", None,
        "WAEMMD (7-scale IMQ MMD, lambda 100) built on the frozen AE of mnist_vaeplus: AE encoder "
        "-> 3 x Dense(256) -> z (32) -> 3 x Dense(256) -> AE decoder. No likelihood (`score`).",
        {}),  # the two-stage paper's WAE-MMD FID (115) is of its InfoGAN network, not this one
    "mnist_ae": (
        "celeba_vaeplus", "data_vae_plus", ("stage_0",),
        "AE: the deterministic MLP autoencoder (code 32, 256 units) of mnist_vaeplus's stage 0, "
        "exported alone. It has no prior: `sample`/`generate` decode N(0, I) codes, shown for "
        "reference only.",
        {}),
    "fashion_vae": (
        "fashion_balance", "kappa_100", None,
        "GaussianVAE with learnable decoder variance gamma, kappa = 100, on Fashion-MNIST: "
        "mnist_vae's network and training (reg-balance Table 1's MLP). Its `score` (NLL, "
        "bits/dim) is an out-of-distribution score for Fashion-MNIST inliers (`recipes.ood`).",
        {}),
    "fashion_two_stage": (
        "fashion_two_stage", "fashion_mnist_seed0_two_stage", None,
        "TwoStageVAE (Dai & Wipf 2019) on Fashion-MNIST: mnist_two_stage's networks and "
        "training. `sample`/`generate` run u -> z -> x through both stages, and so does "
        "`score` (the first stage's figure beside it).",
        {"fid": paper_values.TWO_STAGE_FID["two_stage_vae"]["fashion_mnist"]}),
}
# mnist_ae's SavedModel is written next to the VAE+ one (models/data_ae/saved_model).
EXPORT_FOLDER = {"mnist_ae": "data_ae"}


def chosen_models(names):
    """The models to publish: `names`, or all if empty; an unknown name is refused."""
    names = names or list(MODELS)
    unknown = sorted(set(names) - set(MODELS))
    if unknown:
        raise ValueError(f"unknown model(s) {unknown}; choose from {sorted(MODELS)}")
    return [name for name in MODELS if name in names]


def dataset_of(name):
    """The data set ("mnist" or "fashion_mnist") model `name` is trained and measured on."""
    return RUNS[MODELS[name][0]][0]


def run_recipes(runs, names, specs):
    """Run (or resume) the recipe runs of the models `names` in `runs`, each data set read from
    its zoo.data spec in `specs`; returns {run: seconds of this call}."""
    from zoo import experiment

    seconds = {}
    for run in dict.fromkeys(MODELS[name][0] for name in names):
        dataset, recipe, overrides = RUNS[run]
        workdir = os.path.join(runs, run)
        command = " ".join([f"python -m recipes.{recipe} --preset=cpu --data={specs[dataset]}",
                            f"--workdir={workdir}", *(f"--override={o}" for o in overrides)])
        options = experiment.Options("cpu", workdir=workdir, data=specs[dataset],
                                     overrides=tuple(overrides), command=command)
        print(f"publish: {command}", flush=True)
        start = time.time()
        process = multiprocessing.get_context("spawn").Process(target=execute,
                                                               args=(recipe, options))
        process.start()
        process.join()
        if process.exitcode != 0:
            raise RuntimeError(f"publish: the {run} run ({command}) failed with exit code "
                               f"{process.exitcode}; rerunning resumes it")
        seconds[run] = round(time.time() - start)
    return seconds


def execute(recipe, options):
    """`experiment.execute` of `recipes.<recipe>` (the target of `run_recipes`' processes)."""
    import importlib

    from zoo import experiment

    experiment.execute(importlib.import_module(f"recipes.{recipe}").RECIPE, options)
