"""A progress update paints the bar once (QProgressBar.setValue alone repaints at once, and
the new text asks for a second paint): the GUI thread's share of a fast run stays small."""

from PySide6.QtCore import QEvent, QObject

from visualnet.gui.training.controls import RunControls


class _Paints(QObject):
    count = 0

    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


def test_each_progress_update_paints_the_bar_once(qtbot):
    controls = RunControls({k: (lambda: None) for k in ("train", "pause", "resume", "step", "stop", "evaluate")})
    qtbot.addWidget(controls)
    controls.resize(800, 60)
    controls.show()
    qtbot.waitExposed(controls)
    paints = _Paints()
    controls.progress.installEventFilter(paints)
    for i in range(20):
        controls.show_progress({"fraction": i / 20, "epoch": i // 4, "epochs": 5, "batch": i, "steps_per_epoch": 250,
                                "samples_per_second": 50_000.0 + i, "eta": 10.0 - i / 2})
        qtbot.wait(1)
    assert paints.count == 20
    assert controls.progress.value() == int(1000 * 19 / 20) and "epoch 5/5" in controls.progress.format()
