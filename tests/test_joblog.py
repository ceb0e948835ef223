"""A failed run names each failed job with its own error line, not "check log file(s)"."""

from mlipcost.io.joblog import error_line, failed_jobs

RUN_LOG = """\
[Mon Dec  7 08:06:25 2026]
Error in rule fit_sweep:
    message: None
    jobid: 1
    input: results/structures.h5
    output: results/sweep/2J6.csv
    log: results/logs/fit_sweep/2J6.log (check log file(s) for error details)
    wildcards: twojmax=6
    shell:
        (command exited with non-zero exit code)
RuleException:
CalledProcessError in file "Snakefile", line 12:
[Mon Dec  7 08:06:25 2026]
Error in rule label_chunk:
    message: None
    jobid: 2
    output: results/dft/level5/chunk3.h5
    log: results/logs/dft/level5/chunk3.log (check log file(s) for error details)
    wildcards: level=5, chunk=3
Error in rule structures:
    jobid: 3
    output: results/structures.h5
Exiting because a job execution failed. Look above for error messages
"""


def test_each_failed_job_with_its_own_error_line(tmp_path):
    logs = tmp_path / "results/logs"
    (logs / "fit_sweep").mkdir(parents=True)
    (logs / "dft/level5").mkdir(parents=True)
    (logs / "fit_sweep/2J6.log").write_text(
        "2Jmax 6: reading\nTraceback (most recent call last):\n  File x, line 3\n"
        "ValueError: fit.training_sizes [200] exceed the 150 training configurations\n")
    (logs / "dft/level5/chunk3.log").write_text(
        "configuration 7: SCF\nmlipcost.io.storage.DiskFullError: no space left writing "
        "results/dft/level5/chunk3.h5: free space in results/dft/level5 and rerun\n")
    run_log = tmp_path / "run.log"
    run_log.write_text(RUN_LOG)
    lines = failed_jobs(run_log, tmp_path)
    assert lines == [
        "fit_sweep (twojmax=6): ValueError: fit.training_sizes [200] exceed the 150 training "
        "configurations",
        "label_chunk (level=5, chunk=3): mlipcost.io.storage.DiskFullError: no space left writing "
        "results/dft/level5/chunk3.h5: free space in results/dft/level5 and rerun",
        "structures: it has no log file",
    ]


def test_a_log_without_an_error_line_gives_its_last_line(tmp_path):
    log = tmp_path / "job.log"
    log.write_text("step 1\nkilled at step 2\n\n")
    assert error_line(log) == "killed at step 2"
    assert error_line(tmp_path / "missing.log") is None
