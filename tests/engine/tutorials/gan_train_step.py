# keras.io example "DCGAN to generate face images" / guide "Customizing what happens in fit()",
# section "Wrapping up: an end-to-end GAN example", on a small scale: two models, two optimizers,
# compile() overridden, a train_step that trains the discriminator and then the generator, loss
# trackers listed in `metrics`. Verbatim in structure but for the imports, dense models on
# 2-D points instead of images, and the latent vectors passed as data (seeded, shuffle=False) so
# that the Keras twin draws the same numbers. Gradients: TensorFlow's GradientTape API, the one
# import changed (`from visualnet.gradients import GradientTape`).
import numpy as np
import visualnet as keras
from visualnet import layers, ops
from visualnet.gradients import GradientTape

latent_dim = 4

discriminator = keras.Sequential(
    [keras.Input(shape=(2,)), layers.Dense(16, activation="relu"), layers.Dense(1, activation="sigmoid")],
    name="discriminator",
)
generator = keras.Sequential(
    [keras.Input(shape=(latent_dim,)), layers.Dense(16, activation="relu"), layers.Dense(2)],
    name="generator",
)


class GAN(keras.Model):
    def __init__(self, discriminator, generator, latent_dim):
        super().__init__()
        self.discriminator = discriminator
        self.generator = generator
        self.latent_dim = latent_dim
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")

    def compile(self, d_optimizer, g_optimizer, loss_fn):
        super().compile()
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        self.loss_fn = loss_fn

    def call(self, points):
        return self.discriminator(points)

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.g_loss_tracker]

    def train_step(self, data):
        real_points, random_latent_vectors = data
        batch_size = ops.shape(real_points)[0]

        # Decode them to fake points
        generated_points = self.generator(random_latent_vectors)

        # Combine them with real points
        combined_points = ops.concatenate([generated_points, real_points], axis=0)

        # Assemble labels discriminating real from fake points
        labels = ops.concatenate([ops.ones((batch_size, 1)), ops.zeros((batch_size, 1))], axis=0)

        # Train the discriminator
        with GradientTape() as tape:
            predictions = self.discriminator(combined_points)
            d_loss = self.loss_fn(labels, predictions)
        grads = tape.gradient(d_loss, self.discriminator.trainable_weights)
        self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_weights))

        # Assemble labels that say "all real points"
        misleading_labels = ops.zeros((batch_size, 1))

        # Train the generator (note that we should *not* update the weights
        # of the discriminator)!
        with GradientTape() as tape:
            predictions = self.discriminator(self.generator(random_latent_vectors))
            g_loss = self.loss_fn(misleading_labels, predictions)
        grads = tape.gradient(g_loss, self.generator.trainable_weights)
        self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_weights))

        # Update metrics
        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        return {"d_loss": self.d_loss_tracker.result(), "g_loss": self.g_loss_tracker.result()}


rng = np.random.default_rng(0)
for model in (discriminator, generator):
    model.set_weights([rng.normal(0, 0.3, w.shape).astype("float32") for w in model.get_weights()])
angles = rng.uniform(0, 2 * np.pi, size=512)
real = np.stack([np.cos(angles), np.sin(angles)], axis=1).astype("float32")   # points on a circle
noise = rng.normal(size=(512, latent_dim)).astype("float32")

gan = GAN(discriminator=discriminator, generator=generator, latent_dim=latent_dim)
gan.compile(
    d_optimizer=keras.optimizers.Adam(learning_rate=0.003),
    g_optimizer=keras.optimizers.Adam(learning_rate=0.003),
    loss_fn=keras.losses.BinaryCrossentropy(),
)
history = gan.fit(real, noise, batch_size=64, epochs=3, shuffle=False, verbose=0)
print("History keys:", sorted(history.history))
print("d_loss:", [round(v, 4) for v in history.history["d_loss"]])
print("g_loss:", [round(v, 4) for v in history.history["g_loss"]])
radius = np.linalg.norm(np.asarray(generator.predict(noise[:256], verbose=0)), axis=1)
print("Generated radius mean:", round(float(radius.mean()), 4))
