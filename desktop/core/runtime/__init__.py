"""Runtime: supervision of the worker and vector-store children, the single-instance lock, logs,
the doctor and the self-check.

Modules: ``supervisor``, ``services``, ``instance``, ``logs``, ``doctor``, ``selfcheck``."""
