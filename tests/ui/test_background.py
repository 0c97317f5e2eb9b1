"""The one background mechanism: results, errors, progress and foreign-thread callbacks
arrive on the UI thread, in order, and never reach a widget that is gone."""
import threading

import shiboken6
from PySide6.QtWidgets import QWidget

from desktop.ui.background import AUDIO, run_in_background, ui_callback


def test_progress_then_the_result_arrive_on_the_ui_thread_in_order(qtbot):
    ui = threading.get_ident()
    progress: list[tuple[int, int]] = []
    done: list[tuple[int, int]] = []

    def work(report) -> int:
        for i in range(20):
            report(i)
        return threading.get_ident()

    task = run_in_background(work, on_done=lambda t: done.append((t, threading.get_ident())),
                             on_progress=lambda v: progress.append((v, threading.get_ident())))
    qtbot.waitUntil(lambda: bool(done), timeout=5000)
    assert task.finished
    assert [v for v, _ in progress] == list(range(20)) and {t for _, t in progress} == {ui}
    worker, delivered_on = done[0]
    assert worker != ui and delivered_on == ui


def test_an_error_reaches_on_error_on_the_ui_thread(qtbot):
    ui = threading.get_ident()
    errors: list[tuple[BaseException, int]] = []

    def work() -> None:
        raise ValueError("unreadable")

    run_in_background(work, on_error=lambda e: errors.append((e, threading.get_ident())))
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert isinstance(errors[0][0], ValueError) and errors[0][1] == ui


def test_a_result_for_a_deleted_owner_is_dropped(qtbot):
    owner = QWidget()
    gate = threading.Event()
    reached: list[str] = []
    run_in_background(lambda: gate.wait(5), on_done=lambda _r: reached.append("owner"), lane=AUDIO, owner=owner)
    shiboken6.delete(owner)                 # the pane closed while the work ran
    gate.set()
    # The audio lane has one thread: this runs after the first task, and reports after it.
    run_in_background(lambda: None, on_done=lambda _r: reached.append("after"), lane=AUDIO)
    qtbot.waitUntil(lambda: "after" in reached, timeout=5000)
    assert reached == ["after"]


def test_a_callback_from_a_foreign_thread_runs_on_the_ui_thread(qtbot):
    ui = threading.get_ident()
    owner = QWidget()
    qtbot.addWidget(owner)
    got: list[tuple[int, int]] = []
    call = ui_callback(lambda x: got.append((x, threading.get_ident())), owner)
    t = threading.Thread(target=call, args=(7,))
    t.start()
    t.join()
    qtbot.waitUntil(lambda: bool(got), timeout=5000)
    assert got == [(7, ui)]
