"""The app's state and control without Qt: what the window shows and drives.

`controller.TrainingController` owns a run (the model, its `TrainingSession`, the
`TrainingControl`) and is the only way in: requests between batches, calls into the
training thread that return futures, reports to a listener. `runs` holds the run records a
project keeps and the helpers that compare a model's structure and weights across runs.
The GUI (visualnet/gui/training/) only draws these and forwards the user's requests.
"""
