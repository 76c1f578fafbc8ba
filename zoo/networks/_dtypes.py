"""The compute dtype of every network's output layers: float32 under any Keras policy.

Under a mixed policy (`mixed_bfloat16`, `mixed_float16`; `zoo.runtime.cpu` chooses the first
for conv networks on CPUs with bfloat16 matrix instructions) the hidden layers compute in 16
bits, but each network's last layer ("head", and the reshape / crop / flatten after it)
computes in float32 (its float32 input is the 16-bit activation cast up). A bfloat16 output
has 8 significant bits: a decoder mean near 1 would be rounded by up to 2^-9 ~ 0.002 per
pixel, an error floor that the papers' gamma -> 0 (gamma approaches the reconstruction error)
must not meet; the encoder's posterior mean and log standard deviation feed the KL, and
bfloat16 would round log sigma_z ~ -5 by ~0.02. Under the float32 policy this dtype is the
policy's own, so the networks, their configs and their weights are unchanged.
"""

OUTPUT_DTYPE = "float32"
