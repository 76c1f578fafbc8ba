"""`FusedAdam`: Keras' Adam with one fused TensorFlow kernel per variable update.

Keras 3's `Adam.update_step` is written in backend-neutral ops: about fifteen small graph ops
per variable (casts, powers, two moment updates, the step). For the papers' MLPs at batch 128
the dispatch of those ops costs about as much as the matrix multiplies of the layers; one
kernel per variable removes most of it (`python -m bench.train` measures the whole training
step with either optimizer; figures in docs/performance.md).

The kernel (`ResourceApplyAdam`) computes exactly Keras' (and Kingma & Ba's, Algorithm 1 with
the bias correction folded into the step size) update, with the same epsilon placement:

```none
m <- beta_1 m + (1 - beta_1) g
v <- beta_2 v + (1 - beta_2) g^2
w <- w - lr sqrt(1 - beta_2^t) / (1 - beta_1^t) * m / (sqrt(v) + epsilon)
```
so results agree with `keras.optimizers.Adam` up to float32 rounding. AMSGrad and sparse
(`tf.IndexedSlices`) gradients take Keras' own code path. Slots, `get_config`, schedules, weight
decay, clipping, EMA and loss scaling are all Keras' own (this class only replaces
`update_step`), so checkpoints are interchangeable with `keras.optimizers.Adam`.
"""

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="zoo")
class FusedAdam(keras.optimizers.Adam):
    """`keras.optimizers.Adam` whose dense update is one `ResourceApplyAdam` kernel."""

    def update_step(self, gradient, variable, learning_rate):
        if (self.amsgrad or isinstance(gradient, tf.IndexedSlices)
                or keras.backend.backend() != "tensorflow"):
            return super().update_step(gradient, variable, learning_rate)
        index = self._get_variable_index(variable)
        momentum = self._momentums[index].value
        velocity = self._velocities[index].value
        variable = variable.value if isinstance(variable, keras.Variable) else variable
        dtype = variable.dtype
        step = tf.cast(self.iterations + 1, dtype)
        beta_1 = tf.cast(self.beta_1, dtype)
        beta_2 = tf.cast(self.beta_2, dtype)
        tf.raw_ops.ResourceApplyAdam(
            var=variable.handle, m=momentum.handle, v=velocity.handle,
            beta1_power=tf.pow(beta_1, step), beta2_power=tf.pow(beta_2, step),
            lr=tf.cast(learning_rate, dtype), beta1=beta_1, beta2=beta_2,
            epsilon=tf.cast(self.epsilon, dtype), grad=tf.cast(gradient, dtype))
