"""Player bar: −10 s, Play/Pause, +10 s, the position slider, the time and the speed.

It owns the ``QMediaPlayer``. It never starts playing by itself: only ``seek(..., play=True)``
(a click on a line, a citation) or the Play button start it, and a request made while
the audio still loads is kept until it is ready, then forgotten. At the end of the
audio the button says "Play" again, and Play starts from the beginning.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QSlider, QStyle, QToolButton, QWidget

from ...core.timefmt import format_duration

READY = (QMediaPlayer.LoadedMedia, QMediaPlayer.BufferedMedia, QMediaPlayer.BufferingMedia, QMediaPlayer.EndOfMedia)


class PlayerBar(QWidget):
    moved = Signal()              # the position changed (playing or sought)
    problem = Signal(str)         # plain message
    ended = Signal()              # played to the end of the audio

    def __init__(self, start_s: float = 0.0, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.fallback_duration_s = 0.0      # shown until the audio says how long it is
        self._pending_seek: float | None = max(0.0, start_s)
        self._play_when_ready = False
        self._user_dragging = False
        self.player = QMediaPlayer(self)
        self.audio = QAudioOutput(self)
        self.player.setAudioOutput(self.audio)

        bar = QHBoxLayout(self)
        bar.setContentsMargins(0, 0, 0, 0)
        self.back_button = QToolButton()
        self.back_button.setText("−10 s")
        self.back_button.setToolTip("Back 10 seconds (Left)")
        self.play_button = QPushButton("Play")
        self.play_button.setIcon(self.style().standardIcon(QStyle.SP_MediaPlay))
        self.play_button.setObjectName("PrimaryButton")
        self.play_button.setToolTip("Play or pause (Space)")
        self.play_button.setMinimumWidth(100)
        self.fwd_button = QToolButton()
        self.fwd_button.setText("+10 s")
        self.fwd_button.setToolTip("Forward 10 seconds (Right)")
        self.slider = QSlider(Qt.Horizontal)
        self.slider.setAccessibleName("Position in the lecture")
        self.time_label = QLabel("0:00 / 0:00")
        self.time_label.setMinimumWidth(90)
        self.speed = QComboBox()
        for rate in (0.75, 1.0, 1.25, 1.5, 2.0):
            self.speed.addItem(f"{rate:g}×", rate)
        self.speed.setCurrentIndex(1)
        self.speed.setToolTip("Playback speed")
        for w in (self.back_button, self.play_button, self.fwd_button):
            bar.addWidget(w)
        bar.addWidget(self.slider, 1)
        bar.addWidget(self.time_label)
        bar.addWidget(self.speed)

        self.play_button.clicked.connect(self.toggle_play)
        self.back_button.clicked.connect(lambda: self.seek(self.position_s() - 10))
        self.fwd_button.clicked.connect(lambda: self.seek(self.position_s() + 10))
        self.slider.sliderPressed.connect(lambda: setattr(self, "_user_dragging", True))
        self.slider.sliderReleased.connect(self._slider_released)
        self.speed.currentIndexChanged.connect(lambda _i: self.player.setPlaybackRate(self.speed.currentData()))
        self.player.durationChanged.connect(lambda ms: self.slider.setRange(0, max(0, ms)))
        self.player.positionChanged.connect(self._on_position)
        self.player.mediaStatusChanged.connect(self._on_status)
        self.player.playbackStateChanged.connect(lambda _s: self._show_state())
        self.player.errorOccurred.connect(lambda _e, msg: self.problem.emit(f"The audio cannot be played: {msg}"))

    def set_file(self, path: Path) -> None:
        self.path = path
        self.loaded_bytes = self._size()
        self.player.setSource(QUrl.fromLocalFile(str(path)))

    def _size(self) -> int:
        try:
            return self.path.stat().st_size
        except OSError:
            return 0

    def has_grown(self, by_bytes: int = 32000) -> bool:
        """The file is longer than when it was loaded (by about a second of 16 kHz audio)."""
        return getattr(self, "path", None) is not None and self._size() - self.loaded_bytes >= by_bytes

    def reopen(self, play: bool | None = None) -> None:
        """Load the file again where it is (a lecture being recorded has grown since it was opened)."""
        path = getattr(self, "path", None)
        if path is None:
            return
        at, playing = self.position_s(), self.is_playing() if play is None else play
        self.player.setSource(QUrl())
        self._pending_seek, self._play_when_ready = at, playing
        self.set_file(path)

    # -- where and whether it plays ----------------------------------------------------------
    def position_s(self) -> float:
        """Where playback is (or is about to start, while the audio still loads)."""
        if self._pending_seek is not None:
            return self._pending_seek
        return self.player.position() / 1000.0

    def duration_s(self) -> float:
        ms = self.player.duration()
        return ms / 1000.0 if ms > 0 else self.fallback_duration_s

    def is_playing(self) -> bool:
        return self.player.playbackState() == QMediaPlayer.PlayingState

    def seek(self, seconds: float, play: bool = False) -> None:
        seconds = max(0.0, seconds)
        dur = self.player.duration()
        if dur > 0:
            seconds = min(seconds, dur / 1000.0)
        if self.player.mediaStatus() in READY and dur > 0:
            self._pending_seek = None
            self.player.setPosition(int(seconds * 1000))
            if play:
                self.player.play()
        else:
            self._pending_seek = seconds
            self._play_when_ready = self._play_when_ready or play
        self._update_time()
        self.moved.emit()

    def toggle_play(self) -> None:
        if self.is_playing():
            self.player.pause()
            return
        if self._pending_seek is not None:       # still loading: play once it is ready
            self._play_when_ready = True
            return
        if self.player.mediaStatus() == QMediaPlayer.EndOfMedia:
            self.player.setPosition(0)
        self.player.play()

    def _on_status(self, status) -> None:
        if status in (QMediaPlayer.LoadedMedia, QMediaPlayer.BufferedMedia) and self._pending_seek is not None:
            target, self._pending_seek = self._pending_seek, None
            self.player.setPosition(int(target * 1000))
            play, self._play_when_ready = self._play_when_ready, False
            if play:
                self.player.play()
        elif status == QMediaPlayer.EndOfMedia:
            self._show_state(playing=False)
            self.ended.emit()
        elif status == QMediaPlayer.InvalidMedia:
            self.problem.emit("This audio file cannot be played; the transcript is still here.")

    def _show_state(self, playing: bool | None = None) -> None:
        playing = self.is_playing() if playing is None else playing
        self.play_button.setText("Pause" if playing else "Play")
        self.play_button.setIcon(self.style().standardIcon(QStyle.SP_MediaPause if playing else QStyle.SP_MediaPlay))

    def _on_position(self, ms: int) -> None:
        if not self._user_dragging:
            self.slider.setValue(ms)
        self._update_time()
        self.moved.emit()

    def _slider_released(self) -> None:
        self._user_dragging = False
        self.seek(self.slider.value() / 1000.0)

    def _update_time(self) -> None:
        self.time_label.setText(f"{format_duration(self.position_s())} / {format_duration(self.duration_s())}")

    def release(self) -> None:
        """Let the event loop delete the player and its output (see ``TranscriptViewer.shutdown``)."""
        self.player.blockSignals(True)      # no more slots into a closing window
        self.player.deleteLater()           # stops playback and joins its threads
        self.audio.deleteLater()
