"""The folders the zoo writes, named in one place.

A model's folder (what `zoo.training.train` and `zoo.export` write):

    <model>/checkpoints/<stage>.weights.h5 (+ .json)   the weights after each finished stage
    <model>/backup/<stage>/                            Keras' BackupAndRestore state mid-stage
    <model>/tensorboard/                               TensorBoard logs
    <model>/saved_model/<version>/                     the SavedModel (`zoo.export`)
    <model>/results.json                               the model's metrics (recipes' cache)

A recipe's workdir: config.json, results.json, results.md, figures, and models/<name>/, one
model folder per trained model (`zoo.experiment`); a recipe that trains one table per budget
keeps each in a sub-workdir, <sub>/models/<name>/ (model "sub/name").
"""

import dataclasses
import os

CHECKPOINTS, MODELS = "checkpoints", "models"  # folder names


@dataclasses.dataclass(frozen=True)
class ModelDir:
    """The folder of one trained model."""

    path: str

    @property
    def checkpoints(self):
        return os.path.join(self.path, CHECKPOINTS)

    def checkpoint(self, stage):
        """The weights file written when `stage` finished."""
        return os.path.join(self.checkpoints, f"{stage}.weights.h5")

    def backup(self, stage):
        """The mid-stage backup folder of `stage`."""
        return os.path.join(self.path, "backup", stage)

    @property
    def tensorboard(self):
        return os.path.join(self.path, "tensorboard")

    @property
    def saved_model(self):
        return os.path.join(self.path, "saved_model")

    @property
    def results(self):
        return os.path.join(self.path, "results.json")


@dataclasses.dataclass(frozen=True)
class Workdir:
    """A recipe's output folder."""

    path: str

    @property
    def models(self):
        return os.path.join(self.path, MODELS)

    def model(self, name):
        """The folder of the recipe's model `name`: <workdir>/models/<name>; a name `sub/name`
        is a model of the sub-workdir `sub`: <workdir>/sub/models/<name>."""
        sub, _, leaf = name.rpartition("/")
        return ModelDir(os.path.join(self.path, sub, MODELS, leaf) if sub else
                        os.path.join(self.models, leaf))

    def file(self, name):
        """A file of the workdir itself (config.json, results.md, a figure)."""
        return os.path.join(self.path, name)
