"""Wrote the files beside it with VisualNet at commit 75090d8 (before the one-declaration change):
    git worktree add /tmp/before 75090d8; cd /tmp/before
    PYTHONPATH=/tmp/before python <this file> <this folder>"""
import sys
from pathlib import Path
import numpy as np
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from helpers import cnn, mlp, randomize
from visualnet import layers, models
from visualnet.io.project import Project, save_project

out = Path(sys.argv[1])
rng = np.random.default_rng(0)
m = cnn(); randomize(m, 1)
x = rng.normal(size=(3, 8, 8, 3)).astype("float32")
np.save(out / "cnn_x.npy", x); np.save(out / "cnn_y.npy", m.predict(x, verbose=0))
m.save(out / "cnn.keras"); m.save(out / "cnn.h5")
s = models.Sequential([layers.Input((6,)), layers.Dense(5, activation="tanh"), layers.LeakyReLU(0.1),
                       layers.BatchNormalization(), layers.Dropout(0.2), layers.Dense(3, activation="softmax")],
                      name="seq")
randomize(s, 2)
s.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
xs = rng.normal(size=(16, 6)).astype("float32"); ys = np.eye(3)[rng.integers(0, 3, 16)].astype("float32")
s.fit(xs, ys, epochs=1, batch_size=8, verbose=0)
np.save(out / "seq_x.npy", xs); np.save(out / "seq_y.npy", s.predict(xs, verbose=0))
s.save(out / "seq.keras"); s.save(out / "seq.h5")
save_project(Project.from_model(s, training={"epochs": 3}), out / "seq.vnet")
