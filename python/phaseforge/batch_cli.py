"""phaseforge-batch: reconstruct many patterns with one recipe on dask.distributed.

    phaseforge-batch FILES... --output DIR [--workers N] [--scheduler ADDRESS]
                     [--gpus LIST] [--frames SPEC] [recipe options]

Exit codes: 0 every input reconstructed (or skipped as done), 1 an unexpected
failure, 2 a wrong command line, 3 an input could not be found or named, 6 at
least one input failed (its one-line error is printed and in the summary),
130 interrupted (complete results stay; run the same command to resume).
"""
from __future__ import annotations

import argparse
import os
import sys
import time

EXIT_OK, EXIT_BUG, EXIT_USAGE, EXIT_INPUT, EXIT_SOME_FAILED, EXIT_INTERRUPTED = 0, 1, 2, 3, 6, 130


def _parser():
    p = argparse.ArgumentParser(
        prog="phaseforge-batch",
        description="Reconstruct many diffraction patterns with one recipe, on a local "
                    "dask cluster or an existing dask scheduler. Results are CXI files in "
                    "--output, plus summary.csv; inputs already done are skipped.")
    p.add_argument("inputs", nargs="+", metavar="FILE",
                   help="pattern files, globs (quoted) or 3-D stacks; file.h5:/path names a dataset")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="folder for the results")
    where = p.add_argument_group("where it runs")
    where.add_argument("--workers", type=int, metavar="N",
                       help="local CPU workers (default: one per core); with GPUs, one worker per GPU")
    where.add_argument("--gpus", metavar="LIST",
                       help="local GPUs to use, e.g. 0,1,3 (default: every usable GPU); "
                            "'none' for CPU workers only")
    where.add_argument("--scheduler", metavar="ADDRESS",
                       help="an existing dask scheduler (tcp://host:8786); no local cluster")
    where.add_argument("--frames", metavar="SPEC",
                       help="frames of 3-D stacks: all (default), N, N-M or a list")
    r = p.add_argument_group("recipe (the same for every pattern)")
    r.add_argument("--algorithm",
                   help="a rule (phaseforge-cli reconstruct --help lists them) or a schedule "
                        "(default: the recipe's)")
    r.add_argument("--iterations", type=int, help="iterations of a single rule")
    r.add_argument("--beta", type=float, default=0.9)
    r.add_argument("--seed", type=int, default=0, help="seed of the random starts (default 0)")
    r.add_argument("--starts", type=int, help="independent starts (default: the recipe's)")
    r.add_argument("--support", choices=["auto", "none"], default="auto",
                   help="auto: the recipe's automatic support (default); none: positivity only")
    r.add_argument("--shrink-wrap", choices=["on", "off"], help="default: the recipe's (on)")
    r.add_argument("--engine", choices=["auto", "cuda", "cpu"], default="auto")
    r.add_argument("--metrics-every", type=int, default=1)
    kind = r.add_mutually_exclusive_group()
    kind.add_argument("--intensity", dest="kind", action="store_const", const="intensity")
    kind.add_argument("--amplitude", dest="kind", action="store_const", const="amplitude")
    centring = r.add_mutually_exclusive_group()
    centring.add_argument("--centred", dest="centring", action="store_const", const="centred")
    centring.add_argument("--fft-shifted", dest="centring", action="store_const",
                          const="fft-shifted")
    p.add_argument("--quiet", action="store_true", help="no progress, only the summary")
    return p


class Progress:
    """A bar on a terminal, one line per result otherwise (both on stderr)."""

    def __init__(self, stream=sys.stderr, quiet=False):
        self.stream, self.quiet = stream, quiet
        self.tty = stream.isatty()
        self.counts = {"ok": 0, "skipped": 0, "failed": 0}
        self.t0 = time.perf_counter()

    def __call__(self, row, done, total):
        self.counts[row["status"]] = self.counts.get(row["status"], 0) + 1
        if self.quiet:
            return
        name = row["input"] + (f" (frame {row['frame']})" if row.get("frame") not in ("", None) else "")
        if self.tty:
            width = 30
            filled = int(width * done / total)
            c = self.counts
            line = (f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}  "
                    f"ok {c['ok']}  skipped {c['skipped']}  failed {c['failed']}  "
                    f"{time.perf_counter() - self.t0:.0f} s")
            self.stream.write(line + ("\n" if done == total else ""))
            if row["status"] == "failed":
                self.stream.write(f"\n  failed: {row['error']}\n")
        else:
            extra = f"  {row['error']}" if row["status"] == "failed" else ""
            seconds = f"  {float(row['seconds']):.2f} s" if row.get("seconds") not in ("", None) else ""
            self.stream.write(f"[{done}/{total}] {row['status']:<7} {name}{seconds}{extra}\n")
        self.stream.flush()


def _print_summary(rows, total, output, summary, interrupted=False):
    ok = sum(r["status"] == "ok" for r in rows)
    skipped = sum(r["status"] == "skipped" for r in rows)
    failed = [r for r in rows if r["status"] == "failed"]
    head = "interrupted: " if interrupted else ""
    print(f"{head}{len(rows)} of {total} pattern(s) done: {ok} reconstructed, "
          f"{skipped} skipped (already done), {len(failed)} failed; results in {output}, "
          f"summary {summary}")
    for r in failed:
        print(f"  failed: {r['error']}")
    if interrupted:
        print("run the same command again to resume: finished results are skipped")


def _keep_workers_from_running_this_script():
    """Worker processes are spawned, and a spawned process first re-runs the
    parent's main script (or module) to find its functions. This command's
    main imports phaseforge, and a worker must import phaseforge only after
    its environment (CUDA_VISIBLE_DEVICES) is set. The workers need nothing
    from this script, so it is hidden from them."""
    main = sys.modules.get("__main__")
    if main is not None and getattr(main, "__name__", "") == "__main__":
        main.__spec__ = None
        if hasattr(main, "__file__"):
            del main.__file__


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    if argv is None:
        _keep_workers_from_running_this_script()
    try:
        import distributed  # noqa: F401  (the batch needs it; say so before any work)

        from .batch import BatchInterrupted, Recipe, expand_inputs, run_batch
        recipe = Recipe(algorithm=args.algorithm, iterations=args.iterations, beta=args.beta,
                        seed=args.seed, starts=args.starts, support=args.support,
                        shrink_wrap=None if args.shrink_wrap is None else args.shrink_wrap == "on",
                        engine=args.engine,
                        metrics_every=args.metrics_every, kind=args.kind, centring=args.centring)
    except ImportError as err:
        print(f"phaseforge-batch: {err} (install the extra: pip install 'phaseforge[batch]')",
              file=sys.stderr)
        return EXIT_BUG
    try:
        items = expand_inputs(args.inputs, args.frames)
    except (OSError, ValueError) as err:
        print(f"phaseforge-batch: {err}", file=sys.stderr)
        return EXIT_INPUT
    gpus = None
    if args.gpus is not None:
        gpus = [] if args.gpus == "none" else [g.strip() for g in args.gpus.split(",") if g.strip()]
    if args.engine == "cpu" and args.gpus is None:
        gpus = []
    summary = os.path.join(os.path.abspath(args.output), "summary.csv")
    progress = Progress(quiet=args.quiet)
    try:
        rows = run_batch(items, args.output, recipe=recipe, scheduler=args.scheduler,
                         workers=args.workers, gpus=gpus, on_result=progress)
    except BatchInterrupted as stop:
        _print_summary(stop.rows, len(items), args.output, summary, interrupted=True)
        return EXIT_INTERRUPTED
    except KeyboardInterrupt:
        print("interrupted before any result", file=sys.stderr)
        return EXIT_INTERRUPTED
    except ValueError as err:
        print(f"phaseforge-batch: {err}", file=sys.stderr)
        return EXIT_USAGE
    _print_summary(rows, len(items), args.output, summary)
    return EXIT_SOME_FAILED if any(r["status"] == "failed" for r in rows) else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
