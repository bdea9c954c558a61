# keras.io example "Collaborative Filtering for Movie Recommendations" (S. Banerjee), as
# written but for the imports, the data (no MovieLens download here: 3,000 made-up ratings of
# 60 movies by 80 users, each user liking some genres), sizes (5 -> 4 epochs) and, to compare
# the numbers with Keras, weights set from a seeded NumPy generator and shuffle=False.
import numpy as np
import visualnet as keras
from visualnet import layers
from visualnet import ops

rng = np.random.default_rng(21)

# First, need to perform some preprocessing to encode users and movies as integer indices.
num_users, num_movies = 80, 60
taste = rng.standard_normal((num_users, 4))
genre = rng.standard_normal((num_movies, 4))
pairs = rng.integers(0, [num_users, num_movies], size=(3000, 2))
rating = np.clip(np.round(3 + (taste[pairs[:, 0]] * genre[pairs[:, 1]]).sum(1) + rng.normal(0, 0.5, 3000)), 0.5, 5)
min_rating = min(rating)
max_rating = max(rating)
print(
    "Number of users: {}, Number of Movies: {}, Min rating: {}, Max rating: {}".format(
        num_users, num_movies, min_rating, max_rating
    )
)

# Prepare training and validation data
x = pairs
# Normalize the targets between 0 and 1. Makes it easy to train.
y = (rating - min_rating) / (max_rating - min_rating)
# Assuming training on 90% of the data and validating on 10%.
train_indices = int(0.9 * len(pairs))
x_train, x_val, y_train, y_val = (
    x[:train_indices],
    x[train_indices:],
    y[:train_indices],
    y[train_indices:],
)

# Create the model
EMBEDDING_SIZE = 50


class RecommenderNet(keras.Model):
    def __init__(self, num_users, num_movies, embedding_size, **kwargs):
        super().__init__(**kwargs)
        self.num_users = num_users
        self.num_movies = num_movies
        self.embedding_size = embedding_size
        self.user_embedding = layers.Embedding(
            num_users,
            embedding_size,
            embeddings_initializer="he_normal",
            embeddings_regularizer=keras.regularizers.l2(1e-6),
        )
        self.user_bias = layers.Embedding(num_users, 1)
        self.movie_embedding = layers.Embedding(
            num_movies,
            embedding_size,
            embeddings_initializer="he_normal",
            embeddings_regularizer=keras.regularizers.l2(1e-6),
        )
        self.movie_bias = layers.Embedding(num_movies, 1)

    def call(self, inputs):
        user_vector = self.user_embedding(inputs[:, 0])
        user_bias = self.user_bias(inputs[:, 0])
        movie_vector = self.movie_embedding(inputs[:, 1])
        movie_bias = self.movie_bias(inputs[:, 1])
        dot_user_movie = ops.tensordot(user_vector, movie_vector, 2)
        # Add all the components (including bias)
        x = dot_user_movie + user_bias + movie_bias
        # The sigmoid activation forces the rating to between 0 and 1
        return ops.nn.sigmoid(x)


model = RecommenderNet(num_users, num_movies, EMBEDDING_SIZE)
model(x_train[:2])
model.set_weights([rng.standard_normal(w.shape).astype("float32") * 0.1 for w in model.get_weights()])
model.compile(
    loss=keras.losses.BinaryCrossentropy(),
    optimizer=keras.optimizers.Adam(learning_rate=0.001),
)

# Train the model based on the data split
history = model.fit(
    x=x_train,
    y=y_train,
    batch_size=64,
    epochs=4,
    verbose=0,
    shuffle=False,
    validation_data=(x_val, y_val),
)
print("History keys:", list(history.history))
for key in history.history:
    print(f"History {key}:", " ".join(f"{v:.6f}" for v in history.history[key]))
print("Weights:", [tuple(w.shape) for w in model.get_weights()])

# Show top 5 movie recommendations to a user
user_id = 7
movies_watched_by_user = set(x[x[:, 0] == user_id, 1].tolist())
movies_not_watched = [m for m in range(num_movies) if m not in movies_watched_by_user]
user_movie_array = np.hstack(([[user_id]] * len(movies_not_watched), np.array(movies_not_watched)[:, None]))
ratings = model.predict(user_movie_array, verbose=0).flatten()
top_ratings_indices = ratings.argsort()[-5:][::-1]
print("Predicted ratings:", " ".join(f"{v:.6f}" for v in ratings[top_ratings_indices]))
print("Top 5 movie recommendations:", [movies_not_watched[i] for i in top_ratings_indices])
