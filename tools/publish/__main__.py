r"""Rebuild savedmodels/: train the published MNIST and Fashion-MNIST models with the project's
recipes, measure every export the way users will load it, and write the model cards.

    python -m tools.publish --data=idx:../shared/data/mnist \
        --fashion_data=idx:../shared/data/fashion_mnist
    python -m tools.publish --data=tfds:mnist --fashion_data=tfds:fashion_mnist
    python -m tools.publish --data=idx:../shared/data/mnist --models=mnist_vae
    python -m tools.publish --rewrite_cards
    python -m tools.publish --attach_samplers --data=idx:../shared/data/mnist \
        --fashion_data=idx:../shared/data/fashion_mnist

`--models` republishes only the named models (and runs only their recipes): the other models'
folders are kept as they are, and the index is rebuilt from every model's card.
`--rewrite_cards` trains and measures nothing: it rewrites every model's README.md and the
index from the card.json files (after a change to the card's text or to the notes).
`--attach_samplers` trains no model: it fits latent samplers to the published models' codes and
re-exports them with `sample_<name>` signatures (`samplers.py`); rerun `python -m
tools.keras_weights` and `python -m tools.manifest_savedmodels` after it.

The package, one job a module:

    runs.py     the recipe runs (`RUNS`; their `--workdir`s under --runs, so that an
                interrupted publish resumes) and the models taken from them (`MODELS`)
    measure.py  the card's metrics of an export loaded as users load it, on its data's test
                set; the decodings of fixed latents in golden.json, which the tests compare
    cards.py    card.json's README.md and the index savedmodels/README.md
    notes.py    what was found while choosing each model's settings, on its card
    stage.py    one model's folder: its export, card.json, golden.json, samples.png, README.md
    merge.py    the staging folder and the swap into --out under a lock
    samplers.py latent samplers fitted to a published model's codes, attached to its export
"""

import functools
import sys

from absl import app, flags

from tools.publish import cards, merge, runs, samplers, stage

flags.DEFINE_string("data", "tfds:mnist", "MNIST source (zoo.data spec), e.g. idx:DIR.")
flags.DEFINE_string("fashion_data", "tfds:fashion_mnist", "Fashion-MNIST source (zoo.data "
                    "spec) of the fashion_* models, e.g. idx:DIR.")
flags.DEFINE_boolean("fid", True, "FID of 10,000 samples on the cards (the papers' metric; "
                     "about 0.2 s an image on 2 CPU cores); --nofid leaves it out.")
flags.DEFINE_integer("fid_train", 0, "Training images (a seeded random subset) behind FID's "
                     "reference statistics; 0: all of them, as the papers (cached after the "
                     "first use).")
flags.DEFINE_string("runs", "runs/publish", "Work folder of the recipe runs.")
flags.DEFINE_string("out", "savedmodels", "The published folder (the models not in --models "
                    "are kept).")
flags.DEFINE_list("models", None, "Republish only these models (default: all); the others' "
                  "folders in --out are kept.")
flags.DEFINE_boolean("rewrite_cards", False, "Only rewrite every card's README.md and the index "
                     "in --out from the card.json files; train and measure nothing.")
flags.DEFINE_boolean("attach_samplers", False, "Train no model: fit the latent samplers to "
                     "the published models' codes and re-export them with the samplers "
                     "attached (`sample_<name>` signatures) and the cards' sampler rows.")
FLAGS = flags.FLAGS


def main(argv):
    del argv
    if FLAGS.rewrite_cards:
        with merge.locked(FLAGS.out):
            print(f"publish: rewrote the cards of {', '.join(cards.rewrite(FLAGS.out))}")
        return
    names = runs.chosen_models(FLAGS.models)
    specs = {"mnist": FLAGS.data, "fashion_mnist": FLAGS.fashion_data}
    command = " ".join(["python -m tools.publish", *sys.argv[1:]])
    if FLAGS.attach_samplers:
        merge.publish(FLAGS.out, names, lambda name, staging: samplers.attach(
            name, staging, FLAGS.out, specs[runs.dataset_of(name)], command))
        return
    seconds = runs.run_recipes(FLAGS.runs, names, specs)
    print(f"publish: recipe runs took {seconds} s", flush=True)
    merge.publish(FLAGS.out, names, functools.partial(
        stage.publish_model, runs=FLAGS.runs, specs=specs, command=command, fid=FLAGS.fid,
        fid_train=FLAGS.fid_train))


if __name__ == "__main__":
    app.run(main)
