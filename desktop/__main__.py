"""Entry point: ``lectern`` opens the window; subcommands run headless (``lectern --help``)."""
from __future__ import annotations

import argparse
import os
import sys


def _window_options(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--data-dir", help="data folder (default: the platform's user data folder)")
    parser.add_argument("--startup-probe", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--self-test", action="store_true",
                        help="prove this installation works, offline, in a temporary folder: read the sample PDF, "
                             "transcribe the sample lecture, answer with a citation, export cards, open the window; "
                             "prints a JSON report, exits 1 naming the step that failed")
    return parser


def build_parser() -> argparse.ArgumentParser:
    from .cli import chat, lectures, library, study, sync, system

    parser = _window_options(argparse.ArgumentParser(prog="lectern",
                                                     description="Lectern: lectures, library and chat, offline."))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in (system, library, lectures, chat, sync, study):
        module.add_parsers(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    import multiprocessing

    multiprocessing.freeze_support()  # before argument parsing: frozen helpers re-exec us
    from .core.storage.config import DATA_DIR_ENV, DataPaths, apply_offline_env

    apply_offline_env()
    # Opening the window takes only the window's options: the command modules (and the
    # libraries they load) are imported only when a command is given, to keep start-up short.
    args, rest = _window_options(argparse.ArgumentParser(add_help=False)).parse_known_args(argv)
    if rest:
        args = build_parser().parse_args(argv)
    else:
        args.command = None
    if args.data_dir:
        os.environ[DATA_DIR_ENV] = os.path.abspath(os.path.expanduser(args.data_dir))
    if args.self_test:
        from .self_test import run as self_test

        return self_test()
    paths = DataPaths.current()
    if args.command is None:
        from .app import run_gui

        return run_gui(paths, startup_probe=args.startup_probe)
    try:
        code = int(args.func(args, paths) or 0)
        sys.stdout.flush()
    except BrokenPipeError:
        return _reader_went_away()
    return code


def _reader_went_away() -> int:
    """The command's output was piped into a reader that stopped early (``lectern library --json | head``).

    Not an error of ours: no traceback. Point stdout at devnull so the interpreter's
    final flush does not fail again, and exit as a process killed by SIGPIPE would.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return 141


if __name__ == "__main__":
    sys.exit(main())
