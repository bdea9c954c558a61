"""Screenshots of the training page (mid-training) and the evaluation view, under a real X
server: `python -m tests.gui.training_screens OUTDIR` (run by test_training_screenshots)."""

import sys
import time
from pathlib import Path

from PySide6.QtWidgets import QApplication


def main(out: Path) -> int:
    from visualnet.gui.app import create_app
    from visualnet.gui.main_window import MainWindow
    from visualnet.gui.training import install

    app = create_app(theme_mode="light")
    MainWindow.ask_before_discarding = False
    window = MainWindow()
    window.resize(1400, 900)
    window.show()
    window.load_template("mnist_cnn")
    page = install(window)
    window.pages.setCurrentWidget(page)
    page.select_dataset("mnist")
    page.data_panel.subset.setValue(3000)
    page.settings.validation_split.setValue(10)
    page.settings.epochs.setValue(100)  # still running when stopped below (3 epochs ended first: a 120 s wait)

    def pump(seconds, until=lambda: False):
        end = time.time() + seconds
        while time.time() < end and not until():
            app.processEvents()
            time.sleep(0.01)

    page.train()
    pump(120, lambda: page.session.history.epoch.get("epoch") and page.session.step_count > 130)
    page.pause()
    pump(1.0)
    page.settings.set_learning_rate(0.0003)
    page.resume()
    pump(3.0)
    out.mkdir(parents=True, exist_ok=True)
    ok = window.grab().save(str(out / "training_page.png"))
    page.tabs.setCurrentWidget(page.inside)
    pump(2.5)
    ok &= window.grab().save(str(out / "training_inside.png"))
    page.stop()
    pump(120, lambda: page.state == "stopped" and page.evaluation.report is not None)
    page.tabs.setCurrentWidget(page.evaluation)
    pad = page.evaluation.pad
    from PySide6.QtCore import QPoint
    for y in range(30, 140, 8):
        pad.stroke(QPoint(84, y), QPoint(84, y + 8))
    page.evaluation._predict_clicked()
    pump(30, lambda: "%" in page.evaluation.prediction_label.text())     # predicted off the GUI thread
    ok &= window.grab().save(str(out / "evaluation_view.png"))
    page.shutdown()
    window.close()
    QApplication.processEvents()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
