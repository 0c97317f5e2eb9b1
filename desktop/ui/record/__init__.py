"""The Record pane and its parts, each named after what the student sees."""
from .captions_view import CaptionsView
from .details_form import DetailsForm, NewSubjectDialog
from .media_import import MediaImportButton
from .microphone_picker import MicrophonePicker
from .pane import RecordPane
from .recent_lectures import RecentLectures
from .recording_controller import RecordingController
from .recovery_banner import RecoveryBanner

__all__ = ["CaptionsView", "DetailsForm", "NewSubjectDialog", "MediaImportButton", "MicrophonePicker", "RecordPane",
           "RecentLectures", "RecordingController", "RecoveryBanner"]
