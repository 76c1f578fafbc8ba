"""The paper numbers of `recipes.paper_values` against SPEC.md and the papers."""

from recipes import paper_values


def test_paper_values_match_spec():
    assert paper_values.MNIST_KAPPA_SWEEP[400] == {"reconstruction_error": 2.57, "nll": -743.0,
                                                  "active_dims": 22}
    assert paper_values.CELEBA128_NDB["vae_plus"] == {100: 0.29, 200: 0.28, 300: 0.24}


def test_paper_values_of_the_ood_paper():
    assert paper_values.VAE_OOD_FASHION_BY_KAPPA[128] == {
        "train_bpd": 2.009, "test_bpd": 2.424, "mnist_bpd": 4.958, "gamma": 0.0024}
    assert paper_values.VAE_OOD_CIFAR_BY_CAPACITY[2.0]["celeba_bpd"] == 3.965
    ends = paper_values.VAE_OOD_FASHION_KAPPA_ENDS
    table = paper_values.VAE_OOD_FASHION_BY_KAPPA
    assert (table[16]["mnist_bpd"], table[512]["mnist_bpd"]) == ends["mnist_test_bpd"]
