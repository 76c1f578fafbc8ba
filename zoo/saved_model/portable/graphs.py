"""The portable graphs of an exported zoo SavedModel: its signatures rewritten for runtimes
without TensorFlow (ONNX Runtime, LiteRT), read from the SavedModel alone.

Each signature is frozen (variables become constants) and rewritten:

- the input checks go: `EnsureShape` becomes `Identity` and every control dependency is
  dropped, so the `Assert`s (and their `If` guards) no longer feed anything and are pruned. The
  portable graphs trust their inputs; `zoo.saved_model.portable.runtimes` checks them in Python;
- every stateless random-normal op becomes an input of the same shape (the noise is drawn by
  the caller, N(0, I)), named by its stream (`NOISE_INPUTS`);
- `sample`'s `seed` input, which only fed those ops, is pruned with them, and its
  `num_samples` becomes the batch size of the `noise` input (`_num_samples_from_noise`);
- the inputs get their full static shapes but for the batch dimension.

```none
encode:      images [N, H, W, C] -> z_mean, z_log_scale [N, latent_dim]      (AE / WAE: z)
decode:      z [N, latent_dim] -> images
reconstruct: images -> images
generate:    noise [N, noise_dim] -> images
sample:      noise [N, noise_dim] (and eps [N, latent_dim] for two-stage models) -> images
score:       images [N, H, W, C], eps [K, latent_dim] -> nll, bits_per_dim [N]  (VAE family)
```
`sample`'s noise is stream 0 of its seed (u ~ N(0, I)) and `eps` stream 1 (the second stage's
z = mu_z(u) + sqrt(gamma_z) eps); `score`'s eps are the K importance-sampling draws. Fed the
draws the SavedModel makes from a seed (`saved_model_noise`), each graph computes what the
SavedModel computes. `sample_<name>` signatures (attached latent samplers) are not rewritten.
"""

import math

import numpy as np
import tensorflow as tf
from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2

from zoo.data.scaling import bits_per_dim
from zoo.models import losses
from zoo.models.base import stateless_normal

FUNCTIONS = ("encode", "decode", "reconstruct", "generate", "sample", "score")
RANDOM_OPS = ("StatelessRandomNormalV2", "StatelessRandomNormal")
NOISE_INPUTS = {"sample": {0: "noise", 1: "eps"}, "score": {0: "eps"}}


class PortableGraph:
    """One rewritten signature: a frozen `graph_def`, its `inputs` {name: (tensor name, shape
    with -1 for the batch)} and `outputs` {name: tensor name}; `function()` runs it in TF."""

    def __init__(self, name, graph_def, inputs, outputs):
        self.name, self.graph_def, self.inputs, self.outputs = name, graph_def, inputs, outputs

    def function(self):
        """A ConcreteFunction of the rewritten graph: the inputs in the order of `inputs`,
        {output: tensor} out, each output an Identity named `output_name(key)` (for the TFLite
        converter, whose tensors keep those names, and to compare in TF)."""

        def imported():
            tf.compat.v1.import_graph_def(self.graph_def, name="")
            graph = tf.compat.v1.get_default_graph()
            return {key: tf.identity(graph.get_tensor_by_name(tensor), name=self.output_name(key))
                    for key, tensor in self.outputs.items()}

        wrapped = tf.compat.v1.wrap_function(imported, [])
        graph = wrapped.graph
        return wrapped.prune(
            feeds=[graph.get_tensor_by_name(tensor) for tensor, _ in self.inputs.values()],
            fetches={key: graph.get_tensor_by_name(self.output_name(key) + ":0")
                     for key in self.outputs})

    def output_name(self, key):
        """The name of output `key` in the portable files: itself, or `key_out` when an input
        has that name (reconstruct: images -> images_out; ONNX names must be unique)."""
        return f"{key}_out" if key in self.inputs else key


def portable_graphs(loaded, metadata):
    """{name: PortableGraph} of the `FUNCTIONS` that the loaded SavedModel `loaded` has
    (`score` rebuilt from the portable encode and decode: `score_graph`)."""
    shapes = _input_shapes(metadata)
    found = {name: rewrite(name, loaded.signatures[name], shapes)
             for name in FUNCTIONS if name in loaded.signatures and name != "score"}
    if "score" in loaded.signatures:
        found["score"] = score_graph(found["encode"], found["decode"], metadata)
    return found


def first_stage_log_gamma(metadata):
    """log gamma of the likelihood p(x|z) that `score` uses (the first stage's), from the
    metadata's gamma (float32 exp(log gamma), so this is log gamma to about one float32 ulp)."""
    gammas = metadata["gamma"]
    return float(np.log(np.float32(gammas["first"] if "first" in gammas else gammas["gamma"])))


def unclipped(decode):
    """`decode` returning the decoder mean before the signature's clip to [0, 1] (the output
    `images_mean`): the likelihood in `score` is of the unclipped mean."""
    nodes = {node.name: node for node in decode.graph_def.node}
    clip = _source(nodes, decode.outputs["images"])
    inner = _source(nodes, clip.input[0]) if clip.op == "Maximum" else None
    if inner is None or inner.op != "Minimum":
        raise ValueError(f"decode's output does not end in clip_by_value (Minimum, Maximum); "
                         f"found {clip.op}")
    return PortableGraph("decode", decode.graph_def, decode.inputs,
                         {"images_mean": inner.input[0] if ":" in inner.input[0]
                          else inner.input[0] + ":0"})


def score_graph(encode, decode, metadata):
    """The `score` signature without its while loop and TFP ops, on the portable `encode` and
    `decode` graphs: the K importance samples eps [K, latent_dim] are an input, decoded in the
    export's chunks, unrolled.

    ```none
    z_k = mu + sigma * eps_k
    log w_k = log N(x | decode(z_k), gamma I) + log N(z_k | 0, I) - log q(z_k | x)
            = -gaussian_nll(x, decode(z_k), log gamma) - |z_k|^2 / 2 + |eps_k|^2 / 2
              + sum log sigma        (the (L/2) log 2 pi terms of prior and posterior cancel)
    nll = -(logsumexp_k log w_k - log K),  bpd = bits_per_dim(nll)
    ```
    the closed forms of `zoo.models.importance_weights` (whose TFP log_probs ONNX cannot run).
    For a two-stage export (metadata `score.prior`: the second stage) only its
    `first_stage_nll` and `first_stage_bits_per_dim` are portable, under those names: the
    nested estimate through the second stage needs the second stage's networks, which the
    portable functions do not carry.
    """
    info = metadata["score"]
    num_samples, chunk = info["num_importance_samples"], info["importance_chunk"]
    latent_dim, image_shape = metadata["latent_dim"], metadata["input_shape"]
    num_dims = math.prod(image_shape)
    log_gamma = first_stage_log_gamma(metadata)
    encode_fn, decode_fn = encode.function(), unclipped(decode).function()
    prefix = "first_stage_" if info.get("prior") == "second stage" else ""

    @tf.function(input_signature=[tf.TensorSpec([None, *image_shape], tf.float32, name="images"),
                                  tf.TensorSpec([num_samples, latent_dim], tf.float32,
                                                name="eps")], autograph=False)
    def score(images, eps):
        code = encode_fn(images)
        z_mean, z_log_scale = code["z_mean"], code["z_log_scale"]
        batch = tf.shape(images)[0]
        log_w = []
        for start in range(0, num_samples, chunk):
            eps_chunk = eps[start:start + chunk, tf.newaxis, :]                # [c, 1, L]
            z = z_mean[tf.newaxis] + tf.exp(z_log_scale)[tf.newaxis] * eps_chunk  # [c, N, L]
            x_mean = decode_fn(tf.reshape(z, [-1, latent_dim]))["images_mean"]
            x_rep = tf.reshape(tf.tile(images[tf.newaxis], [chunk, 1, 1, 1, 1]),
                               [-1, *image_shape])
            log_px = -tf.reshape(losses.gaussian_nll(x_rep, x_mean, log_gamma), [chunk, batch])
            log_w.append(log_px - 0.5 * tf.reduce_sum(tf.square(z), -1)
                         + 0.5 * tf.reduce_sum(tf.square(eps_chunk), -1)
                         + tf.reduce_sum(z_log_scale, -1)[tf.newaxis])
        log_w = tf.concat(log_w, 0)
        nll = -(tf.reduce_logsumexp(log_w, axis=0) - math.log(num_samples))
        return {prefix + "nll": nll,
                prefix + "bits_per_dim": bits_per_dim(nll, num_dims,
                                                      metadata["bits_per_dim"]["pixel_divisor"])}

    concrete = score.get_concrete_function()
    frozen = convert_variables_to_constants_v2(concrete)
    outputs = dict(zip(sorted(concrete.structured_outputs), (t.name for t in frozen.outputs)))
    return PortableGraph("score", frozen.graph.as_graph_def(),
                         {"images": ("images:0", [-1, *image_shape]),
                          "eps": ("eps:0", [num_samples, latent_dim])}, outputs)


def _input_shapes(metadata):
    image = [-1, *metadata["input_shape"]]
    latent, noise = [-1, metadata["latent_dim"]], [-1, metadata["noise_dim"]]
    return {"images": image, "z": latent, "noise": noise}


def rewrite(name, signature, shapes):
    """The `PortableGraph` of one loaded signature function (see the module docstring)."""
    frozen = convert_variables_to_constants_v2(signature, lower_control_flow=False)
    graph_def = frozen.graph.as_graph_def()
    nodes = {node.name: node for node in graph_def.node}
    keys = [spec.name for spec in tf.nest.flatten(signature.structured_input_signature)]
    inputs = {}
    for key, tensor in zip(keys, frozen.inputs):
        node = nodes[tensor.op.name]
        if key in shapes:
            _set_shape(node, shapes[key])
            inputs[key] = (tensor.name, shapes[key])
    for node in graph_def.node:
        node.input[:] = [source for source in node.input if not source.startswith("^")]
        if node.op == "EnsureShape":
            node.op = "Identity"
            del node.attr["shape"]
    for node in [node for node in graph_def.node if node.op in RANDOM_OPS]:
        stream = _stream(nodes, node)
        key = NOISE_INPUTS.get(name, {}).get(stream)
        if key is None or key in inputs:
            raise ValueError(f"signature {name!r} draws noise of stream {stream} that has no "
                             f"portable input name ({NOISE_INPUTS.get(name)})")
        shape = [-1 if size is None else size
                 for size in frozen.graph.get_tensor_by_name(node.name + ":0").shape.as_list()]
        dtype = node.attr["dtype"].type
        _rename(graph_def, node.name, key)
        node.op = "Placeholder"
        del node.input[:]
        node.attr.clear()
        node.attr["dtype"].type = dtype
        _set_shape(node, shape)
        inputs[key] = (key + ":0", shape)
    if name == "sample":
        _num_samples_from_noise(graph_def)
    outputs = dict(zip(sorted(signature.structured_outputs),  # tf.nest's order of a dict
                       (tensor.name for tensor in frozen.outputs)))
    pruned = tf.compat.v1.graph_util.extract_sub_graph(
        graph_def, [tensor.split(":")[0] for tensor in outputs.values()])
    kept = {node.name for node in pruned.node}
    inputs = {key: value for key, value in sorted(inputs.items(), key=_input_order)
              if value[0].split(":")[0] in kept}
    return PortableGraph(name, pruned, inputs, outputs)


def _num_samples_from_noise(graph_def):
    """Replace `sample`'s `num_samples` placeholder by the batch size of its `noise` input.

    The signature draws max(num_samples, 1) images and keeps the first num_samples (so that
    `sample(0)` never runs the layers on an empty batch, `signatures._sample_function`); with
    the noise an input, the images to keep are the rows of noise the caller gave."""
    index = next(i for i, node in enumerate(graph_def.node) if node.name == "num_samples")
    with tf.Graph().as_default() as graph:
        noise = tf.compat.v1.placeholder(tf.float32, name="noise")
        with tf.name_scope("num_samples_from_noise"):
            batch = tf.shape(noise)[0]
        tf.identity(batch, name="num_samples")
    del graph_def.node[index]
    graph_def.node.extend(node for node in graph.as_graph_def().node if node.name != "noise")


def _rename(graph_def, old, new):
    """Rename the node `old` to `new` and every reference to its outputs."""
    for node in graph_def.node:
        if node.name == old:
            node.name = new
        node.input[:] = [new + source[len(old):] if _source_name(source) == old else source
                         for source in node.input]


def _input_order(item):
    order = ("images", "z", "noise", "eps")
    return order.index(item[0]) if item[0] in order else len(order)


def _set_shape(node, shape):
    node.attr["shape"].shape.CopyFrom(tf.TensorShape(
        [None if size == -1 else size for size in shape]).as_proto())


def _stream(nodes, random_op):
    """The stream of a stateless random op: the second entry of its seed, a constant (the seed
    is `stack([seed, stream])` in `zoo.models.base.stateless_normal`, or a constant pair)."""
    seed = _source(nodes, nodes[_source_name(random_op.input[1])].input[0])
    if seed.op == "Const":
        return int(tf.make_ndarray(seed.attr["value"].tensor).reshape(-1)[1])
    if seed.op == "Pack" and len(seed.input) == 2:
        stream = _source(nodes, seed.input[1])
        if stream.op == "Const":
            return int(tf.make_ndarray(stream.attr["value"].tensor))
    raise ValueError(f"cannot read the stream of the random op {random_op.name}: its seed comes "
                     f"from a {seed.op} node, not stack([seed, stream])")


def _source_name(tensor):
    return tensor.lstrip("^").split(":")[0]


def _source(nodes, tensor):
    """The node producing `tensor`, through Identity nodes."""
    node = nodes[_source_name(tensor)]
    while node.op == "Identity":
        node = nodes[_source_name(node.input[0])]
    return node


def saved_model_noise(metadata, name, num, seed):
    """{input: array} the noises the SavedModel's signature `name` draws: `sample` of `num`
    images from `seed`, or `score`'s fixed K importance draws (`num` and `seed` unused)."""
    if name == "score":
        shape = [metadata["score"]["num_importance_samples"], metadata["latent_dim"]]
        eps = tf.random.stateless_normal(shape, seed=tf.constant(metadata["score"]["seed"],
                                                                 tf.int64))
        return {"eps": eps.numpy()}
    noises = {"noise": stateless_normal([num, metadata["noise_dim"]], seed, 0).numpy()}
    if metadata["model_class"] in ("TwoStageVAE", "VAEPlus"):
        noises["eps"] = stateless_normal([num, metadata["latent_dim"]], seed, 1).numpy()
    return noises
