"""Training diagnostics as Keras callbacks, written to TensorBoard (tf.summary) and CSV files.

- `StepDiagnostics`, every `every_n_steps` steps: the decoder variance gamma and the latent
  gradient norm ||dL/dz||_2 on a fixed probe batch (reg-balance paper, Figure 1).
- `EpochDiagnostics`, every `every_n_epochs` epochs: histograms of sigma_z and of the KL per
  latent dimension on the probe batch (usual-suspects paper, Figure 2; VAE-OOD Figure 4), the
  active-unit count (Burda et al.), gamma, and image grids of samples and of reconstructions.
  `zoo.training.train` attaches one to every stage by default (`diagnostics=`).

Both write into `log_dir`: TensorBoard event files, `steps.csv` / `epochs.csv` and (unless
`write_png=False`) `samples_epoch_NNNN.png`, NNNN the epoch (grids by
`zoo.plots.save_image_grid`).
"""

import csv
import math
import os

import keras
import numpy as np
import tensorflow as tf

from zoo.metrics.activity import THRESHOLD
from zoo.models import losses
from zoo.plots import image_grid, save_image_grid

STEP_COLUMNS = ("step", "epoch", "gamma", "latent_grad_norm")
EPOCH_COLUMNS = ("epoch", "step", "active_units", "sigma_z_mean", "sigma_z_median",
                 "sigma_z_min", "sigma_z_max", "samples_png")


def latent_loss(model, x, z):
    """The model's per-example training loss as a function of the sampled code z.

    ```none
    L(x, z) = ||x - mu_x(z)||^2 / (2 gamma) + (d/2) log(2 pi gamma) + KL(q(z|x) || N(0, I))
    ```
    (`zoo.models.losses.gaussian_nll` + `zoo.models.losses.gaussian_kl`; the KL is analytic, so it does not
    depend on z.) For TwoStageVAE / VAEPlus this is the first stage's loss, with VAE+'s AE
    decoder inside `decode`. Models without gamma (AE, WAE-MMD) use ||x - decode(z)||^2.
    """
    if model.has_likelihood:
        z_mean, z_log_scale = model.encode(x)
        return (losses.gaussian_nll(x, model.decode(z), model.log_gamma)
                + losses.gaussian_kl(z_mean, z_log_scale))
    return losses.squared_error(x, model.decode(z))


def latent_gradient_norm(model, x, eps=None):
    """||dL/dz||_2 per example, averaged over the batch (reg-balance paper, Figure 1).

    ```none
    z_i = mu_z(x_i) + sigma_z(x_i) * eps_i,   g_i = d L(x_i, z_i) / d z_i,
    result = (1/B) sum_i ||g_i||_2
    ```
    g_i is the gradient of example i's own loss, i.e. B times row i of the gradient of the
    batch-mean loss, so the value does not depend on the probe batch size. `eps` [B, latent_dim]
    is fixed noise (pass the same each time to follow one set of samples); None uses z = mu_z.
    Deterministic encoders use their code.
    """
    code = model.encode(x)
    if isinstance(code, (tuple, list)):
        z = code[0] if eps is None else code[0] + tf.exp(code[1]) * eps
    else:
        z = code
    with tf.GradientTape() as tape:
        tape.watch(z)
        total = tf.reduce_sum(latent_loss(model, x, z))
    gradient = tape.gradient(total, z)
    return tf.reduce_mean(tf.norm(gradient, axis=-1))


class _CSVLog:
    """Append rows to a CSV file with a header, flushed after each row."""

    def __init__(self, path, columns):
        new = not os.path.exists(path) or os.path.getsize(path) == 0
        self.file = open(path, "a", newline="")
        self.writer = csv.DictWriter(self.file, fieldnames=list(columns))
        if new:
            self.writer.writeheader()
            self.file.flush()

    def write(self, row):
        self.writer.writerow(row)
        self.file.flush()

    def close(self):
        self.file.close()


class StepDiagnostics(keras.callbacks.Callback):
    """Every `every_n_steps` training steps: gamma and ||dL/dz||_2 on a fixed probe batch.

    Written as TensorBoard scalars `diagnostics/gamma` and `diagnostics/latent_grad_norm`
    (step = optimizer iterations) and rows of `log_dir/steps.csv` with columns
    step, epoch, gamma, latent_grad_norm. gamma is the decoder variance (NaN for models without
    one); the gradient norm is `latent_gradient_norm` with noise drawn once from `seed`.
    """

    def __init__(self, probe_images, log_dir, every_n_steps=1, seed=0):
        super().__init__()
        self.probe_images = np.asarray(probe_images, np.float32)
        self.log_dir = log_dir
        self.every_n_steps = every_n_steps
        self.seed = seed
        self._epoch = 0

    def on_train_begin(self, logs=None):
        os.makedirs(self.log_dir, exist_ok=True)
        self._writer = tf.summary.create_file_writer(self.log_dir)
        self._csv = _CSVLog(os.path.join(self.log_dir, "steps.csv"), STEP_COLUMNS)
        probe = tf.constant(self.probe_images)
        eps = tf.random.stateless_normal([len(self.probe_images), self.model.latent_dim],
                                         seed=[self.seed, 0])
        self._grad_norm = tf.function(lambda: latent_gradient_norm(self.model, probe, eps))

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        step = int(self.model.optimizer.iterations.numpy())
        if step % self.every_n_steps:
            return
        gamma = float(self.model.gamma.numpy()) if self.model.has_likelihood else math.nan
        grad_norm = float(self._grad_norm().numpy())
        with self._writer.as_default(step=step):
            tf.summary.scalar("diagnostics/gamma", gamma)
            tf.summary.scalar("diagnostics/latent_grad_norm", grad_norm)
        self._csv.write({"step": step, "epoch": self._epoch, "gamma": gamma,
                         "latent_grad_norm": grad_norm})

    def on_train_end(self, logs=None):
        self._writer.flush()
        self._csv.close()


class EpochDiagnostics(keras.callbacks.Callback):
    """Every `every_n_epochs` epochs (and after the last): what the papers look at.

    On the fixed probe batch, as TensorBoard summaries (step = epoch):
    - `diagnostics/sigma_z`: histogram of all sigma_z = exp(log std) (usual-suspects Figure 2);
    - `diagnostics/kl_per_dimension`: histogram over latent dimensions of the mean KL of each
      dimension, KL_j = (mu_j^2 + sigma_j^2 - 1)/2 - log sigma_j (a collapsed dimension sits at
      0; VAE-OOD Figure 4 sorts these);
    - `diagnostics/active_units` (Burda et al.: variance over the probe batch of the posterior
      means > 0.01, ddof 0) and `diagnostics/gamma`, the decoder variance;
    - `diagnostics/samples`: `num_samples` model samples (seeded, the same noise every time),
      also written to `log_dir/samples_epoch_NNNN.png` if `write_png`;
    - `diagnostics/reconstructions`: up to 32 probe images, each above its reconstruction;
    - `diagnostics/loss_at_mean/probe` and, with `held_out_images`, `.../held_out`: the mean
      `latent_loss` at z = E[z|x] (the first stage's loss without its sampling noise) of the
      probe batch and of held-out images, the two curves whose gap shows over-fitting.
    One row per evaluation in `log_dir/epochs.csv`.
    """

    def __init__(self, probe_images, log_dir, every_n_epochs=1, num_samples=64, columns=8,
                 seed=0, threshold=THRESHOLD, write_png=True, last_epoch=None,
                 held_out_images=None):
        super().__init__()
        self.held_out_images = (None if held_out_images is None
                                else np.asarray(held_out_images, np.float32))
        self.write_png = write_png
        self.last_epoch = last_epoch
        self.probe_images = np.asarray(probe_images, np.float32)
        self.log_dir = log_dir
        self.every_n_epochs = every_n_epochs
        self.num_samples = num_samples
        self.columns = columns
        self.seed = seed
        self.threshold = threshold

    def on_train_begin(self, logs=None):
        os.makedirs(self.log_dir, exist_ok=True)
        self._writer = tf.summary.create_file_writer(self.log_dir)
        self._csv = _CSVLog(os.path.join(self.log_dir, "epochs.csv"), EPOCH_COLUMNS)
        self._values = tf.function(self._compute)  # one traced call per evaluation

    def _compute(self):
        """Every tensor an evaluation writes, computed in one graph (eager model calls cost
        more than the epoch of a small model)."""
        probe = tf.constant(self.probe_images)
        code = self.model.encode(probe)
        out = {"reconstructions": self.model.reconstruct(probe[:32])}
        if isinstance(code, (tuple, list)):
            out["means"], out["log_sigma"] = code[0], code[1]
        else:
            out["means"] = code
        sets = {"probe": (probe, code)}
        if self.held_out_images is not None:
            held = tf.constant(self.held_out_images)
            sets["held_out"] = (held, self.model.encode(held))
        for which, (images, encoded) in sets.items():
            mean = encoded[0] if isinstance(encoded, (tuple, list)) else encoded
            out[f"loss_{which}"] = tf.reduce_mean(latent_loss(self.model, images, mean))
        if self.model.has_likelihood:
            out["gamma"] = self.model.gamma
        if self.num_samples:
            out["samples"] = self.model.sample(self.num_samples, seed=self.seed)
        return out

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every_n_epochs and epoch + 1 != self.last_epoch:
            return
        step = int(self.model.optimizer.iterations.numpy())
        values = {key: np.asarray(value) for key, value in self._values().items()}
        row = {"epoch": epoch + 1, "step": step}
        means = values["means"].astype(np.float64)
        with self._writer.as_default(step=epoch + 1):
            if "log_sigma" in values:
                log_sigma = values["log_sigma"].astype(np.float64)
                sigma = np.exp(log_sigma)
                tf.summary.histogram("diagnostics/sigma_z", sigma)
                kl = np.mean((means ** 2 + sigma ** 2 - 1) / 2 - log_sigma, axis=0)
                tf.summary.histogram("diagnostics/kl_per_dimension", kl)
                row.update(sigma_z_mean=float(sigma.mean()),
                           sigma_z_median=float(np.median(sigma)),
                           sigma_z_min=float(sigma.min()), sigma_z_max=float(sigma.max()))
            active = int(np.sum(np.var(means, axis=0) > self.threshold))
            tf.summary.scalar("diagnostics/active_units", active)
            row["active_units"] = active
            if "gamma" in values:
                tf.summary.scalar("diagnostics/gamma", float(values["gamma"]))
            for which in ("probe", "held_out"):
                if f"loss_{which}" in values:
                    tf.summary.scalar(f"diagnostics/loss_at_mean/{which}",
                                      float(values[f"loss_{which}"]))
            if self.probe_images.ndim == 4:  # images (not vectors): grids
                self._write_images(values, row, epoch)
        self._csv.write(row)

    def _write_images(self, values, row, epoch):
        """The reconstruction and sample grids of an evaluation (inside its writer)."""
        shown = self.probe_images[:32]
        scale = max(1, 64 // shown.shape[1])  # 8 x 8 digits are unreadable at their size
        columns = min(self.columns, len(shown))
        rows = len(shown) // columns * columns
        pairs = np.stack([shown, values["reconstructions"]], axis=1)[:rows]
        pairs = pairs.reshape(-1, columns, 2, *shown.shape[1:]).swapaxes(1, 2)
        tf.summary.image("diagnostics/reconstructions",
                         image_grid(pairs.reshape(-1, *shown.shape[1:]), columns,
                                    scale)[None])
        if "samples" in values:
            samples = values["samples"]
            tf.summary.image("diagnostics/samples",
                             image_grid(samples, self.columns, scale)[None])
            if self.write_png:
                path = os.path.join(self.log_dir, f"samples_epoch_{epoch + 1:04d}.png")
                save_image_grid(samples, path, columns=self.columns)
                row["samples_png"] = os.path.basename(path)

    def on_train_end(self, logs=None):
        self._writer.flush()
        self._csv.close()
